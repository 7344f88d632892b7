//! Tests that run the real `wenzheng` binary: durability across kill -9, the CLI's output
//! contracts and its handling of bad input.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::helpers::repo_path;

fn wenzheng() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wenzheng"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Starts `wenzheng serve` on port 0 and returns the child and its base URL.
fn serve(data_dir: &std::path::Path) -> (Child, String) {
    let mut child = wenzheng()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-demo-data",
            "--data-dir",
        ])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("address line");
    let url = line
        .trim()
        .strip_prefix("wenzheng listening on ")
        .expect("listening line")
        .to_string();
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_201_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let (mut child, url) = serve(dir.path());
    let mut codes = Vec::new();
    for i in 0..5 {
        let r = client
            .post(format!("{url}/api/v1/messages"))
            .json(&serde_json::json!({"title": format!("停电{i}"), "body": "小区停电两天", "channel": "phone", "publish_consent": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        codes.push(
            r.json::<Value>().await.unwrap()["tracking_code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // SIGKILL right after the last 201: no graceful shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, url) = serve(dir.path());
    for code in &codes {
        let r = client
            .get(format!("{url}/api/v1/track/{code}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "case {code} lost after kill -9");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn eval_prints_the_contract_line_last() {
    let out = wenzheng()
        .args(["eval", "--task", "department"])
        .arg(repo_path(
            "training-data/tipdm2020/messages_labeled_raw_sample.csv",
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    let re =
        regex::Regex::new(r"^task=department n=447 macro_f1=0\.\d{4} accuracy=0\.\d{4}$").unwrap();
    assert!(re.is_match(last), "{last}");
    assert!(stdout.contains("confusion matrix"));
}

#[test]
fn eval_rejects_bad_files_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "missing.csv",
            "留言主题,一级标签\n标题,城乡建设\n".into(),
            "missing column(s) 留言详情",
        ),
        (
            "quote.csv",
            "留言主题,留言详情,一级标签\n\"标题,详情,城乡建设\n标题2,详情2,城乡建设\n".into(),
            "line 2",
        ),
        (
            "label.csv",
            "留言主题,留言详情,一级标签\n标题,详情,火星\n".into(),
            "line 2",
        ),
        (
            "empty.csv",
            "留言主题,留言详情,一级标签\n,,城乡建设\n".into(),
            "both empty",
        ),
        (
            "bytes.csv",
            [
                "留言主题,留言详情,一级标签\nA,".as_bytes().to_vec(),
                vec![0xff, 0xfe],
                b",x\n".to_vec(),
            ]
            .concat(),
            "line 2: field 留言详情 is not valid UTF-8",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = wenzheng()
            .args(["eval", "--task", "department"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn classify_streams_and_reports_bad_lines_in_place() {
    let mut child = wenzheng()
        .arg("classify")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let big = "噪音".repeat(500_000);
    let input = format!(
        "{}\n{}\nnot json\n{}\n{}\n{}\n",
        r#"{"id":1,"title":"公积金贷款","body":"请问住房公积金贷款额度"}"#,
        r#"{"id":"b","title":"","body":""}"#,
        r#"{"id":3,"title":"😀😀","body":"!!!"}"#,
        serde_json::json!({"id": 4, "title": "噪音", "body": big}),
        r#"{"id":5,"title":"学校","body":"学校乱收费"}"#,
    );
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes()).unwrap();
        stdin.write_all(&[0xff, 0xfe, b'\n']).unwrap();
        // A 5 MB line: rejected in place, without being held whole.
        stdin.write_all(&vec![b'x'; 5 << 20]).unwrap();
        stdin
            .write_all("\n{\"id\":8,\"title\":\"路灯\",\"body\":\"路灯不亮\"}\n".as_bytes())
            .unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(2), "bad lines make the exit code 2");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 9, "one output line per input line");
    assert_eq!(lines[0]["id"], 1);
    for key in [
        "label",
        "department",
        "confidence",
        "top3",
        "uncertain",
        "key_terms",
    ] {
        assert!(!lines[0][key].is_null(), "{key}");
    }
    assert!(lines[1]["error"].as_str().unwrap().contains("both empty"));
    assert_eq!(lines[1]["id"], "b");
    assert!(lines[2]["error"].is_string());
    assert_eq!(
        lines[3]["uncertain"], true,
        "symbols only: a prediction flagged uncertain"
    );
    assert!(
        lines[4]["label"].is_string(),
        "a 1 MB message is classified"
    );
    assert_eq!(lines[5]["id"], 5);
    assert!(lines[6]["error"].as_str().unwrap().contains("UTF-8"));
    assert!(lines[7]["error"].as_str().unwrap().contains("longer than"));
    assert_eq!(
        lines[8]["id"], 8,
        "the line after an over-long line is read normally"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("line 3:"), "{stderr}");
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "train", "eval", "classify", "serve", "import", "token", "calendar", "user", "report",
    ] {
        let out = wenzheng().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}");
        assert!(
            String::from_utf8(out.stdout).unwrap().contains("Usage"),
            "{sub}"
        );
    }
    let out = wenzheng().arg("frobnicate").output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn calendar_due_prints_the_date_last() {
    for (from, days, due) in [
        ("2026-02-13", "7", "2026-03-02"),
        ("2026-09-30", "7", "2026-10-15"),
    ] {
        let out = wenzheng()
            .args(["calendar", "due", "--from", from, "--days", days])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().lines().last(),
            Some(due)
        );
    }
    let out = wenzheng()
        .args(["calendar", "due", "--from", "2026-12-28", "--days", "7"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no data for 2027")
    );
}

#[test]
fn hot_json_lists_topics_with_message_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hot.csv");
    std::fs::write(
        &path,
        "留言编号,留言用户,留言主题,留言时间,留言详情,点赞数,反对数\n\
         1,u1,丽发新城小区旁搅拌站噪音扰民,2019-11-02 10:00:00,搅拌站日夜施工噪音粉尘严重影响丽发新城小区居民,5,0\n\
         2,u2,投诉丽发新城小区附近搅拌站,2019-11-04 10:00:00,丽发新城小区旁边的搅拌站粉尘噪音太大,10,1\n\
         3,u3,丽发新城搅拌站污染严重,2019-11-07 10:00:00,搅拌站噪音粉尘污染丽发新城小区业主苦不堪言,0,0\n\
         4,u4,学校乱收补课费,2019-11-05 10:00:00,某中学强制学生参加补课并收取费用,1,0\n\
         5,u5,公积金贷款额度咨询,2019-11-05 11:00:00,请问公积金贷款最高额度是多少,0,0\n\
         6,u6,公交线路调整建议,2019-11-06 09:00:00,建议增加早高峰公交班次,0,0\n\
         7,u7,医院挂号难,2019-11-06 10:00:00,人民医院专家号很难挂到,0,0\n\
         8,u8,社保卡补办,2019-11-06 11:00:00,社保卡丢失如何补办,0,0\n\
         9,u9,路灯不亮,2019-11-08 20:00:00,某路段路灯坏了三个月无人修,0,0\n\
         10,u10,拖欠工资,2019-11-09 09:00:00,建筑公司拖欠农民工工资半年,0,0\n",
    )
    .unwrap();
    let out = wenzheng()
        .args(["hot"])
        .arg(&path)
        .args(["--top", "5", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let topics: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0]["messages"], serde_json::json!(["1", "2", "3"]));
    assert_eq!(topics[0]["place"], "丽发新城小区");
    assert_eq!(topics[0]["likes"], 15);
    // A bad date names its line.
    std::fs::write(
        &path,
        "留言编号,留言主题,留言时间,留言详情\n1,标题,昨天,内容\n",
    )
    .unwrap();
    let out = wenzheng().args(["hot"]).arg(&path).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("line 2: 留言时间")
    );
}

/// `wenzheng user add` creates the first admin, who then logs in to the running service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_creates_an_admin_who_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let add = |args: &[&str], password: &str| {
        wenzheng()
            .args(["user", "add"])
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("DATABASE_URL")
            .env("WENZHENG_PASSWORD", password)
            .output()
            .unwrap()
    };
    let bad = add(
        &["--username", "root", "--role", "superuser"],
        "s3cret-pass",
    );
    assert!(!bad.status.success());
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(err.starts_with("error: role: must be one of"), "{err}");
    let short = add(&["--username", "root", "--role", "admin"], "short");
    assert!(
        String::from_utf8(short.stderr)
            .unwrap()
            .contains("password")
    );
    let ok = add(
        &[
            "--username",
            "root",
            "--name",
            "系统管理员",
            "--role",
            "admin",
        ],
        "s3cret-pass",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let again = add(&["--username", "root", "--role", "admin"], "s3cret-pass");
    assert!(String::from_utf8(again.stderr).unwrap().contains("exists"));

    let (mut child, url) = serve(dir.path());
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{url}/api/v1/login"))
        .json(&serde_json::json!({"username": "root", "password": "s3cret-pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["user"]["role"], "admin");
    assert_eq!(v["user"]["name"], "系统管理员");
    child.kill().unwrap();
    let _ = child.wait();
}

/// `wenzheng report` writes the month's report in each format; a bad month is one line.
#[test]
fn report_writes_the_monthly_report() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("cases.csv");
    std::fs::write(
        &csv,
        "留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间\n\
         1,u1,小区停车费乱收,2019-05-06 09:00:00,物业擅自把停车费从100元涨到300元,您好，已责令物业整改。,2019-05-10 10:00:00\n\
         2,u2,学校乱收补课费,2019-05-08 10:00:00,某中学强制学生参加补课并收取费用,,\n\
         3,u3,路灯不亮,2019-06-01 20:00:00,某路段路灯坏了三个月无人修,,\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let import = wenzheng()
        .arg("import")
        .arg(&csv)
        .arg("--data-dir")
        .arg(&data)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let report = |month: &str, format: &str, out: &std::path::Path| {
        wenzheng()
            .args(["report", "--month", month, "--format", format, "--out"])
            .arg(out)
            .arg("--data-dir")
            .arg(&data)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    for format in ["html", "xlsx", "csv", "json"] {
        let out = dir.path().join(format!("report.{format}"));
        let o = report("2019-05", format, &out);
        assert!(
            o.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let stdout = String::from_utf8(o.stdout).unwrap();
        assert!(stdout.contains("report 2019-05: 2 cases"), "{stdout}");
        let bytes = std::fs::read(&out).unwrap();
        match format {
            "html" => assert!(String::from_utf8(bytes).unwrap().contains("<svg")),
            "xlsx" => assert_eq!(&bytes[..2], b"PK"),
            "csv" => assert!(
                String::from_utf8(bytes)
                    .unwrap()
                    .contains("summary,2019-05,total,2")
            ),
            _ => {
                let v: Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(v["total"], 2);
                assert_eq!(v["handling"]["replied"], 1);
                // 2019 is not in the working-day calendar: named, not guessed.
                assert_eq!(v["handling"]["uncovered_years"], serde_json::json!([2019]));
                assert_eq!(v["handling"]["mean_calendar_days"], 4.04);
            }
        }
    }
    let out = dir.path().join("bad.html");
    let o = report("2019-13", "html", &out);
    assert!(!o.status.success());
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: --month"), "{stderr}");
    assert!(!out.exists());
    // A mistyped data directory is named rather than turned into an empty database.
    let o = wenzheng()
        .args(["report", "--month", "2019-05", "--out"])
        .arg(&out)
        .arg("--data-dir")
        .arg(dir.path().join("nowhere"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8(o.stderr).unwrap().contains("no database"));
}
