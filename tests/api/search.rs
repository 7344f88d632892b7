//! Search: staff search with facets and snippets, similar cases and duplicate candidates, the FAQ
//! and the public search (masked), the index following the database (also across two instances
//! on one PostgreSQL), and rebuilding a missing or corrupt index at start.

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{TestApp, act, postgres_enabled, spawn_app_on};

db_tests!(
    staff_search_ranks_filters_counts_and_highlights,
    search_parameters_are_validated,
    similar_cases_exclude_the_case_and_its_merged_cases,
    near_identical_messages_are_duplicate_candidates,
    faq_is_created_edited_retired_and_searched_publicly,
    public_endpoints_never_leak_personal_data,
    imported_replies_are_public_precedents,
    a_part_of_a_compound_word_finds_it,
    duplicate_candidates_stay_within_a_handlers_unit,
);

/// Polls `path` (staff token) until `done` holds: the index follows the database within about a
/// second; this waits up to 15 s so that a loaded machine does not fail the test.
async fn staff_eventually(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..150 {
        last = app.staff_json(path).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path}: condition not met; last answer {last}");
}

async fn public_eventually(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..150 {
        last = app.get_json(path).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path}: condition not met; last answer {last}");
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn total(v: &Value) -> u64 {
    v["total"].as_u64().unwrap_or(0)
}

async fn staff_put(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(&app.token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Runs SQL on the app's database (what the workflow will do through its own endpoints).
async fn exec_sql(app: &TestApp, sql: &str) {
    if app.database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}

async fn staff_search_ranks_filters_counts_and_highlights(app: TestApp) {
    let parking = app
        .submit(
            "小区物业乱收停车费",
            "物业公司擅自把停车费从每月100元涨到300元,业主很不满",
        )
        .await;
    app.submit("停车场收费不合理", "医院停车场收费太贵,一小时十元")
        .await;
    app.submit("公积金贷款额度咨询", "请问公积金贷款最高额度是多少")
        .await;
    let path = format!("/api/v1/search?q={}", enc("停车费"));
    let found = staff_eventually(&app, &path, |v| total(v) >= 1).await;
    let hits = found["hits"].as_array().unwrap();
    assert_eq!(hits[0]["case_number"], parking["case_number"]);
    assert!(
        hits[0]["category"].is_string() && hits[0]["unit"].is_string(),
        "{found}"
    );
    assert!(
        hits[0]["title_html"]
            .as_str()
            .unwrap()
            .contains("<b>停车费</b>"),
        "{found}"
    );
    assert!(
        hits[0]["snippet_html"]
            .as_str()
            .unwrap()
            .contains("<b>停车费</b>"),
        "{found}"
    );
    assert!(!found["units"].as_array().unwrap().is_empty(), "{found}");
    assert!(
        !found["categories"].as_array().unwrap().is_empty(),
        "{found}"
    );
    let counted: u64 = found["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, total(&found));

    // All three are 已受理: a status filter keeps them, another removes them.
    let received = app.staff_json(&format!("{path}&status=received")).await;
    assert_eq!(total(&received), total(&found));
    let replied = app.staff_json(&format!("{path}&status=replied")).await;
    assert_eq!(total(&replied), 0);
    // A category filter keeps exactly that facet's count.
    let first = &found["categories"][0];
    let cat = first["value"].as_str().unwrap();
    let filtered = app
        .staff_json(&format!("{path}&category={}", enc(cat)))
        .await;
    assert_eq!(total(&filtered), first["count"].as_u64().unwrap());
    // Dates: everything was received today.
    let future = app.staff_json(&format!("{path}&from=2100-01-01")).await;
    assert_eq!(total(&future), 0);
    let past = app
        .staff_json(&format!("{path}&from=2000-01-01&to=2100-01-01"))
        .await;
    assert_eq!(total(&past), total(&found));

    // Paging: one per page.
    let p2 = app
        .staff_json(&format!(
            "/api/v1/search?q={}&per_page=1&page=2",
            enc("停车")
        ))
        .await;
    assert_eq!(p2["page"], 2);
    assert!(p2["hits"].as_array().unwrap().len() <= 1);

    let anonymous = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

async fn search_parameters_are_validated(app: TestApp) {
    for (query, field) in [
        ("", "q"),
        ("q=", "q"),
        ("q=%E3%80%82%EF%BC%81", "q"),
        ("q=a&page=0", "page"),
        ("q=a&per_page=500", "per_page"),
        ("q=a&status=nonsense", "status"),
        ("q=a&type=nonsense", "type"),
        ("q=a&from=yesterday", "from"),
        ("q=a&from=2020-01-02&to=2020-01-01", "to"),
        ("q=a&page=x", "page"),
    ] {
        let r = app.staff_get(&format!("/api/v1/search?{query}")).await;
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let long = "停".repeat(201);
    let r = app
        .staff_get(&format!("/api/v1/search?q={}", enc(&long)))
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .staff_get("/api/v1/cases/2026-000001/similar?limit=0")
        .await;
    assert_eq!(r.status(), 400);
    let r = app.staff_get("/api/v1/cases/2026-999999/similar").await;
    assert_eq!(r.status(), 404);
    let r = app.get_json("/api/public/faq/search?q=").await;
    assert_eq!(r["error"]["field"], "q");
    let r = app.get_json("/api/public/faq/suggest?q=a&limit=99").await;
    assert_eq!(r["error"]["field"], "limit");
}

async fn similar_cases_exclude_the_case_and_its_merged_cases(app: TestApp) {
    let a = app
        .submit(
            "幸福小区垃圾站臭气熏天",
            "幸福小区垃圾站长期不清运,垃圾堆积,臭气熏天,蚊蝇滋生,请环卫部门处理",
        )
        .await;
    let b = app
        .submit(
            "幸福小区垃圾长期无人清运",
            "幸福小区的垃圾站垃圾堆积如山,环卫不清运,臭味严重",
        )
        .await;
    let c = app
        .submit(
            "垃圾站清运不及时",
            "幸福小区附近垃圾站清运不及时,夏天臭气很大",
        )
        .await;
    app.submit("公积金提取", "离职后公积金怎么提取").await;
    let a_no = a["case_number"].as_str().unwrap();
    let path = format!("/api/v1/cases/{a_no}/similar?limit=5");
    let similar =
        staff_eventually(&app, &path, |v| v.as_array().is_some_and(|a| a.len() >= 2)).await;
    let numbers: Vec<&str> = similar
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["case_number"].as_str().unwrap())
        .collect();
    assert!(!numbers.contains(&a_no), "{similar}");
    assert_eq!(numbers[0], b["case_number"].as_str().unwrap(), "{similar}");
    assert!(numbers.contains(&c["case_number"].as_str().unwrap()));
    let sim = similar[0]["similarity"].as_f64().unwrap();
    assert!(sim > 0.0 && sim <= 1.0, "{similar}");

    // 并单: B merged into A. Neither shows the other any more; C still shows.
    exec_sql(
        &app,
        &format!(
            "UPDATE cases SET merged_into = (SELECT id FROM cases WHERE case_number = '{a_no}') WHERE case_number = '{}'",
            b["case_number"].as_str().unwrap()
        ),
    )
    .await;
    let similar = app.staff_json(&path).await;
    let numbers: Vec<&str> = similar
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["case_number"].as_str().unwrap())
        .collect();
    assert!(
        !numbers.contains(&b["case_number"].as_str().unwrap()),
        "{similar}"
    );
    assert!(numbers.contains(&c["case_number"].as_str().unwrap()));
    let from_b = app
        .staff_json(&format!(
            "/api/v1/cases/{}/similar",
            b["case_number"].as_str().unwrap()
        ))
        .await;
    assert!(
        from_b
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["case_number"] != a["case_number"]),
        "{from_b}"
    );
}

async fn near_identical_messages_are_duplicate_candidates(app: TestApp) {
    let first = app
        .submit(
            "金星路与银河路交叉口红绿灯坏了",
            "金星路与银河路交叉口的红绿灯坏了三天了,早晚高峰车辆拥堵,行人过马路很危险,请尽快维修",
        )
        .await;
    app.submit("公积金贷款额度", "请问公积金贷款最高额度是多少")
        .await;
    let second = app
        .submit(
            "金星路与银河路交叉口红绿灯坏了!",
            "金星路与银河路交叉口的红绿灯坏了四天了,早晚高峰车辆拥堵,行人过马路很危险,请尽快派人维修",
        )
        .await;
    let path = format!("/api/v1/cases/{}", second["case_number"].as_str().unwrap());
    let detail = staff_eventually(&app, &path, |v| {
        v["duplicate_candidates"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    })
    .await;
    let candidates = detail["duplicate_candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "{detail}");
    assert_eq!(candidates[0]["case_number"], first["case_number"]);
    assert!(candidates[0]["similarity"].as_f64().unwrap() >= 0.5);
}

/// 住房公积金 is one dictionary word; the index also holds the words inside it (住房, 公积金), so
/// a search for 公积金 finds a case and a published answer that only say 住房公积金.
async fn a_part_of_a_compound_word_finds_it(app: TestApp) {
    let case = app
        .submit(
            "住房公积金提取办不下来",
            "我离职半年了,想提取住房公积金,去了三次都没有办成",
        )
        .await;
    let path = format!("/api/v1/search?q={}", enc("公积金"));
    let found = staff_eventually(&app, &path, |v| total(v) >= 1).await;
    assert_eq!(
        found["hits"][0]["case_number"], case["case_number"],
        "{found}"
    );
    let title_html = found["hits"][0]["title_html"].as_str().unwrap();
    assert!(title_html.contains("住房<b>公积金</b>"), "{found}");
    // The whole word still finds it.
    let whole = app
        .staff_json(&format!("/api/v1/search?q={}", enc("住房公积金")))
        .await;
    assert_eq!(total(&whole), 1, "{whole}");

    let r = app
        .staff_post(
            "/api/v1/faq",
            &json!({"question": "离职后怎样提取住房公积金?", "answer": "凭身份证和离职证明到住房公积金管理中心办理提取。"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let faq: Value = r.json().await.unwrap();
    let search = format!("/api/public/faq/search?q={}", enc("公积金"));
    let found = public_eventually(&app, &search, |v| {
        v["hits"]
            .as_array()
            .is_some_and(|h| h.iter().any(|h| h["kind"] == "faq"))
    })
    .await;
    let hit = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "faq")
        .unwrap();
    assert_eq!(hit["id"], faq["id"].to_string());
    assert!(
        hit["answer"].as_str().unwrap().contains("住房公积金"),
        "{found}"
    );
    assert!(
        hit["snippet_html"]
            .as_str()
            .unwrap()
            .contains("<b>公积金</b>"),
        "{found}"
    );
}

/// A duplicate candidate shows another case's number and title: a handler sees only candidates
/// of their own unit (or published ones), like their search; a dispatcher sees all.
async fn duplicate_candidates_stay_within_a_handlers_unit(app: TestApp) {
    const HOUSING: &str = "住房和城乡建设局";
    const EDUCATION: &str = "教育局";
    let handler = app.token_for("住建承办", "handler", Some(HOUSING)).await;
    let dispatcher = app.token.clone();
    let title = "金星路与银河路交叉口红绿灯坏了";
    let body =
        "金星路与银河路交叉口的红绿灯坏了三天了,早晚高峰车辆拥堵,行人过马路很危险,请尽快维修";
    let own = app.submit(title, body).await;
    let other = app.submit(&format!("{title}!"), &format!("{body}。")).await;
    let own2 = app.submit(&format!("{title}!!"), &format!("{body}!")).await;
    let number = |v: &Value| v["case_number"].as_str().unwrap().to_string();
    let (a, b, c) = (number(&own), number(&other), number(&own2));
    act(
        &app,
        &dispatcher,
        &a,
        "assign",
        json!({"lead_unit": HOUSING}),
    )
    .await;
    act(
        &app,
        &dispatcher,
        &b,
        "assign",
        json!({"lead_unit": EDUCATION}),
    )
    .await;
    act(
        &app,
        &dispatcher,
        &c,
        "assign",
        json!({"lead_unit": HOUSING}),
    )
    .await;
    // Wait until the index holds the assignments.
    let q = enc("红绿灯");
    staff_eventually(
        &app,
        &format!("/api/v1/search?q={q}&unit={}", enc(EDUCATION)),
        |v| total(v) == 1,
    )
    .await;
    staff_eventually(
        &app,
        &format!("/api/v1/search?q={q}&unit={}", enc(HOUSING)),
        |v| total(v) == 2,
    )
    .await;

    let candidates = |v: &Value| -> Vec<String> {
        v["duplicate_candidates"]
            .as_array()
            .unwrap_or_else(|| panic!("no candidates in {v}"))
            .iter()
            .map(|c| c["case_number"].as_str().unwrap().to_string())
            .collect()
    };
    let seen_by_dispatcher = app.staff_json(&format!("/api/v1/cases/{a}")).await;
    let mut all = candidates(&seen_by_dispatcher);
    all.sort();
    let mut expected = vec![b.clone(), c.clone()];
    expected.sort();
    assert_eq!(all, expected, "{seen_by_dispatcher}");

    let r = app.get_as(&handler, &format!("/api/v1/cases/{a}")).await;
    assert_eq!(r.status(), 200);
    let seen_by_handler: Value = r.json().await.unwrap();
    assert_eq!(
        candidates(&seen_by_handler),
        [c.as_str()],
        "{seen_by_handler}"
    );
    // The case view a workflow action answers with is narrowed the same way.
    let accepted = act(&app, &handler, &a, "accept", json!({})).await;
    assert_eq!(candidates(&accepted), [c.as_str()], "{accepted}");
    // And the other unit's case itself stays out of reach.
    let r = app.get_as(&handler, &format!("/api/v1/cases/{b}")).await;
    assert_eq!(r.status(), 404);
}

async fn faq_is_created_edited_retired_and_searched_publicly(app: TestApp) {
    let r = app
        .staff_post(
            "/api/v1/faq",
            &json!({"question": "如何提取住房公积金?", "answer": "携带身份证到公积金中心窗口办理,或通过网上服务大厅申请。", "unit": "市住房公积金管理中心", "tags": ["公积金", "提取"]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let faq: Value = r.json().await.unwrap();
    let id = faq["id"].as_i64().unwrap();
    assert_eq!(faq["status"], "active");
    assert_eq!(faq["tags"], json!(["公积金", "提取"]));

    // 住房公积金 is one word of the query and of the question: the whole word matches.
    let search = format!("/api/public/faq/search?q={}", enc("住房公积金怎么提取"));
    let found = public_eventually(&app, &search, |v| total(v) >= 1).await;
    assert_eq!(found["hits"][0]["kind"], "faq");
    assert_eq!(found["hits"][0]["id"], id.to_string());
    assert!(
        found["hits"][0]["answer"]
            .as_str()
            .unwrap()
            .contains("网上服务大厅")
    );
    let suggest = format!("/api/public/faq/suggest?q={}", enc("如何提取住房公"));
    let s = public_eventually(&app, &suggest, |v| {
        v["suggestions"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    assert_eq!(s["suggestions"][0], "如何提取住房公积金?");

    let r = staff_put(
        &app,
        &format!("/api/v1/faq/{id}"),
        &json!({"question": "如何提取住房公积金?", "answer": "请通过网上服务大厅线上办理提取。"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    public_eventually(&app, &search, |v| {
        v["hits"][0]["answer"]
            .as_str()
            .is_some_and(|a| a.contains("线上办理"))
    })
    .await;

    let list = app.staff_json("/api/v1/faq?status=active").await;
    assert_eq!(list["total"], 1);
    let r = app
        .staff_post(&format!("/api/v1/faq/{id}/retire"), &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "retired");
    public_eventually(&app, &search, |v| total(v) == 0).await;
    let list = app.staff_json("/api/v1/faq?status=retired").await;
    assert_eq!(list["items"][0]["id"], id);

    // Bad input names the field; unknown ids are 404; staff only.
    for (body, field) in [
        (json!({"question": "", "answer": "x"}), "question"),
        (json!({"question": "x", "answer": " "}), "answer"),
        (
            json!({"question": "x", "answer": "y", "tags": vec!["a"; 11]}),
            "tags",
        ),
        (json!({"question": "x", "answer": "y", "extra": 1}), ""),
    ] {
        let r = app.staff_post("/api/v1/faq", &body).await;
        assert_eq!(r.status(), 422, "{body}");
        if !field.is_empty() {
            assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], field);
        }
    }
    let r = staff_put(
        &app,
        "/api/v1/faq/999999",
        &json!({"question": "x", "answer": "y"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = app.staff_post("/api/v1/faq/abc/retire", &json!({})).await;
    assert_eq!(r.status(), 404);
    let r = app
        .post_json("/api/v1/faq", &json!({"question": "x", "answer": "y"}))
        .await;
    assert_eq!(r.status(), 401);
    let r = app.staff_get("/api/v1/faq?status=gone").await;
    assert_eq!(r.status(), 400);
}

/// Personal data seeded in every field a public answer could come from.
const SECRETS: [&str; 8] = [
    "13812345678",
    "138-1234-5678",
    "430102199001011234",
    "0731-84567890",
    "张三",
    "3栋2单元501",
    "zhangsan@example.com",
    "李四",
];

fn write_csv(rows: &[[&str; 7]]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    writeln!(
        f,
        "留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间"
    )
    .unwrap();
    for r in rows {
        let quoted: Vec<String> = r.iter().map(|c| format!("\"{c}\"")).collect();
        writeln!(f, "{}", quoted.join(",")).unwrap();
    }
    f.flush().unwrap();
    f
}

async fn public_endpoints_never_leak_personal_data(app: TestApp) {
    let csv = write_csv(&[[
        "9001",
        "张三",
        "张三反映幸福小区3栋2单元501漏水",
        "2019-05-01 10:00:00",
        "我叫张三,住在幸福小区3栋2单元501,电话13812345678,也可打138-1234-5678或0731-84567890,身份证430102199001011234,邮箱zhangsan@example.com。楼上漏水严重,张三多次找物业无果。",
        "张三您好:经核实,幸福小区3栋2单元501漏水系楼上管道破裂,物业已维修。联系人李四,电话13812345678。",
        "2019-05-03 10:00:00",
    ]]);
    let s = app.import(csv.path()).await.unwrap();
    assert_eq!(s.loaded, 1);
    let r = app
        .staff_post(
            "/api/v1/faq",
            &json!({"question": "漏水找谁维修?", "answer": "联系物业,电话13812345678,身份证430102199001011234,地址幸福小区3栋2单元501。联系人:李四", "tags": ["漏水"]}),
        )
        .await;
    assert_eq!(r.status(), 201);

    let search = format!("/api/public/faq/search?q={}", enc("漏水"));
    public_eventually(&app, &search, |v| total(v) == 2).await;
    let mut answers = Vec::new();
    for q in [
        "漏水",
        "幸福小区漏水",
        "张三",
        "13812345678",
        "430102199001011234",
        "李四 漏水",
        "3栋2单元501",
    ] {
        answers.push(
            app.get_text(&format!("/api/public/faq/search?q={}", enc(q)))
                .await,
        );
        answers.push(
            app.get_text(&format!("/api/public/faq/suggest?q={}", enc(q)))
                .await,
        );
    }
    for q in ["漏", "漏水找", "张", "幸福"] {
        answers.push(
            app.get_text(&format!("/api/public/faq/suggest?q={}", enc(q)))
                .await,
        );
    }
    assert!(answers[0].contains("漏水"), "{}", answers[0]);
    for a in &answers {
        for secret in SECRETS {
            assert!(!a.contains(secret), "{secret} leaked: {a}");
        }
    }
    // Searching for the personal data itself finds nothing: public documents hold masked text.
    for q in ["张三", "13812345678", "430102199001011234"] {
        let v = app
            .get_json(&format!("/api/public/faq/search?q={}", enc(q)))
            .await;
        assert_eq!(total(&v), 0, "{q}: {v}");
    }
}

async fn imported_replies_are_public_precedents(app: TestApp) {
    let file = crate::helpers::repo_path("training-data/tipdm2020/messages_with_replies.csv");
    let mut rows = wenzheng::classify::data::Table::read_path(&file, &["留言编号"]).unwrap();
    rows.rows.truncate(30);
    let summary = wenzheng::intake::import_file(
        &app.state.store,
        &crate::helpers::triage(),
        &app.state.rules,
        &file,
        Some(30),
        chrono::Utc::now(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.loaded, 30);
    let title = rows.get(&rows.rows[0], "留言主题").to_string();
    let words: String = title.chars().take(12).collect();
    let path = format!("/api/public/faq/search?q={}", enc(&words));
    let found = public_eventually(&app, &path, |v| total(v) >= 1).await;
    let hit = &found["hits"][0];
    assert_eq!(hit["kind"], "case");
    assert!(!hit["answer"].as_str().unwrap().is_empty(), "{found}");
    // Staff see them as replied precedents.
    let staff = app
        .staff_json(&format!("/api/v1/search?q={}&status=replied", enc(&words)))
        .await;
    assert!(total(&staff) >= 1, "{staff}");
}

/// Two instances of one deployment on one PostgreSQL, each with its own index: what one
/// receives, the other finds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_see_each_others_writes() {
    if !postgres_enabled() {
        return;
    }
    let url = crate::helpers::fresh_postgres_database().await;
    let a = spawn_app_on(Some(url.clone())).await;
    let b = spawn_app_on(Some(url)).await;
    let receipt = a
        .submit(
            "二号线地铁站电梯停运",
            "二号线地铁站的电梯停运一周了,老人上下很不方便",
        )
        .await;
    let path = format!("/api/v1/search?q={}", enc("电梯停运"));
    let found = staff_eventually(&b, &path, |v| total(v) == 1).await;
    assert_eq!(found["hits"][0]["case_number"], receipt["case_number"]);

    let r = b
        .staff_post(
            "/api/v1/faq",
            &json!({"question": "地铁电梯停运向哪里反映?", "answer": "请拨打地铁服务热线。"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let path = format!("/api/public/faq/search?q={}", enc("地铁电梯"));
    public_eventually(&a, &path, |v| total(v) == 1).await;
}

/// The index is a cache: a missing or corrupt one is rebuilt from the database at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_corrupt_index_is_rebuilt_at_start() {
    let first = spawn_app_on(None).await;
    let receipt = first
        .submit("路灯不亮", "人民路的路灯已经一个月不亮了")
        .await;
    let path = format!("/api/v1/search?q={}", enc("路灯"));
    staff_eventually(&first, &path, |v| total(v) == 1).await;

    // A second instance on the same database with an empty data directory builds its index.
    let second = spawn_app_on(Some(first.database_url.clone())).await;
    let found = second.staff_json(&path).await;
    assert_eq!(found["hits"][0]["case_number"], receipt["case_number"]);

    // A corrupt index (its metadata overwritten) is rebuilt too.
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("search-index");
    std::fs::create_dir_all(&index).unwrap();
    std::fs::write(
        index.join(wenzheng::search::schema::VERSION_FILE),
        serde_json::to_string(&wenzheng::search::VersionInfo::current()).unwrap(),
    )
    .unwrap();
    std::fs::write(index.join("meta.json"), "{not json").unwrap();
    let settings = wenzheng::config::Settings::resolve(
        wenzheng::config::FileConfig::default(),
        wenzheng::config::Overrides {
            bind: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.path().to_path_buf()),
            database_url: Some(first.database_url.clone()),
            no_demo_data: true,
            ..Default::default()
        },
    )
    .unwrap();
    let app = wenzheng::startup::Application::build(&settings, Some(crate::helpers::triage()))
        .await
        .expect("starts despite the corrupt index");
    let ix = app.state.search.clone().unwrap();
    let page = ix.search_cases("路灯", &Default::default(), 1, 10).unwrap();
    assert_eq!(page.total, 1);
}
