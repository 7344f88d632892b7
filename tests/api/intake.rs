//! Leaving a message, tracking it, stateless triage, and every way a client can send bad input.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::TestApp;

db_tests!(
    message_is_received_and_trackable,
    tracking_shows_no_personal_data,
    bad_input_gets_a_named_field_error,
    transport_errors_are_json,
    triage_endpoint_needs_a_token_and_explains_itself,
    case_numbers_are_sequential_under_concurrency,
);

async fn message_is_received_and_trackable(app: TestApp) {
    let receipt = app
        .submit(
            "A市A3区小区停车费乱收",
            "物业擅自把停车费从100元涨到300元,业主多次反映无果。",
        )
        .await;
    let number = receipt["case_number"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^\d{4}-\d{6}$")
            .unwrap()
            .is_match(number),
        "{number}"
    );
    assert_eq!(receipt["status"], "received");
    assert_eq!(receipt["status_name"], "已受理");
    assert!(
        receipt["acknowledgement"]
            .as_str()
            .unwrap()
            .starts_with("您反映的问题已由我单位受理")
    );
    let code = receipt["tracking_code"].as_str().unwrap();
    let r = app
        .client
        .get(app.url(&format!("/api/v1/track/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let view: Value = r.json().await.unwrap();
    assert_eq!(view["case_number"], number);
    assert_eq!(view["status_name"], "已受理");
    assert!(view["reply"].is_null());
    // Codes are accepted without dashes and in lower case; a wrong code finds nothing.
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/track/{}",
            code.replace('-', "").to_lowercase()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .get(app.url("/api/v1/track/2222-3333-4444"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
}

async fn tracking_shows_no_personal_data(app: TestApp) {
    let r = app
        .post_json(
            "/api/v1/messages",
            &json!({
                "title": "我叫王小明,电话13912345678,住幸福小区3栋2单元501室",
                "body": "身份证430102199001011234,邮箱wxm@example.com,楼下夜间施工。",
                "channel": "wechat",
                "contact": {"name": "王小明", "phone": "13912345678", "email": "wxm@example.com"},
                "location": "幸福小区3栋",
                "publish_consent": false
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let receipt: Value = r.json().await.unwrap();
    let code = receipt["tracking_code"].as_str().unwrap();
    let text = app.get_text(&format!("/api/v1/track/{code}")).await;
    for secret in [
        "王小明",
        "13912345678",
        "430102199001011234",
        "wxm@example.com",
        // The room number (timestamps may contain "501", so look for the address's own form).
        "2单元501",
        "501室",
    ] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
}

async fn bad_input_gets_a_named_field_error(app: TestApp) {
    let valid = json!({"title": "路灯不亮", "body": "小区路灯坏了半年", "channel": "web", "publish_consent": true});
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"body": "x", "channel": "web", "publish_consent": true}),
            422,
            "title",
        ),
        (
            json!({"title": "  ", "body": "x", "channel": "web", "publish_consent": true}),
            422,
            "title",
        ),
        (
            json!({"title": "t", "channel": "web", "publish_consent": true}),
            422,
            "body",
        ),
        (
            json!({"title": "t", "body": "b", "channel": "fax", "publish_consent": true}),
            422,
            "channel",
        ),
        (
            json!({"title": "t", "body": "b", "channel": "web"}),
            422,
            "publish_consent",
        ),
        (
            json!({"title": 5, "body": "b", "channel": "web", "publish_consent": true}),
            422,
            "title",
        ),
        (
            json!({"title": "t", "body": "b", "channel": "web", "publish_consent": "yes"}),
            422,
            "publish_consent",
        ),
        (
            json!({"title": "t", "body": "b", "channel": "web", "publish_consent": true, "contact": {"phone": "abc"}}),
            422,
            "contact.phone",
        ),
        (
            json!({"title": "t", "body": "b", "channel": "web", "publish_consent": true, "contact": {"email": "nope"}}),
            422,
            "contact.email",
        ),
        (
            json!({"title": "t".repeat(101), "body": "b", "channel": "web", "publish_consent": true}),
            422,
            "title",
        ),
        (
            json!({"title": "!!!", "body": "😀😀😀", "channel": "web", "publish_consent": true}),
            422,
            "body",
        ),
    ];
    for (body, status, field) in cases {
        let r = app.post_json("/api/v1/messages", &body).await;
        assert_eq!(r.status().as_u16(), status, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["field"], field, "{body} → {e}");
        assert!(!e["error"]["message"].as_str().unwrap().is_empty());
    }
    // Nothing was stored by the rejected requests.
    assert_eq!(app.state.store.count_cases().await.unwrap(), 0);
    assert_eq!(
        app.post_json("/api/v1/messages", &valid).await.status(),
        201
    );
}

async fn transport_errors_are_json(app: TestApp) {
    let send = |builder: reqwest::RequestBuilder| async move {
        let r = builder.send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.expect("error bodies are JSON");
        (
            status,
            body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    let url = app.url("/api/v1/messages");
    assert_eq!(send(app.client.post(&url).body("{\"title\":")).await.0, 415);
    let (s, code) = send(
        app.client
            .post(&url)
            .header("content-type", "application/json")
            .body("{\"title\":"),
    )
    .await;
    assert_eq!((s, code.as_str()), (400, "invalid_json"));
    let (s, _) = send(
        app.client
            .post(&url)
            .header("content-type", "application/json")
            .body("[1,2]"),
    )
    .await;
    assert_eq!(s, 422);
    // 75 KB: over the 64 KiB limit, yet small enough that the client finishes sending before the
    // 413 arrives (a much larger body races the server closing the connection).
    let huge = json!({"title": "t", "body": "长".repeat(25_000), "channel": "web", "publish_consent": true});
    let (s, code) = send(app.client.post(&url).json(&huge)).await;
    assert_eq!((s, code.as_str()), (413, "payload_too_large"));
    let (s, code) = send(app.client.get(app.url("/no/such/route"))).await;
    assert_eq!((s, code.as_str()), (404, "not_found"));
    let (s, code) = send(app.client.delete(&url)).await;
    assert_eq!((s, code.as_str()), (405, "method_not_allowed"));
    let bytes: Vec<u8> = vec![b'{', b'"', b't', 0xff, 0xfe, b'"', b'}'];
    let (s, _) = send(
        app.client
            .post(&url)
            .header("content-type", "application/json")
            .body(bytes),
    )
    .await;
    assert_eq!(s, 400);
}

async fn triage_endpoint_needs_a_token_and_explains_itself(app: TestApp) {
    let body = json!({"title": "公积金贷款额度", "body": "请问A市住房公积金贷款最高额度是多少?"});
    assert_eq!(app.post_json("/api/v1/triage", &body).await.status(), 401);
    let r = app
        .client
        .post(app.url("/api/v1/triage"))
        .bearer_auth("wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app.staff_post("/api/v1/triage", &body).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let d = &t["department"];
    assert_eq!(d["top3"].as_array().unwrap().len(), 3);
    assert!(d["confidence"].as_f64().unwrap() > 0.0);
    assert!(!d["department"].as_str().unwrap().is_empty());
    assert!(
        t["model_version"]
            .as_str()
            .unwrap()
            .starts_with("department@")
    );
    assert_eq!(t["request_type"]["label"], "咨询", "{t}");
    let u = &t["urgency"];
    assert_eq!(u["label"], "一般");
    assert_eq!(u["urgent"], false);
    assert!(u["urgent_probability"].as_f64().unwrap() < u["threshold"].as_f64().unwrap());
    let only: Value = app
        .staff_post("/api/v1/triage?department_only=true", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(only["department"], t["department"]);
    assert!(only["request_type"].is_null() && only["urgency"].is_null());
    assert_eq!(
        app.staff_post("/api/v1/triage?department_only=perhaps", &body)
            .await
            .status(),
        400
    );
    let r = app
        .staff_post("/api/v1/triage", &json!({"title": " ", "body": ""}))
        .await;
    assert_eq!(r.status(), 422);
}

async fn case_numbers_are_sequential_under_concurrency(app: TestApp) {
    let mut handles = Vec::new();
    let app = std::sync::Arc::new(app);
    for i in 0..20 {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            app.submit(&format!("噪音扰民{i}"), "夜间施工噪音").await["case_number"]
                .as_str()
                .unwrap()
                .to_string()
        }));
    }
    let mut numbers = Vec::new();
    for h in handles {
        numbers.push(h.await.unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 20, "every case got its own number");
}
