//! Receiving cases: a citizen's message through the API, or historical records through import.
//! Both run triage and store the case with its suggestion in one step; this is the application
//! layer between `cases` (rules), `classify` (triage) and `store` (persistence), free of HTTP.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cases::{CaseRules, CaseStatus, NewMessage, TrackingCode};
use crate::classify::data::{DataError, Table};
use crate::classify::{Triage, TriageResult};
use crate::store::{NewCaseRecord, Store, StoreError, StoredCase, TriageSuggestion, case_year};

/// The 受理 acknowledgement, in the words of the customer's plan (篇三 八(六)).
pub const ACKNOWLEDGEMENT: &str = "您反映的问题已由我单位受理,将尽快给您回复。";

/// What the citizen gets back at once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// Readable case number, e.g. 2026-000123.
    pub case_number: String,
    /// Secret code for following the case; shown once, stored only as a hash.
    pub tracking_code: String,
    pub status: String,
    pub status_name: String,
    pub received_at: DateTime<Utc>,
    /// The acknowledgement text (受理回复).
    pub acknowledgement: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("triage failed: {0}")]
    Triage(String),
    #[error("no randomness available for the tracking code: {0}")]
    Random(String),
}

fn suggestion(t: &TriageResult) -> TriageSuggestion {
    TriageSuggestion {
        category: t.department.category.clone(),
        department: t.department.department.clone(),
        confidence: f64::from(t.department.confidence),
        uncertain: t.department.uncertain,
        key_terms: t.department.key_terms.clone(),
        request_type: t.request_type.as_ref().map(|r| r.label.clone()),
        urgency: t.urgency.as_ref().map(|u| u.label.clone()),
        model_version: t.model_version.clone(),
    }
}

fn new_tracking_code() -> Result<TrackingCode, IntakeError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| IntakeError::Random(e.to_string()))?;
    Ok(TrackingCode::from_random(bytes))
}

/// Runs triage on the blocking pool: segmentation and scoring are CPU work, and a long message
/// must not hold an async worker thread that other requests are waiting on.
pub async fn triage_off_thread(
    triage: &Arc<Triage>,
    title: String,
    body: String,
) -> Result<TriageResult, IntakeError> {
    triage_off_thread_with(triage, title, body, false).await
}

/// [`triage_off_thread`], optionally with the department model only.
pub async fn triage_off_thread_with(
    triage: &Arc<Triage>,
    title: String,
    body: String,
    department_only: bool,
) -> Result<TriageResult, IntakeError> {
    let triage = Arc::clone(triage);
    tokio::task::spawn_blocking(move || {
        if department_only {
            triage.triage_department(&title, &body)
        } else {
            triage.triage(&title, &body)
        }
    })
    .await
    .map_err(|e| IntakeError::Triage(e.to_string()))
}

/// Triages and stores a new message; returns only after the case is committed.
pub async fn receive(
    store: &Store,
    triage: &Arc<Triage>,
    rules: &CaseRules,
    msg: NewMessage,
    now: DateTime<Utc>,
) -> Result<Receipt, IntakeError> {
    let result = triage_off_thread(triage, msg.title.clone(), msg.body.clone()).await?;
    metrics::counter!("wenzheng_triage_total", "category" => result.department.category.clone(), "uncertain" => result.department.uncertain.to_string()).increment(1);
    let code = new_tracking_code()?;
    let status = CaseStatus::Received;
    let urgency = result.urgency.as_ref().map(|u| u.label.as_str());
    let request_type = result.request_type.as_ref().map(|r| r.label.as_str());
    let deadlines = rules.deadlines_for(now, urgency, request_type, false);
    let rec = NewCaseRecord {
        tracking_digest: code.digest(),
        external_id: None,
        title: msg.title,
        body: msg.body,
        channel: msg.channel.code().to_string(),
        contact_name: msg.contact.name,
        contact_phone: msg.contact.phone,
        contact_email: msg.contact.email,
        location: msg.location,
        publish_consent: msg.publish_consent,
        status: status.code().to_string(),
        received_at: now,
        year: case_year(now),
        suggestion: Some(suggestion(&result)),
        reply_text: None,
        replied_at: None,
        first_response_due: Some(deadlines.first_response_due),
        reply_due: deadlines.reply_due,
        deadline_note: deadlines.note,
    };
    let number = match store.insert_case(&rec).await? {
        StoredCase::Created(n) if urgency == Some("特急") => {
            // 特急: the queue puts it first (QueueOrder::Urgency); say so loudly as well.
            metrics::counter!("wenzheng_urgent_cases_total").increment(1);
            tracing::warn!(case_number = %n, "特急 case received: raised to the top of the dispatcher's queue");
            n.to_string()
        }
        StoredCase::Created(n) => n.to_string(),
        StoredCase::Duplicate(n) => {
            return Err(StoreError::Conflict(format!("case {n} already exists")).into());
        }
    };
    Ok(Receipt {
        case_number: number.clone(),
        tracking_code: code.as_str().to_string(),
        status: status.code().to_string(),
        status_name: status.chinese().to_string(),
        received_at: now,
        acknowledgement: format!("{ACKNOWLEDGEMENT}案件编号:{number},请凭查询码查询办理进度。"),
    })
}

