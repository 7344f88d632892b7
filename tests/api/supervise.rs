//! Supervision end to end: cases driven through the workflow API, then the monthly report (JSON,
//! HTML, XLSX, CSV), the assessment, public statistics without personal data, and early
//! warnings recorded once per topic.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{TestApp, act};

const HOUSING: &str = "住房和城乡建设局";
const EDUCATION: &str = "教育局";

async fn rate(app: &TestApp, code: &str, satisfaction: &str) {
    let r = app
        .post_json(
            &format!("/api/v1/track/{code}/rating"),
            &json!({ "satisfaction": satisfaction }),
        )
        .await;
    assert_eq!(r.status(), 200);
}

struct Scenario {
    month: String,
    numbers: Vec<String>,
}

/// Four cases this month:
/// A — 住建 replies, the citizen is 满意 (closed);
/// B — 住建 replies, the citizen is 不满意 (reopened, waiting for the next reply);
/// C — assigned to 教育局, returned by it (退单), re-assigned to 住建; a leader instructs on it;
/// D — not yet handled.
async fn scenario(app: &TestApp) -> Scenario {
    let dispatcher = app.token.clone();
    let housing = app.token_for("住建承办", "handler", Some(HOUSING)).await;
    let education = app.token_for("教育承办", "handler", Some(EDUCATION)).await;
    let reviewer = app.token_for("审核员", "reviewer", None).await;
    let leader = app.token_for("王局长", "leader", None).await;
    let titles = [
        ("小区电梯长期故障", "某小区电梯经常困人，物业不维修。"),
        ("小区楼道漏水", "楼道顶部漏水一个月，物业推诿。"),
        ("道路塌陷无人修", "小区门口道路塌陷，车辆无法通行。"),
        ("公租房申请咨询", "请问公租房申请需要哪些材料？"),
    ];
    let mut receipts = Vec::new();
    for (t, b) in titles {
        receipts.push(app.submit(t, b).await);
    }
    let numbers: Vec<String> = receipts
        .iter()
        .map(|r| r["case_number"].as_str().unwrap().to_string())
        .collect();
    let codes: Vec<String> = receipts
        .iter()
        .map(|r| r["tracking_code"].as_str().unwrap().to_string())
        .collect();
    let received: chrono::DateTime<chrono::Utc> = receipts[0]["received_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let month = wenzheng::supervise::Month::of(received).to_string();

    for n in &numbers[..2] {
        act(app, &dispatcher, n, "assign", json!({"lead_unit": HOUSING})).await;
        act(app, &housing, n, "accept", json!({})).await;
        act(
            app,
            &housing,
            n,
            "submit_reply",
            json!({"text": "您好，已督促物业处理完毕。"}),
        )
        .await;
        act(app, &reviewer, n, "publish", json!({})).await;
    }
    rate(app, &codes[0], "满意").await;
    rate(app, &codes[1], "不满意").await;

    let c = &numbers[2];
    act(
        app,
        &dispatcher,
        c,
        "assign",
        json!({"lead_unit": EDUCATION}),
    )
    .await;
    act(
        app,
        &education,
        c,
        "return",
        json!({"reason": "道路不属于教育局职责"}),
    )
    .await;
    act(app, &dispatcher, c, "assign", json!({"lead_unit": HOUSING})).await;
    act(
        app,
        &leader,
        c,
        "instruct",
        json!({"text": "请住建局尽快修复"}),
    )
    .await;
    Scenario { month, numbers }
}

fn count(list: &Value, key: &str) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .map_or(0, |c| c["count"].as_i64().unwrap())
}

