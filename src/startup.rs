//! Startup: settings in, running application out. Tests build the same [`Application`] on port 0
//! with a fresh database.

use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::classify::Triage;
use crate::config::Settings;
use crate::http::{self, AppState};
use crate::store::Store;

pub struct Application {
    pub listener: TcpListener,
    pub state: AppState,
    pub jobs: crate::config::JobsConfig,
}

/// Makes every department of the label mapping a unit (units are data the admin edits; this only
/// adds missing ones, never re-activates one the admin retired).
pub async fn ensure_units(
    store: &Store,
    departments: &crate::classify::DepartmentMap,
) -> anyhow::Result<()> {
    let mut names: Vec<&String> = departments.departments.values().collect();
    names.sort();
    names.dedup();
    let now = chrono::Utc::now();
    for name in names {
        store.add_unit(name, true, now).await?;
    }
    Ok(())
}

impl Application {
    /// Connects the database (applying migrations), loads the model unless one is given (a given
    /// one is used as it is, `urgent_recall` included), loads demo data into an empty database,
    /// and binds the listener.
    pub async fn build(
        settings: &Settings,
        triage: Option<Arc<Triage>>,
    ) -> anyhow::Result<Application> {
        if settings.database_url.starts_with("sqlite:") {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!("creating data directory {}", settings.data_dir.display())
            })?;
        }
        let rules = Arc::new(settings.case_rules()?);
        let store = Store::connect(&settings.database_url)
            .await
            .context("opening the database")?;
        let triage = match triage {
            Some(t) => t,
            None => {
                let (model, departments) = (settings.model.clone(), settings.departments.clone());
                let recall = settings.urgent_recall;
                Arc::new(
                    tokio::task::spawn_blocking(move || {
                        Triage::load(&model, &departments)?.with_urgent_recall(recall)
                    })
                    .await??,
                )
            }
        };
        ensure_units(&store, &triage.departments).await?;
        if settings.demo_data && store.count_cases().await? == 0 {
            load_demo_data(&store, &triage, &rules, settings).await;
        }
        let search = crate::search::start(
            &crate::search::index_dir(&settings.data_dir),
            &store,
            triage.clone(),
        )
        .await
        .context("opening the search index")?;
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("binding {}", settings.bind))?;
        let drafter = build_drafter(settings, triage.clone()).await?;
        let state = AppState::new(store, triage, rules, crate::telemetry::metrics_handle())
            .with_drafter(drafter)
            .with_search(search)
            .with_rate_limit(&settings.rate_limit)
            .with_supervision(crate::reporting::SupervisionSettings {
                assessment: settings.assessment.clone(),
                warnings: settings.warnings.clone(),
            });
        Ok(Application {
            listener,
            state,
            jobs: settings.jobs.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until ctrl-c / SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        let mut background = Vec::new();
        if self.jobs.enabled {
            let sender: Arc<dyn crate::workflow::sender::Sender> = match &self.jobs.webhook_url {
                Some(url) => Arc::new(crate::workflow::sender::WebhookSender::new(url.clone())),
                None => Arc::new(crate::workflow::sender::LogSender),
            };
            let worker = format!("{}:{}", std::process::id(), self.port());
            background.push(tokio::spawn(crate::workflow::jobs::run(
                store.clone(),
                self.state.rules.clone(),
                std::time::Duration::from_secs(self.jobs.scan_every_secs.max(1)),
            )));
            if self.state.supervision.warnings.scan_in_jobs {
                background.push(tokio::spawn(crate::reporting::run_warning_scans(
                    store.clone(),
                    self.state.triage.clone(),
                    self.state.supervision.warnings.clone(),
                    std::time::Duration::from_secs(
                        self.state.supervision.warnings.scan_every_secs.max(1),
                    ),
                )));
            }
            background.push(tokio::spawn(crate::workflow::sender::run(
                store.clone(),
                sender,
                worker,
                std::time::Duration::from_secs(self.jobs.send_every_secs.max(1)),
            )));
        }
        http::serve(self.listener, self.state, shutdown_signal()).await?;
        for task in background {
            task.abort();
        }
        store.close().await;
        Ok(())
    }
}

/// The reply templates (a broken file stops the start, naming the file) and the precedent index
/// for drafts (a missing precedents file leaves drafts without precedents, with a warning).
///
/// The drafter is kept per process for the same files (paths and modification times): an
/// application built twice in one process — every integration test does so — shares one index
/// instead of segmenting 2,477 precedents each time (about a second of CPU in a debug build).
async fn build_drafter(
    settings: &Settings,
    triage: Arc<Triage>,
) -> anyhow::Result<Arc<crate::draft::Drafter>> {
    type Key = (
        std::path::PathBuf,
        std::path::PathBuf,
        Option<std::time::SystemTime>,
        Option<std::time::SystemTime>,
    );
    static BUILT: std::sync::Mutex<Option<(Key, Arc<crate::draft::Drafter>)>> =
        std::sync::Mutex::new(None);
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let key: Key = (
        settings.precedents.clone(),
        settings.reply_templates.clone(),
        modified(&settings.precedents),
        modified(&settings.reply_templates),
    );
    if let Some((k, d)) = BUILT.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        && *k == key
    {
        return Ok(d.clone());
    }
    let templates = crate::cli::draft_cmd::load_templates(&settings.reply_templates)?;
    let path = settings.precedents.clone();
    let drafter = tokio::task::spawn_blocking(move || {
        let precedents = if path.exists() {
            crate::cli::draft_cmd::load_precedents(&path)?
        } else {
            tracing::warn!(file = %path.display(), "precedents file not found; drafts will have no precedent passages");
            Vec::new()
        };
        let drafter = crate::draft::Drafter::new(precedents, templates, &triage.segmenter);
        tracing::info!(precedents = drafter.index.len(), "draft precedent index built");
        anyhow::Ok(drafter)
    })
    .await??;
    let drafter = Arc::new(drafter);
    *BUILT.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, drafter.clone()));
    Ok(drafter)
}

async fn load_demo_data(
    store: &Store,
    triage: &Arc<Triage>,
    rules: &crate::cases::CaseRules,
    settings: &Settings,
) {
    for (file, rows) in &settings.demo_files {
        if !file.exists() {
            tracing::warn!(file = %file.display(), "demo data file not found; skipping it");
            continue;
        }
        match crate::intake::import_file(
            store,
            triage,
            rules,
            file,
            Some(*rows),
            chrono::Utc::now(),
            |_, _| {},
        )
        .await
        {
            Ok(s) => {
                tracing::info!(file = %file.display(), loaded = s.loaded, rejected = s.rejected.len(), "demo data loaded")
            }
            Err(e) => tracing::warn!(file = %file.display(), error = %e, "demo data not loaded"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
