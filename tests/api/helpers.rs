//! Spawning the application for a test, and running one test body against each database.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use wenzheng::classify::Triage;
use wenzheng::config::{FileConfig, Overrides, Settings};
use wenzheng::startup::Application;

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The model is loaded once for the whole test binary: every test app shares it, as the
/// instances of a deployment would each load the same file.
pub fn triage() -> Arc<Triage> {
    static TRIAGE: OnceLock<Arc<Triage>> = OnceLock::new();
    TRIAGE
        .get_or_init(|| {
            Arc::new(
                Triage::load(
                    &repo_path("models/department.wzm"),
                    &repo_path("models/departments.toml"),
                )
                .expect("model loads"),
            )
        })
        .clone()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: wenzheng::http::AppState,
    pub token: String,
    /// The database this app uses (`sqlite:…` or `postgres://…`).
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// A fresh PostgreSQL database for one test, or `None` (with a note) when PostgreSQL tests are off.
async fn fresh_postgres_url() -> Option<String> {
    let base = std::env::var("WENZHENG_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("randomness");
    let name = format!("wz_test_{}", hex::encode(bytes));
    let (admin, _) = base.rsplit_once('/').expect("URL ends in /DATABASE");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    Some(format!("{admin}/{name}"))
}

pub fn postgres_enabled() -> bool {
    let on = std::env::var("WENZHENG_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty());
    if !on {
        static NOTE: OnceLock<()> = OnceLock::new();
        NOTE.get_or_init(|| eprintln!("NOTE: PostgreSQL tests SKIPPED (set WENZHENG_TEST_DATABASE_URL=postgres://…/test to run them)"));
    }
    on
}

pub async fn spawn_app(db: Db) -> TestApp {
    let database_url = match db {
        Db::Sqlite => None,
        Db::Postgres => Some(
            fresh_postgres_url()
                .await
                .expect("PostgreSQL tests enabled"),
        ),
    };
    spawn_app_on(database_url).await
}

/// A fresh PostgreSQL database URL (PostgreSQL tests must be enabled).
pub async fn fresh_postgres_database() -> String {
    fresh_postgres_url()
        .await
        .expect("PostgreSQL tests enabled")
}

/// An app with its own data directory on the given database (`None`: a new SQLite file in the
/// data directory). Two apps on one PostgreSQL database are two instances of one deployment.
pub async fn spawn_app_on(database_url: Option<String>) -> TestApp {
    wenzheng::telemetry::init_logging(false);
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings::resolve(
        FileConfig::default(),
        Overrides {
            bind: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.path().to_path_buf()),
            database_url,
            no_demo_data: true,
            ..Default::default()
        },
    )
    .expect("settings");
    let database_url = settings.database_url.clone();
    // Tests run the reminder scan and the outbox delivery themselves, at the times they choose.
    let settings = Settings {
        jobs: wenzheng::config::JobsConfig {
            enabled: false,
            ..Default::default()
        },
        // Tests send many messages from one address; the limit has its own test (web.rs).
        rate_limit: wenzheng::config::RateLimitConfig {
            messages_per_minute: 0,
            ..Default::default()
        },
        ..settings
    };
    let app = Application::build(&settings, Some(triage()))
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    let token = "wz_test_token_for_dispatcher".to_string();
    // A second instance on the same database finds the token there already.
    let _ = state
        .store
        .add_staff_token(
            "测试调度员",
            "dispatcher",
            None,
            &wenzheng::http::token_digest(&token),
            None,
            None,
            chrono::Utc::now(),
        )
        .await;
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        state,
        token,
        database_url,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn staff_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request sent")
    }

    /// Imports a CSV/XLSX file into this app's database, as `wenzheng import` does.
    pub async fn import(
        &self,
        path: &std::path::Path,
    ) -> anyhow::Result<wenzheng::intake::ImportSummary> {
        wenzheng::intake::import_file(
            &self.state.store,
            &triage(),
            &self.state.rules,
            path,
            None,
            chrono::Utc::now(),
            |_, _| {},
        )
        .await
    }

    /// GET without credentials, answer parsed as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON answer")
    }

    /// GET without credentials, answer as text.
    pub async fn get_text(&self, path: &str) -> String {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
            .text()
            .await
            .expect("text answer")
    }

    /// GET with the staff token, answer parsed as JSON.
    pub async fn staff_json(&self, path: &str) -> serde_json::Value {
        self.staff_get(path)
            .await
            .json()
            .await
            .expect("JSON answer")
    }

    pub async fn staff_post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// A bearer token for a new member of staff with `role` (and `unit` for handlers).
    pub async fn token_for(&self, name: &str, role: &str, unit: Option<&str>) -> String {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("randomness");
        let token = format!("wz_test_{role}_{}", hex::encode(bytes));
        self.state
            .store
            .add_staff_token(
                name,
                role,
                unit,
                &wenzheng::http::token_digest(&token),
                None,
                None,
                chrono::Utc::now(),
            )
            .await
            .expect("token stored");
        token
    }

    /// POST JSON with the given bearer token.
    pub async fn post_as(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// GET with the given bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// Submits a valid message and returns the receipt JSON.
    pub async fn submit(&self, title: &str, body: &str) -> serde_json::Value {
        let r = self
            .post_json(
                "/api/v1/messages",
                &serde_json::json!({
                    "title": title, "body": body, "channel": "web",
                    "contact": {"name": "张三", "phone": "13812345678"}, "publish_consent": true
                }),
            )
            .await;
        assert_eq!(r.status(), 201);
        r.json().await.expect("receipt JSON")
    }
}

/// Takes a workflow action through the API and returns the case view; fails the test unless 200.
pub async fn act(
    app: &TestApp,
    token: &str,
    number: &str,
    action: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let (status, v) = act_status(app, token, number, action, body).await;
    assert_eq!(status, 200, "{action} on {number}: {v}");
    v
}

/// Takes a workflow action through the API: the status code and the JSON answer.
pub async fn act_status(
    app: &TestApp,
    token: &str,
    number: &str,
    action: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let r = app
        .post_as(
            token,
            &format!("/api/v1/cases/{number}/actions/{action}"),
            &body,
        )
        .await;
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON"))
}

/// Declares one `#[tokio::test]` per database for an `async fn(TestApp)` test body.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::spawn_app($crate::helpers::Db::Sqlite).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if !$crate::helpers::postgres_enabled() {
                        return;
                    }
                    super::$name($crate::helpers::spawn_app($crate::helpers::Db::Postgres).await).await;
                }
            )*
        }
    };
}
