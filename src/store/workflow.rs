//! Workflow storage: applying a decided transition (status, effects, audit entry, notices) in one
//! transaction, the audit log, leader instructions, the units of a case and the scans of the
//! background jobs.
//!
//! Every transition is guarded by the status it was decided from (`UPDATE … WHERE status = from`):
//! when two people act on one case at once, the second finds the status changed and gets a
//! conflict instead of silently acting on a stale case.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::cases::CASE_COLUMNS;
use super::{CaseRecord, Store, StoreError, dispatch};
use crate::cases::{Actor, CaseStatus, Effect, Transition};

/// Inserts an outbox row inside the transaction `$tx` (a macro, not a function: the body is
/// expanded once per back end by `dispatch!`, which keeps the sqlx types concrete).
macro_rules! enqueue {
    ($tx:expr, $dedupe:expr, $kind:expr, $case_id:expr, $recipient:expr, $number:expr, $title:expr, $text:expr, $now:expr) => {{
        let payload = serde_json::json!({
            "case_number": $number,
            "title": $title,
            "text": $text,
        })
        .to_string();
        sqlx::query(
            "INSERT INTO outbox (dedupe_key, kind, case_id, recipient, payload, created_at, available_at, attempts) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, 0) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(($dedupe).to_string())
        .bind(($kind).to_string())
        .bind($case_id)
        .bind(($recipient).to_string())
        .bind(payload)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// One entry of the audit log (办理记录).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct EventRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    /// Action code (assign, accept, return, …).
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
}

/// A leader's instruction (批示) and the unit's report on it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct InstructionRecord {
    pub id: i64,
    pub leader: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub report_text: Option<String>,
    pub reported_by: Option<String>,
    pub reported_at: Option<DateTime<Utc>>,
}

/// A unit taking part in a case: `主办` (lead) or `协办` (co-handling).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CaseUnit {
    pub unit: String,
    pub role: String,
}

/// Which reminder a scan found due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// 即将到期: most of the reply time is used.
    DueSoon,
    /// 已超期: past the reply deadline.
    Overdue,
    /// Long past the deadline: escalate.
    Escalate,
}

impl Reminder {
    fn column(self) -> &'static str {
        match self {
            Reminder::DueSoon => "due_soon_noticed_at",
            Reminder::Overdue => "overdue_noticed_at",
            Reminder::Escalate => "escalated_at",
        }
    }
}

/// An open case with a deadline, as the reminder scan sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadlineRow {
    pub id: i64,
    pub case_number: String,
    pub received_at: DateTime<Utc>,
    pub reply_due: DateTime<Utc>,
    pub due_soon_noticed_at: Option<DateTime<Utc>>,
    pub overdue_noticed_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
}

const OPEN_WITH_CLOCK: &str =
    "('assigned', 'in_progress', 'pending_review', 'received', 'returned')";

impl Store {
    pub async fn case_by_id(&self, id: i64) -> Result<CaseRecord, StoreError> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1");
        dispatch!(self, pool => {
            sqlx::query_as::<_, CaseRecord>(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    pub async fn case_units(&self, case_id: i64) -> Result<Vec<CaseUnit>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, CaseUnit>(
            "SELECT unit, role FROM case_units WHERE case_id = $1 ORDER BY CASE role WHEN '主办' THEN 0 ELSE 1 END, unit",
        )
        .bind(case_id)
        .fetch_all(pool)
        .await?))
    }

