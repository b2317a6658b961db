//! `take_write_lock` serialises the transactions that decide doses from what they read (the
//! dose writer, CSV uploads, delivered doses, corrections) on both backends: on PostgreSQL,
//! two of them interleaving under READ COMMITTED could both read "no dose yet" and both
//! insert the same dose.

use crate::on_both_backends;
use diesel::Connection;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use vrs_node::db::DbError;
use vrs_node::db::vaccinations::take_write_lock;

/// How long the first transaction holds the lock: long enough that a second one that did
/// not wait for it would be seen taking it early.
const HELD: Duration = Duration::from_millis(400);

on_both_backends! {
    fn a_second_dose_transaction_waits_for_the_first_to_end(db) {
        let (mut first, mut second) = (db.raw(), db.raw());
        let (locked_tx, locked_rx) = mpsc::sync_channel(1);
        let holder = std::thread::spawn(move || {
            first
                .transaction::<_, DbError, _>(|c| {
                    take_write_lock(c)?;
                    locked_tx.send(()).unwrap();
                    std::thread::sleep(HELD);
                    Ok(())
                })
                .unwrap();
        });
        locked_rx.recv().unwrap();
        let asked = Instant::now();
        let got = second
            .transaction::<_, DbError, _>(|c| {
                take_write_lock(c)?;
                Ok(Instant::now())
            })
            .unwrap();
        holder.join().unwrap();
        // The first holds the lock for HELD after saying so; a second that took it without
        // waiting would return at once.
        assert!(got.duration_since(asked) >= HELD / 2, "the second transaction did not wait for the first");
    }

    fn the_lock_ends_with_a_rollback_too(db) {
        let (mut first, mut second) = (db.raw(), db.raw());
        let failed = first.transaction::<(), DbError, _>(|c| {
            take_write_lock(c)?;
            Err(DbError::Query("the batch failed".into()))
        });
        assert!(failed.is_err());
        let t = Instant::now();
        second.transaction::<_, DbError, _>(take_write_lock).unwrap();
        assert!(t.elapsed() < Duration::from_secs(5), "a rolled-back transaction kept the lock");
    }
}
