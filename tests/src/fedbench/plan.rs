//! The doses a run sends: who sends to whom, and (for presealed runs) the sealed request
//! and the sealed ack reply of each, made before the clock starts on both cores.

use super::identity::SimIdentity;
use super::sim::Crypto;
use std::collections::HashMap;
use std::sync::Arc;
use vrs_protocol::messages::{DoseAck, DoseDelivery, DoseOutcome};
use vrs_protocol::{
    Address, CivilDate, CouponNumber, Envelope, EnvelopeResponse, Message, MessageId, RecordId, SealParams,
};

/// Who talks to whom.
#[derive(Debug, Clone, Copy)]
pub enum Pattern {
    /// Every dose from node `0` to node `1`: one sender link, one recipient link.
    Pair,
    /// Random sender → recipient pairs over all nodes, sites of random length: every
    /// node's link carries both directions, as in the federation.
    Mixed,
}

#[derive(Debug)]
pub struct Item {
    pub sender: usize,
    pub recipient: usize,
    pub dose: DoseDelivery,
    /// The sealed request, for presealed runs (live runs seal it in the timed loop).
    pub frame: Option<Vec<u8>>,
}

/// A plan and the presealed answers its recipients give (empty for live runs).
pub struct Plan {
    pub items: Vec<Item>,
    pub replies: HashMap<MessageId, Vec<u8>>,
}

/// splitmix64: reproducible pairs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn build(
    ids: &Arc<Vec<Arc<SimIdentity>>>,
    pattern: Pattern,
    count: usize,
    seed: u64,
    crypto: Crypto,
) -> anyhow::Result<Plan> {
    anyhow::ensure!(ids.len() >= 2, "at least two nodes are needed");
    let mut rng = Rng(seed);
    let mut items = Vec::with_capacity(count);
    for i in 0..count {
        let (sender, recipient) = match pattern {
            Pattern::Pair => (0, 1),
            Pattern::Mixed => {
                let s = rng.below(ids.len());
                let r = (s + 1 + rng.below(ids.len() - 1)) % ids.len();
                (s, r)
            }
        };
        let site_len = match pattern {
            Pattern::Pair => 24,
            Pattern::Mixed => 8 + rng.below(200),
        };
        let dose = dose(&ids[sender], &ids[recipient], i, site_len)?;
        items.push(Item { sender, recipient, dose, frame: None });
    }
    if crypto == Crypto::Live {
        return Ok(Plan { items, replies: HashMap::new() });
    }
    preseal(ids, items)
}

fn dose(from: &SimIdentity, to: &SimIdentity, i: usize, site_len: usize) -> anyhow::Result<DoseDelivery> {
    Ok(DoseDelivery {
        dose_id: RecordId::random()?,
        coupon_municipality: to.code,
        coupon: CouponNumber::parse(&format!("{:010}", i % 10_000_000_000))?,
        dose_number: 1 + (i % 7) as u8,
        vaccinated_on: CivilDate::new(2021, 6, 1 + (i % 28) as u8)?,
        product: if i.is_multiple_of(3) { "spikevax" } else { "comirnaty" }.to_owned(),
        lot: format!("FA{:04}", i % 10_000),
        site: "x".repeat(site_len),
        given_in: from.code,
        recorded_at_ms: vrs_protocol::now_ms(),
    })
}

/// Seals every request and its ack reply, on two threads.
fn preseal(ids: &Arc<Vec<Arc<SimIdentity>>>, mut items: Vec<Item>) -> anyhow::Result<Plan> {
    let half = items.len().div_ceil(2).max(1);
    let replies = std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks_mut(half).map(|chunk| s.spawn(|| seal_chunk(ids, chunk))).collect();
        let mut replies = HashMap::new();
        for h in handles {
            let part = h.join().map_err(|_| anyhow::anyhow!("a sealing thread failed"))??;
            replies.extend(part);
        }
        anyhow::Ok(replies)
    })?;
    Ok(Plan { items, replies })
}

fn seal_chunk(ids: &[Arc<SimIdentity>], chunk: &mut [Item]) -> anyhow::Result<Vec<(MessageId, Vec<u8>)>> {
    let mut replies = Vec::with_capacity(chunk.len());
    for item in chunk {
        let (from, to) = (&ids[item.sender], &ids[item.recipient]);
        let request = seal_request(from, to, &item.dose)?;
        let ack = Message::DoseAck(DoseAck { dose_id: item.dose.dose_id, outcome: DoseOutcome::Recorded });
        let reply =
            Envelope::seal(&to.signing, SealParams::reply_to(request.header(), from.decryption.public_key()), &ack)?;
        replies.push((request.header().message_id, EnvelopeResponse::Reply(Box::new(reply)).to_bytes()));
        item.frame = Some(request.to_bytes());
    }
    Ok(replies)
}

pub fn seal_request(from: &SimIdentity, to: &SimIdentity, dose: &DoseDelivery) -> anyhow::Result<Envelope> {
    let params = SealParams::new(Address::Node(from.code), Address::Node(to.code), to.decryption.public_key());
    Ok(Envelope::seal(&from.signing, params, &Message::DoseDelivery(dose.clone()))?)
}
