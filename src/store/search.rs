//! What the search indexes read: the change sequence (`search_changes`, filled by triggers on
//! `cases` and `faq_entries`), the indexed view of cases and FAQ entries, and the FAQ itself.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::{Store, StoreError, dispatch};

/// One row of the change sequence: entity `case` or `faq` with its id changed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SearchChange {
    pub seq: i64,
    pub entity: String,
    pub entity_id: i64,
}

/// A case as the search index sees it (no contact details but the name, which is only used to
/// mask it in public copies).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SearchCaseRow {
    pub id: i64,
    pub case_number: String,
    pub title: String,
    pub body: String,
    pub reply_text: Option<String>,
    /// Confirmed department, or the suggestion while unconfirmed.
    pub unit: Option<String>,
    pub category: Option<String>,
    pub request_type: Option<String>,
    pub urgency: Option<String>,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub replied_at: Option<DateTime<Utc>>,
    pub publish_consent: bool,
    pub reply_published_at: Option<DateTime<Utc>>,
    pub merged_into: Option<i64>,
    pub contact_name: Option<String>,
    pub location: Option<String>,
}

impl SearchCaseRow {
    /// Public = the citizen consented, the reply is published, and the case was not merged into
    /// another (the main case carries the answer).
    pub fn is_public(&self) -> bool {
        self.publish_consent && self.reply_published_at.is_some() && self.merged_into.is_none()
    }
}

const SEARCH_CASE_COLUMNS: &str = "id, case_number, title, body, reply_text, \
    COALESCE(department, suggested_department) AS unit, COALESCE(category, suggested_category) AS category, \
    COALESCE(request_type, suggested_type) AS request_type, COALESCE(urgency, suggested_urgency) AS urgency, \
    status, received_at, replied_at, publish_consent, reply_published_at, merged_into, contact_name, location";

