//! The access log's hash chain on both databases: it stays linear under concurrent
//! writers, an untouched log verifies, and every kind of change made directly in the
//! database (an edited, deleted or slipped-in row, a rewrite that recomputed the stored
//! hashes, a truncated tail) is found, with the first broken entry named.

use crate::on_both_backends;
use crate::support::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use vrs_node::audit::chain;
use vrs_node::audit::checkpoint;
use vrs_node::audit::checkpoint_check::Signer;
use vrs_node::audit::findings::Break;
use vrs_node::audit::verify::{Report, verify};
use vrs_node::db::access_chain::{self, ChainRow};
use vrs_node::db::access_log::{self, Entry};
use vrs_node::db::{DbConn, audit_checkpoints};
use vrs_protocol::messages::SignedCheckpoint;
use vrs_protocol::{MunicipalityCode, SigningKey};

fn own() -> MunicipalityCode {
    MunicipalityCode::parse("131016").unwrap()
}

fn log(conn: &mut DbConn, n: usize, action: &str) {
    for i in 0..n {
        let atena = format!("{}", 1000 + i);
        let e = Entry { actor: "clerk", role: "staff", action, atena: Some(&atena), detail: Some(format!("i={i}")) };
        access_log::record(conn, e).unwrap();
    }
}

fn check(conn: &mut DbConn, key: &SigningKey, coordinator: Option<&[SignedCheckpoint]>) -> Report {
    let keys = [key.public_key()];
    verify(conn, &Signer { own: own(), keys: &keys }, coordinator).unwrap()
}

fn exec(db: &TestDb, sql: &str) {
    db.raw().batch_execute(sql).unwrap();
}

/// What an operator with database access and the code can do: rewrite the stored hashes
/// (and the head) from position `from` on so that every row links again.
fn rehash_from(db: &TestDb, from: i64) {
    let mut conn = db.raw();
    let st = access_chain::state(&mut conn).unwrap();
    let rows: Vec<ChainRow> = access_chain::page(&mut conn, st.anchor_seq, 1_000_000).unwrap();
    let mut prev = st.anchor_hash;
    let mut last = st.anchor_seq;
    for r in &rows {
        let seq = r.seq.unwrap();
        let h = if seq >= from {
            chain::link(&prev, &r.fields(seq as u64))
        } else {
            r.hash.clone().unwrap().try_into().unwrap()
        };
        use vrs_node::db::schema::access_log as t;
        diesel::update(t::table.find(r.id)).set(t::hash.eq(h.to_vec())).execute(&mut conn).unwrap();
        prev = h;
        last = seq;
    }
    use vrs_node::db::schema::access_log_chain as c;
    diesel::update(c::table.find(1i16))
        .set((c::head_seq.eq(last), c::head_hash.eq(prev.to_vec())))
        .execute(&mut conn)
        .unwrap();
}

/// What restoring a backup taken at `checkpoint` does to the log: the entries after it
/// are gone and the head is where the checkpoint saw it; later local checkpoints too.
fn back_to(db: &TestDb, checkpoint: &SignedCheckpoint) {
    use vrs_node::db::schema::{access_log as t, access_log_chain as c, audit_checkpoints as a};
    let entries = checkpoint.checkpoint.entries as i64;
    let mut conn = db.raw();
    diesel::delete(t::table.filter(t::seq.gt(entries))).execute(&mut conn).unwrap();
    diesel::delete(a::table.filter(a::seq.gt(checkpoint.checkpoint.seq as i64))).execute(&mut conn).unwrap();
    diesel::update(c::table.find(1i16))
        .set((c::head_seq.eq(entries), c::head_hash.eq(checkpoint.checkpoint.head.to_vec())))
        .execute(&mut conn)
        .unwrap();
}

fn first(report: &Report) -> &Break {
    report.first_break().unwrap_or_else(|| panic!("the change was not found:\n{}", report.render()))
}

