//! Writes routing-log rows off the routing path: routing hands each row to a bounded
//! channel (waiting when it is full, so a slow disk slows routing rather than losing the
//! record), and one task writes them in batches, one transaction each.

use crate::db::{Pool, routing_log};
use tokio::sync::{mpsc, watch};

const CAPACITY: usize = 16_384;
const BATCH: usize = 1_000;

#[derive(Debug, Clone)]
pub struct RoutingLog {
    tx: mpsc::Sender<routing_log::Entry>,
}

impl RoutingLog {
    pub async fn record(&self, entry: routing_log::Entry) {
        if self.tx.send(entry).await.is_err() {
            tracing::warn!("routing log writer stopped; entry not written");
        }
    }
}

/// The channel and the writer task, which drains what is left when `stop` turns true.
pub fn start(db: Pool, mut stop: watch::Receiver<bool>) -> (RoutingLog, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel(CAPACITY);
    let task = tokio::spawn(async move {
        loop {
            let mut batch = Vec::with_capacity(BATCH);
            tokio::select! {
                n = rx.recv_many(&mut batch, BATCH) => if n == 0 { break },
                _ = stop.changed() => {
                    while let Ok(e) = rx.try_recv() {
                        batch.push(e);
                    }
                    write(&db, batch).await;
                    break;
                }
            }
            write(&db, batch).await;
        }
    });
    (RoutingLog { tx }, task)
}

async fn write(db: &Pool, batch: Vec<routing_log::Entry>) {
    if batch.is_empty() {
        return;
    }
    let db = db.clone();
    let n = batch.len();
    let result = tokio::task::spawn_blocking(move || -> Result<(), crate::db::DbError> {
        routing_log::insert_batch(&mut *db.get()?, &batch)
    })
    .await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, rows = n, "routing log rows not written"),
        Err(e) => tracing::error!(error = %e, rows = n, "routing log writer failed"),
    }
}
