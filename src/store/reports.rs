//! Supervision queries: the rows of the monthly report and the public statistics, the cases hot
//! topics and early warnings are found in, and the stored warnings.
//!
//! Only reading and writing rows: what the figures mean is computed in `supervise`.

use chrono::{DateTime, Utc};

use super::{Store, StoreError, dispatch};
use crate::supervise::public::PublicCase;
use crate::supervise::report::{ReportCase, ReportInstruction, ReturnEvent};
use crate::supervise::warning::Warning;

/// Audit actions by which staff first handle a case (its first response).
const HANDLING_ACTIONS: &str =
    "('assign', 'merge', 'accept', 'return', 'pause', 'submit_reply', 'publish', 'close')";
/// Actions by which a lead unit answers its assignment.
const UNIT_ACTIONS: &str = "('accept', 'return', 'submit_reply')";

#[derive(sqlx::FromRow)]
struct CaseRow {
    case_number: String,
    title: String,
    channel: String,
    category: Option<String>,
    unit: Option<String>,
    request_type: Option<String>,
    urgency: Option<String>,
    status: String,
    received_at: DateTime<Utc>,
    first_response_due: Option<DateTime<Utc>>,
    first_action_at: Option<DateTime<Utc>>,
    reply_due: Option<DateTime<Utc>>,
    replied_at: Option<DateTime<Utc>>,
    satisfaction: Option<String>,
    reopen_count: i32,
    assigned_at: Option<DateTime<Utc>>,
    unit_action_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct InstructionRow {
    case_number: String,
    case_title: String,
    case_status: String,
    unit: Option<String>,
    leader: String,
    text: String,
    created_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    reported_at: Option<DateTime<Utc>>,
}

/// A stored early warning.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WarningRecord {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub warning: Warning,
}

#[derive(sqlx::FromRow)]
struct WarningRow {
    id: i64,
    topic_key: String,
    reasons: String,
    place: Option<String>,
    keywords: String,
    representative_titles: String,
    recent_messages: i32,
    earlier_messages: i32,
    urgent_messages: i32,
    first_time: DateTime<Utc>,
    last_time: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// A case hot-topic detection and early warning look at.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopicCaseRow {
    pub case_number: String,
    /// Who sent it: phone, e-mail, name, or the case number itself (to count distinct people).
    pub who: String,
    pub title: String,
    pub body: String,
    pub received_at: DateTime<Utc>,
    /// Confirmed urgency, else the suggestion.
    pub urgency: Option<String>,
}

