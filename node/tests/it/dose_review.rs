//! The review queue, corrections with kept history, and cancellation, over HTTP.

use crate::dose_support::*;
use crate::http_api::TestNode;
use crate::on_both_backends;
use crate::support::*;
use serde_json::{Value, json};

fn codes(answer: &Value) -> Vec<String> {
    answer["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap().to_owned()).collect()
}

on_both_backends! {
    fn rule_breaks_are_accepted_flagged_and_queued_for_review(db) {
        let node = TestNode::start(db);
        node.import("", "text/csv", file(&[row(0), row(1)]));
        // Dose 2 before dose 1.
        assert_eq!(node.post_dose(&node.site, &dose(&ocr(0, 1), "2021-07-01", "comirnaty"), None).0, 201);
        let (code, early, _) = node.post_dose(&node.site, &dose(&ocr(0, 2), "2021-06-01", "comirnaty"), None);
        assert_eq!((code, early["status"].as_str(), early["needs_review"].as_bool()), (201, Some("recorded"), Some(true)));
        assert!(codes(&early).contains(&"dose_order".to_owned()), "{early}");
        // Interval shorter than the product's minimum (21 days for comirnaty).
        assert_eq!(node.post_dose(&node.site, &dose(&ocr(1, 1), "2021-06-01", "comirnaty"), None).0, 201);
        let (_, short, _) = node.post_dose(&node.site, &dose(&ocr(1, 2), "2021-06-10", "comirnaty"), None);
        assert_eq!(codes(&short), vec!["interval_too_short"]);
        let queue = node.queue("needs_review");
        // Oldest first by second; within a second the order is by id.
        let mut ids: Vec<&str> = queue.iter().map(|v| v["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        let mut expected = vec![early["id"].as_str().unwrap(), short["id"].as_str().unwrap()];
        expected.sort_unstable();
        assert_eq!(ids, expected);
        assert!(queue.iter().all(|v| v["review"] == "needs_review" && v["status"] == "recorded"));
        let metrics = node.client.get(format!("{}/metrics", node.base)).send().unwrap().text().unwrap();
        assert!(metrics.contains("vrs_node_dose_rule_firings_total{rule=\"interval_too_short\"} 1"), "{metrics}");
        assert!(metrics.contains("vrs_node_doses_total{status=\"needs_review\"} 2"), "{metrics}");
        assert!(metrics.contains("vrs_node_doses_total{status=\"recorded\"} 2"), "{metrics}");
    }

    fn corrections_keep_old_values_and_cancellation_is_final(db) {
        let node = TestNode::start(db);
        node.import("", "text/csv", file(&[row(0)]));
        node.post_dose(&node.site, &dose(&ocr(0, 1), "2021-06-01", "comirnaty"), None);
        let (_, short, _) = node.post_dose(&node.site, &dose(&ocr(0, 2), "2021-06-10", "comirnaty"), None);
        let id = short["id"].as_str().unwrap();
        let path = format!("/api/v1/vaccinations/{id}/corrections");
        let (code, body) = node.post_json(&path, &json!({"vaccinated_on": "2021-06-24"}));
        assert_eq!(code, 400, "a correction without a reason is not even parsed: {body}");
        let (code, body) = node.post_json(&path, &json!({"reason": "  ", "vaccinated_on": "2021-06-24"}));
        assert_eq!((code, body["error"].as_str()), (422, Some("reason_required")));
        let (code, body) = node.post_json(&path, &json!({"reason": "date misread", "vaccinated_on": "2999-01-01"}));
        assert_eq!((code, body["error"].as_str()), (422, Some("invalid_date")));
        let (code, fixed) = node.post_json(&path, &json!({"reason": "date misread at the site", "vaccinated_on": "2021-06-24"}));
        assert_eq!(code, 200, "{fixed}");
        assert_eq!((fixed["vaccinated_on"].as_str(), fixed["review"].as_str()), (Some("2021-06-24"), Some("none")));
        assert!(node.queue("needs_review").is_empty(), "the corrected dose left the review queue");
        let (_, record) = node.get(&format!("/api/v1/vaccinations/{id}"), Some(&node.staff));
        let change = &record["changes"][0];
        assert_eq!((change["action"].as_str(), change["reason"].as_str()), (Some("corrected"), Some("date misread at the site")));
        let old: Value = serde_json::from_str(change["old_values"].as_str().unwrap()).unwrap();
        assert_eq!((old["vaccinated_on"].as_str(), old["review"].as_str()), (Some("2021-06-10"), Some("needs_review")));

        let cancel = format!("/api/v1/vaccinations/{id}/cancel");
        assert_eq!(node.post_json(&cancel, &json!({})).1["error"], "reason_required");
        let (code, gone) = node.post_json(&cancel, &json!({"reason": "entered twice"}));
        assert_eq!((code, gone["status"].as_str()), (200, Some("cancelled")));
        let (code, again) = node.post_json(&cancel, &json!({"reason": "again"}));
        assert_eq!((code, again["error"].as_str()), (409, Some("conflict")));
        assert_eq!(node.post_json(&path, &json!({"reason": "x", "lot": "B1"})).0, 409);
        assert_eq!(node.queue("cancelled").len(), 1);
        // With dose 2 cancelled, the same dose can be recorded again.
        assert_eq!(node.post_dose(&node.site, &dose(&ocr(0, 2), "2021-06-24", "comirnaty"), None).0, 201);
        let res = node.client.post(format!("{}{cancel}", node.base)).bearer_auth(&node.site).json(&json!({"reason": "x"})).send().unwrap();
        assert_eq!(res.status().as_u16(), 403);
        let (_, log) = node.get("/api/v1/audit", Some(&node.auditor));
        let text = log.to_string();
        assert!(text.contains("vaccination.correct") && text.contains("vaccination.cancel") && text.contains("vaccination.record"));
        assert!(!text.contains(&my_number(0)) && !text.contains("1980-04-01"), "personal data in the access log");
    }
}
