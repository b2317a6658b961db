//! The dose writer's batches (`record::record_many`): doses decided together in one
//! transaction must come out exactly as the same doses recorded one at a time — the same
//! person twice in a batch, unmatched and other municipalities' coupons twice, idempotent
//! replays and reused keys inside one batch — and the batch's access-log entries, appended
//! with one claim, must verify as a chain in the doses' order.

use crate::dose_support::ocr;
use crate::on_both_backends;
use crate::support::*;
use diesel::prelude::*;
use vrs_node::audit::checkpoint_check::Signer;
use vrs_node::audit::verify::verify;
use vrs_node::db::{DbConn, DbError, access_log};
use vrs_node::domain::dose::{DoseFields, ValidDose, validate};
use vrs_node::products::ProductMaster;
use vrs_node::vaccinations::record::{Context, Outcome, RecordError, Submission, record_many, record_one};
use vrs_protocol::{CivilDate, MunicipalityCode, SigningKey};

fn own() -> MunicipalityCode {
    MunicipalityCode::parse("131016").unwrap()
}

fn valid(products: &ProductMaster, ocr_line: &str, on: &str, lot: &str) -> ValidDose {
    let f = DoseFields { ocr_line, vaccinated_on: on, product: "comirnaty", lot, site: "会場", doctor: "佐藤" };
    validate(f, CivilDate::new(2026, 11, 21).unwrap(), products, |c| vrs_node::municipalities::lookup(c).is_some())
        .unwrap()
}

/// One submission per case, in the order a batch receives them, for test residents
/// `base`, `base + 1`, `base + 2` (and coupons no resident of ours holds).
fn submissions(products: &ProductMaster, base: u64) -> Vec<(&'static str, Submission)> {
    let away = format!("11011002{:010}", 7 + base); // 札幌市: queued for the outbox
    let unknown = ocr(99 + base, 1); // ours, but no resident holds the coupon: unmatched
    let ocr = |i: u64, dose: u8| ocr(base + i, dose);
    let k = format!("k-{base}"); // keys are the actor's for good: each run its own
    let k = Some(k.as_str());
    let sub = |ocr_line: &str, on: &str, lot: &str, key: Option<&str>| Submission {
        dose: valid(products, ocr_line, on, lot),
        idempotency_key: key.map(str::to_owned),
    };
    vec![
        ("site", sub(&ocr(0, 1), "2021-06-01", "A1", k)),
        ("site", sub(&ocr(0, 1), "2021-06-01", "A1", k)), // the retry: a replay
        ("site", sub(&ocr(0, 1), "2021-06-01", "A1", None)), // a second scan: duplicate
        ("site", sub(&ocr(0, 2), "2021-06-10", "A2", None)), // dose 2 too soon: flagged
        ("site", sub(&ocr(0, 2), "2021-06-10", "A2", k)), // key reused for another dose
        ("other", sub(&ocr(0, 2), "2021-06-10", "A2", k)), // same key, other actor: its own
        ("site", sub(&ocr(1, 2), "2021-07-01", "B2", None)), // dose 2 before dose 1
        ("site", sub(&ocr(1, 1), "2021-08-01", "B1", None)), // then dose 1, dated after it
        ("site", sub(&unknown, "2021-06-02", "C1", None)),
        ("site", sub(&unknown, "2021-06-02", "C1", None)), // unmatched twice: duplicate
        ("site", sub(&away, "2021-06-03", "D1", None)),
        ("site", sub(&away, "2021-06-03", "D1", None)), // queued twice: duplicate
        ("site", sub(&ocr(2, 1), "2021-06-04", "E1", None)),
    ]
}

/// An outcome with record ids replaced by the index of the job that created the record,
/// so two runs (whose ids are random) compare.
fn shape(result: &Result<Outcome, RecordError>, ids: &[Option<String>]) -> String {
    let index = |id: &str| ids.iter().position(|i| i.as_deref() == Some(id)).map_or(-1, |p| p as i64);
    match result {
        Ok(o) => format!(
            "ok {} review={} replayed={} of={} warnings={}",
            o.status.as_str(),
            o.needs_review,
            o.replayed,
            index(&o.id),
            o.warnings
        ),
        Err(RecordError::Duplicate { id }) => format!("duplicate of {}", index(id)),
        Err(RecordError::KeyReused) => "key reused".to_owned(),
        Err(RecordError::Db(e)) => panic!("database error: {e}"),
    }
}

/// Which job created each result's record (the first result naming an id created it).
fn creators(results: &[Result<Outcome, RecordError>]) -> Vec<Option<String>> {
    let mut seen: Vec<Option<String>> = Vec::new();
    for r in results {
        let id = r.as_ref().ok().filter(|o| !o.replayed).map(|o| o.id.clone());
        seen.push(id.filter(|i| !seen.iter().any(|s| s.as_deref() == Some(i.as_str()))));
    }
    seen
}

fn in_write_transaction<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, DbError>) -> T {
    conn.transaction(|c| {
        vrs_node::db::vaccinations::take_write_lock(c)?;
        f(c)
    })
    .unwrap()
}

