//! Units (承办单位) and the people who log in: data the admin edits, not configuration.

use chrono::{DateTime, Utc};

use super::{Store, StoreError, dispatch};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct UnitRecord {
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: Option<String>,
    pub password_hash: String,
    pub active: bool,
}

fn unique_violation(e: sqlx::Error, what: String) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

impl Store {
    pub async fn list_units(&self) -> Result<Vec<UnitRecord>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, UnitRecord>("SELECT name, active FROM units ORDER BY name")
            .fetch_all(pool)
            .await?))
    }

    /// Adds a unit, or does nothing if it exists (`ensure`), or fails with a conflict.
    pub async fn add_unit(
        &self,
        name: &str,
        ensure: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = if ensure {
            "INSERT INTO units (name, active, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING"
        } else {
            "INSERT INTO units (name, active, created_at) VALUES ($1, $2, $3)"
        };
        dispatch!(self, pool => {
            sqlx::query(sql)
                .bind(name)
                .bind(true)
                .bind(now)
                .execute(pool)
                .await
                .map_err(|e| unique_violation(e, format!("unit {name:?} exists")))?;
        });
        Ok(())
    }

    pub async fn set_unit_active(&self, name: &str, active: bool) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            let n = sqlx::query("UPDATE units SET active = $1 WHERE name = $2")
                .bind(active)
                .bind(name)
                .execute(pool)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
        });
        Ok(())
    }

    pub async fn unit_is_active(&self, name: &str) -> Result<bool, StoreError> {
        dispatch!(self, pool => {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM units WHERE name = $1 AND active = $2")
                .bind(name)
                .bind(true)
                .fetch_one(pool)
                .await?;
            Ok(n > 0)
        })
    }

    pub async fn add_user(
        &self,
        username: &str,
        display_name: &str,
        role: &str,
        unit: Option<&str>,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO users (username, display_name, role, unit, password_hash, active, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(username)
            .bind(display_name)
            .bind(role)
            .bind(unit)
            .bind(password_hash)
            .bind(true)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(|e| unique_violation(e, format!("user {username:?} exists")))?;
            Ok(id)
        })
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, UserRecord>(
            "SELECT id, username, display_name, role, unit, password_hash, active FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(pool)
        .await?))
    }

    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as::<_, UserRecord>(
            "SELECT id, username, display_name, role, unit, password_hash, active FROM users ORDER BY username",
        )
        .fetch_all(pool)
        .await?))
    }

    /// Changes a user's role, unit, active flag or password hash (`None` keeps the value). A
    /// deactivated user's sessions stop working at once (token lookups check the user).
    pub async fn update_user(
        &self,
        username: &str,
        role: Option<&str>,
        unit: Option<Option<&str>>,
        active: Option<bool>,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE users SET role = COALESCE($1, role), active = COALESCE($2, active), \
                 password_hash = COALESCE($3, password_hash) WHERE username = $4",
            )
            .bind(role)
            .bind(active)
            .bind(password_hash)
            .bind(username)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            if let Some(unit) = unit {
                sqlx::query("UPDATE users SET unit = $1 WHERE username = $2")
                    .bind(unit)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
