//! `wenzheng report --month YYYY-MM --format html|xlsx|csv|json --out FILE`: the monthly report
//! (月报) of a database, written to a file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::serve_cmd::{StorageArgs, open_settings, runtime};
use crate::store::Store;
use crate::supervise::{Format, Month};

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// The month, YYYY-MM (China time): the cases received in it, as they stand now.
    #[arg(long)]
    pub month: String,
    /// html (page with charts), xlsx (workbook), csv (long form) or json.
    #[arg(long, default_value = "html")]
    pub format: String,
    /// Where to write the report.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let month = Month::parse(&args.month).map_err(|e| anyhow::anyhow!("--month: {e}"))?;
    let format = Format::parse(&args.format)
        .ok_or_else(|| anyhow::anyhow!("--format must be html, xlsx, csv or json"))?;
    let settings = open_settings(&args.storage)?;
    if let Some(path) = settings.database_url.strip_prefix("sqlite:") {
        // Reading a report must not create an empty database where the user mistyped a path.
        anyhow::ensure!(
            std::path::Path::new(path).exists(),
            "no database at {path} (give --data-dir or --database-url)"
        );
    }
    let rules = settings.case_rules()?;
    let report = runtime()?.block_on(async {
        let store = Store::connect(&settings.database_url)
            .await
            .context("opening the database")?;
        let r = crate::reporting::monthly_report(
            &store,
            &rules,
            &settings.assessment,
            month,
            chrono::Utc::now(),
        )
        .await;
        store.close().await;
        anyhow::Ok(r?)
    })?;
    let bytes = crate::supervise::render::render(&report, format)?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "report {month}: {} cases, {} overdue, written to {} ({} bytes)",
        report.total,
        report.overdue.len(),
        args.out.display(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}
