//! Reply drafts (#6): the draft of a case, its precedent sources, the template notices, and that
//! a draft never states a number the citizen did not write.

use serde_json::Value;

use crate::db_tests;
use crate::helpers::TestApp;

db_tests!(
    a_case_gets_a_draft_with_sources_blanks_and_notices,
    draft_errors_are_named,
);

fn numeric_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_numeric() {
            cur.push(c);
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

async fn a_case_gets_a_draft_with_sources_blanks_and_notices(app: TestApp) {
    let title = "A市A3区小区物业乱收停车费";
    let body = "A3区某小区物业擅自把停车费从每月100元涨到300元,业主不同意,请相关部门调查处理。";
    let receipt = app.submit(title, body).await;
    let number = receipt["case_number"].as_str().unwrap();

    let r = app
        .staff_get(&format!("/api/v1/cases/{number}/draft"))
        .await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["case_number"], number);
    assert_eq!(d["place"], "A3区");
    let text = d["draft"].as_str().unwrap();
    assert!(text.contains(title), "{text}");
    assert!(text.contains("【待填写:办理结果】"), "{text}");
    assert!(
        d["blanks"]
            .as_array()
            .unwrap()
            .contains(&Value::from("办理结果"))
    );

    // Every number of the draft is one the citizen wrote (the contact name is 张三).
    let allowed = numeric_runs(&format!("{title}{body}张三"));
    for run in numeric_runs(text) {
        assert!(allowed.contains(&run), "invented number {run} in {text}");
    }

    // The shipped precedents are about the board's places: the most similar ones are listed,
    // and every passage names a listed or retrieved source.
    let precedents = d["precedents"].as_array().unwrap();
    assert!(!precedents.is_empty());
    for p in precedents {
        assert!(!p["id"].as_str().unwrap().is_empty());
        assert!(!p["reply_snippet"].as_str().unwrap().is_empty());
    }
    for p in d["passages"]
        .as_array()
        .unwrap()
        .iter()
        .chain(d["suggestions"].as_array().unwrap())
    {
        assert!(!p["source_id"].as_str().unwrap().is_empty());
        assert!(!p["text"].as_str().unwrap().is_empty());
    }
    for p in d["passages"].as_array().unwrap() {
        assert!(text.contains(p["text"].as_str().unwrap()));
    }

    let notices = &d["notices"];
    for kind in ["acknowledgement", "assignment", "progress", "completion"] {
        let n = notices[kind].as_str().unwrap();
        assert!(n.contains(number), "{kind}: {n}");
    }
    assert!(
        notices["acknowledgement"]
            .as_str()
            .unwrap()
            .contains("受理")
    );
    // The suggested unit fills {unit}; the reply deadline fills {deadline}.
    let unit = d["unit"].as_str().unwrap();
    assert!(notices["assignment"].as_str().unwrap().contains(unit));
    assert!(
        !notices["assignment"]
            .as_str()
            .unwrap()
            .contains("【待填写:deadline】")
    );
}

async fn draft_errors_are_named(app: TestApp) {
    let receipt = app.submit("路灯不亮", "小区路灯坏了一个月").await;
    let number = receipt["case_number"].as_str().unwrap();
    let path = format!("/api/v1/cases/{number}/draft");

    let r = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 401);

    let r = app.staff_get("/api/v1/cases/2026-999999/draft").await;
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert!(e.to_string().contains("2026-999999"), "{e}");

    let r = app.staff_get("/api/v1/cases/not-a-number/draft").await;
    assert_eq!(r.status(), 404);

    let spec: Value = app.get_json("/api/openapi.json").await;
    assert!(spec["paths"]["/api/v1/cases/{case_number}/draft"]["get"].is_object());
}
