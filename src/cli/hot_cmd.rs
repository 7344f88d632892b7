//! `wenzheng hot FILE.csv --top 5 [--json]`: hot topics of a set of messages.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

use crate::classify::data::Table;
use crate::intake::parse_local_time;
use crate::supervise::hot::{self, HotMessage, HotOptions};
use crate::text::Segmenter;

#[derive(clap::Args, Debug)]
pub struct HotArgs {
    /// CSV with 留言编号, 留言主题, 留言详情, 留言时间 (and 留言用户, 点赞数, 反对数 when present).
    pub file: PathBuf,
    /// How many topics to show.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Print a JSON array of topics (each with `messages`: its message ids).
    #[arg(long)]
    pub json: bool,
    /// Messages further apart than this many days do not join one topic.
    #[arg(long, default_value_t = 30)]
    pub window_days: i64,
    /// A label column (e.g. 一级标签): also print the topics' purity against it.
    #[arg(long)]
    pub label_column: Option<String>,
}

pub fn run(args: HotArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.top > 0, "--top must be at least 1");
    anyhow::ensure!(
        (1..=3650).contains(&args.window_days),
        "--window-days must be 1 to 3650"
    );
    let mut required = vec!["留言编号", "留言主题", "留言详情", "留言时间"];
    if let Some(l) = &args.label_column {
        required.push(l.as_str());
    }
    let table = Table::read_path(&args.file, &required)?;
    let mut messages = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let get = |c: &str| table.get(row, c).trim();
        let time = get("留言时间");
        let Some(time) = parse_local_time(time) else {
            bail!(
                "{}: line {}: 留言时间 {time:?} is not a date-time (YYYY-MM-DD HH:MM:SS)",
                table.file,
                row.line
            );
        };
        let count = |c: &str| -> anyhow::Result<i64> {
            let v = get(c);
            if v.is_empty() {
                return Ok(0);
            }
            v.parse().map_err(|_| {
                anyhow::anyhow!(
                    "{}: line {}: {c} {v:?} is not a whole number",
                    table.file,
                    row.line
                )
            })
        };
        messages.push(HotMessage {
            id: get("留言编号").to_string(),
            user: match get("留言用户") {
                "" => format!("line{}", row.line),
                u => u.to_string(),
            },
            title: get("留言主题").to_string(),
            body: get("留言详情").to_string(),
            time,
            likes: count("点赞数")?,
            dislikes: count("反对数")?,
            label: args.label_column.as_deref().map(|c| get(c).to_string()),
        });
    }
    let segmenter = Segmenter::new();
    let opts = HotOptions {
        window: chrono::Duration::days(args.window_days),
        ..HotOptions::default()
    };
    let topics = hot::detect(&messages, &segmenter, opts, 2);
    let shown = &topics[..topics.len().min(args.top)];
    if args.json {
        println!("{}", serde_json::to_string_pretty(shown)?);
    } else {
        for (rank, t) in shown.iter().enumerate() {
            println!(
                "#{} heat {:.2} · {} · {} – {} · {} people, {} messages, 点赞 {} 反对 {}",
                rank + 1,
                t.heat,
                t.place.as_deref().unwrap_or("(no place)"),
                t.first_time.format("%Y-%m-%d"),
                t.last_time.format("%Y-%m-%d"),
                t.people,
                t.messages.len(),
                t.likes,
                t.dislikes
            );
            println!("   keywords: {}", t.keywords.join(" "));
            for title in &t.representative_titles {
                println!("   - {title}");
            }
            println!("   messages: {}", t.messages.join(", "));
        }
    }
    if args.label_column.is_some() {
        let (purity, n) = hot::purity(&topics);
        let clustered = topics.iter().filter(|t| t.messages.len() >= 2).count();
        eprintln!(
            "purity={purity:.4} messages_in_topics={n} topics={clustered} of {} messages",
            messages.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