/// One FAQ entry (常见问题).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FaqRecord {
    pub id: i64,
    pub question: String,
    pub answer: String,
    pub unit: Option<String>,
    /// JSON array of strings.
    pub tags: String,
    /// `active` or `retired`.
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl FaqRecord {
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

/// The editable part of an FAQ entry.
#[derive(Debug, Clone)]
pub struct FaqFields {
    pub question: String,
    pub answer: String,
    pub unit: Option<String>,
    pub tags: Vec<String>,
}

const FAQ_COLUMNS: &str =
    "id, question, answer, unit, tags, status, created_by, created_at, updated_by, updated_at";

impl Store {
    /// Changes with `seq > after`, oldest first, at most `limit`.
    pub async fn search_changes_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<SearchChange>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, SearchChange>(
            "SELECT seq, entity, entity_id FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }

    /// The lowest and highest seq still kept (`None` when nothing was ever recorded).
    pub async fn search_change_bounds(&self) -> Result<Option<(i64, i64)>, StoreError> {
        dispatch!(self, pool => {
            let (lo, hi): (Option<i64>, Option<i64>) =
                sqlx::query_as("SELECT MIN(seq), MAX(seq) FROM search_changes")
                    .fetch_one(pool)
                    .await?;
            Ok(lo.zip(hi))
        })
    }

    /// Forgets changes recorded before `before`, always keeping the newest row so that an index
    /// that fell further behind can tell (its seq is below the oldest kept one) and rebuild.
    pub async fn prune_search_changes(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        dispatch!(self, pool => {
            let r = sqlx::query(
                "DELETE FROM search_changes WHERE changed_at < $1 AND seq < (SELECT MAX(seq) FROM search_changes)",
            )
            .bind(before)
            .execute(pool)
            .await?;
            Ok(r.rows_affected())
        })
    }

    /// The cases with these ids (missing ids are simply absent).
    pub async fn search_cases_by_ids(&self, ids: &[i64]) -> Result<Vec<SearchCaseRow>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            // The list holds integers we formatted ourselves: no injection is possible.
            let sql = format!("SELECT {SEARCH_CASE_COLUMNS} FROM cases WHERE id IN ({list})");
            dispatch!(self, pool => {
                out.extend(sqlx::query_as::<_, SearchCaseRow>(AssertSqlSafe(sql)).fetch_all(pool).await?);
            });
        }
        Ok(out)
    }

    /// One page of all cases in id order (`id > after_id`), for rebuilding an index.
    pub async fn search_cases_page(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<SearchCaseRow>, StoreError> {
        let sql =
            format!("SELECT {SEARCH_CASE_COLUMNS} FROM cases WHERE id > $1 ORDER BY id LIMIT $2");
        dispatch!(self, pool => Ok(sqlx::query_as::<_, SearchCaseRow>(AssertSqlSafe(sql))
            .bind(after_id)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }

    /// The id of a case by its number.
    pub async fn case_id_by_number(&self, number: &str) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM cases WHERE case_number = $1")
                .bind(number)
                .fetch_optional(pool)
                .await?;
            row.map(|r| r.0).ok_or(StoreError::NotFound)
        })
    }

    /// The cases merged with `case_id` (并单): those merged into it, the case it is merged into,
    /// and that case's other merged cases. Never contains `case_id` itself.
    pub async fn merge_group(&self, case_id: i64) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<(i64,)> = sqlx::query_as(
                "SELECT id FROM cases WHERE merged_into = $1 \
                 UNION SELECT merged_into FROM cases WHERE id = $1 AND merged_into IS NOT NULL \
                 UNION SELECT id FROM cases WHERE merged_into = (SELECT merged_into FROM cases WHERE id = $1)",
            )
            .bind(case_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).filter(|&id| id != case_id).collect())
        })
    }

    /// Replies imported from the old board were public there: mark them published. Rows loaded
    /// after migration 0003 (which did the same for rows present then) need this after an import.
    pub async fn publish_imported_replies(&self) -> Result<u64, StoreError> {
        dispatch!(self, pool => {
            let r = sqlx::query(
                "UPDATE cases SET reply_published_at = replied_at WHERE external_id IS NOT NULL \
                 AND reply_text IS NOT NULL AND replied_at IS NOT NULL AND reply_published_at IS NULL",
            )
            .execute(pool)
            .await?;
            Ok(r.rows_affected())
        })
    }

    pub async fn create_faq(
        &self,
        fields: &FaqFields,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<FaqRecord, StoreError> {
        let sql = format!(
            "INSERT INTO faq_entries (question, answer, unit, tags, status, created_by, created_at, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, 'active', $5, $6, $5, $6) RETURNING {FAQ_COLUMNS}"
        );
        let tags = serde_json::to_string(&fields.tags).expect("strings serialise");
        dispatch!(self, pool => Ok(sqlx::query_as::<_, FaqRecord>(AssertSqlSafe(sql))
            .bind(&fields.question)
            .bind(&fields.answer)
            .bind(&fields.unit)
            .bind(tags)
            .bind(actor)
            .bind(now)
            .fetch_one(pool)
            .await?))
    }

    pub async fn update_faq(
        &self,
        id: i64,
        fields: &FaqFields,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<FaqRecord, StoreError> {
        let sql = format!(
            "UPDATE faq_entries SET question = $1, answer = $2, unit = $3, tags = $4, updated_by = $5, updated_at = $6 \
             WHERE id = $7 RETURNING {FAQ_COLUMNS}"
        );
        let tags = serde_json::to_string(&fields.tags).expect("strings serialise");
        dispatch!(self, pool => sqlx::query_as::<_, FaqRecord>(AssertSqlSafe(sql))
            .bind(&fields.question)
            .bind(&fields.answer)
            .bind(&fields.unit)
            .bind(tags)
            .bind(actor)
            .bind(now)
            .bind(id)
            .fetch_optional(pool)
            .await?)
        .ok_or(StoreError::NotFound)
    }

    /// Retires an entry (it leaves the public search; the row stays for the record).
    pub async fn retire_faq(
        &self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<FaqRecord, StoreError> {
        let sql = format!(
            "UPDATE faq_entries SET status = 'retired', updated_by = $1, updated_at = $2 WHERE id = $3 RETURNING {FAQ_COLUMNS}"
        );
        dispatch!(self, pool => sqlx::query_as::<_, FaqRecord>(AssertSqlSafe(sql))
            .bind(actor)
            .bind(now)
            .bind(id)
            .fetch_optional(pool)
            .await?)
        .ok_or(StoreError::NotFound)
    }

    /// FAQ entries, newest first; `status` filters (`active` / `retired`) when given.
    pub async fn list_faq(
        &self,
        status: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<super::Page<FaqRecord>, StoreError> {
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        let (where_sql, count_sql) = if status.is_some() {
            (
                " WHERE status = $1",
                "SELECT COUNT(*) FROM faq_entries WHERE status = $1",
            )
        } else {
            (
                " WHERE $1 = $1",
                "SELECT COUNT(*) FROM faq_entries WHERE $1 = $1",
            )
        };
        let list_sql = format!(
            "SELECT {FAQ_COLUMNS} FROM faq_entries{where_sql} ORDER BY id DESC LIMIT $2 OFFSET $3"
        );
        let s = status.unwrap_or("").to_string();
        dispatch!(self, pool => {
            let (total,): (i64,) = sqlx::query_as(count_sql).bind(&s).fetch_one(pool).await?;
            let items = sqlx::query_as::<_, FaqRecord>(AssertSqlSafe(list_sql))
                .bind(&s)
                .bind(i64::from(per_page))
                .bind(offset)
                .fetch_all(pool)
                .await?;
            Ok(super::Page { items, total })
        })
    }

    pub async fn faq_by_ids(&self, ids: &[i64]) -> Result<Vec<FaqRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        // Integers we formatted ourselves.
        let sql = format!("SELECT {FAQ_COLUMNS} FROM faq_entries WHERE id IN ({list})");
        dispatch!(self, pool => Ok(sqlx::query_as::<_, FaqRecord>(AssertSqlSafe(sql)).fetch_all(pool).await?))
    }

    /// One page of all FAQ entries in id order, for rebuilding an index.
    pub async fn faq_page(&self, after_id: i64, limit: i64) -> Result<Vec<FaqRecord>, StoreError> {
        let sql =
            format!("SELECT {FAQ_COLUMNS} FROM faq_entries WHERE id > $1 ORDER BY id LIMIT $2");
        dispatch!(self, pool => Ok(sqlx::query_as::<_, FaqRecord>(AssertSqlSafe(sql))
            .bind(after_id)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }
}
