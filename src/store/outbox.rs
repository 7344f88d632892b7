//! The notification outbox: notices are written in the same transaction as the change that
//! causes them, then delivered by a sender task. A notice is claimed with a lease before it is
//! sent (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances sharing the database never claim the
//! same row; SQLite: one writer at a time), and marked sent by the claimant only.

use chrono::{DateTime, Duration, Utc};

use super::{Backend, Store, StoreError, dispatch};

/// A notice to deliver.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Notice {
    pub id: i64,
    /// Stable across retries: receivers use it to drop a repeat delivery.
    pub dedupe_key: String,
    pub kind: String,
    pub case_id: Option<i64>,
    pub recipient: String,
    /// JSON: case_number, title, text.
    pub payload: String,
    pub attempts: i32,
}

impl Store {
    /// Claims up to `limit` deliverable notices for `worker` for `lease`.
    pub async fn claim_notices(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Notice>, StoreError> {
        let skip_locked = match self.backend {
            Backend::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite(_) => "",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND available_at <= $3 \
             AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY id LIMIT $4{skip_locked}) \
             RETURNING id, dedupe_key, kind, case_id, recipient, payload, attempts"
        );
        dispatch!(self, pool => {
            let mut rows = sqlx::query_as::<_, Notice>(sqlx::AssertSqlSafe(sql))
                .bind(worker)
                .bind(now + lease)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.sort_by_key(|n| n.id);
            Ok(rows)
        })
    }

    /// Marks a claimed notice sent. Returns false if the claim had been lost (lease expired and
    /// another worker took it), so the caller can log the possible repeat.
    pub async fn mark_notice_sent(
        &self,
        id: i64,
        worker: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, pool => {
            let n = sqlx::query("UPDATE outbox SET sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2 AND claimed_by = $3 AND sent_at IS NULL")
                .bind(now)
                .bind(id)
                .bind(worker)
                .execute(pool)
                .await?
                .rows_affected();
            Ok(n == 1)
        })
    }

    /// Releases a notice whose delivery failed, to be retried at `retry_at`.
    pub async fn mark_notice_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, available_at = $1, last_error = $2 WHERE id = $3 AND claimed_by = $4")
                .bind(retry_at)
                .bind(error)
                .bind(id)
                .bind(worker)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Notices of one case (for the staff case view and tests): (kind, recipient, sent).
    pub async fn case_notices(
        &self,
        case_id: i64,
    ) -> Result<Vec<(String, String, bool)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, (String, String, bool)>(
            "SELECT kind, recipient, sent_at IS NOT NULL FROM outbox WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(pool)
        .await?))
    }

    /// Undelivered notices (for /readyz-style monitoring and tests).
    pub async fn pending_notice_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetch_one(pool).await?;
            Ok(n)
        })
    }
}
