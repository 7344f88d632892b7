//! Command-line interface: parses arguments with clap and calls into the library. Errors are
//! printed as one line (`error: ...`) with a non-zero exit code.

mod calendar_cmd;
mod classify_cmd;
pub mod draft_cmd;
mod eval_cmd;
mod hot_cmd;
mod reindex_cmd;
mod report_cmd;
mod serve_cmd;
mod train_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Default location of the department model, relative to the working directory.
pub const DEFAULT_MODEL: &str = "models/department.wzm";
pub const DEFAULT_DEPARTMENTS: &str = "models/departments.toml";

#[derive(Parser, Debug)]
#[command(
    name = "wenzheng",
    version,
    about = "问政: triage, case workflow and search for an online inquiry board"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a classifier from training-data/ and print held-out metrics.
    Train(train_cmd::TrainArgs),
    /// Evaluate a model on a labelled CSV file of raw messages.
    Eval(eval_cmd::EvalArgs),
    /// Classify JSON lines {"id","title","body"} from stdin; one JSON line out per line in.
    Classify(classify_cmd::ClassifyArgs),
    /// Run the HTTP service (API, OpenAPI, metrics).
    Serve(serve_cmd::ServeArgs),
    /// Bulk-load historical cases from CSV or XLSX.
    Import(serve_cmd::ImportArgs),
    /// Manage staff API tokens.
    #[command(subcommand)]
    Token(serve_cmd::TokenCommand),
    /// Manage the people who log in.
    #[command(subcommand)]
    User(serve_cmd::UserCommand),
    /// Final-reply drafts for a CSV of messages: CSV 留言编号,草稿 on stdout.
    Draft(draft_cmd::DraftArgs),
    /// Hot topics (热点) of a set of messages.
    Hot(hot_cmd::HotArgs),
    /// The monthly report (月报) as HTML with charts, XLSX, CSV or JSON.
    Report(report_cmd::ReportArgs),
    /// Rebuild this instance's search index from the database.
    Reindex(reindex_cmd::ReindexArgs),
    /// Working-day deadlines on the official holiday calendar.
    #[command(subcommand)]
    Calendar(calendar_cmd::CalendarCommand),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => train_cmd::run(a),
        Command::Eval(a) => eval_cmd::run(a),
        Command::Classify(a) => classify_cmd::run(a),
        Command::Serve(a) => serve_cmd::serve(a),
        Command::Import(a) => serve_cmd::import(a),
        Command::Token(c) => serve_cmd::token(c),
        Command::User(c) => serve_cmd::user(c),
        Command::Calendar(c) => calendar_cmd::run(c),
        Command::Hot(a) => hot_cmd::run(a),
        Command::Draft(a) => draft_cmd::run(a),
        Command::Report(a) => report_cmd::run(a),
        Command::Reindex(a) => reindex_cmd::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // `{:#}` joins the error chain on one line: "error: loading model: No such file".
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Paths of the models a triage needs.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// Department model file.
    #[arg(long, default_value = DEFAULT_MODEL, env = "WENZHENG_MODEL")]
    pub model: PathBuf,
    /// Label → department mapping (TOML).
    #[arg(long, default_value = DEFAULT_DEPARTMENTS, env = "WENZHENG_DEPARTMENTS")]
    pub departments: PathBuf,
}
