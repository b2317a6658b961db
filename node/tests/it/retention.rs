//! Retention on both databases: what is past the cut-off goes (old doses with their
//! history and outbox rows, old disclosure records, residents gone long ago with nothing
//! left, the oldest access-log entries), what is not stays, every transaction leaves a
//! receipt with counts only, and the access log still verifies afterwards.

use crate::on_both_backends;
use crate::support::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use vrs_node::audit::checkpoint;
use vrs_node::audit::checkpoint_check::Signer;
use vrs_node::audit::verify::verify;
use vrs_node::db::schema::{access_log, residents, vaccinations};
use vrs_node::db::vaccinations::{VaccinationRow, insert, record_change};
use vrs_node::db::{DbConn, access_log as log, disclosures};
use vrs_node::import::ImportMode;
use vrs_node::retention::Cutoff;
use vrs_node::retention::purge::{Counts, PURGED_ACTION, PurgeError, purge};
use vrs_protocol::{CivilDate, MunicipalityCode, SigningKey};

const OLD_TS: i64 = 1_577_836_800; // 2020-01-01

fn cutoff() -> Cutoff {
    Cutoff::at(CivilDate::parse_iso("2021-11-21").unwrap())
}

fn dose(conn: &mut DbConn, id: &str, person: Option<u64>, on: &str) {
    let row = VaccinationRow {
        id: id.into(),
        municipality: "131016".into(),
        coupon_number: format!("{:010}", 5_000_000 + person.unwrap_or(99)),
        coupon_type: 1,
        dose_number: 1,
        atena: person.map(|i| (1000 + i).to_string()),
        vaccinated_on: on.into(),
        product: "comirnaty".into(),
        lot: "EY0779".into(),
        site: "x".into(),
        doctor: "y".into(),
        status: if person.is_some() { "recorded" } else { "unmatched" }.into(),
        review: "none".into(),
        warnings: "[]".into(),
        source: "api".into(),
        recorded_by: "site".into(),
        idempotency_key: None,
        request_digest: vec![0; 32],
        created_at: OLD_TS,
        updated_at: OLD_TS,
    };
    insert(conn, &row).unwrap();
}

fn disclosure(conn: &mut DbConn, person: u64, at: Option<i64>) {
    let atena = (1000 + person).to_string();
    let d = disclosures::NewDisclosure {
        inquiry_id: "00000000-0000-4000-8000-000000000000",
        atena: &atena,
        asker: "141003",
        basis: "consent",
        method: "written",
        asker_staff: "desk",
        outcome: disclosures::Outcome::Disclosed,
        doses: 1,
    };
    disclosures::record(conn, d).unwrap();
    if let Some(at) = at {
        conn.batch_execute(&format!("UPDATE disclosures SET at = {at} WHERE atena = '{atena}'")).unwrap();
    }
}

fn gone_long_ago(conn: &mut DbConn, person: u64, status: i16) {
    conn.batch_execute(&format!(
        "UPDATE residents SET status = {status}, updated_at = {OLD_TS} WHERE atena = '{}'",
        1000 + person
    ))
    .unwrap();
}

fn receipts(conn: &mut DbConn) -> Vec<(Option<String>, String)> {
    access_log::table
        .filter(access_log::action.eq(PURGED_ACTION))
        .select((access_log::atena, access_log::detail.assume_not_null()))
        .order(access_log::seq)
        .load(conn)
        .unwrap()
}

fn intact(conn: &mut DbConn) {
    let keys = [SigningKey::generate().unwrap().public_key()];
    let own = MunicipalityCode::parse("131016").unwrap();
    let report = verify(conn, &Signer { own, keys: &keys }, None).unwrap();
    assert!(report.is_intact(), "{}", report.render());
}

