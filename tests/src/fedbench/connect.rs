//! Bringing every simulated node onto the coordinator at once, and the direct pair the
//! baseline runs over.

use super::identity::SimIdentity;
use super::sim::{self, Shared, SimNode};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use vrs_link::{Multiaddr, PeerId};

#[derive(Debug)]
pub struct Connected {
    pub nodes: Vec<SimNode>,
    /// From the first dial to the last link up.
    pub links_up: Duration,
    /// From the first dial to the last registry fetched and verified.
    pub all_ready: Duration,
    /// Nodes whose registry fetch failed or was not the newest version, with why.
    pub problems: Vec<String>,
}

/// Starts every node, dials the coordinator from all of them together and waits until
/// each has its link up and the current registry verified (or `within` runs out).
pub async fn connect_all(
    ids: &[Arc<SimIdentity>],
    coordinator: PeerId,
    address: Multiaddr,
    shared: Arc<Shared>,
    expect_version: u64,
    within: Duration,
) -> anyhow::Result<Connected> {
    let (tx, mut rx) = mpsc::channel(ids.len());
    let start = Instant::now();
    let mut nodes = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let node = sim::start(i, id.clone(), coordinator, shared.clone(), Some(tx.clone()))?;
        node.client.keep_connected(coordinator, address.clone()).await?;
        nodes.push(node);
    }
    drop(tx);
    let (mut links_up, mut all_ready, mut problems) = (Duration::ZERO, Duration::ZERO, Vec::new());
    let mut seen = 0;
    let deadline = tokio::time::Instant::now() + within;
    while seen < ids.len() {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ready)) => {
                seen += 1;
                links_up = links_up.max(ready.connected - start);
                all_ready = start.elapsed();
                let code = ids[ready.index].code;
                match ready.registry {
                    Ok(v) if v == expect_version => {}
                    Ok(v) => problems.push(format!("{code}: registry version {v}, expected {expect_version}")),
                    Err(e) => problems.push(format!("{code}: registry fetch failed: {e}")),
                }
            }
            Ok(None) => break,
            Err(_) => {
                problems.push(format!("{} nodes not ready within {within:?}", ids.len() - seen));
                break;
            }
        }
        if seen.is_multiple_of(250) {
            eprintln!("  {seen} nodes connected, {:.1} s", start.elapsed().as_secs_f64());
        }
    }
    Ok(Connected { nodes, links_up, all_ready, problems })
}

/// Two peers linked directly (no coordinator): `from` dials `to`, which answers exactly as
/// a simulated node answers the coordinator. Returns (sender, receiver).
pub async fn direct_pair(
    from: Arc<SimIdentity>,
    to: Arc<SimIdentity>,
    shared: Arc<Shared>,
) -> anyhow::Result<(SimNode, SimNode)> {
    let (from_peer, to_peer) = (from.peer_id(), to.peer_id());
    let receiver = sim::start(1, to, from_peer, shared.clone(), None)?;
    receiver.client.allow_only(HashSet::from([from_peer])).await?;
    let addr = receiver.client.listen("/ip4/127.0.0.1/tcp/0".parse()?).await?;
    let sender = sim::start(0, from, to_peer, shared, None)?;
    sender.client.keep_connected(to_peer, addr).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sender.client.connected_peers().await?.contains(&to_peer) {
        anyhow::ensure!(Instant::now() < deadline, "the baseline pair did not connect");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok((sender, receiver))
}