async fn monthly_report_follows_the_workflow(app: TestApp) {
    let s = scenario(&app).await;
    let supervisor = app.token_for("督办员", "supervisor", None).await;
    let r = app
        .get_as(
            &supervisor,
            &format!("/api/v1/reports/monthly?month={}", s.month),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["month"], s.month.as_str());
    assert_eq!(v["total"], 4);
    assert_eq!(count(&v["by_channel"], "网站"), 4);
    assert_eq!(count(&v["by_unit"], HOUSING), 3);
    assert_eq!(count(&v["by_unit"], "未交办"), 1);
    // A, B and C were assigned at once; D's first-response time has not passed yet.
    assert_eq!(
        v["acknowledgement"]["on_time"],
        json!({"numerator": 3, "denominator": 3, "rate": 1.0})
    );
    assert_eq!(v["acknowledgement"]["pending"], 1);
    // Only A's reply is in force (B was reopened); everything else is within its time.
    assert_eq!(
        v["reply"]["on_time"],
        json!({"numerator": 1, "denominator": 1, "rate": 1.0})
    );
    assert_eq!(v["reply"]["pending"], 3);
    assert_eq!(v["handling"]["replied"], 1);
    assert_eq!(v["handling"]["measured"], 1);
    assert_eq!(
        v["handling"]["mean_working_days"], 0.0,
        "replied the day it arrived"
    );
    assert_eq!(v["satisfaction"]["rated"], 2);
    assert_eq!(v["satisfaction"]["satisfaction_rate"]["rate"], 0.5);
    assert_eq!(
        v["reopen"],
        json!({"numerator": 1, "denominator": 2, "rate": 0.5})
    );
    assert_eq!(v["overdue"], json!([]));
    let instructions = v["instructions"].as_array().unwrap();
    assert_eq!(instructions.len(), 1);
    assert_eq!(instructions[0]["case_number"], s.numbers[2].as_str());
    assert_eq!(instructions[0]["leader"], "王局长");
    assert_eq!(instructions[0]["state"], "待反馈");
    assert_eq!(instructions[0]["unit"], HOUSING);

    // The assessment: 住建 led 3 cases (too few to rank by default); the 退单 stays with 教育局
    // although the case has moved on to 住建.
    let a: Value = app
        .get_as(
            &supervisor,
            &format!("/api/v1/reports/assessment?month={}", s.month),
        )
        .await
        .json()
        .await
        .unwrap();
    let unit = |name: &str| {
        a["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing: {a}"))
    };
    let h = unit(HOUSING);
    assert_eq!(
        (h["cases"].as_i64(), h["returned"].as_i64()),
        (Some(3), Some(0))
    );
    assert_eq!(h["note"], "样本不足");
    assert_eq!(h["rank"], Value::Null);
    assert_eq!(
        h["resolution"],
        json!({"numerator": 1, "denominator": 3, "rate": 0.3333})
    );
    assert_eq!(h["satisfaction"]["rate"], 0.5);
    let e = unit(EDUCATION);
    assert_eq!(
        (e["cases"].as_i64(), e["returned"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(a["policy"]["min_cases"], 5);

    // With a lower threshold the same data ranks 住建; a month later the open cases are overdue.
    let month = wenzheng::supervise::Month::parse(&s.month).unwrap();
    let policy = wenzheng::supervise::AssessmentPolicy {
        min_cases: 2,
        ..Default::default()
    };
    let later = chrono::Utc::now() + chrono::Duration::days(30);
    let report = wenzheng::reporting::monthly_report(
        &app.state.store,
        &app.state.rules,
        &policy,
        month,
        later,
    )
    .await
    .unwrap();
    let h = report
        .assessment
        .units
        .iter()
        .find(|u| u.unit == HOUSING)
        .unwrap();
    assert_eq!(h.rank, Some(1));
    assert_eq!(h.overdue, 2, "B (reopened) and C are past their deadlines");
    let expected = wenzheng::supervise::assessment::score(
        &policy,
        &h.response,
        &h.resolution,
        &h.satisfaction,
        2,
        0,
    );
    assert_eq!(h.score, expected);
    let overdue: Vec<&str> = report
        .overdue
        .iter()
        .map(|o| o.case_number.as_str())
        .collect();
    for n in &s.numbers[1..] {
        assert!(
            overdue.contains(&n.as_str()),
            "{n} not overdue: {overdue:?}"
        );
    }
    assert!(!overdue.contains(&s.numbers[0].as_str()));
}

async fn report_files_and_access(app: TestApp) {
    let s = scenario(&app).await;
    let leader = app.token_for("李主任", "leader", None).await;
    let get = |format: &str| {
        let path = format!("/api/v1/reports/monthly?month={}&format={format}", s.month);
        let app = &app;
        let leader = leader.clone();
        async move { app.get_as(&leader, &path).await }
    };

    let r = get("html").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text().await.unwrap();
    assert!(page.matches("<svg").count() >= 6, "charts drawn inline");
    assert!(page.contains("按承办单位") && page.contains(HOUSING));
    assert!(!page.contains("<script") && !page.contains("src=\"http"));
    assert!(
        !page.contains("13812345678"),
        "no contact details in the report"
    );

    let r = get("xlsx").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    assert_eq!(&bytes[..2], b"PK", "an XLSX file is a zip");
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a valid workbook");
    let sheets = wb.sheet_names();
    for name in ["概览", "分类统计", "超期清单", "领导批示", "部门考核"] {
        assert!(
            sheets.iter().any(|s| s == name),
            "{name} missing: {sheets:?}"
        );
    }
    let overview = wb.worksheet_range("概览").unwrap();
    let total = overview
        .rows()
        .find(|row| row[0] == "受理总量")
        .expect("total row");
    assert_eq!(total[1].to_string(), "4");
    let assessment = wb.worksheet_range("部门考核").unwrap();
    assert!(assessment.rows().any(|row| row[1] == HOUSING));

    let r = get("csv").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(
        rd.headers().unwrap(),
        vec!["section", "key", "metric", "value"]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.expect("CSV row")).collect();
    let find = |section: &str, key: &str, metric: &str| {
        rows.iter()
            .find(|r| &r[0] == section && &r[1] == key && &r[2] == metric)
            .map(|r| r[3].to_string())
    };
    assert_eq!(find("summary", &s.month, "total").as_deref(), Some("4"));
    assert_eq!(find("by_unit", HOUSING, "count").as_deref(), Some("3"));
    assert_eq!(
        find("assessment", EDUCATION, "returned").as_deref(),
        Some("1")
    );

    // Bad input is named; other roles are refused.
    let r = get("pdf").await;
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["field"], "format");
    for bad in ["2026-13", "2026-3", "", "x"] {
        let r = app
            .get_as(&leader, &format!("/api/v1/reports/monthly?month={bad}"))
            .await;
        assert_eq!(r.status(), 400, "{bad}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["field"], "month");
    }
    let r = app.get_as(&leader, "/api/v1/reports/assessment").await;
    assert_eq!(r.status(), 400);
    let handler = app.token_for("住建承办2", "handler", Some(HOUSING)).await;
    let r = app
        .get_as(
            &handler,
            &format!("/api/v1/reports/monthly?month={}", s.month),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .get(app.url(&format!("/api/v1/reports/monthly?month={}", s.month)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The new routes are documented.
    let spec: Value = app.get_json("/api/openapi.json").await;
    for path in [
        "/api/v1/reports/monthly",
        "/api/v1/reports/assessment",
        "/api/public/stats",
        "/api/v1/warnings",
        "/api/v1/warnings/scan",
    ] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(spec["components"]["schemas"]["MonthlyReport"].is_object());
    // The dispatcher (the office) may read it.
    let r = app
        .staff_get(&format!("/api/v1/reports/assessment?month={}", s.month))
        .await;
    assert_eq!(r.status(), 200);
}

async fn public_stats_carry_no_personal_data(app: TestApp) {
    let s = scenario(&app).await;
    // `submit` leaves name 张三 and phone 13812345678 on every case.
    let r = app
        .client
        .get(app.url("/api/public/stats?months=12"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    for private in [
        "13812345678",
        "张三",
        "电梯",
        "漏水",
        "公租房",
        "王局长",
        "住建承办",
        &s.numbers[0],
    ] {
        assert!(
            !text.contains(private),
            "{private} appears in public statistics: {text}"
        );
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["total"]["received"], 4);
    assert_eq!(
        v["total"]["replied"], 1,
        "B was reopened: its reply no longer answers it"
    );
    assert_eq!(v["total"]["reply_rate"], 0.25);
    assert_eq!(v["by_month"].as_array().unwrap().len(), 12);
    let this_month = v["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == s.month.as_str())
        .unwrap();
    assert_eq!(this_month["received"], 4);
    let housing = v["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == HOUSING)
        .unwrap();
    assert_eq!(housing["received"], 3);
    assert_eq!(housing["mean_reply_working_days"], 0.0);
    for bad in ["months=0", "months=37", "months=x"] {
        let r = app
            .client
            .get(app.url(&format!("/api/public/stats?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
}

async fn early_warnings_are_recorded_once_per_topic(app: TestApp) {
    let supervisor = app.token_for("督办员", "supervisor", None).await;
    for (t, b) in [
        (
            "丽发新城小区旁搅拌站噪音扰民",
            "搅拌站日夜施工,噪音和粉尘严重影响丽发新城小区居民休息",
        ),
        (
            "投诉丽发新城小区附近搅拌站",
            "丽发新城小区旁边的搅拌站粉尘噪音太大",
        ),
        (
            "丽发新城搅拌站污染严重",
            "搅拌站噪音粉尘污染,丽发新城小区业主苦不堪言",
        ),
        ("公积金贷款额度咨询", "请问公积金贷款最高额度是多少"),
        ("公交线路调整建议", "建议增加早高峰公交班次"),
        ("医院挂号难", "人民医院专家号很难挂到"),
        ("社保卡补办", "社保卡丢失如何补办"),
        ("路灯不亮", "某路段路灯坏了三个月无人修"),
        ("拖欠工资", "建筑公司拖欠农民工工资半年"),
        ("学校乱收补课费", "某中学强制学生参加补课并收取费用"),
    ] {
        // Hot topics weigh words against the other messages of the period: a realistic mix.
        app.submit(t, b).await;
    }
    let r = app
        .post_as(&app.token, "/api/v1/warnings/scan", &json!({}))
        .await;
    assert_eq!(r.status(), 403, "dispatchers do not run scans");
    let r = app
        .post_as(&supervisor, "/api/v1/warnings/scan", &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["recorded"].as_array().unwrap().len(), 1, "{v}");
    let w = &v["warnings"][0];
    assert!(
        w["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "快速增长"),
        "{w}"
    );
    assert_eq!(w["case_numbers"].as_array().unwrap().len(), 3);
    assert_eq!(w["recent_messages"], 3);

    // A second scan finds the same topic and records nothing new.
    let v: Value = app
        .post_as(&supervisor, "/api/v1/warnings/scan", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
    assert_eq!(v["recorded"], json!([]));
    // Nor when the topic has grown by another message.
    app.submit(
        "丽发新城小区搅拌站噪音何时解决",
        "丽发新城小区旁搅拌站噪音粉尘问题依旧",
    )
    .await;
    let v: Value = app
        .post_as(&supervisor, "/api/v1/warnings/scan", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["recorded"], json!([]), "{v}");

    let list = app.staff_json("/api/v1/warnings").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["place"], "丽发新城小区");
    assert_eq!(list[0]["case_numbers"].as_array().unwrap().len(), 3);
    assert!(!list[0].to_string().contains("13812345678"));
    let r = app.staff_get("/api/v1/warnings?limit=0").await;
    assert_eq!(r.status(), 400);
}

db_tests!(
    monthly_report_follows_the_workflow,
    report_files_and_access,
    public_stats_carry_no_personal_data,
    early_warnings_are_recorded_once_per_topic,
);
