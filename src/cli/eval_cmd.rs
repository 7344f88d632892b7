//! `wenzheng eval --task department FILE.csv`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::classify::data;
use crate::classify::metrics::Evaluation;
use crate::classify::{Classifier, urgency};
use crate::text::Segmenter;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// 一级标签 → department.
    Department,
    /// 诉求类型.
    Type,
    /// 紧急程度.
    Urgency,
}

impl Task {
    fn label_column(self) -> &'static str {
        match self {
            Task::Department => "一级标签",
            Task::Type => "诉求类型",
            Task::Urgency => "紧急程度",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Task::Department => "department",
            Task::Type => "type",
            Task::Urgency => "urgency",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Which classifier to evaluate.
    #[arg(long, value_enum)]
    pub task: Task,
    /// CSV with columns 留言主题, 留言详情 and the task's label column (一级标签, 诉求类型 or 紧急程度).
    pub file: PathBuf,
    /// Model file (default: the task's model under models/).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("models/{}.wzm", args.task.name())));
    let classifier = Classifier::load(&model_path)
        .with_context(|| format!("loading model {}", model_path.display()))?;
    if classifier.header.task != args.task.name() {
        bail!(
            "{} is a {} model, not a {} model",
            model_path.display(),
            classifier.header.task,
            args.task.name()
        );
    }
    let rows = data::read_raw_labelled(&args.file, args.task.label_column())?;
    let segmenter = Segmenter::new();
    let labels = classifier.labels().to_vec();
    let mut gold = Vec::with_capacity(rows.len());
    let mut predicted = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(g) = labels.iter().position(|l| *l == r.label) else {
            bail!(
                "{}: line {}: {} {:?} is not one of the model's labels ({})",
                args.file.display(),
                r.line,
                args.task.label_column(),
                r.label,
                labels.join(", ")
            );
        };
        let body = r.text.split_once('\n').map_or("", |(_, b)| b);
        let words = classifier.message_words(&segmenter, &r.title, body);
        let label = match args.task {
            // Urgency is decided by the recall-first threshold and the rules, as in triage.
            Task::Urgency => urgency::decide_words(&classifier, &words, &r.text, true).label,
            _ => classifier.predict_words(&words).label,
        };
        gold.push(g);
        predicted.push(
            labels
                .iter()
                .position(|l| *l == label)
                .expect("predicted label is a model label"),
        );
    }
    let e = Evaluation::new(&labels, &gold, &predicted);
    println!("{}", e.report());
    let mut last = format!(
        "task={} n={} macro_f1={:.4} accuracy={:.4}",
        args.task.name(),
        e.n,
        e.macro_f1,
        e.accuracy
    );
    if args.task == Task::Urgency {
        let is_urgent = |i: usize| urgency::URGENT_LABELS.contains(&labels[i].as_str());
        let pairs: Vec<(bool, bool)> = gold
            .iter()
            .zip(&predicted)
            .map(|(&g, &p)| (is_urgent(p), is_urgent(g)))
            .collect();
        let (recall, precision) = urgency::recall_precision(&pairs);
        last.push_str(&format!(
            " recall_urgent={recall:.4} precision_urgent={precision:.4}"
        ));
    }
    println!("{last}");
    Ok(ExitCode::SUCCESS)
}
