//! The staff queue, case detail, triage decisions with their corrections log, import, and the
//! operational endpoints.

use std::io::Write;

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{TestApp, triage};

db_tests!(
    staff_endpoints_need_a_token,
    queue_filters_and_pages,
    decisions_are_logged_with_old_and_new_values,
    import_is_idempotent_and_reports_rejections,
    ops_endpoints_answer,
    batched_inserts_number_each_year_separately,
    hot_topics_group_cases_about_one_matter,
);

async fn hot_topics_group_cases_about_one_matter(app: TestApp) {
    let background = [
        ("公积金贷款额度咨询", "请问公积金贷款最高额度是多少"),
        ("公交线路调整建议", "建议增加早高峰公交班次"),
        ("医院挂号难", "人民医院专家号很难挂到"),
        ("社保卡补办", "社保卡丢失如何补办"),
        ("拖欠工资", "建筑公司拖欠农民工工资半年"),
        ("学校乱收补课费", "某中学强制学生参加补课并收取费用"),
    ];
    for (t, b) in background {
        app.submit(t, b).await;
    }
    let mut numbers = Vec::new();
    for (t, b) in [
        (
            "丽发新城小区旁搅拌站噪音扰民",
            "搅拌站日夜施工,噪音粉尘严重影响丽发新城小区居民休息",
        ),
        (
            "投诉丽发新城小区附近搅拌站",
            "丽发新城小区旁边的搅拌站粉尘噪音太大",
        ),
        (
            "丽发新城搅拌站污染严重",
            "搅拌站噪音粉尘污染,丽发新城小区业主苦不堪言",
        ),
    ] {
        // Three different people (the contact phone tells them apart).
        let phone = format!("1380000000{}", numbers.len());
        let r = app
            .post_json(
                "/api/v1/messages",
                &json!({"title": t, "body": b, "channel": "web", "contact": {"phone": phone}, "publish_consent": true}),
            )
            .await;
        numbers.push(
            r.json::<Value>().await.unwrap()["case_number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(
        app.client
            .get(app.url("/api/v1/hot"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let topics = app.staff_json("/api/v1/hot?days=7&top=5").await;
    let topics = topics.as_array().unwrap();
    assert_eq!(topics.len(), 1, "{topics:?}");
    assert_eq!(topics[0]["messages"], json!(numbers));
    assert_eq!(topics[0]["people"], 3);
    assert_eq!(topics[0]["place"], "丽发新城小区");
    let bad = app.staff_get("/api/v1/hot?days=0").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"]["field"], "days");
}

async fn batched_inserts_number_each_year_separately(app: TestApp) {
    use wenzheng::store::{NewCaseRecord, StoredCase};
    let mut handles = Vec::new();
    for i in 0..12 {
        let store = app.state.store.clone();
        let year = if i % 2 == 0 { 2019 } else { 2020 };
        let rec = NewCaseRecord {
            tracking_digest: format!("digest-{i}"),
            external_id: (i % 3 == 0).then(|| format!("ext-{i}")),
            title: format!("标题{i}"),
            body: "内容".into(),
            channel: "web".into(),
            contact_name: None,
            contact_phone: None,
            contact_email: None,
            location: None,
            publish_consent: true,
            status: "received".into(),
            received_at: chrono::Utc::now(),
            year,
            suggestion: None,
            reply_text: None,
            replied_at: None,
            first_response_due: None,
            reply_due: None,
            deadline_note: None,
        };
        handles.push(tokio::spawn(async move {
            (year, store.insert_case(&rec).await.unwrap())
        }));
    }
    let mut numbers: Vec<String> = Vec::new();
    for h in handles {
        let (year, stored) = h.await.unwrap();
        match stored {
            StoredCase::Created(n) => {
                assert!(n.as_str().starts_with(&year.to_string()));
                numbers.push(n.to_string());
            }
            StoredCase::Duplicate(n) => panic!("unexpected duplicate {n}"),
        }
    }
    numbers.sort();
    let expected: Vec<String> = (1..=6)
        .map(|k| format!("2019-{k:06}"))
        .chain((1..=6).map(|k| format!("2020-{k:06}")))
        .collect();
    assert_eq!(numbers, expected);
}

async fn staff_endpoints_need_a_token(app: TestApp) {
    for path in ["/api/v1/cases", "/api/v1/cases/2026-000001"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let r = app
            .client
            .get(app.url(path))
            .header("authorization", "Basic abc")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    let r = app
        .client
        .post(app.url("/api/v1/cases/2026-000001/triage"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn queue_filters_and_pages(app: TestApp) {
    for i in 0..5 {
        app.submit(
            &format!("学校乱收补课费{i}"),
            "学校组织学生补课并收取费用,请教育局查处。",
        )
        .await;
    }
    let page: Value = app.staff_json("/api/v1/cases?per_page=2&page=1").await;
    assert_eq!(page["total"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let item = &page["items"][0];
    assert_eq!(item["confirmed"], false);
    assert!(item["suggestion"]["department"].is_string());
    assert!(item["suggestion"]["key_terms"].is_array());
    let page3: Value = app.staff_json("/api/v1/cases?per_page=2&page=3").await;
    assert_eq!(page3["items"].as_array().unwrap().len(), 1);
    let dept = item["suggestion"]["department"].as_str().unwrap();
    let by_dept: Value = app
        .staff_json(&format!(
            "/api/v1/cases?department={dept}&confirmed=false&status=received"
        ))
        .await;
    assert!(by_dept["total"].as_i64().unwrap() >= 1);
    let none: Value = app.staff_json("/api/v1/cases?confirmed=true").await;
    assert_eq!(none["total"], 0);
    // A case raised to 特急 goes to the top of the default queue; sort=newest ignores urgency.
    let first = page3["items"][0]["case_number"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .staff_post(
            &format!("/api/v1/cases/{first}/triage"),
            &json!({"urgency": "特急"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let top: Value = app.staff_json("/api/v1/cases?per_page=1").await;
    assert_eq!(top["items"][0]["case_number"], first.as_str());
    let newest: Value = app.staff_json("/api/v1/cases?per_page=1&sort=newest").await;
    assert_ne!(newest["items"][0]["case_number"], first.as_str());
    let due: Value = app.staff_json("/api/v1/cases?sort=due").await;
    assert_eq!(due["total"], 5);
    for (query, field) in [
        ("status=bogus", "status"),
        ("sort=oldest", "sort"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("confirmed=maybe", "confirmed"),
        ("urgency=很急", "urgency"),
        ("page=-1", "page"),
    ] {
        let r = app.staff_get(&format!("/api/v1/cases?{query}")).await;
        assert_eq!(r.status(), 400, "{query}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["field"],
            field,
            "{query}"
        );
    }
}

async fn decisions_are_logged_with_old_and_new_values(app: TestApp) {
    let receipt = app
        .submit("出租车拒载", "A市出租车司机经常拒载绕路,态度恶劣。")
        .await;
    let number = receipt["case_number"].as_str().unwrap();
    let case: Value = app.staff_json(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(case["contact"]["phone"], "13812345678");
    let suggested = case["suggestion"]["category"].as_str().unwrap().to_string();
    let other = if suggested == "商贸旅游" {
        "交通运输"
    } else {
        "商贸旅游"
    };
    let r = app
        .staff_post(
            &format!("/api/v1/cases/{number}/triage"),
            &json!({"category": other, "urgency": "一般", "note": "线路归交通局"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let decided: Value = r.json().await.unwrap();
    assert_eq!(decided["confirmed"], true);
    assert_eq!(decided["category"], other);
    assert_eq!(
        decided["department"],
        triage().departments.department(other).unwrap()
    );
    assert_eq!(decided["confirmed_by"], "测试调度员 (dispatcher)");
    let log = decided["corrections"].as_array().unwrap();
    let cat = log.iter().find(|c| c["field"] == "category").unwrap();
    assert_eq!(
        (
            cat["old_value"].as_str(),
            cat["new_value"].as_str(),
            cat["kind"].as_str()
        ),
        (Some(suggested.as_str()), Some(other), Some("override"))
    );
    assert_eq!(cat["actor"], "测试调度员 (dispatcher)");
    assert_eq!(cat["note"], "线路归交通局");
    let urg = log.iter().find(|c| c["field"] == "urgency").unwrap();
    let suggested_urgency = case["suggestion"]["urgency"].clone();
    assert!(
        suggested_urgency.is_string(),
        "the shipped urgency model suggests an urgency"
    );
    assert_eq!(
        (urg["old_value"].clone(), urg["new_value"].as_str()),
        (suggested_urgency.clone(), Some("一般"))
    );
    assert_eq!(
        urg["kind"],
        if suggested_urgency == "一般" {
            "confirm"
        } else {
            "override"
        }
    );
    assert!(case["suggestion"]["request_type"].is_string());
    // The urgency chooses the service level: 特急 must get a first response within 2 hours.
    let urgent: Value = app
        .staff_post(
            &format!("/api/v1/cases/{number}/triage"),
            &json!({"urgency": "特急"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert_eq!(
        at(&urgent["first_response_due"]) - at(&urgent["received_at"]),
        chrono::Duration::hours(2)
    );
    assert_eq!(
        at(&decided["first_response_due"]) - at(&decided["received_at"]),
        chrono::Duration::hours(24)
    );
    // The reply is due on a working day at 23:59:59 China time, or the note says why not.
    match urgent["reply_due"].as_str() {
        Some(due) => assert!(due.ends_with("T15:59:59Z"), "{due}"),
        None => assert!(
            urgent["deadline_note"]
                .as_str()
                .unwrap()
                .contains("calendar")
        ),
    }
    assert_eq!(urgent["overdue"], false);
    // Confirming again keeps the values and logs a confirmation.
    let again: Value = app
        .staff_post(&format!("/api/v1/cases/{number}/triage"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["category"], other);
    assert!(
        again["corrections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "category" && c["kind"] == "confirm")
    );
    // Corrections feed retraining.
    let rows = app.state.store.confirmed_categories().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].2, other);
    // Bad decisions name the field; unknown cases are 404.
    for (body, field) in [
        (json!({"category": "火星"}), "category"),
        (json!({"urgency": "很急"}), "urgency"),
        (json!({"request_type": "吐槽"}), "request_type"),
    ] {
        let r = app
            .staff_post(&format!("/api/v1/cases/{number}/triage"), &body)
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], field);
    }
    let r = app
        .staff_post(
            &format!("/api/v1/cases/{number}/triage"),
            &json!({"colour": "red"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.staff_get("/api/v1/cases/2099-999999").await.status(),
        404
    );
    assert_eq!(
        app.staff_get("/api/v1/cases/not-a-number").await.status(),
        404
    );
}

async fn import_is_idempotent_and_reports_rejections(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(
        f,
        "留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间"
    )
    .unwrap();
    writeln!(f, "101,U1,小区停水三天,2019-04-25 09:32:09,\"A1区小区停水三天,\n无人处理\",已协调供水公司抢修,2019-04-26 10:00:00").unwrap();
    writeln!(f, "102,U2,学校收费,2019-05-01 08:00:00,学校乱收费,,").unwrap();
    writeln!(f, "103,U3,,2019-05-01 08:00:00,,,").unwrap();
    writeln!(f, "104,U4,时间不对,昨天下午,内容,,").unwrap();
    drop(f);
    let s = app.import(&path).await.unwrap();
    assert_eq!((s.loaded, s.duplicates), (2, 0));
    assert_eq!(
        s.rejected.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![5, 6]
    );
    assert!(s.rejected[1].1.contains("留言时间"));
    let again = app.import(&path).await.unwrap();
    assert_eq!((again.loaded, again.duplicates), (0, 2));
    assert_eq!(app.state.store.count_cases().await.unwrap(), 2);
    let replied: Value = app.staff_json("/api/v1/cases?status=replied").await;
    assert_eq!(replied["total"], 1);
    assert_eq!(replied["items"][0]["received_at"], "2019-04-25T01:32:09Z");
    // The imported reply was public on the old board: it is in the 部门回应 column.
    let column = app.get_json("/api/public/replies").await;
    assert_eq!(column["total"], 1);
    let missing = dir.path().join("bad.csv");
    std::fs::write(&missing, "留言编号,标题\n1,x\n").unwrap();
    let err = app.import(&missing).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("missing column(s) 留言主题, 留言详情"),
        "{err}"
    );
}

async fn ops_endpoints_answer(app: TestApp) {
    app.submit("噪音", "夜间施工噪音扰民").await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ready: Value = app.get_json("/readyz").await;
    assert_eq!(ready["status"], "ready");
    let spec: Value = app.get_json("/api/openapi.json").await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/messages",
        "/api/v1/track/{tracking_code}",
        "/api/v1/triage",
        "/api/v1/cases",
        "/api/v1/cases/{case_number}/triage",
    ] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("wenzheng_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("wenzheng_triage_total"));
    assert!(metrics.contains("wenzheng_cases{status=\"received\"}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_import_reads_dates_and_numbers() {
    let app = crate::helpers::spawn_app(crate::helpers::Db::Sqlite).await;
    let path = crate::helpers::repo_path("tests/fixtures/import_sample.xlsx");
    let s = app.import(&path).await.unwrap();
    assert_eq!((s.loaded, s.duplicates), (2, 0), "{s:?}");
    assert_eq!(s.rejected.len(), 1);
    assert_eq!(s.rejected[0].0, 4, "row 4 has neither title nor body");
    let replied: Value = app.staff_json("/api/v1/cases?status=replied").await;
    assert_eq!(replied["total"], 1);
    // An Excel date cell (2019-05-06 20:15 China time) becomes UTC.
    assert_eq!(replied["items"][0]["received_at"], "2019-05-06T12:15:00Z");
    let again = app.import(&path).await.unwrap();
    assert_eq!((again.loaded, again.duplicates), (0, 2));
}
