//! `wenzheng eval --task department FILE.csv`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::classify::data;
use crate::classify::metrics::Evaluation;
use crate::classify::triage::TypeSuggestion;
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
    /// Similar cases: precision at 5 of more-like-this over a labelled corpus (`--corpus`).
    Similar,
}

impl Task {
    fn label_column(self) -> &'static str {
        match self {
            Task::Department => "一级标签",
            Task::Type => "诉求类型",
            Task::Urgency => "紧急程度",
            Task::Similar => "一级标签",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Task::Department => "department",
            Task::Type => "type",
            Task::Urgency => "urgency",
            Task::Similar => "similar",
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
    /// Model file (default: the task's model under models/; for `similar`, the department model
    /// whose predicted category is preferred).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// For `--task similar`: the labelled corpus to index (留言主题, 留言详情, 一级标签); FILE holds
    /// the queries.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// For `--task urgency`: evaluate at another of the model's operating points (the
    /// `urgent_recall` config key), e.g. 0.8.
    #[arg(long)]
    pub urgent_recall: Option<f64>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    if args.task == Task::Similar {
        return run_similar(&args);
    }
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("models/{}.wzm", args.task.name())));
    let mut classifier = Classifier::load(&model_path)
        .with_context(|| format!("loading model {}", model_path.display()))?;
    if classifier.header.task != args.task.name() {
        bail!(
            "{} is a {} model, not a {} model",
            model_path.display(),
            classifier.header.task,
            args.task.name()
        );
    }
    if let Some(r) = args.urgent_recall {
        if args.task != Task::Urgency {
            bail!("--urgent-recall applies to --task urgency only");
        }
        urgency::select_operating_point(&mut classifier, r)?;
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
            // The type, as in triage: the model, or the certain praise rule on the title.
            Task::Type => TypeSuggestion::decide(classifier.predict_words(&words), &r.title).label,
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

fn body_of(text: &str) -> &str {
    text.split_once('\n').map_or("", |(_, b)| b)
}

/// `--task similar`: indexes the corpus, takes each query's 5 most similar cases, and reports the
/// mean share of them with the query's 一级标签 — with the department model's predicted category
/// preferred (as the service prefers a case's category), and without, for comparison.
fn run_similar(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    use crate::search::{SearchIndex, SimilarOptions};
    use crate::store::SearchCaseRow;
    use std::sync::Arc;

    let Some(corpus_path) = &args.corpus else {
        bail!("--task similar needs --corpus CORPUS.csv (the queries are FILE)");
    };
    let corpus = data::read_raw_labelled(corpus_path, "一级标签")?;
    let queries = data::read_raw_labelled(&args.file, "一级标签")?;
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::cli::DEFAULT_MODEL));
    let classifier = Classifier::load(&model_path)
        .with_context(|| format!("loading model {}", model_path.display()))?;
    let segmenter = Arc::new(Segmenter::new());
    let index = SearchIndex::in_memory(segmenter.clone())?;
    let started = std::time::Instant::now();
    let rows: Vec<SearchCaseRow> = corpus
        .iter()
        .enumerate()
        .map(|(i, r)| SearchCaseRow {
            id: i as i64 + 1,
            case_number: r.id.clone(),
            title: r.title.clone(),
            body: body_of(&r.text).to_string(),
            reply_text: None,
            unit: None,
            category: Some(r.label.clone()),
            request_type: None,
            urgency: None,
            status: "replied".into(),
            received_at: chrono::Utc::now(),
            replied_at: None,
            publish_consent: false,
            reply_published_at: None,
            merged_into: None,
            contact_name: None,
            location: None,
        })
        .collect();
    index.put_cases(&rows)?;
    index.commit(0)?;
    eprintln!(
        "indexed {} corpus messages in {:.2} s",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    let mut opts = SimilarOptions::default();
    // Tuning knobs for the evaluation only (docs/search.md lists what was tried).
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f32>().ok());
    if let Some(v) = env("WZ_SIM_TERMS") {
        opts.max_terms = v as usize;
    }
    if let Some(v) = env("WZ_SIM_POOL") {
        opts.pool = v as usize;
    }
    if let Some(v) = env("WZ_SIM_COSINE") {
        opts.cosine_weight = v;
    }
    if let Some(v) = env("WZ_SIM_CATEGORY") {
        opts.category_boost = v;
    }
    if let Some(v) = env("WZ_SIM_TITLE_WEIGHT") {
        opts.title_weight = v;
    }
    if let Some(v) = env("WZ_SIM_TITLE_BOOST") {
        opts.title_boost = v;
    }
    let plain = SimilarOptions {
        category_boost: 0.0,
        ..opts
    };
    let (mut with_category, mut without) = (0.0f64, 0.0f64);
    let mut predicted_right = 0usize;
    for q in &queries {
        let body = body_of(&q.text);
        let words = classifier.message_words(&segmenter, &q.title, body);
        let predicted = classifier.predict_words(&words).label;
        predicted_right += usize::from(predicted == q.label);
        let share = |hits: &[crate::search::SimilarCase]| {
            hits.iter()
                .filter(|h| h.category.as_deref() == Some(q.label.as_str()))
                .count() as f64
                / 5.0
        };
        with_category +=
            share(&index.similar_to_text(&q.title, body, Some(&predicted), &[], 5, opts)?);
        without += share(&index.similar_to_text(&q.title, body, None, &[], 5, plain)?);
    }
    let n = queries.len().max(1) as f64;
    println!(
        "corpus={} queries={} category_predicted_right={:.4}",
        corpus.len(),
        queries.len(),
        predicted_right as f64 / n
    );
    println!(
        "more-like-this without category preference: p_at_5={:.4}",
        without / n
    );
    println!(
        "task=similar n={} p_at_5={:.4}",
        queries.len(),
        with_category / n
    );
    Ok(ExitCode::SUCCESS)
}