    pub async fn case_events(&self, case_id: i64) -> Result<Vec<EventRecord>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, EventRecord>(
            "SELECT id, at, actor, role, action, from_status, to_status, note FROM case_events WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(pool)
        .await?))
    }

    pub async fn instructions(&self, case_id: i64) -> Result<Vec<InstructionRecord>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, InstructionRecord>(
            "SELECT id, leader, text, created_at, due_at, report_text, reported_by, reported_at FROM instructions \
             WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(pool)
        .await?))
    }

    /// Cases merged into `case_id` (their numbers).
    pub async fn merged_cases(&self, case_id: i64) -> Result<Vec<String>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, (String,)>(
            "SELECT case_number FROM cases WHERE merged_into = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(n,)| n)
        .collect()))
    }

    /// Applies a transition decided by `cases::decide` on the case `case_id`: the status change
    /// (guarded by the status it was decided from), every effect, the audit entry and the
    /// notices, in one transaction. Publishing also gives the reply to the cases merged into
    /// this one, each with its own audit entry and notice.
    pub async fn apply_transition(
        &self,
        case_id: i64,
        t: &Transition,
        actor: &Actor,
        extra_marks: &[Reminder],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query("UPDATE cases SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                .bind(t.to.code())
                .bind(now)
                .bind(case_id)
                .bind(t.from.code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict(format!(
                    "the case is no longer {}; reload it and try again",
                    t.from
                )));
            }
            for mark in extra_marks {
                let sql = format!(
                    "UPDATE cases SET {col} = $1 WHERE id = $2 AND {col} IS NULL",
                    col = mark.column()
                );
                let n = sqlx::query(AssertSqlSafe(sql)).bind(now).bind(case_id).execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    // Another instance sent this reminder already.
                    return Err(StoreError::Conflict("reminder already recorded".into()));
                }
            }
            // `unit`: the lead unit when the action was taken (the effects below may change it),
            // so a 退单 stays counted against the unit that returned the case.
            let (event_id,): (i64,) = sqlx::query_as(
                "INSERT INTO case_events (case_id, at, actor, role, action, from_status, to_status, note, unit) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT department FROM cases WHERE id = $1)) RETURNING id",
            )
            .bind(case_id)
            .bind(now)
            .bind(&actor.name)
            .bind(actor.role.code())
            .bind(t.action)
            .bind(t.from.code())
            .bind(t.to.code())
            .bind(&t.note)
            .fetch_one(&mut *tx)
            .await?;
            let (case_number, title): (String, String) =
                sqlx::query_as("SELECT case_number, title FROM cases WHERE id = $1")
                    .bind(case_id)
                    .fetch_one(&mut *tx)
                    .await?;
            for effect in &t.effects {
                match effect {
                    Effect::SetUnits { lead_unit, co_units } => {
                        sqlx::query("DELETE FROM case_units WHERE case_id = $1").bind(case_id).execute(&mut *tx).await?;
                        if let Some(lead) = lead_unit {
                            for (unit, role) in std::iter::once((lead, "主办")).chain(co_units.iter().map(|u| (u, "协办"))) {
                                let (active,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM units WHERE name = $1 AND active = $2")
                                    .bind(unit)
                                    .bind(true)
                                    .fetch_one(&mut *tx)
                                    .await?;
                                if active == 0 {
                                    return Err(StoreError::Rejected {
                                        field: if role == "主办" { "lead_unit" } else { "co_units" },
                                        message: format!("{unit:?} is not an active unit; the admin manages units at /api/v1/units"),
                                    });
                                }
                                sqlx::query("INSERT INTO case_units (case_id, unit, role) VALUES ($1, $2, $3)")
                                    .bind(case_id)
                                    .bind(unit)
                                    .bind(role)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            sqlx::query("UPDATE cases SET department = $1, assigned_at = $2 WHERE id = $3")
                                .bind(lead)
                                .bind(now)
                                .bind(case_id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    Effect::SetComplex(c) => {
                        sqlx::query("UPDATE cases SET is_complex = $1 WHERE id = $2").bind(*c).bind(case_id).execute(&mut *tx).await?;
                    }
                    Effect::SetReplyDue { due, note } => {
                        // A new deadline earns new reminders.
                        sqlx::query(
                            "UPDATE cases SET reply_due = $1, deadline_note = $2, due_soon_noticed_at = NULL, \
                             overdue_noticed_at = NULL, escalated_at = NULL WHERE id = $3",
                        )
                        .bind(*due)
                        .bind(note)
                        .bind(case_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Effect::StartPause { at, from, reason } => {
                        sqlx::query("UPDATE cases SET paused_at = $1, paused_from = $2, pause_reason = $3 WHERE id = $4")
                            .bind(*at)
                            .bind(from.code())
                            .bind(reason)
                            .bind(case_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Effect::EndPause => {
                        sqlx::query("UPDATE cases SET paused_at = NULL, paused_from = NULL, pause_reason = NULL WHERE id = $1")
                            .bind(case_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Effect::MergeInto { main_case } => {
                        let main: Option<(i64, String)> =
                            sqlx::query_as("SELECT id, status FROM cases WHERE case_number = $1")
                                .bind(main_case)
                                .fetch_optional(&mut *tx)
                                .await?;
                        let (main_id, main_status) = main.ok_or_else(|| StoreError::Rejected {
                            field: "main_case",
                            message: format!("no case {main_case}"),
                        })?;
                        let open = CaseStatus::parse(&main_status).is_some_and(|s| s.is_open() && s != CaseStatus::Returned);
                        if main_id == case_id || !open {
                            return Err(StoreError::Rejected {
                                field: "main_case",
                                message: format!(
                                    "{main_case} cannot be the main case: it must be another case that is still being handled"
                                ),
                            });
                        }
                        // Cases already merged into this one follow it to the new main case.
                        sqlx::query("UPDATE cases SET merged_into = $1 WHERE id = $2 OR merged_into = $2")
                            .bind(main_id)
                            .bind(case_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Effect::SaveDraft { text, by } => {
                        sqlx::query("UPDATE cases SET reply_draft = $1, reply_submitted_by = $2 WHERE id = $3")
                            .bind(text)
                            .bind(by)
                            .bind(case_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Effect::PublishReply { by } => {
                        sqlx::query(
                            "UPDATE cases SET reply_text = reply_draft, replied_at = $1, reply_published_at = $1, \
                             reply_published_by = $2 WHERE id = $3",
                        )
                        .bind(now)
                        .bind(by)
                        .bind(case_id)
                        .execute(&mut *tx)
                        .await?;
                        // Requesters of merged cases all get the reply, each on their own case.
                        let merged: Vec<(i64, String)> = sqlx::query_as(
                            "SELECT id, case_number FROM cases WHERE merged_into = $1 AND status = $2",
                        )
                        .bind(case_id)
                        .bind(CaseStatus::Merged.code())
                        .fetch_all(&mut *tx)
                        .await?;
                        let (reply,): (Option<String>,) = sqlx::query_as("SELECT reply_text FROM cases WHERE id = $1")
                            .bind(case_id)
                            .fetch_one(&mut *tx)
                            .await?;
                        for (mid, mnumber) in merged {
                            sqlx::query(
                                "UPDATE cases SET status = $1, reply_text = $2, replied_at = $3, reply_published_at = $3, \
                                 reply_published_by = $4, updated_at = $3 \
                                 WHERE id = $5",
                            )
                            .bind(CaseStatus::Replied.code())
                            .bind(&reply)
                            .bind(now)
                            .bind(by)
                            .bind(mid)
                            .execute(&mut *tx)
                            .await?;
                            sqlx::query(
                                "INSERT INTO case_events (case_id, at, actor, role, action, from_status, to_status, note) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            )
                            .bind(mid)
                            .bind(now)
                            .bind("系统")
                            .bind("system")
                            .bind("merged_reply")
                            .bind(CaseStatus::Merged.code())
                            .bind(CaseStatus::Replied.code())
                            .bind(format!("主案件 {case_number} 的答复已发布"))
                            .execute(&mut *tx)
                            .await?;
                            enqueue!(tx, &format!("{event_id}:reply:{mnumber}"), "reply_published", mid,
                                &format!("citizen:{mnumber}"), &mnumber, &title, "您的留言已答复，请凭查询码查看并评价", now);
                        }
                        enqueue!(tx, &format!("{event_id}:reply:{case_number}"), "reply_published", case_id,
                            &format!("citizen:{case_number}"), &case_number, &title, "您的留言已答复，请凭查询码查看并评价", now);
                    }
                    Effect::Rate { satisfaction, comment } => {
                        sqlx::query("UPDATE cases SET satisfaction = $1, satisfaction_comment = $2, rated_at = $3 WHERE id = $4")
                            .bind(satisfaction.as_str())
                            .bind(comment)
                            .bind(now)
                            .bind(case_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Effect::CountReopen => {
                        sqlx::query("UPDATE cases SET reopen_count = reopen_count + 1, closed_at = NULL WHERE id = $1")
                            .bind(case_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Effect::MarkClosed | Effect::MarkArchived | Effect::MarkEscalated => {
                        let col = match effect {
                            Effect::MarkClosed => "closed_at",
                            Effect::MarkArchived => "archived_at",
                            _ => "escalated_at",
                        };
                        let sql = format!("UPDATE cases SET {col} = $1 WHERE id = $2");
                        sqlx::query(AssertSqlSafe(sql)).bind(now).bind(case_id).execute(&mut *tx).await?;
                    }
                    Effect::AddInstruction { text, due_at } => {
                        sqlx::query(
                            "INSERT INTO instructions (case_id, leader, text, created_at, due_at) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(case_id)
                        .bind(&actor.name)
                        .bind(text)
                        .bind(now)
                        .bind(*due_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Effect::ReportInstruction { instruction_id, text } => {
                        let n = sqlx::query(
                            "UPDATE instructions SET report_text = $1, reported_by = $2, reported_at = $3 \
                             WHERE id = $4 AND case_id = $5 AND reported_at IS NULL",
                        )
                        .bind(text)
                        .bind(&actor.name)
                        .bind(now)
                        .bind(*instruction_id)
                        .bind(case_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            return Err(StoreError::Rejected {
                                field: "instruction_id",
                                message: format!("no unanswered instruction {instruction_id} on this case"),
                            });
                        }
                    }
                    Effect::Notify { kind, recipient, text } => {
                        enqueue!(tx, &format!("{event_id}:{kind}:{recipient}"), kind, case_id, recipient,
                            &case_number, &title, text, now);
                    }
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Open cases whose reply clock runs and that still owe a reminder, earliest deadline first.
    pub async fn deadline_rows(&self, limit: i64) -> Result<Vec<DeadlineRow>, StoreError> {
        let sql = format!(
            "SELECT id, case_number, received_at, reply_due, due_soon_noticed_at, overdue_noticed_at, escalated_at \
             FROM cases WHERE status IN {OPEN_WITH_CLOCK} AND reply_due IS NOT NULL \
             AND (due_soon_noticed_at IS NULL OR overdue_noticed_at IS NULL OR escalated_at IS NULL) \
             ORDER BY reply_due LIMIT $1"
        );
        dispatch!(self, pool => Ok(sqlx::query_as::<_, DeadlineRow>(AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }

    /// Ids of cases closed before `before` (to archive).
    pub async fn closed_before(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, (i64,)>(
            "SELECT id FROM cases WHERE status = $1 AND closed_at IS NOT NULL AND closed_at < $2 ORDER BY id LIMIT $3",
        )
        .bind(CaseStatus::Closed.code())
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect()))
    }
}
