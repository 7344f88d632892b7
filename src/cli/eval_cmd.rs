//! `wenzheng eval --task department FILE.csv`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::classify::data;
use crate::classify::metrics::Evaluation;
use crate::classify::Classifier;
use crate::text::Segmenter;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    Department,
}

impl Task {
    fn label_column(self) -> &'static str {
        match self {
            Task::Department => "一级标签",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Task::Department => "department",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Which classifier to evaluate.
    #[arg(long, value_enum)]
    pub task: Task,
    /// CSV with columns 留言主题, 留言详情 and the task's label column (一级标签 for department).
    pub file: PathBuf,
    /// Model file (default: the task's model under models/).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let model_path = args.model.clone().unwrap_or_else(|| PathBuf::from(super::DEFAULT_MODEL));
    let classifier = Classifier::load(&model_path).with_context(|| format!("loading model {}", model_path.display()))?;
    if classifier.header.task != args.task.name() {
        bail!("{} is a {} model, not a {} model", model_path.display(), classifier.header.task, args.task.name());
    }
    let rows = data::read_raw_labelled(&args.file, args.task.label_column())?;
    let segmenter = Segmenter::new();
    let labels = classifier.labels().to_vec();
    let mut gold = Vec::with_capacity(rows.len());
    let mut predicted = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(g) = labels.iter().position(|l| *l == r.label) else {
            bail!("{}: line {}: {} {:?} is not one of the model's labels ({})", args.file.display(), r.line, args.task.label_column(), r.label, labels.join(", "));
        };
        let p = classifier.predict(&segmenter, &r.text);
        gold.push(g);
        predicted.push(labels.iter().position(|l| *l == p.label).expect("predicted label is a model label"));
    }
    let e = Evaluation::new(&labels, &gold, &predicted);
    println!("{}", e.report());
    println!("task={} n={} macro_f1={:.4} accuracy={:.4}", args.task.name(), e.n, e.macro_f1, e.accuracy);
    Ok(ExitCode::SUCCESS)
}
