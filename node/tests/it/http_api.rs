//! The node's HTTP API on a real listener (loopback, port 0), driven with an HTTP client.

use crate::on_both_backends;
use crate::support::*;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use vrs_node::config::{Secret, Settings};
use vrs_node::db::users::{self, Role};

pub struct TestNode {
    pub base: String,
    pub staff: String,
    pub site: String,
    pub auditor: String,
    pub client: Client,
    pub db: TestDb,
}

impl TestNode {
    pub fn start(db: TestDb) -> Self {
        Self::start_with(db, |_| {})
    }

    /// Starts a node whose settings `adjust` has changed from the defaults.
    pub fn start_with(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings { municipality: "131016".into(), ..Settings::default() };
        adjust(&mut settings);
        settings.database.url = Secret(match &db.url {
            vrs_node::db::DatabaseUrl::Sqlite(p) => format!("sqlite://{p}"),
            vrs_node::db::DatabaseUrl::Postgres(u) => u.clone(),
        });
        let dir = db.dir.path();
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        std::fs::write(dir.join(vrs_node::server::KEY_FILE), hex::encode([42u8; 32])).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        settings.http.listen = listener.local_addr().unwrap().to_string();
        let state = vrs_node::server::open_state(dir, settings).unwrap();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(vrs_node::server::run(state, listener)));
        let mut conn = db.conn();
        let mut token = |name: &str, role| users::add(&mut conn, name, role, &Default::default()).unwrap();
        let (staff, site, auditor) =
            (token("clerk", Role::Staff), token("site1", Role::Site), token("aud", Role::Auditor));
        drop(conn);
        TestNode { base, staff, site, auditor, client: Client::new(), db }
    }

    pub fn import(&self, query: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}/api/v1/residents/import{query}", self.base))
            .bearer_auth(&self.staff)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .unwrap();
        (res.status().as_u16(), res.json().unwrap_or(Value::Null))
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().unwrap();
        (res.status().as_u16(), res.json().unwrap_or(Value::Null))
    }

    pub fn search(&self, body: Value) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}/api/v1/residents/search", self.base))
            .bearer_auth(&self.staff)
            .json(&body)
            .send()
            .unwrap();
        (res.status().as_u16(), res.json().unwrap_or(Value::Null))
    }
}

