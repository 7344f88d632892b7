//! `wenzheng serve`, `wenzheng import`, `wenzheng token add`: the commands that open the database.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::classify::Triage;
use crate::config::{FileConfig, Overrides, Settings};
use crate::startup::Application;
use crate::store::Store;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct StorageArgs {
    /// Data directory (the SQLite database lives inside it).
    #[arg(long, env = "WENZHENG_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://USER@HOST/DB (default: SQLite in the data directory).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Configuration file (TOML); flags and environment variables override it.
    #[arg(long, env = "WENZHENG_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "WENZHENG_BIND")]
    pub bind: Option<String>,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Department model file (default models/department.wzm).
    #[arg(long, env = "WENZHENG_MODEL")]
    pub model: Option<PathBuf>,
    /// Label → department mapping (default models/departments.toml).
    #[arg(long, env = "WENZHENG_DEPARTMENTS")]
    pub departments: Option<PathBuf>,
    /// Do not load demo cases into an empty database.
    #[arg(long)]
    pub no_demo_data: bool,
    /// Log as JSON lines.
    #[arg(long, env = "WENZHENG_LOG_JSON")]
    pub log_json: bool,
    /// Messages one client address may leave per minute (0: no limit; default 20).
    #[arg(long, env = "WENZHENG_MESSAGES_PER_MINUTE")]
    pub messages_per_minute: Option<u32>,
}

pub(super) fn settings(
    storage: &StorageArgs,
    mut overrides: Overrides,
) -> anyhow::Result<Settings> {
    let file = match &storage.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    overrides.data_dir = storage.data_dir.clone();
    overrides.database_url = storage.database_url.clone();
    Settings::resolve(file, overrides)
}

/// Settings from the storage flags, the config file and the environment.
pub(super) fn open_settings(storage: &StorageArgs) -> anyhow::Result<Settings> {
    settings(storage, Overrides::default())
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let settings = settings(
        &args.storage,
        Overrides {
            bind: args.bind,
            model: args.model,
            departments: args.departments,
            no_demo_data: args.no_demo_data,
            log_json: args.log_json,
            messages_per_minute: args.messages_per_minute,
            ..Default::default()
        },
    )?;
    crate::telemetry::init_logging(settings.log_json);
    runtime()?.block_on(async {
        let app = Application::build(&settings, None).await?;
        let addr = app.listener.local_addr()?;
        // Printed on stdout (not only logged) so scripts and tests can find a port-0 address.
        println!("wenzheng listening on http://{addr}");
        tracing::info!(%addr, database = app.state.store.backend_name(), model = %app.state.triage.department.version, "listening");
        app.run_until_stopped().await
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// CSV or XLSX file with columns 留言编号, 留言主题, 留言详情 (and optionally 留言用户, 留言时间, 答复意见, 答复时间).
    pub file: PathBuf,
    #[command(flatten)]
    pub storage: StorageArgs,
    #[command(flatten)]
    pub models: super::ModelArgs,
    /// Import at most this many rows.
    #[arg(long)]
    pub limit: Option<usize>,
}

pub fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let settings = settings(&args.storage, Overrides::default())?;
    if settings.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let triage = Arc::new(
        Triage::load(&args.models.model, &args.models.departments)?
            .with_urgent_recall(settings.urgent_recall)?,
    );
    let rules = settings.case_rules()?;
    let summary = runtime()?.block_on(async {
        let store = Store::connect(&settings.database_url)
            .await
            .context("opening the database")?;
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} rows [{elapsed}]")
                .expect("static template"),
        );
        let s = crate::intake::import_file(
            &store,
            &triage,
            &rules,
            &args.file,
            args.limit,
            chrono::Utc::now(),
            |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            },
        )
        .await;
        bar.finish_and_clear();
        store.close().await;
        s
    })?;
    for (line, reason) in &summary.rejected {
        println!("rejected line {line}: {reason}");
    }
    println!(
        "imported {}: {} loaded, {} already present, {} rejected",
        args.file.display(),
        summary.loaded,
        summary.duplicates,
        summary.rejected.len()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a staff API token and print it (only its hash is stored).
    Add {
        /// Who the token belongs to (shown in the corrections log).
        #[arg(long)]
        name: String,
        /// Role: dispatcher, handler, reviewer, leader, supervisor or admin.
        #[arg(long, default_value = "dispatcher")]
        role: String,
        /// The unit of a handler (required for handlers, refused for other roles).
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Create a person who logs in with a password (e.g. the first admin). The password is read
    /// from the WENZHENG_PASSWORD environment variable, or else from the first line of stdin.
    Add {
        #[arg(long)]
        username: String,
        /// Name shown in the audit log (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// dispatcher, handler, reviewer, leader, supervisor or admin.
        #[arg(long)]
        role: String,
        /// The unit of a handler.
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

pub fn user(cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let UserCommand::Add {
        username,
        name,
        role,
        unit,
        storage,
    } = cmd;
    let password = match std::env::var("WENZHENG_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let settings = settings(&storage, Overrides::default())?;
    if settings.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let departments = crate::classify::DepartmentMap::load(&settings.departments)?;
    let id = runtime()?.block_on(async {
        let store = Store::connect(&settings.database_url)
            .await
            .context("opening the database")?;
        crate::startup::ensure_units(&store, &departments).await?;
        let id = crate::workflow::people::add_user(
            &store,
            crate::workflow::people::NewUser {
                display_name: name.unwrap_or_else(|| username.clone()),
                username,
                role,
                unit,
                password,
            },
            chrono::Utc::now(),
        )
        .await?;
        store.close().await;
        anyhow::Ok(id)
    })?;
    println!("user {id} created");
    Ok(ExitCode::SUCCESS)
}

pub fn token(cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let TokenCommand::Add {
        name,
        role,
        unit,
        storage,
    } = cmd;
    anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
    let departments = {
        let s = settings(&storage, Overrides::default())?;
        crate::classify::DepartmentMap::load(&s.departments)?
    };
    let settings = settings(&storage, Overrides::default())?;
    if settings.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let token = format!("wz_{}", hex::encode(bytes));
    runtime()?.block_on(async {
        let store = Store::connect(&settings.database_url)
            .await
            .context("opening the database")?;
        crate::startup::ensure_units(&store, &departments).await?;
        crate::workflow::people::check_role_unit(&store, &role, unit.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("--{e}"))?;
        store
            .add_staff_token(
                name.trim(),
                &role,
                unit.as_deref(),
                &crate::http::token_digest(&token),
                None,
                None,
                chrono::Utc::now(),
            )
            .await?;
        store.close().await;
        anyhow::Ok(())
    })?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
