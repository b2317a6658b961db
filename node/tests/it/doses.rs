//! `POST /api/v1/vaccinations` end to end: statuses, queues, bad input, duplicates and retries.

use crate::dose_support::*;
use crate::http_api::TestNode;
use crate::on_both_backends;
use crate::support::*;
use serde_json::{Value, json};
use vrs_node::db::outbox;

on_both_backends! {
    fn recorded_unmatched_and_queued_doses(db) {
        let node = TestNode::start(db);
        node.import("", "text/csv", file(&[row(0)]));
        let (code, body, _) = node.post_dose(&node.site, &dose(&ocr(0, 1), "2021-06-01", "comirnaty"), None);
        assert_eq!(code, 201, "{body}");
        assert_eq!((body["status"].as_str(), body["warnings"].clone()), (Some("recorded"), json!([])));
        let id = body["id"].as_str().unwrap().to_owned();
        assert_eq!(body.as_object().unwrap().len(), 4, "a site sees only the confirmation: {body}");

        let (code, record) = node.get(&format!("/api/v1/vaccinations/{id}"), Some(&node.staff));
        assert_eq!(code, 200);
        assert_eq!((record["status"].as_str(), record["atena"].as_str(), record["dose"].as_i64()), (Some("recorded"), Some("1000"), Some(1)));
        assert_eq!(node.get(&format!("/api/v1/vaccinations/{id}"), Some(&node.site)).0, 403, "a site may not read records");
        assert_eq!(node.get("/api/v1/vaccinations/nope", Some(&node.staff)).0, 400);
        let missing = "00000000-0000-4000-8000-000000000000";
        assert_eq!(node.get(&format!("/api/v1/vaccinations/{missing}"), Some(&node.staff)).0, 404);
        let (_, person) = node.get("/api/v1/residents/1000", Some(&node.staff));
        assert_eq!(person["vaccinations"][0]["id"].as_str(), Some(id.as_str()));

        // A coupon of this municipality that is not registered yet waits, then matches on import.
        let (code, body, _) = node.post_dose(&node.staff, &dose(&ocr(9, 1), "2021-06-02", "spikevax"), None);
        assert_eq!((code, body["status"].as_str()), (201, Some("unmatched")));
        let waiting = body["id"].as_str().unwrap().to_owned();
        assert_eq!(node.queue("unmatched").len(), 1);
        node.import("", "text/csv", file(&[row(0), row(9)]));
        assert!(node.queue("unmatched").is_empty(), "the import should have matched the waiting dose");
        let (_, record) = node.get(&format!("/api/v1/vaccinations/{waiting}"), Some(&node.staff));
        assert_eq!((record["status"].as_str(), record["atena"].as_str()), (Some("recorded"), Some("1009")));
        assert_eq!(record["changes"][0]["action"], "matched");

        // Another municipality's coupon goes to the outbox, never dropped.
        let sapporo = format!("11011002{:010}", 42);
        let (code, body, _) = node.post_dose(&node.site, &dose(&sapporo, "2021-06-03", "comirnaty"), None);
        assert_eq!((code, body["status"].as_str()), (202, Some("queued")), "{body}");
        let pending = outbox::pending(&mut node.db.conn(), 10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!((pending[0].target_municipality.as_str(), pending[0].state.as_str()), ("011002", "pending"));
        assert_eq!(pending[0].vaccination_id, body["id"].as_str().unwrap());
        let payload: Value = serde_json::from_str(&pending[0].payload).unwrap();
        assert_eq!((payload["ocr_line"].as_str(), payload["given_in"].as_str()), (Some(sapporo.as_str()), Some("131016")));
        assert_eq!(node.dose_rows(), 3);
    }

    fn each_bad_input_is_refused_with_its_code(db) {
        let node = TestNode::start(db);
        node.import("", "text/csv", file(&[row(0)]));
        let good = ocr(0, 1);
        let cases: Vec<(Value, &str, &str)> = vec![
            (dose(&good[..17], "2021-06-01", "comirnaty"), "invalid_ocr_line", "18 digits"),
            (dose(&format!("{good}1"), "2021-06-01", "comirnaty"), "invalid_ocr_line", "18 digits"),
            (dose(&good.replace("131016", "13101A"), "2021-06-01", "comirnaty"), "invalid_ocr_line", "digits only"),
            (dose(&good.replace("131016", "131017"), "2021-06-01", "comirnaty"), "invalid_ocr_line", "check digit"),
            (dose(&good.replace("131016", "130001"), "2021-06-01", "comirnaty"), "invalid_ocr_line", "not a municipality"),
            (dose(&ocr(0, 0), "2021-06-01", "comirnaty"), "invalid_ocr_line", "1 or more"),
            (dose(&good, "2021-06-01", "pfizer"), "unknown_product", "product master"),
            (dose(&good, "2021-06-31", "comirnaty"), "invalid_date", "calendar"),
            (dose(&good, "June 1", "comirnaty"), "invalid_date", "YYYY"),
            (dose(&good, "2999-01-01", "comirnaty"), "invalid_date", "future"),
            (dose(&good, "2020-12-01", "comirnaty"), "invalid_date", "approved"),
        ];
        for (body, code, says) in cases {
            let (status, answer, _) = node.post_dose(&node.site, &body, None);
            assert_eq!((status, answer["error"].as_str()), (422, Some(code)), "{body} -> {answer}");
            let message = answer["message"].as_str().unwrap();
            assert!(message.contains(says), "{message} should say {says}");
            assert!(!message.contains(&good[8..]), "the coupon number reached an error message");
        }
        let (status, answer, _) = node.post_dose(&node.site, &json!({"ocr_line": good}), None);
        assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_json")));
        let huge = json!({"ocr_line": good, "vaccinated_on": "2021-06-01", "product": "comirnaty", "lot": "A", "site": "x".repeat(100_000)});
        let (status, answer, _) = node.post_dose(&node.site, &huge, None);
        assert_eq!((status, answer["error"].as_str()), (413, Some("body_too_large")));
        assert_eq!(node.post_dose(&node.auditor, &dose(&good, "2021-06-01", "comirnaty"), None).0, 403);
        assert_eq!(node.dose_rows(), 0, "a refused dose was written");
    }

    fn duplicates_and_retried_requests_record_one_dose(db) {
        let node = TestNode::start(db);
        node.import("", "text/csv", file(&[row(0)]));
        let body = dose(&ocr(0, 1), "2021-06-01", "comirnaty");
        let (code, first, replayed) = node.post_dose(&node.site, &body, Some("site1-000001"));
        assert_eq!((code, replayed), (201, false));
        // The answer was lost; the site retries with the same key and gets the same record.
        let (code, again, replayed) = node.post_dose(&node.site, &body, Some("site1-000001"));
        assert_eq!((code, replayed), (201, true));
        assert_eq!(again["id"], first["id"]);
        // The same dose without a key (a second scan) is a duplicate naming the first record.
        let (code, dup, _) = node.post_dose(&node.site, &body, None);
        assert_eq!((code, dup["error"].as_str(), dup["id"].clone()), (409, Some("duplicate"), first["id"].clone()));
        let (code, dup, _) = node.post_dose(&node.site, &body, Some("site1-000002"));
        assert_eq!((code, dup["error"].as_str()), (409, Some("duplicate")));
        // A key reused for another dose is refused rather than answered with the wrong record.
        let other = dose(&ocr(0, 2), "2021-06-22", "comirnaty");
        let (code, reused, _) = node.post_dose(&node.site, &other, Some("site1-000001"));
        assert_eq!((code, reused["error"].as_str()), (422, Some("idempotency_key_reused")));
        assert_eq!(node.post_dose(&node.site, &other, Some("bad key with spaces")).0, 400);
        assert_eq!(node.dose_rows(), 1);
        // Unmatched and queued doses are caught twice too.
        let away = dose(&format!("11011002{:010}", 7), "2021-06-03", "comirnaty");
        assert_eq!(node.post_dose(&node.site, &away, None).0, 202);
        assert_eq!(node.post_dose(&node.site, &away, None).0, 409);
        assert_eq!(node.dose_rows(), 2);
    }

    fn concurrent_sites_each_get_their_dose_committed(db) {
        let node = TestNode::start(db);
        let residents: Vec<String> = (0..40).map(row).collect();
        node.import("", "text/csv", file(&residents));
        let ids: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8u64)
                .map(|t| {
                    let node = &node;
                    s.spawn(move || {
                        (0..5u64)
                            .map(|k| {
                                let body = dose(&ocr(t * 5 + k, 1), "2021-06-01", "comirnaty");
                                let (code, answer, _) = node.post_dose(&node.site, &body, None);
                                assert_eq!(code, 201, "{answer}");
                                answer["id"].as_str().unwrap().to_owned()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(ids.len(), 40);
        assert_eq!(node.dose_rows(), 40);
        for id in ids {
            assert_eq!(node.get(&format!("/api/v1/vaccinations/{id}"), Some(&node.staff)).0, 200);
        }
    }
}