/// Outcome of an import.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportSummary {
    pub loaded: usize,
    pub duplicates: usize,
    /// (line or row number, reason)
    pub rejected: Vec<(u64, String)>,
}

/// Column layout of the shared data (留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 答复意见, 答复时间).
const REQUIRED: [&str; 3] = ["留言编号", "留言主题", "留言详情"];

/// One row of an import file, as strings.
struct ImportRow {
    line: u64,
    get: std::collections::HashMap<String, String>,
}

fn read_rows(path: &Path) -> Result<Vec<ImportRow>, DataError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("xlsx") | Some("xls") | Some("ods")) {
        return read_spreadsheet(path);
    }
    let table = Table::read_path(path, &REQUIRED)?;
    let names = [
        "留言编号",
        "留言用户",
        "留言主题",
        "留言时间",
        "留言详情",
        "答复意见",
        "答复时间",
    ];
    Ok(table
        .rows
        .iter()
        .map(|r| ImportRow {
            line: r.line,
            get: names
                .iter()
                .filter(|n| table.has_column(n))
                .map(|n| (n.to_string(), table.get(r, n).to_string()))
                .collect(),
        })
        .collect())
}

fn read_spreadsheet(path: &Path) -> Result<Vec<ImportRow>, DataError> {
    use calamine::{Data, Reader, open_workbook_auto};
    let file = path.display().to_string();
    let err = |message: String| DataError::Io {
        file: file.clone(),
        message,
    };
    let mut wb = open_workbook_auto(path).map_err(|e| err(e.to_string()))?;
    let sheet = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| err("the workbook has no sheet".into()))?;
    let range = wb.worksheet_range(&sheet).map_err(|e| err(e.to_string()))?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(|c| c.to_string().trim().to_string()).collect())
        .unwrap_or_default();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(DataError::MissingColumns {
            file,
            missing: missing.join(", "),
            found: header.join(", "),
        });
    }
    Ok(rows
        .enumerate()
        .map(|(i, r)| ImportRow {
            line: i as u64 + 2,
            get: header
                .iter()
                .zip(r)
                .map(|(h, c)| {
                    let v = match c {
                        Data::DateTime(d) => d
                            .as_datetime()
                            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                            .unwrap_or_default(),
                        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                        other => other.to_string(),
                    };
                    (h.clone(), v)
                })
                .collect(),
        })
        .collect())
}

/// Parses the board's local times (China Standard Time) to UTC.
pub fn parse_local_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let formats = [
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M",
    ];
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    for f in formats {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return cst
                .from_local_datetime(&n)
                .single()
                .map(|d| d.with_timezone(&Utc));
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| cst.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single())
        .map(|d| d.with_timezone(&Utc))
}

