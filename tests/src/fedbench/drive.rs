//! Sends a plan with a fixed number of doses in flight (a closed loop: each worker sends
//! its next dose when the answer to the previous one is back) and times every dose from
//! the request leaving the sender to the sealed ack being back.

use super::identity::{Directory, SimIdentity};
use super::plan::{Item, seal_request};
use super::sim::Crypto;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vrs_link::{Channel, Client, PeerId};
use vrs_protocol::{Address, Envelope, EnvelopeResponse, Kind, Message, ReplayGuard};

/// Where the doses go: each item's sender sends through `clients[sender]` to `via`.
#[derive(Clone)]
pub struct Route {
    pub clients: Arc<Vec<Client>>,
    pub via: PeerId,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub sent: usize,
    pub acked: usize,
    /// Anything but a good ack, by what it was (`queued`, a wire code, a link error).
    pub failures: BTreeMap<String, usize>,
    pub elapsed: Duration,
    /// Sorted, µs, acked doses only.
    pub latencies_us: Vec<u32>,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.acked as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

struct Ctx {
    items: Arc<Vec<Item>>,
    route: Route,
    ids: Arc<Vec<Arc<SimIdentity>>>,
    directory: Arc<Directory>,
    crypto: Crypto,
    next: AtomicUsize,
    replay: Mutex<ReplayGuard>,
}

pub async fn drive(
    items: Arc<Vec<Item>>,
    route: Route,
    ids: Arc<Vec<Arc<SimIdentity>>>,
    directory: Arc<Directory>,
    crypto: Crypto,
    in_flight: usize,
) -> Outcome {
    let ctx =
        Arc::new(Ctx { items, route, ids, directory, crypto, next: AtomicUsize::new(0), replay: Mutex::default() });
    let start = Instant::now();
    let workers: Vec<_> = (0..in_flight.max(1)).map(|_| tokio::spawn(worker(ctx.clone()))).collect();
    let mut out = Outcome::default();
    for w in workers {
        match w.await {
            Ok(part) => {
                out.sent += part.sent;
                out.acked += part.acked;
                out.latencies_us.extend(part.latencies_us);
                for (k, v) in part.failures {
                    *out.failures.entry(k).or_default() += v;
                }
            }
            Err(e) => *out.failures.entry(format!("worker failed: {e}")).or_default() += 1,
        }
    }
    out.elapsed = start.elapsed();
    out.latencies_us.sort_unstable();
    out
}

async fn worker(ctx: Arc<Ctx>) -> Outcome {
    let mut out = Outcome::default();
    loop {
        let i = ctx.next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = ctx.items.get(i) else { break };
        let t0 = Instant::now();
        let frame = match &item.frame {
            Some(f) => Ok(f.clone()),
            None => seal_request(&ctx.ids[item.sender], &ctx.ids[item.recipient], &item.dose).map(|e| e.to_bytes()),
        };
        out.sent += 1;
        let result = match frame {
            Ok(frame) => {
                let client = &ctx.route.clients[item.sender.min(ctx.route.clients.len() - 1)];
                match client.request(ctx.route.via, Channel::Envelope, frame).await {
                    Ok(answer) => check(&ctx, item, &answer),
                    Err(e) => Err(format!("link: {e}")),
                }
            }
            Err(e) => Err(format!("seal: {e}")),
        };
        match result {
            Ok(()) => {
                out.acked += 1;
                out.latencies_us.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
            }
            Err(what) => *out.failures.entry(what).or_default() += 1,
        }
    }
    out
}

/// A good answer is a sealed `DoseAck` for this dose from its recipient. Presealed runs
/// check the header (the ack inside was sealed by us); live runs open it.
fn check(ctx: &Ctx, item: &Item, answer: &[u8]) -> Result<(), String> {
    let env = match EnvelopeResponse::from_bytes(answer) {
        Ok(EnvelopeResponse::Reply(env)) => env,
        Ok(EnvelopeResponse::Queued) => return Err("queued".into()),
        Ok(EnvelopeResponse::Accepted) => return Err("accepted without a reply".into()),
        Ok(EnvelopeResponse::Error(code)) => return Err(format!("refused: {}", code.as_str())),
        Err(_) => return Err("undecodable answer".into()),
    };
    let (from, to) = (&ctx.ids[item.sender], &ctx.ids[item.recipient]);
    let h = env.header();
    if h.kind != Kind::DoseAck || h.sender != Address::Node(to.code) || h.recipient != Address::Node(from.code) {
        return Err("reply from the wrong node or of the wrong kind".into());
    }
    if ctx.crypto == Crypto::Presealed {
        return Ok(());
    }
    open_ack(ctx, &env, item)
}

fn open_ack(ctx: &Ctx, env: &Envelope, item: &Item) -> Result<(), String> {
    let (from, to) = (&ctx.ids[item.sender], &ctx.ids[item.recipient]);
    let (signing, _) = ctx.directory.keys(to.code).ok_or("recipient not in the directory")?;
    let opened = {
        let mut guard = ctx.replay.lock().unwrap_or_else(|e| e.into_inner());
        env.open(Address::Node(from.code), &from.decryption, &signing, &mut guard, vrs_protocol::now_ms())
    };
    match opened.map_err(|e| format!("ack: {}", e.wire_code().as_str()))?.message {
        Message::DoseAck(ack) if ack.dose_id == item.dose.dose_id => Ok(()),
        _ => Err("ack for another dose".into()),
    }
}
