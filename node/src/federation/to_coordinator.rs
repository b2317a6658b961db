//! Messages the node addresses to the coordinator itself (`000000`): sealed to the
//! coordinator's registry encryption key, answered by a reply the coordinator seals back
//! and signs with its registry key (specs/protocol.md §4.2, §4.3).

use super::service::{Federation, SendError};
use vrs_protocol::{Address, EnvelopeResponse, Message, SealParams};

impl Federation {
    /// Sends `message` to the coordinator and returns its answer, opened and checked.
    pub async fn ask_coordinator(&self, message: &Message) -> Result<Message, SendError> {
        let (coordinator_key, coordinator_enc) =
            self.registry.party_keys(Address::Coordinator).ok_or(SendError::NoRegistry)?;
        let me = Address::Node(self.code);
        let params = SealParams::new(me, Address::Coordinator, coordinator_enc);
        let reply = match self.seal_and_send(params, message).await? {
            EnvelopeResponse::Reply(reply) => reply,
            EnvelopeResponse::Error(code) => return Err(SendError::Refused(code)),
            EnvelopeResponse::Accepted | EnvelopeResponse::Queued => return Err(SendError::BadAnswer),
        };
        if reply.header().sender != Address::Coordinator {
            return Err(SendError::BadAnswer);
        }
        let mut guard = self.replies.lock().map_err(|_| SendError::BadAnswer)?;
        // A key rotation's answer is sealed to the new key, which `identity` holds as pending.
        let identity = self.identity();
        let key = identity.decryption_for(reply.header().recipient_key_id);
        let opened = reply
            .open(me, key, &coordinator_key, &mut guard, vrs_protocol::now_ms())
            .map_err(|_| SendError::BadAnswer)?;
        Ok(opened.message)
    }
}