on_both_backends! {
    fn import_read_search_and_audit(db) {
        let node = TestNode::start(db);
        let bad = row(1).replace("19800401", "20230230");
        let (status, body) = node.import("", "text/csv", file(&[row(0), bad.clone(), row(2)]));
        assert_eq!(status, 422);
        assert_eq!(body["error"], "invalid_csv");
        assert_eq!(body["rejected"], json!([{"line": 3, "column": "生年月日", "error": "invalid_date", "message": "not a real calendar date"}]));
        assert_eq!(node.get("/api/v1/residents/1000", Some(&node.staff)).0, 404, "all-or-nothing wrote a row");

        let (status, body) = node.import("?on_error=skip", "text/csv; charset=utf-8", file(&[row(0), bad, row(2)]));
        assert_eq!(status, 200, "{body}");
        assert_eq!((body["inserted"].as_u64(), body["rejected"][0]["line"].as_u64()), (Some(2), Some(3)));

        let text = String::from_utf8(file(&[row(0), row(2)])).unwrap();
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let (status, body) = node.import("", "text/csv; charset=shift_jis", sjis.into_owned());
        assert_eq!(status, 200, "{body}");
        assert_eq!((body["inserted"].as_u64(), body["unchanged"].as_u64()), (Some(0), Some(2)));

        let (status, person) = node.get("/api/v1/residents/1002", Some(&node.staff));
        assert_eq!(status, 200);
        assert_eq!(person["name"]["family_kana"], "ヤマダ");
        assert_eq!(person["birth_date"], "1980-04-01");
        assert_eq!(person["status"], "active");
        assert_eq!(person["my_number"], format!("********{}", &my_number(2)[8..]));
        assert_eq!(person["coupons"], json!([{"number": format!("{:010}", 5_000_002), "active": true}]));

        let (_, found) = node.search(json!({"my_number": my_number(2)}));
        assert_eq!(found["results"][0]["atena"], "1002");
        let (_, found) = node.search(json!({"coupon": format!("{:010}", 5_000_000)}));
        assert_eq!(found["results"][0]["atena"], "1000");
        let (_, found) = node.search(json!({"family_kana": "ﾔﾏﾀﾞ", "given_kana": "タロウ", "birth_date": "1980-04-01"}));
        assert_eq!(found["results"].as_array().map(Vec::len), Some(2));
        assert_eq!(node.search(json!({"my_number": "123"})).0, 422);
        assert_eq!(node.search(json!({})).0, 422);

        let (status, log) = node.get("/api/v1/audit", Some(&node.auditor));
        assert_eq!(status, 200);
        let text = log.to_string();
        assert!(text.contains("resident.read") && text.contains("resident.search") && text.contains("residents.import"));
        assert!(!text.contains(&my_number(2)), "a My Number reached the access log");
    }

    fn tokens_and_roles(db) {
        let node = TestNode::start(db);
        let (status, body) = node.get("/api/v1/residents/1", None);
        assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
        assert_eq!(node.get("/api/v1/residents/1", Some("vrs_wrong")).0, 401);
        let (status, body) = node.get("/api/v1/residents/1", Some(&node.site));
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
        assert_eq!(node.get("/api/v1/audit", Some(&node.staff)).0, 403);
        assert_eq!(node.get("/api/v1/residents/12x", Some(&node.staff)).0, 400);
        let res = node.client.post(format!("{}/api/v1/residents/import", node.base)).bearer_auth(&node.site).body("x").send().unwrap();
        assert_eq!(res.status().as_u16(), 403);
    }

    fn health_metrics_and_bad_requests(db) {
        let node = TestNode::start(db);
        let (status, health) = node.get("/health", None);
        assert_eq!(status, 200);
        assert_eq!(health["status"], "ok");
        assert_eq!(health["municipality"], "131016");
        assert_eq!(health["coordinator"], "disconnected");
        assert_eq!(node.import("", "application/json", b"{}".to_vec()).0, 415);
        assert_eq!(node.import("", "text/csv; charset=latin1", b"x".to_vec()).0, 415);
        assert_eq!(node.import("?on_error=maybe", "text/csv", b"x".to_vec()).0, 400);
        let (status, body) = node.import("", "text/csv", Vec::new());
        assert_eq!((status, body["rejected"][0]["error"].as_str()), (422, Some("empty_file")));
        node.import("", "text/csv", file(&[row(0)]));
        node.get("/api/v1/residents/1000", Some(&node.staff));
        let metrics = node.client.get(format!("{}/metrics", node.base)).send().unwrap().text().unwrap();
        assert!(metrics.contains("vrs_node_import_rows_total{outcome=\"inserted\"} 1"), "{metrics}");
        assert!(metrics.contains("route=\"/api/v1/residents/{atena}\""), "route label is the pattern");
        assert!(metrics.contains("vrs_node_db_pool_connections"));
        assert!(!metrics.contains("1000\""), "an atena reached a metric label");
    }
}

/// Every kind of answer (success, each 4xx the API gives, metrics, public keys, unknown
/// routes) carries the security headers; Strict-Transport-Security only over TLS
/// (tests/tests/transport.rs checks it there).
#[test]
fn every_response_carries_the_security_headers() {
    let node = TestNode::start(TestDb::new(Backend::Sqlite));
    let get = |path: &str, token: Option<&str>| {
        let mut req = node.client.get(format!("{}{path}", node.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().unwrap()
    };
    let post_csv = node
        .client
        .post(format!("{}/api/v1/residents/import", node.base))
        .bearer_auth(&node.staff)
        .header("Content-Type", "text/csv")
        .body(file(&[row(0).replace("19800401", "20230230")]))
        .send()
        .unwrap();
    let mut answers = vec![
        (200, get("/health", None)),
        (200, get("/metrics", None)),
        (200, get("/.well-known/jwks.json", None)),
        (200, get("/api/v1/products", Some(&node.site))),
        (401, get("/api/v1/residents/1", None)),
        (403, get("/api/v1/audit", Some(&node.staff))),
        (400, get("/api/v1/residents/12x", Some(&node.staff))),
        (404, get("/api/v1/residents/1", Some(&node.staff))),
        (404, get("/nowhere", None)),
        (422, post_csv),
    ];
    for _ in 0..10 {
        get("/api/v1/residents/1", Some(&format!("vrs_{}", "9".repeat(64))));
    }
    answers.push((429, get("/api/v1/residents/1", Some("vrs_wrong"))));
    for (status, res) in answers {
        let what = format!("{} {}", res.status(), res.url().path());
        assert_eq!(res.status().as_u16(), status, "{what}");
        for name in vrs_http::headers::required(false) {
            assert!(res.headers().contains_key(name), "{name} missing on {what}");
        }
        assert!(!res.headers().contains_key("strict-transport-security"), "HSTS over plaintext on {what}");
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        assert_eq!(res.headers()["content-security-policy"], vrs_http::headers::CONTENT_SECURITY_POLICY);
    }
}
