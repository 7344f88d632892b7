//! Cases, triage suggestions, staff decisions and the corrections log.

use chrono::{DateTime, Datelike, Utc};
use sqlx::AssertSqlSafe;

use super::{Backend, Store, StoreError, dispatch};
use crate::cases::CaseNumber;

/// A triage field in a staff decision: name, confirmed value, suggested value, value wanted.
type FieldDecision<'a> = (
    &'static str,
    Option<String>,
    Option<String>,
    &'a Option<String>,
);

/// What triage suggested for a case, with the model that suggested it.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageSuggestion {
    pub category: String,
    pub department: String,
    pub confidence: f64,
    pub uncertain: bool,
    pub key_terms: Vec<String>,
    pub request_type: Option<String>,
    pub urgency: Option<String>,
    pub model_version: String,
}

/// A case to insert.
#[derive(Debug, Clone)]
pub struct NewCaseRecord {
    pub tracking_digest: String,
    /// Identity in the source system for imports (`None` for messages received here); a second
    /// import of the same record is skipped.
    pub external_id: Option<String>,
    pub title: String,
    pub body: String,
    pub channel: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub location: Option<String>,
    pub publish_consent: bool,
    pub status: String,
    pub received_at: DateTime<Utc>,
    /// The year the case number counts in (local calendar year of receipt).
    pub year: i32,
    pub suggestion: Option<TriageSuggestion>,
    pub reply_text: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub first_response_due: Option<DateTime<Utc>>,
    pub reply_due: Option<DateTime<Utc>>,
    pub deadline_note: Option<String>,
}

/// A stored case, as read back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRecord {
    pub id: i64,
    pub case_number: String,
    pub external_id: Option<String>,
    pub title: String,
    pub body: String,
    pub channel: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub location: Option<String>,
    pub publish_consent: bool,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub suggested_category: Option<String>,
    pub suggested_department: Option<String>,
    pub suggested_confidence: Option<f64>,
    pub suggested_uncertain: Option<bool>,
    pub suggested_key_terms: Option<String>,
    pub suggested_type: Option<String>,
    pub suggested_urgency: Option<String>,
    pub model_version: Option<String>,
    pub category: Option<String>,
    pub department: Option<String>,
    pub request_type: Option<String>,
    pub urgency: Option<String>,
    pub confirmed: bool,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub reply_text: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub first_response_due: Option<DateTime<Utc>>,
    pub reply_due: Option<DateTime<Utc>>,
    pub deadline_note: Option<String>,
    pub is_complex: bool,
    pub merged_into: Option<i64>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_from: Option<String>,
    pub pause_reason: Option<String>,
    pub reply_draft: Option<String>,
    pub reply_submitted_by: Option<String>,
    pub reply_published_at: Option<DateTime<Utc>>,
    pub reply_published_by: Option<String>,
    pub satisfaction: Option<String>,
    pub satisfaction_comment: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
}

pub(crate) const CASE_COLUMNS: &str = "id, case_number, external_id, title, body, channel, contact_name, contact_phone, contact_email, \
     location, publish_consent, status, received_at, updated_at, suggested_category, suggested_department, \
     suggested_confidence, suggested_uncertain, suggested_key_terms, suggested_type, suggested_urgency, model_version, \
     category, department, request_type, urgency, confirmed, confirmed_by, confirmed_at, reply_text, replied_at, \
     first_response_due, reply_due, deadline_note, is_complex, merged_into, assigned_at, paused_at, paused_from, \
     pause_reason, reply_draft, reply_submitted_by, reply_published_at, reply_published_by, satisfaction, \
     satisfaction_comment, rated_at, reopen_count, closed_at, archived_at";

/// One entry of the corrections log: a member of staff confirmed or changed a suggested value.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CorrectionRecord {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// `confirm` (kept the suggestion) or `override` (changed it).
    pub kind: String,
    pub actor: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// Staff's decision on triage. `None` fields keep the current (or suggested) value, which is then
/// recorded as confirmed.
#[derive(Debug, Clone, Default)]
pub struct TriageDecision {
    pub category: Option<String>,
    pub department: Option<String>,
    pub request_type: Option<String>,
    pub urgency: Option<String>,
    pub note: Option<String>,
}

/// Queue filters; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<String>,
    pub department: Option<String>,
    pub confirmed: Option<bool>,
    pub urgency: Option<String>,
    /// Only cases this unit leads or co-handles (a handler's view).
    pub unit_scope: Option<String>,
    pub order: QueueOrder,
}

