//! Helpers for the dose tests: OCR lines for the test residents and HTTP calls.

use crate::http_api::TestNode;
use diesel::prelude::*;
use serde_json::{Value, json};

/// The OCR line of test resident `i`'s coupon (`support::row(i)`), for dose `dose`.
pub fn ocr(i: u64, dose: u8) -> String {
    format!("1{dose}131016{:010}", 5_000_000 + i)
}

pub fn dose(ocr_line: &str, on: &str, product: &str) -> Value {
    json!({"ocr_line": ocr_line, "vaccinated_on": on, "product": product, "lot": "EY0779", "site": "区民会館", "doctor": "佐藤"})
}

impl TestNode {
    pub fn post_dose(&self, token: &str, body: &Value, key: Option<&str>) -> (u16, Value, bool) {
        let mut req = self.client.post(format!("{}/api/v1/vaccinations", self.base)).bearer_auth(token).json(body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let res = req.send().unwrap();
        let replayed = res.headers().contains_key("Idempotent-Replayed");
        (res.status().as_u16(), res.json().unwrap_or(Value::Null), replayed)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let res = self.client.post(format!("{}{path}", self.base)).bearer_auth(&self.staff).json(body).send().unwrap();
        (res.status().as_u16(), res.json().unwrap_or(Value::Null))
    }

    pub fn post_csv(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.staff)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .unwrap();
        (res.status().as_u16(), res.json().unwrap_or(Value::Null))
    }

    /// Dose rows in the database, whatever their status.
    pub fn dose_rows(&self) -> i64 {
        use vrs_node::db::schema::vaccinations;
        vaccinations::table.count().get_result(&mut self.db.conn()).unwrap()
    }

    pub fn queue(&self, status: &str) -> Vec<Value> {
        let (code, body) = self.get(&format!("/api/v1/vaccinations?status={status}"), Some(&self.staff));
        assert_eq!(code, 200, "{body}");
        body["items"].as_array().unwrap().clone()
    }
}
