//! Staff credentials: bearer tokens, stored as SHA-256 digests. Tokens come from
//! `wenzheng token add` (API clients) or from a password login (sessions, which expire).
//!
//! Tokens are 32 random bytes, so a fast hash is enough (there is no dictionary to attack, unlike
//! a password, which is hashed with argon2).

use chrono::{DateTime, Utc};

use super::{Store, StoreError, dispatch};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffIdentity {
    pub name: String,
    pub role: String,
    /// A handler's unit.
    pub unit: Option<String>,
}

impl Store {
    /// Stores a token digest. `user_id` and `expires_at` are set for login sessions.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_staff_token(
        &self,
        name: &str,
        role: &str,
        unit: Option<&str>,
        digest: &str,
        user_id: Option<i64>,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query(
                "INSERT INTO staff_tokens (name, role, unit, token_digest, user_id, expires_at, created_at, revoked) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(name)
            .bind(role)
            .bind(unit)
            .bind(digest)
            .bind(user_id)
            .bind(expires_at)
            .bind(now)
            .bind(false)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The staff member a token belongs to, if it is valid at `now`. For login sessions the
    /// role and unit are the user's current ones, and a deactivated user has no valid session.
    pub async fn staff_by_token_digest(
        &self,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffIdentity>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, StaffIdentity>(
            "SELECT COALESCE(u.display_name, t.name) AS name, COALESCE(u.role, t.role) AS role, \
             CASE WHEN u.id IS NULL THEN t.unit ELSE u.unit END AS unit \
             FROM staff_tokens t LEFT JOIN users u ON u.id = t.user_id \
             WHERE t.token_digest = $1 AND t.revoked = $2 AND (t.expires_at IS NULL OR t.expires_at > $3) \
             AND (u.id IS NULL OR u.active = $4)",
        )
        .bind(digest)
        .bind(false)
        .bind(now)
        .bind(true)
        .fetch_optional(pool)
        .await?))
    }

    pub async fn revoke_staff_token(&self, digest: &str) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE staff_tokens SET revoked = $1 WHERE token_digest = $2")
                .bind(true)
                .bind(digest)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