/// The order of the staff queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueOrder {
    /// 特急 first, then 紧急, then the rest; newest first within each (the default: an urgent
    /// case is in front of the dispatcher the moment it arrives).
    #[default]
    Urgency,
    /// Newest first.
    Newest,
    /// Earliest reply deadline first; cases without one last.
    Due,
}

impl QueueOrder {
    fn sql(self) -> &'static str {
        match self {
            QueueOrder::Urgency => {
                "CASE COALESCE(urgency, suggested_urgency) WHEN '特急' THEN 0 WHEN '紧急' THEN 1 ELSE 2 END, \
                 received_at DESC, id DESC"
            }
            QueueOrder::Newest => "received_at DESC, id DESC",
            QueueOrder::Due => {
                "CASE WHEN reply_due IS NULL THEN 1 ELSE 0 END, reply_due ASC, id ASC"
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Result of an insert: the new case, or the existing one with the same external id.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredCase {
    Created(CaseNumber),
    Duplicate(String),
}

/// One case waiting for the writer task.
pub(crate) struct InsertJob {
    rec: NewCaseRecord,
    reply: tokio::sync::oneshot::Sender<Result<StoredCase, StoreError>>,
}

/// Most cases committed in one transaction.
const MAX_BATCH: usize = 64;

/// The writer task: takes every insert waiting in the queue (up to [`MAX_BATCH`]), commits them in
/// one transaction, then answers each. If the batch fails, each case is retried alone so that one
/// bad row fails alone.
pub(crate) async fn writer_loop(
    backend: Backend,
    mut jobs: tokio::sync::mpsc::Receiver<InsertJob>,
) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let recs: Vec<&NewCaseRecord> = batch.iter().map(|j| &j.rec).collect();
        match insert_batch(&backend, &recs).await {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            Err(_) if batch.len() > 1 => {
                for job in batch {
                    let result = insert_batch(&backend, &[&job.rec])
                        .await
                        .map(|mut v| v.remove(0));
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                let _ = batch.pop().expect("one job").reply.send(Err(e));
            }
        }
    }
}

/// Inserts cases with their numbers in one transaction: all are committed, numbered, with their
/// suggestions, or none is. Numbers are reserved with one counter update per year and the rows
/// go in with one multi-row INSERT: a statement costs a round trip to the database thread (SQLite)
/// or server (PostgreSQL), so a batch costs a handful of statements, not a few per case.
async fn insert_batch(
    backend: &Backend,
    recs: &[&NewCaseRecord],
) -> Result<Vec<StoredCase>, StoreError> {
    let store = Store {
        backend: backend.clone(),
        writer: dead_writer(),
    };
    dispatch!(store, pool => {
        let mut tx = pool.begin().await?;
        let mut results: Vec<Option<StoredCase>> = vec![None; recs.len()];
        for (i, rec) in recs.iter().enumerate() {
            if let Some(ext) = &rec.external_id {
                let existing: Option<(String,)> =
                    sqlx::query_as("SELECT case_number FROM cases WHERE external_id = $1")
                        .bind(ext)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((number,)) = existing {
                    results[i] = Some(StoredCase::Duplicate(number));
                }
            }
        }
        let fresh: Vec<usize> = (0..recs.len()).filter(|&i| results[i].is_none()).collect();
        let mut years: Vec<i32> = fresh.iter().map(|&i| recs[i].year).collect();
        years.sort_unstable();
        years.dedup();
        for year in years {
            let members: Vec<usize> = fresh.iter().copied().filter(|&i| recs[i].year == year).collect();
            let n = members.len() as i64;
            let (last,): (i64,) = sqlx::query_as(
                "INSERT INTO case_counters (year, last) VALUES ($1, $2) \
                 ON CONFLICT (year) DO UPDATE SET last = case_counters.last + $2 RETURNING last",
            )
            .bind(year)
            .bind(n)
            .fetch_one(&mut *tx)
            .await?;
            for (k, &i) in members.iter().enumerate() {
                results[i] = Some(StoredCase::Created(CaseNumber::new(year, last - n + 1 + k as i64)));
            }
        }
        if !fresh.is_empty() {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO cases (case_number, tracking_digest, external_id, title, body, channel, contact_name, \
                 contact_phone, contact_email, location, publish_consent, status, received_at, updated_at, \
                 suggested_category, suggested_department, suggested_confidence, suggested_uncertain, suggested_key_terms, \
                 suggested_type, suggested_urgency, model_version, reply_text, replied_at, first_response_due, reply_due, \
                 deadline_note, reply_published_at) ",
            );
            insert.push_values(fresh.iter(), |mut row, &i| {
                let rec = recs[i];
                let number = match &results[i] {
                    Some(StoredCase::Created(n)) => n.as_str().to_string(),
                    _ => unreachable!("every fresh case was numbered above"),
                };
                let s = rec.suggestion.as_ref();
                row.push_bind(number)
                    .push_bind(rec.tracking_digest.clone())
                    .push_bind(rec.external_id.clone())
                    .push_bind(rec.title.clone())
                    .push_bind(rec.body.clone())
                    .push_bind(rec.channel.clone())
                    .push_bind(rec.contact_name.clone())
                    .push_bind(rec.contact_phone.clone())
                    .push_bind(rec.contact_email.clone())
                    .push_bind(rec.location.clone())
                    .push_bind(rec.publish_consent)
                    .push_bind(rec.status.clone())
                    .push_bind(rec.received_at)
                    .push_bind(rec.received_at)
                    .push_bind(s.map(|s| s.category.clone()))
                    .push_bind(s.map(|s| s.department.clone()))
                    .push_bind(s.map(|s| s.confidence))
                    .push_bind(s.map(|s| s.uncertain))
                    .push_bind(s.map(|s| serde_json::to_string(&s.key_terms).expect("strings serialise")))
                    .push_bind(s.and_then(|s| s.request_type.clone()))
                    .push_bind(s.and_then(|s| s.urgency.clone()))
                    .push_bind(s.map(|s| s.model_version.clone()))
                    .push_bind(rec.reply_text.clone())
                    .push_bind(rec.replied_at)
                    .push_bind(rec.first_response_due)
                    .push_bind(rec.reply_due)
                    .push_bind(rec.deadline_note.clone())
                    // An imported reply was already public on the old board.
                    .push_bind(rec.reply_text.as_ref().and(rec.replied_at));
            });
            insert.build().execute(&mut *tx).await?;
            // The first line of every case's audit log, and for a 特急 message received here
            // (not imported) a notice to the dispatching office at once.
            let mut events = sqlx::QueryBuilder::new(
                "INSERT INTO case_events (case_id, at, actor, role, action, from_status, to_status, note) \
                 SELECT id, received_at, '系统', 'system', 'receive', NULL, status, '受理（' || channel || '）' \
                 FROM cases WHERE case_number IN (",
            );
            let mut sep = events.separated(", ");
            for &i in &fresh {
                if let Some(StoredCase::Created(n)) = &results[i] {
                    sep.push_bind(n.as_str().to_string());
                }
            }
            events.push(")");
            events.build().execute(&mut *tx).await?;
            let urgent: Vec<usize> = fresh
                .iter()
                .copied()
                .filter(|&i| {
                    recs[i].external_id.is_none()
                        && recs[i].suggestion.as_ref().and_then(|s| s.urgency.as_deref()) == Some("特急")
                })
                .collect();
            if !urgent.is_empty() {
                let mut notices = sqlx::QueryBuilder::new(
                    "INSERT INTO outbox (dedupe_key, kind, case_id, recipient, payload, created_at, available_at, attempts) ",
                );
                notices.push_values(urgent.iter(), |mut row, &i| {
                    let number = match &results[i] {
                        Some(StoredCase::Created(n)) => n.as_str().to_string(),
                        _ => unreachable!("every fresh case was numbered above"),
                    };
                    let payload = serde_json::json!({
                        "case_number": number,
                        "title": recs[i].title,
                        "text": "特急留言，请立即处置",
                    })
                    .to_string();
                    row.push_bind(format!("urgent:{number}"))
                        .push_bind("urgent_case")
                        .push("(SELECT id FROM cases WHERE case_number = ")
                        .push_bind_unseparated(number)
                        .push_unseparated(")")
                        .push_bind(crate::cases::OFFICE)
                        .push_bind(payload)
                        .push_bind(recs[i].received_at)
                        .push_bind(recs[i].received_at)
                        .push_bind(0i32);
                });
                notices.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(results.into_iter().map(|r| r.expect("every case has an outcome")).collect())
    })
}

/// A writer handle for internal `Store` values that never insert through the queue.
fn dead_writer() -> tokio::sync::mpsc::Sender<InsertJob> {
    tokio::sync::mpsc::channel(1).0
}

enum Param {
    Text(String),
    Bool(bool),
}

impl Store {
    /// Inserts a case and returns once it is committed. Inserts from concurrent requests are
    /// grouped into one transaction by the store's writer task (group commit): one commit (one
    /// WAL sync) for many cases, and no writers queuing on SQLite's lock.
    pub async fn insert_case(&self, rec: &NewCaseRecord) -> Result<StoredCase, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.writer
            .send(InsertJob {
                rec: rec.clone(),
                reply,
            })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub async fn case_by_number(&self, number: &CaseNumber) -> Result<CaseRecord, StoreError> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_number = $1");
        dispatch!(self, pool => {
            sqlx::query_as::<_, CaseRecord>(AssertSqlSafe(sql)).bind(number.as_str()).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    pub async fn case_by_tracking_digest(&self, digest: &str) -> Result<CaseRecord, StoreError> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE tracking_digest = $1");
        dispatch!(self, pool => {
            sqlx::query_as::<_, CaseRecord>(AssertSqlSafe(sql)).bind(digest).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The staff queue: newest first, filtered, paged (`page` from 1).
    pub async fn list_cases(
        &self,
        filter: &CaseFilter,
        page: u32,
        per_page: u32,
    ) -> Result<Page<CaseRecord>, StoreError> {
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        let mut add = |clause: &str, p: Param| {
            params.push(p);
            clauses.push(clause.replace('?', &format!("${}", params.len())));
        };
        if let Some(s) = &filter.status {
            add("status = ?", Param::Text(s.clone()));
        }
        if let Some(d) = &filter.department {
            // Before confirmation the suggestion is what routes the case.
            add(
                "COALESCE(department, suggested_department) = ?",
                Param::Text(d.clone()),
            );
        }
        if let Some(u) = &filter.unit_scope {
            add(
                "id IN (SELECT case_id FROM case_units WHERE unit = ?)",
                Param::Text(u.clone()),
            );
        }
        if let Some(c) = filter.confirmed {
            add("confirmed = ?", Param::Bool(c));
        }
        if let Some(u) = &filter.urgency {
            add(
                "COALESCE(urgency, suggested_urgency) = ?",
                Param::Text(u.clone()),
            );
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let count_sql = format!("SELECT COUNT(*) FROM cases{where_sql}");
        let n = params.len();
        // Sort and cut the narrow rows (ids and sort keys) first, then read the whole rows of
        // the one page only, instead of sorting every matching case with all its columns
        // (docs/benchmarks.md, `queue_page`).
        let list_sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE id IN (SELECT id FROM cases{where_sql} ORDER BY {order} LIMIT ${} OFFSET ${}) \
             ORDER BY {order}",
            n + 1,
            n + 2,
            order = filter.order.sql(),
        );
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        dispatch!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(count_sql));
            let mut list = sqlx::query_as::<_, CaseRecord>(AssertSqlSafe(list_sql));
            for p in &params {
                match p {
                    Param::Text(s) => { count = count.bind(s.clone()); list = list.bind(s.clone()); }
                    Param::Bool(b) => { count = count.bind(*b); list = list.bind(*b); }
                }
            }
            let (total,) = count.fetch_one(pool).await?;
            let items = list.bind(i64::from(per_page)).bind(offset).fetch_all(pool).await?;
            Ok(Page { items, total })
        })
    }

    /// Applies staff's triage decision and logs each field as confirmed or overridden, in one
    /// transaction. The row is locked (PostgreSQL `FOR UPDATE`; SQLite serialises writers) so two
    /// concurrent decisions cannot log against the same old value.
    pub async fn decide_triage(
        &self,
        number: &CaseNumber,
        decision: &TriageDecision,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<CaseRecord, StoreError> {
        let lock = match self.backend {
            super::Backend::Postgres(_) => " FOR UPDATE",
            super::Backend::Sqlite(_) => "",
        };
        let select = format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_number = $1{lock}");
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let current = sqlx::query_as::<_, CaseRecord>(AssertSqlSafe(select))
                .bind(number.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            let fields: [FieldDecision<'_>; 4] = [
                ("category", current.category.clone(), current.suggested_category.clone(), &decision.category),
                ("department", current.department.clone(), current.suggested_department.clone(), &decision.department),
                ("request_type", current.request_type.clone(), current.suggested_type.clone(), &decision.request_type),
                ("urgency", current.urgency.clone(), current.suggested_urgency.clone(), &decision.urgency),
            ];
            let mut new_values = Vec::with_capacity(4);
            for (field, confirmed_value, suggested, wanted) in fields {
                let old = confirmed_value.or(suggested);
                let new = wanted.clone().or_else(|| old.clone());
                if old.is_none() && new.is_none() {
                    new_values.push(None);
                    continue;
                }
                let kind = if old == new { "confirm" } else { "override" };
                sqlx::query(
                    "INSERT INTO corrections (case_id, field, old_value, new_value, kind, actor, note, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(current.id)
                .bind(field)
                .bind(&old)
                .bind(&new)
                .bind(kind)
                .bind(actor)
                .bind(&decision.note)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                new_values.push(new);
            }
            sqlx::query(
                "UPDATE cases SET category = $1, department = $2, request_type = $3, urgency = $4, confirmed = $5, \
                 confirmed_by = $6, confirmed_at = $7, updated_at = $7 WHERE id = $8",
            )
            .bind(&new_values[0])
            .bind(&new_values[1])
            .bind(&new_values[2])
            .bind(&new_values[3])
            .bind(true)
            .bind(actor)
            .bind(now)
            .bind(current.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        self.case_by_number(number).await
    }

    /// Replaces a case's deadlines (after its urgency changed).
    pub async fn set_deadlines(
        &self,
        case_id: i64,
        first_response_due: DateTime<Utc>,
        reply_due: Option<DateTime<Utc>>,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE cases SET first_response_due = $1, reply_due = $2, deadline_note = $3 WHERE id = $4")
                .bind(first_response_due)
                .bind(reply_due)
                .bind(note)
                .bind(case_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn corrections(&self, case_id: i64) -> Result<Vec<CorrectionRecord>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, CorrectionRecord>(
            "SELECT field, old_value, new_value, kind, actor, note, at FROM corrections WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(pool)
        .await?))
    }

    /// 部门回应: published replies of citizens who consented, newest first.
    pub async fn published_replies(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<Page<CaseRecord>, StoreError> {
        let cond =
            "publish_consent = $1 AND reply_published_at IS NOT NULL AND reply_text IS NOT NULL";
        let list_sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {cond} ORDER BY reply_published_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let count_sql = format!("SELECT COUNT(*) FROM cases WHERE {cond}");
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        dispatch!(self, pool => {
            let (total,): (i64,) = sqlx::query_as(AssertSqlSafe(count_sql)).bind(true).fetch_one(pool).await?;
            let items = sqlx::query_as::<_, CaseRecord>(AssertSqlSafe(list_sql))
                .bind(true)
                .bind(i64::from(per_page))
                .bind(offset)
                .fetch_all(pool)
                .await?;
            Ok(Page { items, total })
        })
    }

    /// Staff-confirmed categories with their messages, for retraining (`train --with-corrections`).
    pub async fn confirmed_categories(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, (String, String, String)>(
            "SELECT title, body, category FROM cases WHERE confirmed = $1 AND category IS NOT NULL ORDER BY id",
        )
        .bind(true)
        .fetch_all(pool)
        .await?))
    }

    /// The newest `limit` cases received at or after `since`, newest first (for hot topics):
    /// (case number, who — phone, e-mail, name or the case number itself —, title, body, received).
    pub async fn cases_since(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(String, String, String, String, DateTime<Utc>)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, (String, String, String, String, DateTime<Utc>)>(
            "SELECT case_number, COALESCE(contact_phone, contact_email, contact_name, case_number), title, body, received_at \
             FROM cases WHERE received_at >= $1 ORDER BY received_at DESC, id DESC LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }

    /// Case counts per status, for the queue-size metrics.
    pub async fn count_by_status(&self) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, (String, i64)>("SELECT status, COUNT(*) FROM cases GROUP BY status")
            .fetch_all(pool)
            .await?))
    }

    pub async fn count_cases(&self) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases").fetch_one(pool).await?;
            Ok(n)
        })
    }
}

/// The case-number year of a receipt time: the calendar year in China Standard Time (UTC+8), so
/// a message sent at 07:00 on 1 January local time counts in the new year.
pub fn case_year(received_at: DateTime<Utc>) -> i32 {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    received_at.with_timezone(&offset).year()
}
