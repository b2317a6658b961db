//! Audit checkpoints at the coordinator: verified against the sending node's registry key,
//! stored for good (a resend is a no-op, a different checkpoint under a taken number is
//! refused `conflict`), and handed back to that node only, a page at a time.

use crate::support::*;
use vrs_protocol::messages::{Checkpoint, CheckpointAck, CheckpointFetch, CheckpointList, SignedCheckpoint};
use vrs_protocol::{Message, SigningKey, WireErrorCode};

fn checkpoint(node: &FakeNode, seq: u64, entries: u64, signer: &SigningKey) -> SignedCheckpoint {
    let c = Checkpoint { municipality: node.code, seq, entries, head: [seq as u8; 32], at_ms: 1_700_000_000_000 + seq };
    SignedCheckpoint::sign(signer, c)
}

async fn fetch(node: &FakeNode, c: &Coordinator, party: &Party, after_seq: u64, limit: u16) -> CheckpointList {
    match ask(node, c, party, &Message::CheckpointFetch(CheckpointFetch { after_seq, limit }), &node.signing).await {
        Ok(Message::CheckpointList(list)) => list,
        other => panic!("expected a list, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_kept_as_signed_and_handed_back_to_their_node_only() {
    let (mut c, chiyoda, yokohama) = connected_pair().await;
    let party = coordinator_keys(&chiyoda, &c).await;

    for seq in 1..=3 {
        let cp = checkpoint(&chiyoda, seq, seq * 10, &chiyoda.signing);
        let answer = ask(&chiyoda, &c, &party, &Message::Checkpoint(cp), &chiyoda.signing).await;
        assert_eq!(answer, Ok(Message::CheckpointAck(CheckpointAck { seq })));
    }
    // A resend (a new envelope) of the same checkpoint: confirmed again, stored once.
    let again = checkpoint(&chiyoda, 2, 20, &chiyoda.signing);
    assert_eq!(
        ask(&chiyoda, &c, &party, &Message::Checkpoint(again), &chiyoda.signing).await,
        Ok(Message::CheckpointAck(CheckpointAck { seq: 2 }))
    );
    // Another checkpoint under number 2: refused, the first one stays.
    let rewrite = checkpoint(&chiyoda, 2, 25, &chiyoda.signing);
    assert_eq!(
        ask(&chiyoda, &c, &party, &Message::Checkpoint(rewrite), &chiyoda.signing).await,
        Err(WireErrorCode::Conflict)
    );
    // Signed by a key that is not the node's registry key (the envelope itself is fine).
    let forged = checkpoint(&chiyoda, 4, 40, &SigningKey::generate().unwrap());
    assert_eq!(
        ask(&chiyoda, &c, &party, &Message::Checkpoint(forged), &chiyoda.signing).await,
        Err(WireErrorCode::BadSignature)
    );
    // Naming another municipality than the sender.
    let other = checkpoint(&yokohama, 1, 1, &chiyoda.signing);
    assert_eq!(
        ask(&chiyoda, &c, &party, &Message::Checkpoint(other), &chiyoda.signing).await,
        Err(WireErrorCode::SenderMismatch)
    );

    let all = fetch(&chiyoda, &c, &party, 0, 1000).await;
    assert!(!all.more);
    let held: Vec<(u64, u64)> = all.checkpoints.iter().map(|s| (s.checkpoint.seq, s.checkpoint.entries)).collect();
    assert_eq!(held, [(1, 10), (2, 20), (3, 30)]);
    for s in &all.checkpoints {
        s.verify(&chiyoda.signing.public_key()).expect("kept exactly as the node signed it");
    }
    let page = fetch(&chiyoda, &c, &party, 1, 1).await;
    assert_eq!((page.checkpoints.len(), page.checkpoints[0].checkpoint.seq, page.more), (1, 2, true));
    // Yokohama asks: it gets its own (none), never Chiyoda's.
    let party_y = coordinator_keys(&yokohama, &c).await;
    assert!(fetch(&yokohama, &c, &party_y, 0, 1000).await.checkpoints.is_empty());

    // Kept across a kill -9 of the coordinator: they were committed before the ack.
    c.kill9();
    c.start().await;
    chiyoda.wait_connected(&c).await;
    let after = fetch(&chiyoda, &c, &party, 0, 1000).await;
    assert_eq!(after.checkpoints, all.checkpoints);
}
