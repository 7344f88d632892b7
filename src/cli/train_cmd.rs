//! `wenzheng train`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::classify::training::{self, Algorithm, FitOptions, Progress};
use crate::text::Segmenter;

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Directory with the training data (see training-data/README.md).
    #[arg(long, default_value = "training-data")]
    pub data: PathBuf,
    /// Which model: department (一级标签), type (诉求类型) or urgency (紧急程度).
    #[arg(long, default_value = "department")]
    pub task: String,
    /// Where to write the model (default models/<task>.wzm).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Add pseudo-labelled messages from the unlabelled pools (self-training).
    #[arg(long)]
    pub self_train: bool,
    /// Also learn from staff-confirmed categories in this case database (sqlite:PATH or postgres://…).
    #[arg(long, value_name = "DATABASE_URL")]
    pub with_corrections: Option<String>,
    /// Learning algorithm: svm (default), softmax, or linfa-logistic (dense baseline, capped vocabulary).
    #[arg(long, default_value = "svm")]
    pub algorithm: String,
    /// SVM regularisation constant C.
    #[arg(long, default_value_t = 3.0)]
    pub c: f32,
    /// SVM: weight classes inversely to their frequency.
    #[arg(long)]
    pub balanced: bool,
    /// Vocabulary cap: most frequent terms kept (default 150000; 5000 for linfa-logistic, whose
    /// dense matrix is examples × features × 8 bytes).
    #[arg(long)]
    pub max_features: Option<usize>,
    /// Type and urgency: weight of the title's own feature block (see FeatureConfig::title_weight);
    /// without it, title terms are pooled with the body's.
    #[arg(long)]
    pub title_weight: Option<f32>,
    /// Longest character n-gram (default 3).
    #[arg(long)]
    pub char_ngram_max: Option<usize>,
    /// Type and urgency: leave out the tokenized extra training messages
    /// (labels/type_urgency_train_tokenized.csv), e.g. to measure what they add.
    #[arg(long)]
    pub without_tokenized: bool,
    /// Type and urgency: add the synthetic contrastive training messages
    /// (labels/type_urgency_train_synthetic.csv). Off: measured, they did not help (docs/classifier.md).
    #[arg(long)]
    pub with_synthetic: bool,
    /// Training epochs (softmax).
    #[arg(long, default_value_t = 20)]
    pub epochs: usize,
    /// L2 regularisation strength (softmax).
    #[arg(long, default_value_t = 1e-6)]
    pub l2: f32,
}

pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("static template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_message("loading the segmenter");
    let segmenter = Segmenter::new();
    let corrections = match &args.with_corrections {
        None => Vec::new(),
        Some(url) => {
            bar.set_message(format!("reading staff corrections from {url}"));
            let url = if url.contains("://") || url.starts_with("sqlite:") {
                url.clone()
            } else {
                format!("sqlite:{url}")
            };
            let rows = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(async {
                    let store = crate::store::Store::connect(&url)
                        .await
                        .context("opening the case database")?;
                    let rows = store.confirmed_categories().await?;
                    store.close().await;
                    anyhow::Ok(rows)
                })?;
            rows.into_iter()
                .map(|(title, body, label)| {
                    (crate::classify::data::message_text(&title, &body), label)
                })
                .collect()
        }
    };
    bar.set_message(format!("reading {}", args.data.display()));
    let data = match args.task.as_str() {
        "department" => {
            training::department_data(&args.data, &segmenter, args.self_train, &corrections)
        }
        "type" | "urgency" => {
            anyhow::ensure!(
                !args.self_train && corrections.is_empty(),
                "--self-train and --with-corrections apply to the department task only"
            );
            training::labelled_task_data(
                &args.data,
                &segmenter,
                &args.task,
                training::ExtraTraining {
                    tokenized: !args.without_tokenized,
                    synthetic: args.with_synthetic,
                },
            )
        }
        other => anyhow::bail!("--task {other:?}: expected department, type or urgency"),
    }
    .context("reading training data")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("models/{}.wzm", args.task)));
    let algorithm = match args.algorithm.as_str() {
        "svm" => Algorithm::Svm {
            c: args.c,
            balanced: args.balanced,
        },
        "softmax" => Algorithm::Softmax,
        "linfa-logistic" => Algorithm::LinfaLogistic {
            max_features: args.max_features.unwrap_or(5000),
        },
        other => anyhow::bail!("--algorithm {other:?}: expected svm, softmax or linfa-logistic"),
    };
    let mut opts = FitOptions {
        algorithm,
        ..FitOptions::default()
    };
    anyhow::ensure!(args.c > 0.0, "--c must be positive");
    opts.max_features = match opts.algorithm {
        Algorithm::LinfaLogistic { max_features } => max_features,
        _ => args.max_features.unwrap_or(opts.max_features),
    };
    anyhow::ensure!(opts.max_features > 0, "--max-features must be positive");
    if let Some(w) = args.title_weight {
        anyhow::ensure!(w > 0.0 && w.is_finite(), "--title-weight must be positive");
        opts.title_weight = Some(w);
    }
    if let Some(n) = args.char_ngram_max {
        anyhow::ensure!(
            (2..=6).contains(&n),
            "--char-ngram-max must be between 2 and 6"
        );
        opts.char_ngram_max = Some(n);
    }
    opts.train.epochs = args.epochs;
    opts.train.l2 = args.l2;
    if args.self_train {
        opts.self_train_confidence = Some(0.9);
    }
    let started = std::time::Instant::now();
    let mut classifier = training::fit(&data, opts, |p| match p {
        Progress::Stage(s) => bar.set_message(s.to_string()),
        Progress::Epoch { done, total } => {
            bar.set_message(format!("training: step {done}/{total}"))
        }
    });
    if args.task == "urgency" {
        training::set_urgent_threshold(&mut classifier, &data, 0.9);
    }
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    classifier
        .save(&out)
        .with_context(|| format!("writing {}", out.display()))?;
    let h = &classifier.header;
    println!(
        "trained {} model on {} messages ({} features) in {seconds:.1} s: {}",
        h.task,
        h.training_examples,
        classifier.vectorizer.len(),
        h.algorithm
    );
    for n in &h.notes {
        println!("  {n}");
    }
    for (name, e) in &h.dev_metrics {
        println!("\n== {name} (held out, n={})\n{}", e.n, e.report());
        println!(
            "{name}: macro_f1={:.4} accuracy={:.4}",
            e.macro_f1, e.accuracy
        );
    }
    println!("model written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
