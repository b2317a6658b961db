//! The HTTP API: /health, /api/v1/nodes with its 401/403, /metrics, unknown routes.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_nodes_report_the_federation() {
    let mut c = Coordinator::init();
    let mut chiyoda = FakeNode::new("131016");
    let yokohama = FakeNode::new("141003");
    assert!(c.enroll(&chiyoda).status.success());
    assert!(c.enroll(&yokohama).status.success());
    let token = c.national_token();
    c.start().await;

    let (status, health) = c.get("/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["nodes_enrolled"], 2);
    assert_eq!(health["nodes_connected"], 0);

    chiyoda.connect(&c, accept_all()).await;
    eventually("chiyoda counted", || async { c.health().await["nodes_connected"] == 1 }).await;
    let (status, nodes) = c.get("/api/v1/nodes", Some(&token)).await;
    assert_eq!(status, 200);
    let list = nodes.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["municipality"], "131016");
    assert_eq!(list[0]["connected"], true);
    assert!(list[0]["last_seen"].as_str().unwrap().ends_with('Z'));
    assert_eq!(list[0]["stats_as_of"], serde_json::Value::Null);
    assert_eq!(list[1]["municipality"], "141003");
    assert_eq!(list[1]["connected"], false);
    assert_eq!(list[1]["last_seen"], serde_json::Value::Null);

    let (status, body) = c.get("/api/v1/nodes", None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
    assert!(body["message"].is_string());
    let (status, body) = c.get("/api/v1/nodes", Some("vrs_wrong")).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
    let (status, body) = c.get("/api/v1/nowhere", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");

    let metrics = c.http_client.get(format!("{}/metrics", c.http)).send().await.unwrap().text().await.unwrap();
    for family in
        ["vrs_coordinator_nodes_connected 1", "vrs_coordinator_nodes_enrolled 2", "vrs_coordinator_queue_depth 0"]
    {
        assert!(metrics.contains(family), "{family} missing from {metrics}");
    }
    assert!(c.terminate().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_are_revoked_and_wrong_ones_are_throttled() {
    use diesel::prelude::*;
    let mut c = Coordinator::init();
    let token = c.national_token();
    let other = {
        let out =
            bin().args(["user", "add", "--name", "other", "--role", "national", "--data-dir"]).arg(c.path()).output();
        String::from_utf8(out.unwrap().stdout).unwrap().trim().to_owned()
    };
    c.start().await;
    assert_eq!(c.get("/api/v1/nodes", Some(&token)).await.0, 200);

    let pool = vrs_coordinator::db::open(&c.path().join("coordinator.sqlite"), "normal", 2).unwrap();
    diesel::sql_query("UPDATE users SET expires_at_ms = 1000 WHERE name = 'stats'")
        .execute(&mut *pool.get().unwrap())
        .unwrap();
    let (status, body) = c.get("/api/v1/nodes", Some(&token)).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("token_expired")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("1970-01-01"), "{body}");

    let out = bin().args(["user", "revoke-token", "--name", "other", "--data-dir"]).arg(c.path()).output().unwrap();
    assert!(out.status.success());
    assert_eq!(c.get("/api/v1/nodes", Some(&other)).await.1["error"], "unauthorized");

    let wrong = format!("vrs_{}", "f".repeat(64));
    for _ in 0..9 {
        assert_eq!(c.get("/api/v1/nodes", Some(&wrong)).await.0, 401);
    }
    let res = c.http_client.get(format!("{}/api/v1/nodes", c.http)).bearer_auth(&wrong).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(c.terminate().success());
}
