//! Storage: the only module with SQL. One [`Store`] serves SQLite (the embedded default) and
//! PostgreSQL (several service instances sharing one database) through sqlx.
//!
//! Both back ends run the same SQL text wherever the dialects agree (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`), written once through the [`dispatch!`] macro; the schemas differ
//! only in types (`TEXT` timestamps in SQLite, `TIMESTAMPTZ` in PostgreSQL) and live in
//! `migrations/sqlite` and `migrations/postgres`, embedded in the binary and applied at start.

mod cases;
mod migrate;
mod outbox;
mod people;
mod reports;
mod search;
mod tokens;
mod workflow;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use cases::{
    CaseFilter, CaseRecord, CorrectionRecord, NewCaseRecord, Page, QueueOrder, StoredCase,
    TriageDecision, TriageSuggestion, case_year,
};
pub use outbox::Notice;
pub use people::{UnitRecord, UserRecord};
pub use reports::{TopicCaseRow, WarningRecord};
pub use search::{FaqFields, FaqRecord, SearchCaseRow, SearchChange};
pub use tokens::StaffIdentity;
pub use workflow::{CaseUnit, DeadlineRow, EventRecord, InstructionRecord, Reminder};

/// Runs the same block against whichever pool the store holds. Inside the block `$pool` is a
/// `&SqlitePool` or a `&PgPool`; the code is type-checked once for each.
macro_rules! dispatch {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            crate::store::Backend::Sqlite($pool) => $body,
            crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use dispatch;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A value the caller sent does not fit what is stored (an unknown unit, a case that cannot
    /// be a main case…): the client's error, reported with the field.
    #[error("{field}: {message}")]
    Rejected {
        field: &'static str,
        message: String,
    },
    #[error("the store is closed")]
    Closed,
    #[error("database URL {0:?} is not sqlite:… or postgres://…")]
    BadUrl(String),
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
}

#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle on the database; cheap to clone (pools and the writer queue are shared).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    /// Queue of the group-commit writer task (see `cases::writer_loop`).
    pub(crate) writer: tokio::sync::mpsc::Sender<cases::InsertJob>,
}

impl std::fmt::Debug for cases::InsertJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InsertJob")
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url` — `sqlite:PATH` or `postgres://…` — and
    /// applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Backend::Postgres(pool)
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Self::sqlite(Path::new(path)).await?
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let (writer, jobs) = tokio::sync::mpsc::channel(1024);
        let store = Store {
            backend: backend.clone(),
            writer,
        };
        migrate::run(&store).await?;
        tokio::spawn(cases::writer_loop(backend, jobs));
        Ok(store)
    }

    /// SQLite in WAL mode with `synchronous = NORMAL`: a committed transaction is in the WAL file
    /// before the call returns, so it survives the process being killed (kill -9); only an OS
    /// crash or power loss can lose the last commits. Writes are serialised by SQLite itself.
    async fn sqlite(path: &Path) -> Result<Backend, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        Ok(Backend::Sqlite(pool))
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// A trivial round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?; });
        Ok(())
    }

    pub async fn close(&self) {
        dispatch!(self, pool => pool.close().await);
    }
}
