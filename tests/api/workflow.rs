//! The case workflow end to end through the HTTP API: intake, assignment, return and
//! re-assignment, merge, pause, leader instruction, reply, review, publication, rating, reopen,
//! archive — and the audit log telling the whole story. Also access control and the reminders.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{TestApp, act, act_status};

const HOUSING: &str = "住房和城乡建设局";
const EDUCATION: &str = "教育局";
const TRANSPORT: &str = "交通运输局";

async fn whole_lifecycle(app: TestApp) {
    let dispatcher = app.token.clone();
    let housing = app.token_for("住建承办", "handler", Some(HOUSING)).await;
    let education = app.token_for("教育承办", "handler", Some(EDUCATION)).await;
    let reviewer = app.token_for("审核员甲", "reviewer", None).await;
    let leader = app.token_for("王局长", "leader", None).await;

    let main = app
        .submit(
            "小区门口道路塌陷",
            "A市A3区某小区门口道路塌陷两个月无人修复，车辆无法通行，请尽快处理。",
        )
        .await;
    let dup = app
        .submit(
            "某小区门口路面塌陷",
            "小区门口路面塌陷很久了，出行很不方便，希望有关部门修一下。",
        )
        .await;
    let n = main["case_number"].as_str().unwrap().to_string();
    let d = dup["case_number"].as_str().unwrap().to_string();
    let code = main["tracking_code"].as_str().unwrap().to_string();
    let dup_code = dup["tracking_code"].as_str().unwrap().to_string();

    // 交办 to the wrong unit first; it returns the case (退单) and the dispatcher re-assigns (改派).
    let v = act(
        &app,
        &dispatcher,
        &n,
        "assign",
        json!({"lead_unit": EDUCATION}),
    )
    .await;
    assert_eq!(v["status"], "assigned");
    assert_eq!(v["units"][0]["unit"], EDUCATION);
    // Only the lead unit may return it.
    let (s, e) = act_status(
        &app,
        &housing,
        &n,
        "return",
        json!({"reason": "不是我们的"}),
    )
    .await;
    assert_eq!(
        s, 404,
        "a handler of another unit does not see the case: {e}"
    );
    let (s, e) = act_status(&app, &education, &n, "return", json!({})).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("reason")));
    let v = act(
        &app,
        &education,
        &n,
        "return",
        json!({"reason": "道路维修不属于教育局职责"}),
    )
    .await;
    assert_eq!(v["status"], "returned");
    let v = act(
        &app,
        &dispatcher,
        &n,
        "assign",
        json!({"lead_unit": HOUSING, "co_units": [TRANSPORT], "note": "改派住建局主办"}),
    )
    .await;
    assert_eq!(v["status"], "assigned");
    assert_eq!(
        v["is_complex"], true,
        "a multi-unit case gets the complex time limit"
    );
    let due_before_pause = v["reply_due"].as_str().unwrap().to_string();

    // An illegal step names the state and the action.
    let (s, e) = act_status(
        &app,
        &housing,
        &n,
        "submit_reply",
        json!({"text": "已处理"}),
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(e["error"]["code"], "illegal_transition");
    assert!(e["error"]["message"].as_str().unwrap().contains("已交办"));

    let v = act(&app, &housing, &n, "accept", json!({})).await;
    assert_eq!(v["status"], "in_progress");

    // 并单: the duplicate joins the main case.
    let v = act(&app, &dispatcher, &d, "merge", json!({"main_case": n})).await;
    assert_eq!(v["status"], "merged");
    assert_eq!(v["merged_into"], n.as_str());
    let (s, e) = act_status(&app, &dispatcher, &n, "merge", json!({"main_case": n})).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("main_case")),
        "{e}"
    );

    // 挂起 and resume: the pause is logged; the deadline cannot move back.
    let v = act(
        &app,
        &housing,
        &n,
        "pause",
        json!({"reason": "等待市民补充现场照片"}),
    )
    .await;
    assert_eq!(v["status"], "paused");
    assert_eq!(v["pause_reason"], "等待市民补充现场照片");
    let v = act(&app, &housing, &n, "resume", json!({})).await;
    assert_eq!(v["status"], "in_progress");
    assert!(v["reply_due"].as_str().unwrap() >= due_before_pause.as_str());

    // 批示 and the unit's report on it.
    let (s, _) = act_status(
        &app,
        &housing,
        &n,
        "instruct",
        json!({"text": "请尽快修复"}),
    )
    .await;
    assert_eq!(s, 403, "only leaders instruct");
    let v = act(
        &app,
        &leader,
        &n,
        "instruct",
        json!({"text": "请住建局三日内修复并报告", "due_working_days": 3}),
    )
    .await;
    let instruction = v["instructions"][0]["id"].as_i64().unwrap();
    let v = act(
        &app,
        &housing,
        &n,
        "report_instruction",
        json!({"instruction_id": instruction, "text": "已安排施工队进场修复"}),
    )
    .await;
    assert_eq!(v["instructions"][0]["report_text"], "已安排施工队进场修复");

    // Reply, sent back once by the reviewer, then published.
    let v = act(
        &app,
        &housing,
        &n,
        "submit_reply",
        json!({"text": "您好，道路已修复。联系人张三，电话13812345678。"}),
    )
    .await;
    assert_eq!(v["status"], "pending_review");
    let (s, _) = act_status(&app, &housing, &n, "publish", json!({})).await;
    assert_eq!(s, 403, "units do not publish their own replies");
    let v = act(
        &app,
        &reviewer,
        &n,
        "reject_reply",
        json!({"reason": "请写明修复日期"}),
    )
    .await;
    assert_eq!(v["status"], "in_progress");
    act(&app, &housing, &n, "submit_reply", json!({"text": "您好，该路段已于近日修复完成，感谢您的监督。联系人张三，电话13812345678。"})).await;
    let v = act(&app, &reviewer, &n, "publish", json!({})).await;
    assert_eq!(v["status"], "replied");

    // The citizen sees the reply (masked) on the main case and on the merged one.
    let t = app.get_json(&format!("/api/v1/track/{code}")).await;
    assert_eq!(t["status"], "replied");
    assert_eq!(t["can_rate"], true);
    let text = t["reply"]["text"].as_str().unwrap();
    assert!(
        text.contains("修复完成") && !text.contains("13812345678"),
        "{text}"
    );
    let td = app.get_json(&format!("/api/v1/track/{dup_code}")).await;
    assert_eq!(td["status"], "replied");
    assert_eq!(td["merged"], true);
    assert!(td["reply"]["text"].as_str().unwrap().contains("修复完成"));

    // 部门回应: published, consented, masked.
    let col = app.get_json("/api/public/replies").await;
    let item = col["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["case_number"] == n.as_str())
        .expect("published reply listed");
    assert!(!item.to_string().contains("13812345678"));

    // 不满意 reopens; the second reply satisfies.
    let r = app
        .post_json(
            &format!("/api/v1/track/{code}/rating"),
            &json!({"satisfaction": "很好"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_json(
            &format!("/api/v1/track/{code}/rating"),
            &json!({"satisfaction": "不满意", "comment": "路面又裂了"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["status"], "in_progress");
    act(
        &app,
        &housing,
        &n,
        "submit_reply",
        json!({"text": "您好，已对裂缝重新修补。"}),
    )
    .await;
    act(&app, &reviewer, &n, "publish", json!({})).await;
    let r = app
        .post_json(
            &format!("/api/v1/track/{code}/rating"),
            &json!({"satisfaction": "满意"}),
        )
        .await;
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["status"], "closed");
    assert_eq!(t["satisfaction"], "满意");
    // Rating twice is refused.
    let r = app
        .post_json(
            &format!("/api/v1/track/{code}/rating"),
            &json!({"satisfaction": "满意"}),
        )
        .await;
    assert_eq!(r.status(), 409);

    // Archived by the job once the archive delay has passed.
    let later = chrono::Utc::now() + chrono::Duration::days(31);
    let report = wenzheng::workflow::jobs::scan(&app.state.store, &app.state.rules, later)
        .await
        .unwrap();
    assert!(report.archived >= 1);
    let v = app.staff_json(&format!("/api/v1/cases/{n}")).await;
    assert_eq!(v["status"], "archived");

    // The audit log tells the whole story, in order.
    let events = app.staff_json(&format!("/api/v1/cases/{n}/events")).await;
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let story = [
        "receive",
        "assign",
        "return",
        "assign",
        "accept",
        "pause",
        "resume",
        "instruct",
        "report_instruction",
        "submit_reply",
        "reject_reply",
        "submit_reply",
        "publish",
        "rate",
        "submit_reply",
        "publish",
        "rate",
    ];
    let mut it = actions.iter();
    for step in story {
        assert!(
            it.any(|a| *a == step),
            "audit log lacks {step} in order: {actions:?}"
        );
    }
    assert_eq!(actions.last(), Some(&"archive"), "{actions:?}");
    let first_return = &events[2];
    assert_eq!(first_return["actor"], "教育承办");
    assert_eq!(first_return["role"], "handler");
    assert_eq!(first_return["from_status"], "assigned");
    assert_eq!(first_return["to_status"], "returned");
    assert_eq!(first_return["note"], "道路维修不属于教育局职责");
    let dup_events = app.staff_json(&format!("/api/v1/cases/{d}/events")).await;
    let dup_actions: Vec<&str> = dup_events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(dup_actions, ["receive", "merge", "merged_reply"]);

    // Every step that concerned someone left a notice in the outbox.
    let case_id = app
        .state
        .store
        .case_by_number(&wenzheng::cases::CaseNumber::parse(&n).unwrap())
        .await
        .unwrap()
        .id;
    let notices = app.state.store.case_notices(case_id).await.unwrap();
    let kinds: Vec<&str> = notices.iter().map(|(k, _, _)| k.as_str()).collect();
    for k in [
        "assigned",
        "assigned_co",
        "returned",
        "instruction",
        "review",
        "reply_rejected",
        "reply_published",
        "reopened",
    ] {
        assert!(kinds.contains(&k), "no {k} notice: {kinds:?}");
    }
}

async fn handlers_see_only_their_units_cases(app: TestApp) {
    let housing = app.token_for("住建承办", "handler", Some(HOUSING)).await;
    let education = app.token_for("教育承办", "handler", Some(EDUCATION)).await;
    let a = app
        .submit(
            "学校门口交通拥堵",
            "学校门口上下学时段交通拥堵，请增派人员疏导。",
        )
        .await;
    let b = app
        .submit("小区电梯故障", "小区电梯经常故障，请督促物业维修。")
        .await;
    let (na, nb) = (
        a["case_number"].as_str().unwrap(),
        b["case_number"].as_str().unwrap(),
    );
    act(
        &app,
        &app.token,
        na,
        "assign",
        json!({"lead_unit": EDUCATION}),
    )
    .await;
    act(
        &app,
        &app.token,
        nb,
        "assign",
        json!({"lead_unit": HOUSING}),
    )
    .await;

    // Read: the other unit's case is not found; the queue lists only the unit's cases.
    assert_eq!(
        app.get_as(&education, &format!("/api/v1/cases/{nb}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get_as(&education, &format!("/api/v1/cases/{nb}/events"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get_as(&education, &format!("/api/v1/cases/{na}"))
            .await
            .status(),
        200
    );
    let q: Value = app
        .get_as(&education, "/api/v1/cases?per_page=200")
        .await
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["case_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [na]);
    // Change: refused, and nothing changed.
    let (s, _) = act_status(&app, &education, nb, "accept", json!({})).await;
    assert_eq!(s, 404);
    let (s, _) = act_status(&app, &education, nb, "pause", json!({"reason": "试图挂起"})).await;
    assert_eq!(s, 404);
    let v = app.staff_json(&format!("/api/v1/cases/{nb}")).await;
    assert_eq!(v["status"], "assigned");
    // Handlers cannot assign or confirm triage.
    let (s, _) = act_status(&app, &housing, na, "assign", json!({"lead_unit": HOUSING})).await;
    assert_eq!(s, 404);
    let (s, _) = act_status(&app, &housing, nb, "assign", json!({"lead_unit": HOUSING})).await;
    assert_eq!(s, 403);
    let r = app
        .post_as(&housing, &format!("/api/v1/cases/{nb}/triage"), &json!({}))
        .await;
    assert_eq!(r.status(), 403);

    // A citizen's code opens that case only, and cannot act on another.
    let t = app
        .get_json(&format!(
            "/api/v1/track/{}",
            a["tracking_code"].as_str().unwrap()
        ))
        .await;
    assert_eq!(t["case_number"], na);
    assert!(t.get("contact").is_none());
    let r = app
        .post_json(
            &format!(
                "/api/v1/track/{}/rating",
                a["tracking_code"].as_str().unwrap()
            ),
            &json!({"satisfaction": "满意"}),
        )
        .await;
    assert_eq!(r.status(), 409, "nothing to rate before a reply");
}

async fn login_users_and_units(app: TestApp) {
    let admin = app.token_for("管理员", "admin", None).await;
    // The admin adds a unit and a handler in it; the handler logs in with the password.
    let r = app
        .post_as(&admin, "/api/v1/units", &json!({"name": "城市管理局"}))
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post_as(&admin, "/api/v1/units", &json!({"name": "城市管理局"}))
        .await;
    assert_eq!(r.status(), 409);
    let r = app
        .post_as(&admin, "/api/v1/users", &json!({"username": "li", "display_name": "李四", "role": "handler", "password": "correct horse"}))
        .await;
    assert_eq!(r.status(), 422, "a handler needs a unit");
    let r = app
        .post_as(&admin, "/api/v1/users", &json!({"username": "li", "display_name": "李四", "role": "handler", "unit": "城市管理局", "password": "short"}))
        .await;
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["field"], "password");
    let r = app
        .post_as(&admin, "/api/v1/users", &json!({"username": "li", "display_name": "李四", "role": "handler", "unit": "城市管理局", "password": "correct horse"}))
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post_as(
            &app.token,
            "/api/v1/users",
            &json!({"username": "x", "role": "admin", "password": "12345678"}),
        )
        .await;
    assert_eq!(r.status(), 403, "only admins manage people");

    let r = app
        .post_json(
            "/api/v1/login",
            &json!({"username": "li", "password": "wrong password"}),
        )
        .await;
    assert_eq!(r.status(), 401);
    let r = app
        .post_json(
            "/api/v1/login",
            &json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_eq!(r.status(), 401);
    let r = app
        .post_json(
            "/api/v1/login",
            &json!({"username": "li", "password": "correct horse"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let login: Value = r.json().await.unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    assert_eq!(login["user"]["unit"], "城市管理局");
    let me: Value = app.get_as(&token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(
        (me["name"].as_str(), me["role"].as_str()),
        (Some("李四"), Some("handler"))
    );

    // A case assigned to the new unit is visible to its handler.
    let c = app
        .submit("占道经营", "某路口长期占道经营，影响通行。")
        .await;
    let n = c["case_number"].as_str().unwrap();
    act(
        &app,
        &app.token,
        n,
        "assign",
        json!({"lead_unit": "城市管理局"}),
    )
    .await;
    assert_eq!(
        app.get_as(&token, &format!("/api/v1/cases/{n}"))
            .await
            .status(),
        200
    );
    // Retired units get no new cases.
    let r = app
        .client
        .put(app.url("/api/v1/units/城市管理局"))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let c2 = app.submit("又是占道经营", "另一个路口占道经营。").await;
    let (s, e) = act_status(
        &app,
        &app.token,
        c2["case_number"].as_str().unwrap(),
        "assign",
        json!({"lead_unit": "城市管理局"}),
    )
    .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("lead_unit")));

    // Deactivating the user ends the session at once; logout ends a session too.
    let r = app
        .client
        .put(app.url("/api/v1/users/li"))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.get_as(&token, "/api/v1/me").await.status(), 401);
    let r = app
        .client
        .put(app.url("/api/v1/users/li"))
        .bearer_auth(&admin)
        .json(&json!({"active": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let login: Value = app
        .post_json(
            "/api/v1/login",
            &json!({"username": "li", "password": "correct horse"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    assert_eq!(
        app.post_as(&token, "/api/v1/logout", &json!({}))
            .await
            .status(),
        204
    );
    assert_eq!(app.get_as(&token, "/api/v1/me").await.status(), 401);
}

async fn reminders_are_written_once_and_delivered(app: TestApp) {
    let c = app
        .submit("路灯不亮", "某路段路灯已经一周不亮，夜间出行不安全。")
        .await;
    let n = c["case_number"].as_str().unwrap();
    act(&app, &app.token, n, "assign", json!({"lead_unit": HOUSING})).await;
    let case = app
        .state
        .store
        .case_by_number(&wenzheng::cases::CaseNumber::parse(n).unwrap())
        .await
        .unwrap();
    let due = case.reply_due.expect("a reply deadline");
    let store = &app.state.store;
    let rules = &app.state.rules;
    // Two scans at once (as two instances would) write the overdue reminder once.
    let at = due + chrono::Duration::hours(1);
    let (a, b) = tokio::join!(
        wenzheng::workflow::jobs::scan(store, rules, at),
        wenzheng::workflow::jobs::scan(store, rules, at)
    );
    assert_eq!(a.unwrap().overdue + b.unwrap().overdue, 1);
    let again = wenzheng::workflow::jobs::scan(store, rules, at)
        .await
        .unwrap();
    assert_eq!(again.overdue, 0);
    // Long overdue: escalated to the supervisors, once.
    let later = due + chrono::Duration::hours(100);
    assert_eq!(
        wenzheng::workflow::jobs::scan(store, rules, later)
            .await
            .unwrap()
            .escalated,
        1
    );
    assert_eq!(
        wenzheng::workflow::jobs::scan(store, rules, later)
            .await
            .unwrap()
            .escalated,
        0
    );
    let notices = store.case_notices(case.id).await.unwrap();
    let urges = notices.iter().filter(|(k, _, _)| k == "urge").count();
    let escalations: Vec<_> = notices
        .iter()
        .filter(|(k, _, _)| k == "escalated")
        .collect();
    assert_eq!(urges, 1);
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0].1, wenzheng::cases::SUPERVISORS);
    let events = app.staff_json(&format!("/api/v1/cases/{n}/events")).await;
    let urge = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "urge")
        .unwrap();
    assert_eq!(urge["role"], "system");

    // Two senders deliver every notice exactly once.
    let sink = std::sync::Arc::new(CountingSender::default());
    let (x, y) = tokio::join!(
        wenzheng::workflow::sender::deliver_pending(store, sink.as_ref(), "worker-a"),
        wenzheng::workflow::sender::deliver_pending(store, sink.as_ref(), "worker-b")
    );
    let sent = x.unwrap() + y.unwrap();
    let seen = sink.seen.lock().unwrap().clone();
    assert_eq!(sent, seen.len());
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seen.len(),
        "a notice was sent twice: {seen:?}"
    );
    // Left: only the two reminders, which the scans dated at their (future) scan time.
    assert_eq!(store.pending_notice_count().await.unwrap(), 2);
}

async fn urgent_cases_reach_the_office_at_once(app: TestApp) {
    let c = app
        .submit(
            "燃气泄漏",
            "我家楼道里燃气泄漏，味道很大，现在很危险，请马上派人来！",
        )
        .await;
    let n = c["case_number"].as_str().unwrap();
    let case = app
        .state
        .store
        .case_by_number(&wenzheng::cases::CaseNumber::parse(n).unwrap())
        .await
        .unwrap();
    let notices = app.state.store.case_notices(case.id).await.unwrap();
    if case.suggested_urgency.as_deref() == Some("特急") {
        assert!(
            notices
                .iter()
                .any(|(k, r, _)| k == "urgent_case" && r == wenzheng::cases::OFFICE),
            "{notices:?}"
        );
    } else {
        assert!(notices.is_empty());
    }
}

#[derive(Default)]
struct CountingSender {
    seen: std::sync::Mutex<Vec<i64>>,
}

impl wenzheng::workflow::sender::Sender for CountingSender {
    fn send<'a>(
        &'a self,
        n: &'a wenzheng::store::Notice,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            self.seen.lock().unwrap().push(n.id);
            tokio::task::yield_now().await;
            Ok(())
        })
    }
}

db_tests!(
    whole_lifecycle,
    handlers_see_only_their_units_cases,
    login_users_and_units,
    reminders_are_written_once_and_delivered,
    urgent_cases_reach_the_office_at_once,
);