fn log_details(conn: &mut DbConn) -> Vec<String> {
    use vrs_node::db::schema::access_log as t;
    t::table
        .filter(t::action.eq("vaccination.record"))
        .order(t::seq)
        .select(t::detail)
        .load::<Option<String>>(conn)
        .unwrap()
        .into_iter()
        .flatten()
        .collect()
}

on_both_backends! {
    fn a_batch_decides_exactly_as_one_dose_at_a_time(db) {
        let products = ProductMaster::shipped().unwrap();
        let residents: Vec<String> = [0, 1, 2, 10, 11, 12].into_iter().map(row).collect();
        db.import(&file(&residents), vrs_node::import::ImportMode::AllOrNothing).unwrap();
        let ctx = |actor| Context { own: own(), products: &products, actor, role: "site", source: "api" };
        let mut conn = db.conn();

        // One at a time, each in its own transaction (as the writer's retry path does).
        let subs = submissions(&products, 0);
        let alone: Vec<Result<Outcome, RecordError>> = subs
            .iter()
            .map(|(actor, s)| {
                let mut out = None;
                in_write_transaction(&mut conn, |c| {
                    out = Some(record_one(c, &ctx(actor), s));
                    Ok(())
                });
                out.unwrap()
            })
            .collect();
        let expected: Vec<String> = alone.iter().map(|r| shape(r, &creators(&alone))).collect();
        let logged_alone = log_details(&mut conn).len();

        // The same cases for three other residents (and coupons), all in one batch.
        let subs = submissions(&products, 10);
        let jobs: Vec<(Context<'_>, &Submission)> = subs.iter().map(|(actor, s)| (ctx(actor), s)).collect();
        let together = in_write_transaction(&mut conn, |c| record_many(c, &jobs));
        let got: Vec<String> = together.iter().map(|r| shape(r, &creators(&together))).collect();
        assert_eq!(got, expected);

        // What the cases must come to, so that both paths agreeing cannot hide a wrong rule.
        assert!(got[0].starts_with("ok recorded review=false replayed=false of=0"), "{}", got[0]);
        assert!(got[1].starts_with("ok recorded review=false replayed=true of=0"), "{}", got[1]);
        assert_eq!(got[2], "duplicate of 0");
        assert!(got[3].contains("review=true") && got[3].contains("interval_too_short"), "{}", got[3]);
        assert_eq!(got[4], "key reused");
        assert_eq!(got[5], "duplicate of 3", "another actor's key is not the site's");
        assert!(got[7].contains("dose_order"), "dose 1 after dose 2 of the same batch: {}", got[7]);
        assert!(got[8].starts_with("ok unmatched") && got[9] == "duplicate of 8", "{got:?}");
        assert!(got[10].starts_with("ok queued") && got[11] == "duplicate of 10", "{got:?}");
        assert!(got[12].starts_with("ok recorded review=false"), "{}", got[12]);

        // One access-log entry per written dose, in the batch's order, and one outbox row each run.
        let details = log_details(&mut conn)[logged_alone..].to_vec();
        let written: Vec<&Outcome> = together.iter().filter_map(|r| r.as_ref().ok()).filter(|o| !o.replayed).collect();
        assert_eq!((details.len(), logged_alone), (written.len(), written.len()));
        for (d, o) in details.iter().zip(&written) {
            assert!(d.starts_with(&format!("id={} status={} ", o.id, o.status.as_str())), "{d}");
        }
        assert_eq!(vrs_node::db::outbox::pending(&mut conn, 100).unwrap().len(), 2);
    }

    fn a_batchs_log_entries_verify_as_a_chain(db) {
        let products = ProductMaster::shipped().unwrap();
        let rows: Vec<String> = (0..40).map(row).collect();
        db.import(&file(&rows), vrs_node::import::ImportMode::AllOrNothing).unwrap();
        let mut conn = db.conn();
        access_log::record(&mut conn, access_log::Entry { actor: "clerk", role: "staff", action: "resident.read", atena: None, detail: None }).unwrap();
        let subs: Vec<Submission> = (0..40)
            .map(|i| Submission { dose: valid(&products, &ocr(i, 1), "2021-06-01", "L"), idempotency_key: None })
            .collect();
        let ctx = Context { own: own(), products: &products, actor: "site", role: "site", source: "api" };
        for chunk in subs.chunks(16) {
            let jobs: Vec<(Context<'_>, &Submission)> = chunk.iter().map(|s| (ctx, s)).collect();
            let out = in_write_transaction(&mut conn, |c| record_many(c, &jobs));
            assert!(out.iter().all(Result::is_ok));
        }
        let key = SigningKey::generate().unwrap();
        let keys = [key.public_key()];
        let report = verify(&mut conn, &Signer { own: own(), keys: &keys }, None).unwrap();
        assert!(report.is_intact(), "{}", report.render());
        assert_eq!(log_details(&mut conn).len(), 40);
        // The import logs too; whatever it wrote, the doses' entries close the chain.
        assert_eq!(report.rows, report.head_seq as u64);
    }
}