/// Imports historical cases from CSV or XLSX, at most `limit` rows. Each row's identity is its
/// 留言编号 plus a hash of its text, so importing the same file twice adds nothing, while two
/// different messages that happen to share a number in different exports both load.
pub async fn import_file(
    store: &Store,
    triage: &Arc<Triage>,
    rules: &CaseRules,
    path: &Path,
    limit: Option<usize>,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportSummary, anyhow::Error> {
    let rows = read_rows(path)?;
    let rows: Vec<ImportRow> = rows.into_iter().take(limit.unwrap_or(usize::MAX)).collect();
    let total = rows.len();
    let mut summary = ImportSummary::default();
    for (i, row) in rows.into_iter().enumerate() {
        progress(i, total);
        let v = |k: &str| {
            row.get
                .get(k)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let (id, title, body) = (v("留言编号"), v("留言主题"), v("留言详情"));
        if id.is_empty() {
            summary
                .rejected
                .push((row.line, "留言编号 is empty".into()));
            continue;
        }
        if title.is_empty() && body.is_empty() {
            summary
                .rejected
                .push((row.line, "留言主题 and 留言详情 are both empty".into()));
            continue;
        }
        if title.chars().count() > 500 || body.chars().count() > 50_000 {
            summary
                .rejected
                .push((row.line, "留言主题 or 留言详情 is implausibly long".into()));
            continue;
        }
        let received_at = match v("留言时间") {
            t if t.is_empty() => now,
            t => match parse_local_time(&t) {
                Some(d) => d,
                None => {
                    summary.rejected.push((
                        row.line,
                        format!("留言时间 {t:?} is not a date-time (YYYY-MM-DD HH:MM:SS)"),
                    ));
                    continue;
                }
            },
        };
        let reply = v("答复意见");
        let replied_at = match v("答复时间") {
            t if t.is_empty() => None,
            t => match parse_local_time(&t) {
                Some(d) => Some(d),
                None => {
                    summary.rejected.push((
                        row.line,
                        format!("答复时间 {t:?} is not a date-time (YYYY-MM-DD HH:MM:SS)"),
                    ));
                    continue;
                }
            },
        };
        let digest = hex::encode(Sha256::digest(format!("{title}\n{body}").as_bytes()));
        let result = triage_off_thread(triage, title.clone(), body.clone()).await?;
        let status = if reply.is_empty() {
            CaseStatus::Received
        } else {
            CaseStatus::Replied
        };
        let urgency = result.urgency.as_ref().map(|u| u.label.as_str());
        let request_type = result.request_type.as_ref().map(|r| r.label.as_str());
        let deadlines = rules.deadlines_for(received_at, urgency, request_type, false);
        let user = v("留言用户");
        let rec = NewCaseRecord {
            tracking_digest: new_tracking_code()?.digest(),
            external_id: Some(format!("{id}:{}", &digest[..16])),
            title,
            body,
            channel: "web".into(),
            contact_name: (!user.is_empty()).then_some(user),
            contact_phone: None,
            contact_email: None,
            location: None,
            // These messages and replies were already public on the board.
            publish_consent: true,
            status: status.code().into(),
            received_at,
            year: case_year(received_at),
            suggestion: Some(suggestion(&result)),
            reply_text: (!reply.is_empty()).then_some(reply),
            replied_at,
            first_response_due: Some(deadlines.first_response_due),
            reply_due: deadlines.reply_due,
            deadline_note: deadlines.note,
        };
        match store.insert_case(&rec).await? {
            StoredCase::Created(_) => summary.loaded += 1,
            StoredCase::Duplicate(_) => summary.duplicates += 1,
        }
    }
    // The old board published these replies: they are public precedents here too.
    store.publish_imported_replies().await?;
    progress(total, total);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::parse_local_time;

    #[test]
    fn local_times_are_china_standard_time() {
        let t = parse_local_time("2019-04-25 09:32:09").unwrap();
        assert_eq!(t.to_rfc3339(), "2019-04-25T01:32:09+00:00");
        assert!(parse_local_time("2019/4/25 9:32:09").is_some());
        assert!(parse_local_time("yesterday").is_none());
    }
}
