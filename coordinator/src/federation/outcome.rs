//! How the routing of one envelope ended: the label of the `messages_total` metric and
//! the `outcome` column of the routing log. A bounded set (wire codes are a closed enum).

use vrs_protocol::WireErrorCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Forwarded live; the recipient accepted or replied, and its answer was relayed.
    Forwarded,
    /// Forwarded live; the recipient answered an error, relayed to the sender.
    RecipientRefused(WireErrorCode),
    /// Stored for an unreachable recipient; the sender was told `queued`.
    Queued,
    /// The same (sender, message id) was already in the queue; answered `queued` again.
    QueuedAgain,
    /// Refused by the coordinator with this wire code.
    Refused(WireErrorCode),
    /// Delivered from the queue (accepted or replied).
    Delivered,
    /// Delivered from the queue earlier: the recipient answered `replayed`.
    DeliveredBefore,
    /// Dropped from the queue: the recipient refused it for good.
    Dropped(WireErrorCode),
    /// Dropped from the queue: older than the store-and-forward window.
    Expired,
}

impl Outcome {
    pub fn label(self) -> String {
        match self {
            Outcome::Forwarded => "forwarded".into(),
            Outcome::RecipientRefused(c) => format!("recipient_refused:{c}"),
            Outcome::Queued => "queued".into(),
            Outcome::QueuedAgain => "queued_again".into(),
            Outcome::Refused(c) => format!("refused:{c}"),
            Outcome::Delivered => "delivered".into(),
            Outcome::DeliveredBefore => "delivered_before".into(),
            Outcome::Dropped(c) => format!("dropped:{c}"),
            Outcome::Expired => "expired".into(),
        }
    }
}
