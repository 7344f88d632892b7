//! Embedded schema migrations, one list per back end, applied in order at start.
//!
//! A small runner of our own instead of `sqlx::migrate!`: it needs no compile-time database or
//! macros feature, and the two lists must stay in step (same versions), which a test checks.

use super::{Store, StoreError, dispatch};

const SQLITE: &[(i64, &str, &str)] = &[
    (1, "cases", include_str!("migrations/sqlite/0001_cases.sql")),
    (
        2,
        "deadlines",
        include_str!("migrations/sqlite/0002_deadlines.sql"),
    ),
    (
        3,
        "workflow",
        include_str!("migrations/sqlite/0003_workflow.sql"),
    ),
    (
        4,
        "search",
        include_str!("migrations/sqlite/0004_search.sql"),
    ),
    (
        6,
        "supervision",
        include_str!("migrations/sqlite/0006_supervision.sql"),
    ),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "cases",
        include_str!("migrations/postgres/0001_cases.sql"),
    ),
    (
        2,
        "deadlines",
        include_str!("migrations/postgres/0002_deadlines.sql"),
    ),
    (
        3,
        "workflow",
        include_str!("migrations/postgres/0003_workflow.sql"),
    ),
    (
        4,
        "search",
        include_str!("migrations/postgres/0004_search.sql"),
    ),
    (
        6,
        "supervision",
        include_str!("migrations/postgres/0006_supervision.sql"),
    ),
];

pub async fn run(store: &Store) -> Result<(), StoreError> {
    let list = match store.backend {
        super::Backend::Sqlite(_) => SQLITE,
        super::Backend::Postgres(_) => POSTGRES,
    };
    dispatch!(store, pool => {
        sqlx::query("CREATE TABLE IF NOT EXISTS wz_schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
            .execute(pool)
            .await?;
        for &(version, name, sql) in list {
            let mut tx = pool.begin().await?;
            // Several instances may start at once on one PostgreSQL: the insert doubles as a lock.
            // A second instance's insert waits for the first transaction, then inserts nothing
            // (the version exists) and skips the migration.
            let claimed = sqlx::query("INSERT INTO wz_schema_migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING")
                .bind(version)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(|source| StoreError::Migration { version, source })?
                .rows_affected();
            if claimed == 0 {
                tx.rollback().await?;
                continue;
            }
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await.map_err(|source| StoreError::Migration { version, source })?;
            tx.commit().await.map_err(|source| StoreError::Migration { version, source })?;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_back_ends_have_the_same_versions() {
        let a: Vec<i64> = super::SQLITE.iter().map(|m| m.0).collect();
        let b: Vec<i64> = super::POSTGRES.iter().map(|m| m.0).collect();
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
    }
}
