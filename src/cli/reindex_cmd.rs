//! `wenzheng reindex`: rebuilds this instance's search index from the database.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use super::serve_cmd::{StorageArgs, runtime, settings};
use crate::config::Overrides;
use crate::search::{self, SearchIndex};
use crate::store::Store;
use crate::text::Segmenter;

#[derive(clap::Args, Debug)]
pub struct ReindexArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
}

pub fn run(args: ReindexArgs) -> anyhow::Result<ExitCode> {
    let settings = settings(&args.storage, Overrides::default())?;
    let dir = search::index_dir(&settings.data_dir);
    let started = std::time::Instant::now();
    let written = runtime()?.block_on(async {
        let store = Store::connect(&settings.database_url)
            .await
            .context("opening the database")?;
        let seg: Arc<dyn search::Segments> = Arc::new(Segmenter::new());
        let (index, _) = SearchIndex::open(&dir, seg)
            .with_context(|| format!("opening the search index in {}", dir.display()))?;
        let index = Arc::new(index);
        let (n, _) = search::sync::rebuild(&index, &store, |_| {}).await?;
        store.close().await;
        anyhow::Ok(n)
    })?;
    println!(
        "reindexed {written} documents into {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
