//! The web pages as HTTP resources (types, caching, security headers) and the per-address limit
//! on new messages. The pages' behaviour in a browser is tested by e2e.rs.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Db, TestApp, spawn_app};

db_tests!(
    pages_are_served_with_types_caching_and_a_strict_policy,
    choices_list_what_the_triage_decision_accepts,
);

async fn pages_are_served_with_types_caching_and_a_strict_policy(app: TestApp) {
    for (path, kind) in [
        ("/", "text/html"),
        ("/staff", "text/html"),
        ("/assets/style.css", "text/css"),
        ("/assets/portal.js", "text/javascript"),
        ("/assets/staff.js", "text/javascript"),
        ("/assets/common.js", "text/javascript"),
        ("/assets/icon.svg", "image/svg+xml"),
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers().clone();
        let header = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        assert!(header("content-type").starts_with(kind), "{path}");
        assert_eq!(header("cache-control"), "no-cache", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff");
        let csp = header("content-security-policy");
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let etag = header("etag");
        assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
        // Revalidation: the same ETag answers 304 without a body.
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let portal = app.get_text("/").await;
    assert!(portal.contains("<html lang=\"zh-CN\">"));
    assert!(portal.contains("我要留言"));
    assert!(app.get_text("/staff").await.contains("工作人员登录"));
    assert!(app.get_text("/staff/").await.contains("工作人员登录"));

    for path in [
        "/assets/nope.js",
        "/assets/index.html",
        "/assets/..%2Fmod.rs",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "not_found");
    }
    // The API keeps answering JSON, without the pages' policy (Swagger UI needs its own).
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(r.headers().get("content-security-policy").is_none());
}

async fn choices_list_what_the_triage_decision_accepts(app: TestApp) {
    let r = app
        .client
        .get(app.url("/api/v1/choices"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v = app.staff_json("/api/v1/choices").await;
    let categories = v["categories"].as_array().unwrap();
    assert!(
        categories
            .iter()
            .any(|c| c["category"] == "城乡建设" && c["department"] == "住房和城乡建设局")
    );
    assert_eq!(v["urgencies"], json!(["特急", "紧急", "一般"]));
    assert_eq!(v["request_types"].as_array().unwrap().len(), 6);
    assert!(
        v["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["code"] == "pending_review" && s["name"] == "待审核")
    );
    // Every category offered is one the decision accepts.
    let receipt = app.submit("路灯不亮", "小区门口的路灯坏了").await;
    let number = receipt["case_number"].as_str().unwrap();
    for c in categories {
        let r = app
            .staff_post(
                &format!("/api/v1/cases/{number}/triage"),
                &json!({"category": c["category"]}),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", c["category"]);
    }
}

/// Serves `app`'s state again on a new port with the given limit on new messages.
async fn serve_with_limit(app: &TestApp, config: wenzheng::config::RateLimitConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let state = app.state.clone().with_rate_limit(&config);
    tokio::spawn(wenzheng::http::serve(
        listener,
        state,
        std::future::pending(),
    ));
    address
}

fn message(i: usize) -> Value {
    json!({"title": format!("噪音扰民{i}"), "body": "楼下商铺夜间噪音很大", "channel": "web", "publish_consent": false})
}

// The limit is in the HTTP layer, not the store: one database is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_messages_from_one_address_get_429() {
    let app = spawn_app(Db::Sqlite).await;
    let base = serve_with_limit(
        &app,
        wenzheng::config::RateLimitConfig {
            messages_per_minute: 3,
            burst: None,
            client_ip_header: None,
        },
    )
    .await;
    let client = reqwest::Client::new();
    for i in 0..3 {
        let r = client
            .post(format!("{base}/api/v1/messages"))
            .json(&message(i))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "message {i}");
    }
    let r = client
        .post(format!("{base}/api/v1/messages"))
        .json(&message(3))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limited");
    // Nothing was stored for the refused message.
    assert_eq!(app.state.store.count_cases().await.unwrap(), 3);
    // Other routes are not limited.
    let r = client
        .get(format!("{base}/api/public/replies"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_forwarded_address_is_the_client() {
    let app = spawn_app(Db::Sqlite).await;
    let base = serve_with_limit(
        &app,
        wenzheng::config::RateLimitConfig {
            messages_per_minute: 1,
            burst: None,
            client_ip_header: Some("X-Forwarded-For".into()),
        },
    )
    .await;
    let client = reqwest::Client::new();
    let send = |ip: &'static str, i: usize| {
        client
            .post(format!("{base}/api/v1/messages"))
            .header("x-forwarded-for", format!("203.0.113.99, {ip}"))
            .json(&message(i))
            .send()
    };
    assert_eq!(send("198.51.100.1", 0).await.unwrap().status(), 201);
    assert_eq!(send("198.51.100.1", 1).await.unwrap().status(), 429);
    // Another citizen behind the same proxy has their own allowance.
    assert_eq!(send("198.51.100.2", 2).await.unwrap().status(), 201);
}