impl Store {
    /// The cases received in `[from, to)`, with the times the report measures.
    pub async fn report_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ReportCase>, StoreError> {
        let sql = format!(
            "SELECT c.case_number, c.title, c.channel, COALESCE(c.category, c.suggested_category) AS category, \
             c.department AS unit, COALESCE(c.request_type, c.suggested_type) AS request_type, \
             COALESCE(c.urgency, c.suggested_urgency) AS urgency, c.status, c.received_at, c.first_response_due, \
             (SELECT MIN(e.at) FROM case_events e WHERE e.case_id = c.id AND e.role <> 'system' \
                AND e.action IN {HANDLING_ACTIONS}) AS first_action_at, \
             c.reply_due, COALESCE(c.reply_published_at, c.replied_at) AS replied_at, c.satisfaction, \
             c.reopen_count, c.assigned_at, \
             (SELECT MIN(e.at) FROM case_events e WHERE e.case_id = c.id AND e.action IN {UNIT_ACTIONS} \
                AND e.at >= c.assigned_at) AS unit_action_at \
             FROM cases c WHERE c.received_at >= $1 AND c.received_at < $2 ORDER BY c.id"
        );
        let rows: Vec<CaseRow> = dispatch!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|r| ReportCase {
                case_number: r.case_number,
                title: r.title,
                channel: r.channel,
                category: r.category,
                unit: r.unit,
                request_type: r.request_type,
                urgency: r.urgency,
                status: r.status,
                received_at: r.received_at,
                first_response_due: r.first_response_due,
                first_action_at: r.first_action_at,
                reply_due: r.reply_due,
                replied_at: r.replied_at,
                satisfaction: r.satisfaction,
                reopen_count: r.reopen_count,
                assigned_at: r.assigned_at,
                unit_action_at: r.unit_action_at,
            })
            .collect())
    }

    /// Leader instructions issued in `[from, to)`, with their cases.
    pub async fn report_instructions(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ReportInstruction>, StoreError> {
        let rows: Vec<InstructionRow> = dispatch!(self, pool => sqlx::query_as(
            "SELECT c.case_number, c.title AS case_title, c.status AS case_status, c.department AS unit, \
             i.leader, i.text, i.created_at, i.due_at, i.reported_at \
             FROM instructions i JOIN cases c ON c.id = i.case_id \
             WHERE i.created_at >= $1 AND i.created_at < $2 ORDER BY i.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| ReportInstruction {
                case_number: r.case_number,
                case_title: r.case_title,
                case_status: r.case_status,
                unit: r.unit,
                leader: r.leader,
                text: r.text,
                created_at: r.created_at,
                due_at: r.due_at,
                reported_at: r.reported_at,
            })
            .collect())
    }

    /// 退单 in `[from, to)`, each with the unit that returned the case.
    pub async fn report_returns(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ReturnEvent>, StoreError> {
        let rows: Vec<(Option<String>, DateTime<Utc>)> = dispatch!(self, pool => sqlx::query_as(
            "SELECT unit, at FROM case_events WHERE action = 'return' AND at >= $1 AND at < $2 ORDER BY id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(unit, at)| ReturnEvent { unit, at })
            .collect())
    }

    /// Received time, lead unit, status and reply time of the cases received in `[from, to)`:
    /// nothing personal.
    pub async fn public_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PublicCase>, StoreError> {
        type Row = (DateTime<Utc>, Option<String>, String, Option<DateTime<Utc>>);
        let rows: Vec<Row> = dispatch!(self, pool => sqlx::query_as(
            "SELECT received_at, department, status, COALESCE(reply_published_at, replied_at) \
             FROM cases WHERE received_at >= $1 AND received_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(received_at, unit, status, replied_at)| PublicCase {
                received_at,
                unit,
                status,
                replied_at,
            })
            .collect())
    }

    /// The newest `limit` cases received at or after `since`, newest first, for topic detection.
    pub async fn topic_cases(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<TopicCaseRow>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, TopicCaseRow>(
            "SELECT case_number, COALESCE(contact_phone, contact_email, contact_name, case_number) AS who, title, body, \
             received_at, COALESCE(urgency, suggested_urgency) AS urgency \
             FROM cases WHERE received_at >= $1 ORDER BY received_at DESC, id DESC LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }

    /// Records a warning unless one exists for the same topic: the same key, or a topic sharing a
    /// case with it. Returns the new warning's id, or `None` when it was already known.
    pub async fn record_warning(
        &self,
        w: &Warning,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let list = |v: &Vec<String>| serde_json::to_string(v).expect("strings serialise");
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut known = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM warning_cases WHERE case_number IN (");
            let mut sep = known.separated(", ");
            for n in &w.case_numbers {
                sep.push_bind(n.clone());
            }
            known.push(")");
            let (overlap,): (i64,) = if w.case_numbers.is_empty() {
                (0,)
            } else {
                known.build_query_as().fetch_one(&mut *tx).await?
            };
            if overlap > 0 {
                tx.rollback().await?;
                return Ok(None);
            }
            let id: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO warnings (topic_key, reasons, place, keywords, representative_titles, recent_messages, \
                 earlier_messages, urgent_messages, first_time, last_time, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (topic_key) DO NOTHING RETURNING id",
            )
            .bind(&w.topic_key)
            .bind(list(&w.reasons))
            .bind(&w.place)
            .bind(list(&w.keywords))
            .bind(list(&w.representative_titles))
            .bind(i32::try_from(w.recent_messages).unwrap_or(i32::MAX))
            .bind(i32::try_from(w.earlier_messages).unwrap_or(i32::MAX))
            .bind(i32::try_from(w.urgent_messages).unwrap_or(i32::MAX))
            .bind(w.first_time)
            .bind(w.last_time)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id,)) = id else {
                tx.rollback().await?;
                return Ok(None);
            };
            for n in &w.case_numbers {
                sqlx::query("INSERT INTO warning_cases (warning_id, case_number) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(n)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(Some(id))
        })
    }

    /// Stored warnings, newest first.
    pub async fn warnings(&self, limit: i64) -> Result<Vec<WarningRecord>, StoreError> {
        let rows: Vec<WarningRow> = dispatch!(self, pool => sqlx::query_as(
            "SELECT id, topic_key, reasons, place, keywords, representative_titles, recent_messages, earlier_messages, \
             urgent_messages, first_time, last_time, created_at FROM warnings ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await?);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let cases: Vec<(String,)> = dispatch!(self, pool => sqlx::query_as(
                "SELECT case_number FROM warning_cases WHERE warning_id = $1 ORDER BY case_number",
            )
            .bind(r.id)
            .fetch_all(pool)
            .await?);
            out.push(WarningRecord {
                id: r.id,
                created_at: r.created_at,
                warning: Warning {
                    topic_key: r.topic_key,
                    reasons: json_list(&r.reasons),
                    place: r.place,
                    keywords: json_list(&r.keywords),
                    representative_titles: json_list(&r.representative_titles),
                    case_numbers: cases.into_iter().map(|(n,)| n).collect(),
                    recent_messages: r.recent_messages.max(0) as usize,
                    earlier_messages: r.earlier_messages.max(0) as usize,
                    urgent_messages: r.urgent_messages.max(0) as usize,
                    first_time: r.first_time,
                    last_time: r.last_time,
                },
            });
        }
        Ok(out)
    }
}
