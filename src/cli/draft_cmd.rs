//! `wenzheng draft FILE.csv [--precedents FILE]`: a final-reply draft for every message of a CSV
//! file, as CSV `留言编号,草稿` on stdout, for offline evaluation and bulk work.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::classify::data::Table;
use crate::draft::{Drafter, Message, Precedent, ReplyTemplates};
use crate::text::Segmenter;

pub const DEFAULT_PRECEDENTS: &str = "training-data/tipdm2020/messages_with_replies.csv";
pub const DEFAULT_TEMPLATES: &str = "models/reply_templates.toml";

#[derive(clap::Args, Debug)]
pub struct DraftArgs {
    /// CSV with 留言编号, 留言主题, 留言详情 (留言用户 when present addresses the citizen).
    pub file: PathBuf,
    /// Replied messages to draft from (留言编号, 留言主题, 留言详情, 答复意见).
    #[arg(long, default_value = DEFAULT_PRECEDENTS)]
    pub precedents: PathBuf,
    /// Notice templates (TOML).
    #[arg(long, default_value = DEFAULT_TEMPLATES)]
    pub templates: PathBuf,
    /// `draft` (default), or the evaluation baseline `nearest`: the most similar precedent's
    /// reply, verbatim.
    #[arg(long, default_value = "draft", value_parser = ["draft", "nearest"])]
    pub method: String,
    /// Tuning: passages come from this many best precedents.
    #[arg(long, default_value_t = 3)]
    pub sources: usize,
    /// Tuning: this many following precedents' replies stand in for the unknown reply.
    #[arg(long, default_value_t = 10)]
    pub stand_ins: usize,
    /// Tuning: restate about this many characters of the message body (0: none).
    #[arg(long, default_value_t = 60)]
    pub restate_chars: usize,
    /// Tuning: at most this many passages in a draft.
    #[arg(long, default_value_t = 4)]
    pub max_passages: usize,
    /// Tuning: the opening is the one most like the openings of this many most similar cases
    /// (0: the place's most common opening).
    #[arg(long, default_value_t = 30)]
    pub opening_stand_ins: usize,
    /// Tuning: score boost for precedents about the same place.
    #[arg(long, default_value_t = 0.3)]
    pub place_boost: f32,
}

/// Reads the templates file, naming it in any error.
pub fn load_templates(path: &std::path::Path) -> anyhow::Result<ReplyTemplates> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read reply templates {}", path.display()))?;
    ReplyTemplates::parse(&text).with_context(|| format!("reply templates {}", path.display()))
}

/// Reads a precedents CSV.
pub fn load_precedents(path: &std::path::Path) -> anyhow::Result<Vec<Precedent>> {
    let table = Table::read_path(path, &["留言编号", "留言主题", "留言详情", "答复意见"])?;
    Ok(Precedent::from_table(&table)?)
}

pub fn run(args: DraftArgs) -> anyhow::Result<ExitCode> {
    let input = Table::read_path(&args.file, &["留言编号", "留言主题", "留言详情"])?;
    let templates = load_templates(&args.templates)?;
    let precedents = load_precedents(&args.precedents)?;
    let seg = Segmenter::new();
    let mut drafter = Drafter::new(precedents, templates, &seg);
    drafter.options.sources = args.sources;
    drafter.options.stand_ins = args.stand_ins;
    drafter.options.restate_chars = args.restate_chars;
    drafter.options.max_passages = args.max_passages;
    drafter.options.opening_stand_ins = args.opening_stand_ins;
    drafter.place_boost = args.place_boost;
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record(["留言编号", "草稿"])?;
    let mut failed = 0usize;
    for row in &input.rows {
        let get = |c: &str| input.get(row, c);
        let id = get("留言编号").trim();
        let (title, body) = (get("留言主题"), get("留言详情"));
        let problem = if id.is_empty() {
            Some("留言编号 is empty")
        } else if title.trim().is_empty() && body.trim().is_empty() {
            Some("留言主题 and 留言详情 are both empty")
        } else {
            None
        };
        if let Some(p) = problem {
            failed += 1;
            eprintln!("{}: line {}: {p}", input.file, row.line);
            out.write_record([id, ""])?;
            continue;
        }
        let message = Message {
            title: title.to_string(),
            body: body.to_string(),
            handle: Some(get("留言用户").trim().to_string()).filter(|h| !h.is_empty()),
        };
        let text = if args.method == "nearest" {
            drafter
                .precedents(&seg, &message, 1)
                .first()
                .map(|p| p.reply.clone())
                .unwrap_or_default()
        } else {
            drafter.draft(&seg, &message).text
        };
        out.write_record([id, text.as_str()])?;
    }
    out.flush()?;
    if failed > 0 {
        eprintln!(
            "error: {failed} of {} rows could not be drafted (see the lines above)",
            input.rows.len()
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