on_both_backends! {
    fn an_untouched_log_verifies(db) {
        let key = SigningKey::generate().unwrap();
        let mut conn = db.conn();
        log(&mut conn, 5, "resident.read");
        let batch: Vec<Entry<'_>> = (0..300)
            .map(|i| Entry { actor: "desk", role: "staff", action: "inquiry.ask", atena: None, detail: Some(format!("line={i}")) })
            .collect();
        access_log::record_all(&mut conn, &batch).unwrap();
        let cp = checkpoint::make(&mut conn, own(), &key, 1).unwrap().expect("a first checkpoint");
        assert_eq!(cp.checkpoint.entries, 305);
        assert!(checkpoint::make(&mut conn, own(), &key, 2).unwrap().is_none(), "nothing new, no checkpoint");
        log(&mut conn, 3, "resident.search");
        let report = check(&mut conn, &key, Some(std::slice::from_ref(&cp)));
        assert!(report.is_intact(), "{}", report.render());
        assert_eq!((report.rows, report.head_seq, report.checkpoints.matched), (308, 308, 1));
        assert!(report.render().contains("OK: the access log is intact"));
    }

    fn concurrent_writers_keep_the_chain_linear(db) {
        std::thread::scope(|s| {
            for t in 0..6 {
                let pool = db.pool.clone();
                s.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    for i in 0..40 {
                        if i % 10 == 0 {
                            let batch: Vec<Entry<'_>> = (0..5)
                                .map(|_| Entry { actor: "w", role: "staff", action: "batch", atena: None, detail: None })
                                .collect();
                            access_log::record_all(&mut conn, &batch).unwrap();
                        } else {
                            // Inside a writer's own transaction, as the dose writer logs.
                            conn.transaction::<_, vrs_node::db::DbError, _>(|c| {
                                vrs_node::db::vaccinations::take_write_lock(c)?;
                                access_log::record(c, Entry { actor: "w", role: "staff", action: &format!("t{t}"), atena: None, detail: None })
                            }).unwrap();
                        }
                    }
                });
            }
        });
        let key = SigningKey::generate().unwrap();
        let report = check(&mut db.conn(), &key, None);
        assert!(report.is_intact(), "{}", report.render());
        // 6 writers × (36 single + 4 batches of 5) entries, at positions 1..=336.
        assert_eq!((report.rows, report.head_seq), (336, 336));
    }

    fn an_edited_row_is_found_and_named(db) {
        let key = SigningKey::generate().unwrap();
        log(&mut db.conn(), 10, "resident.read");
        exec(&db, "UPDATE access_log SET actor = 'someone_else' WHERE seq = 4");
        let report = check(&mut db.conn(), &key, None);
        match first(&report) {
            Break::Altered { seq, entry } => assert_eq!((*seq, entry.action.as_str()), (4, "resident.read")),
            other => panic!("expected entry 4 altered, got {other}"),
        }
        assert_eq!(report.breaks.len(), 1, "only the edited row: {}", report.render());
        assert!(report.render().contains("BROKEN: entry 4 (id"), "{}", report.render());
    }

    fn a_deleted_row_is_found(db) {
        let key = SigningKey::generate().unwrap();
        log(&mut db.conn(), 10, "resident.read");
        exec(&db, "DELETE FROM access_log WHERE seq IN (6, 7)");
        let report = check(&mut db.conn(), &key, None);
        assert_eq!(first(&report), &Break::Missing { from: 6, to: 7 }, "{}", report.render());
        assert_eq!(report.breaks.len(), 1, "{}", report.render());
    }

    fn a_slipped_in_row_is_found(db) {
        let key = SigningKey::generate().unwrap();
        log(&mut db.conn(), 3, "resident.read");
        exec(&db, "INSERT INTO access_log (at, actor, role, action, atena) VALUES (1700000000, 'x', 'staff', 'resident.read', '1')");
        let report = check(&mut db.conn(), &key, None);
        assert!(matches!(first(&report), Break::Unchained { .. }), "{}", report.render());
        // With a made-up position after the head it is found too.
        exec(&db, "DELETE FROM access_log WHERE seq IS NULL");
        let hash = match db.url { vrs_node::db::DatabaseUrl::Sqlite(_) => "zeroblob(32)", _ => "decode(repeat('00', 32), 'hex')" };
        exec(&db, &format!("INSERT INTO access_log (at, actor, role, action, seq, hash) VALUES (1, 'x', 'staff', 'y', 4, {hash})"));
        let report = check(&mut db.conn(), &key, None);
        assert!(matches!(first(&report), Break::BeyondHead { seq: 4, .. }), "{}", report.render());
        // Moved in between, renumbering the rest: the rows no longer link.
        exec(&db, "DELETE FROM access_log WHERE seq = 4");
        log(&mut db.conn(), 2, "resident.read");
        exec(&db, "UPDATE access_log SET seq = seq + 100 WHERE seq >= 3");
        exec(&db, "UPDATE access_log SET seq = seq - 99 WHERE seq >= 100");
        exec(&db, &format!("INSERT INTO access_log (at, actor, role, action, seq, hash) VALUES (1, 'x', 'staff', 'y', 3, {hash})"));
        let report = check(&mut db.conn(), &key, None);
        assert!(matches!(first(&report), Break::Altered { seq: 3, .. }), "{}", report.render());
    }

    fn a_rewrite_that_recomputed_the_hashes_shows_at_the_checkpoint(db) {
        let key = SigningKey::generate().unwrap();
        let mut conn = db.conn();
        log(&mut conn, 10, "resident.read");
        let first_cp = checkpoint::make(&mut conn, own(), &key, 1).unwrap().unwrap();
        log(&mut conn, 10, "resident.read");
        let second_cp = checkpoint::make(&mut conn, own(), &key, 2).unwrap().unwrap();
        drop(conn);
        exec(&db, "UPDATE access_log SET detail = 'nothing to see' WHERE seq = 14");
        rehash_from(&db, 14);
        let held = [first_cp, second_cp];
        let report = check(&mut db.conn(), &key, Some(&held));
        // The stored hashes link, so only the checkpoint finds it: after entry 10.
        match first(&report) {
            Break::CheckpointMismatch { checkpoint: 2, entries: 20, last_good: 10, .. } => {}
            other => panic!("expected checkpoint 2 to disagree after entry 10, got {other}"),
        }
        assert!(report.render().contains("entries 11 to 20 were rewritten"), "{}", report.render());
        // And the node refuses to sign over it.
        log(&mut db.conn(), 1, "resident.read");
        assert!(matches!(
            checkpoint::make(&mut db.conn(), own(), &key, 3),
            Err(checkpoint::CheckpointError::Tampered { .. })
        ));
    }

    fn a_node_restored_from_a_backup_signs_on_past_the_checkpoints_the_restore_lost(db) {
        let key = SigningKey::generate().unwrap();
        let now = vrs_protocol::now_ms();
        let mut conn = db.conn();
        log(&mut conn, 4, "resident.read");
        let in_backup = checkpoint::make(&mut conn, own(), &key, now - 20_000).unwrap().unwrap();
        audit_checkpoints::acknowledge(&mut conn, 1).unwrap();
        // After the backup was taken the node went on and the coordinator confirmed a
        // checkpoint of entries 5 to 7; then the node was restored from the backup.
        log(&mut conn, 3, "resident.read");
        let lost = checkpoint::make(&mut conn, own(), &key, now - 5_000).unwrap().unwrap();
        drop(conn);
        back_to(&db, &in_backup);
        // The restored node writes more than was lost, then fetches the coordinator's
        // copies (as it does on start) and so holds checkpoint 2 as its latest.
        let mut conn = db.conn();
        log(&mut conn, 10, "vaccination.read");
        audit_checkpoints::insert(&mut conn, &lost, Some(1)).unwrap();
        // Without a restore receipt that is a rewrite of entries 5 to 7: no signature.
        let refused = checkpoint::make(&mut conn, own(), &key, now);
        assert!(matches!(refused, Err(checkpoint::CheckpointError::Tampered { from: 7, to: 14 })), "{refused:?}");
        let receipt = Entry {
            actor: "operator",
            role: "admin",
            action: vrs_node::backup::RESTORED_ACTION,
            atena: None,
            detail: Some(format!("taken_at_ms={} head_seq=4 restored_at_ms={}", now - 10_000, now - 1_000)),
        };
        access_log::record(&mut conn, receipt).unwrap();
        let next = checkpoint::make(&mut conn, own(), &key, now).unwrap().expect("a checkpoint after the restore");
        assert_eq!((next.checkpoint.seq, next.checkpoint.entries), (3, 15));
        let held = [in_backup, lost, next];
        let report = check(&mut conn, &key, Some(&held));
        assert!(report.is_intact(), "{}", report.render());
        assert_eq!((report.checkpoints.matched, report.checkpoints.lost_in_restore), (2, 1), "{}", report.render());
    }

        fn a_tail_truncated_after_a_checkpoint_is_found(db) {
        let key = SigningKey::generate().unwrap();
        let mut conn = db.conn();
        log(&mut conn, 12, "resident.read");
        let cp = checkpoint::make(&mut conn, own(), &key, 1_700_000_000_000).unwrap().unwrap();
        drop(conn);
        // Delete the last five and move the head back so that the log itself is consistent.
        exec(&db, "DELETE FROM access_log WHERE seq > 7");
        rehash_from(&db, 8);
        // The local copy of the checkpoint goes too: only the coordinator still has it.
        exec(&db, "DELETE FROM audit_checkpoints");
        let mut conn = db.conn();
        assert!(check(&mut conn, &key, None).is_intact(), "locally consistent, as the attacker wants");
        let report = check(&mut conn, &key, Some(std::slice::from_ref(&cp)));
        match first(&report) {
            Break::CheckpointBeyondLog { checkpoint: 1, entries: 12, last: 7, .. } => {}
            other => panic!("expected the truncation after entry 7, got {other}"),
        }
        assert!(report.render().contains("entries 8 to 12 were deleted"), "{}", report.render());
    }

    fn a_checkpoint_signed_by_another_key_does_not_count(db) {
        let key = SigningKey::generate().unwrap();
        let forger = SigningKey::generate().unwrap();
        log(&mut db.conn(), 3, "resident.read");
        let st = access_chain::state(&mut db.conn()).unwrap();
        let forged = SignedCheckpoint::sign(&forger, vrs_protocol::messages::Checkpoint {
            municipality: own(), seq: 1, entries: 3, head: st.head_hash, at_ms: 1,
        });
        let report = check(&mut db.conn(), &key, Some(std::slice::from_ref(&forged)));
        assert!(matches!(first(&report), Break::BadSignature { checkpoint: 1, .. }), "{}", report.render());
        assert_eq!(report.checkpoints.matched, 0);
    }

    fn rows_from_before_the_chain_are_chained_in_once(db) {
        log(&mut db.conn(), 2, "resident.read");
        // A database from before the chain: rows without positions, the flag not set.
        exec(&db, "INSERT INTO access_log (at, actor, role, action) VALUES (1, 'old', 'staff', 'resident.read')");
        exec(&db, "INSERT INTO access_log (at, actor, role, action) VALUES (2, 'old', 'staff', 'residents.import')");
        exec(&db, "UPDATE access_log_chain SET legacy_sealed = 0");
        assert_eq!(access_chain::seal_legacy(&mut db.conn()).unwrap(), 2);
        let key = SigningKey::generate().unwrap();
        let report = check(&mut db.conn(), &key, None);
        assert!(report.is_intact(), "{}", report.render());
        assert_eq!(report.head_seq, 4);
        // Once only: a row slipped in later stays outside the chain.
        exec(&db, "INSERT INTO access_log (at, actor, role, action) VALUES (3, 'x', 'staff', 'resident.read')");
        assert_eq!(access_chain::seal_legacy(&mut db.conn()).unwrap(), 0);
        assert!(matches!(first(&check(&mut db.conn(), &key, None)), Break::Unchained { .. }));
    }

    fn the_local_copy_is_compared_with_the_coordinators(db) {
        let key = SigningKey::generate().unwrap();
        let mut conn = db.conn();
        log(&mut conn, 4, "resident.read");
        let cp = checkpoint::make(&mut conn, own(), &key, 1).unwrap().unwrap();
        audit_checkpoints::acknowledge(&mut conn, 1).unwrap();
        // A different checkpoint 1 at the coordinator than here (both validly signed).
        let mut other = cp.checkpoint.clone();
        other.at_ms = 99;
        let theirs = SignedCheckpoint::sign(&key, other);
        let report = check(&mut conn, &key, Some(std::slice::from_ref(&theirs)));
        assert!(report.breaks.contains(&Break::CopiesDiffer { checkpoint: 1 }), "{}", report.render());
    }
}