on_both_backends! {
    fn what_is_past_retention_goes_with_receipts_and_the_rest_stays(db) {
        db.import(&file(&(0..6).map(row).collect::<Vec<_>>()), ImportMode::AllOrNothing).unwrap();
        let mut conn = db.conn();
        // 1000 active: an old and a recent dose (the old one corrected once).
        dose(&mut conn, "d-1000-old", Some(0), "2021-06-01");
        record_change(&mut conn, "d-1000-old", "staff", "corrected", "lot", &serde_json::json!({})).unwrap();
        dose(&mut conn, "d-1000-new", Some(0), "2022-01-10");
        // 1001 moved out long ago, an old disclosure, protected: goes whole.
        gone_long_ago(&mut conn, 1, 1);
        disclosure(&mut conn, 1, Some(OLD_TS));
        conn.batch_execute(&format!("INSERT INTO protected_residents (atena, since, set_by) VALUES ('1001', {OLD_TS}, 'x')")).unwrap();
        // 1002 deceased long ago, an old dose, but a recent disclosure: the person stays.
        gone_long_ago(&mut conn, 2, 2);
        dose(&mut conn, "d-1002-old", Some(2), "2021-05-01");
        disclosure(&mut conn, 2, None);
        // 1003 moved out long ago with a recent dose: stays.
        gone_long_ago(&mut conn, 3, 1);
        dose(&mut conn, "d-1003-new", Some(3), "2021-12-01");
        // 1004 moved out recently; 1005 active with an old last change: both stay.
        conn.batch_execute("UPDATE residents SET status = 1 WHERE atena = '1004'").unwrap();
        conn.batch_execute(&format!("UPDATE residents SET updated_at = {OLD_TS} WHERE atena = '1005'")).unwrap();
        // An old unmatched dose waiting in the outbox.
        dose(&mut conn, "d-unmatched", None, "2021-04-01");
        conn.batch_execute(&format!(
            "INSERT INTO outbox (message_id, vaccination_id, target_municipality, payload, state, attempts, created_at, next_attempt_at) \
             VALUES ('m1', 'd-unmatched', '141003', '{{}}', 'acknowledged', 1, {OLD_TS}, {OLD_TS})"
        )).unwrap();

        let counts = purge(&mut conn, &cutoff(), 2).unwrap();
        assert_eq!(counts, Counts {
            vaccinations: 3, vaccination_changes: 1, outbox: 1, disclosures: 1,
            residents: 1, my_numbers: 1, coupon_history: 0, protected_residents: 1, access_log: 0,
        });
        let doses: Vec<String> = vaccinations::table.select(vaccinations::id).order(vaccinations::id).load(&mut conn).unwrap();
        assert_eq!(doses, ["d-1000-new", "d-1003-new"]);
        let people: Vec<String> = residents::table.select(residents::atena).order(residents::atena).load(&mut conn).unwrap();
        assert_eq!(people, ["1000", "1002", "1003", "1004", "1005"]);

        // Receipts: counts and the cut-off only, adding up to what went; none names a person.
        let rs = receipts(&mut conn);
        assert!(rs.len() >= 3, "a receipt per transaction: {rs:?}");
        let mut sum = 0u64;
        for (atena, detail) in &rs {
            assert!(atena.is_none());
            assert!(detail.starts_with("cutoff=2021-11-21 vaccinations="), "{detail}");
            for kv in detail.split(' ').skip(1) {
                let (k, v) = kv.split_once('=').unwrap();
                assert!(k.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{detail}");
                sum += v.parse::<u64>().unwrap();
            }
        }
        assert_eq!(sum, 3 + 1 + 1 + 1 + 1 + 1 + 1);
        intact(&mut conn);

        // Nothing more to do: no new receipt.
        assert_eq!(purge(&mut conn, &cutoff(), 2).unwrap(), Counts::default());
        assert_eq!(receipts(&mut conn).len(), rs.len());
    }

    fn the_oldest_access_log_entries_go_and_the_chain_still_verifies(db) {
        let mut conn = db.conn();
        let key = SigningKey::generate().unwrap();
        let own = MunicipalityCode::parse("131016").unwrap();
        for i in 0..5 {
            log::record(&mut conn, log::Entry { actor: "a", role: "staff", action: "resident.read", atena: Some("1"), detail: Some(format!("{i}")) }).unwrap();
        }
        let first = checkpoint::make(&mut conn, own, &key, 1).unwrap().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let cut = Cutoff { date: CivilDate::parse_iso("2000-01-01").unwrap(), ts: vrs_node::db::now() };
        for i in 5..8 {
            log::record(&mut conn, log::Entry { actor: "a", role: "staff", action: "resident.read", atena: Some("1"), detail: Some(format!("{i}")) }).unwrap();
        }
        let second = checkpoint::make(&mut conn, own, &key, 2).unwrap().unwrap();
        let counts = purge(&mut conn, &cut, 2).unwrap();
        assert_eq!(counts.access_log, 5);
        let st = vrs_node::db::access_chain::state(&mut conn).unwrap();
        assert_eq!(st.anchor_seq, 5);
        let keys = [key.public_key()];
        let report = verify(&mut conn, &Signer { own, keys: &keys }, Some(&[first, second])).unwrap();
        assert!(report.is_intact(), "{}", report.render());
        assert_eq!(report.checkpoints.matched, 2, "the first checkpoint is the anchor now: {}", report.render());
        // Three receipts (chunks of 2, 2, 1) follow entry 8.
        assert_eq!(receipts(&mut conn).len(), 3);
    }

    fn a_beginning_that_does_not_add_up_is_kept_as_evidence(db) {
        let mut conn = db.conn();
        for i in 0..4 {
            log::record(&mut conn, log::Entry { actor: "a", role: "staff", action: "resident.read", atena: None, detail: Some(format!("{i}")) }).unwrap();
        }
        conn.batch_execute("UPDATE access_log SET actor = 'b' WHERE seq = 2").unwrap();
        let cut = Cutoff { date: CivilDate::parse_iso("2000-01-01").unwrap(), ts: vrs_node::db::now() + 10 };
        assert!(matches!(purge(&mut conn, &cut, 10), Err(PurgeError::LogDoesNotAddUp(2))));
        let left: i64 = access_log::table.count().get_result(&mut conn).unwrap();
        assert_eq!(left, 4, "nothing of the log was removed");
    }
}
