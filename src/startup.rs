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
}

impl Application {
    /// Connects the database (applying migrations), loads the model unless one is given, loads demo
    /// data into an empty database, and binds the listener.
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
                Arc::new(
                    tokio::task::spawn_blocking(move || Triage::load(&model, &departments))
                        .await??,
                )
            }
        };
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
        let state = AppState::new(store, triage, rules, crate::telemetry::metrics_handle())
            .with_search(search);
        Ok(Application { listener, state })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until ctrl-c / SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        http::serve(self.listener, self.state, shutdown_signal()).await?;
        store.close().await;
        Ok(())
    }
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
