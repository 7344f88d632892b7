//! Staff credentials: bearer tokens, stored as SHA-256 digests.
//!
//! Tokens are 32 random bytes, so a fast hash is enough (there is no dictionary to attack, unlike
//! a password); password login with argon2 comes with the roles of the workflow.

use chrono::{DateTime, Utc};

use super::{Store, StoreError, dispatch};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffIdentity {
    pub name: String,
    pub role: String,
}

impl Store {
    pub async fn add_staff_token(
        &self,
        name: &str,
        role: &str,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("INSERT INTO staff_tokens (name, role, token_digest, created_at, revoked) VALUES ($1, $2, $3, $4, $5)")
                .bind(name)
                .bind(role)
                .bind(digest)
                .bind(now)
                .bind(false)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn staff_by_token_digest(
        &self,
        digest: &str,
    ) -> Result<Option<StaffIdentity>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, StaffIdentity>(
            "SELECT name, role FROM staff_tokens WHERE token_digest = $1 AND revoked = $2",
        )
        .bind(digest)
        .bind(false)
        .fetch_optional(pool)
        .await?))
    }
}
