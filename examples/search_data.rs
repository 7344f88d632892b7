//! Data for the similar-case evaluation and the duplicate threshold (docs/search.md).
//!
//! `cargo run --release --example search_data -- split DATA_DIR OUT_DIR` writes from
//! `DATA_DIR/tipdm2020/messages_labeled_tokenized.csv`:
//! - `queries.csv`: the messages in the department classifier's dev split (hash of the words
//!   0 mod 10), which the shipped classifier was not trained on;
//! - `corpus.csv`: every other message, minus exact copies of a query;
//! - `queries_raw.csv` / `corpus_raw.csv`: the raw labelled sample as queries, against the
//!   corpus minus every near-duplicate (Jaccard ≥ 0.5) of a raw message (the raw sample is
//!   contained in the tokenized file).
//!
//! `cargo run --release --example search_data -- duplicates DATA_DIR` measures the cosine
//! similarity of a message to its own copy (the raw sample message against its re-tokenized copy
//! in the labelled file: a true duplicate with different spelling) and to the most similar other
//! message (the hardest non-duplicate), and prints how many of each a threshold flags.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use wenzheng::classify::data::{self, Table};
use wenzheng::classify::training::{in_dev_split, remove_near_duplicates};
use wenzheng::search::{SearchIndex, SimilarOptions};
use wenzheng::store::SearchCaseRow;
use wenzheng::text::Segmenter;

struct Msg {
    id: String,
    title: String,
    body: String,
    label: String,
    words: Vec<String>,
}

fn tokenized(dir: &Path, seg: &Segmenter) -> Vec<Msg> {
    let table = Table::read_path(
        &dir.join("tipdm2020/messages_labeled_tokenized.csv"),
        &["分词文本", "一级标签"],
    )
    .expect("tokenized file");
    table
        .rows
        .iter()
        .map(|r| {
            // As the classifier reads it: the tokens joined, re-cut by our segmenter.
            let body: String = table.get(r, "分词文本").split_whitespace().collect();
            Msg {
                id: format!("t{}", table.get(r, "row")),
                title: String::new(),
                words: seg.words(&body),
                body,
                label: table.get(r, "一级标签").trim().to_string(),
            }
        })
        .filter(|m| !m.words.is_empty() && !m.label.is_empty())
        .collect()
}

fn raw(dir: &Path, seg: &Segmenter) -> Vec<Msg> {
    data::read_raw_labelled(
        &dir.join("tipdm2020/messages_labeled_raw_sample.csv"),
        "一级标签",
    )
    .expect("raw sample")
    .into_iter()
    .map(|r| {
        let body = r.text.split_once('\n').map_or("", |(_, b)| b).to_string();
        Msg {
            words: seg.words(&r.text),
            id: r.id,
            title: r.title,
            body,
            label: r.label,
        }
    })
    .collect()
}

fn write(path: &Path, rows: &[&Msg]) {
    let mut w = csv::Writer::from_path(path).expect("writable");
    w.write_record(["留言编号", "留言主题", "留言详情", "一级标签"])
        .unwrap();
    for m in rows {
        w.write_record([&m.id, &m.title, &m.body, &m.label])
            .unwrap();
    }
    w.flush().unwrap();
    eprintln!("{}: {} rows", path.display(), rows.len());
}

fn split(dir: &Path, out: &Path, seg: &Segmenter) {
    std::fs::create_dir_all(out).unwrap();
    let all = tokenized(dir, seg);
    let (queries, corpus): (Vec<&Msg>, Vec<&Msg>) =
        all.iter().partition(|m| in_dev_split(&m.words));
    let query_words: HashSet<&Vec<String>> = queries.iter().map(|m| &m.words).collect();
    let corpus: Vec<&Msg> = corpus
        .into_iter()
        .filter(|m| !query_words.contains(&m.words))
        .collect();
    write(&out.join("queries.csv"), &queries);
    write(&out.join("corpus.csv"), &corpus);

    let raw_msgs = raw(dir, seg);
    let protected: Vec<Vec<String>> = raw_msgs.iter().map(|m| m.words.clone()).collect();
    let mut corpus_raw: Vec<&Msg> = all.iter().collect();
    let removed = remove_near_duplicates(&mut corpus_raw, |m| &m.words, &protected, 0.5);
    eprintln!("removed {removed} near-duplicates of raw messages from corpus_raw");
    write(
        &out.join("queries_raw.csv"),
        &raw_msgs.iter().collect::<Vec<_>>(),
    );
    write(&out.join("corpus_raw.csv"), &corpus_raw);
}

fn jaccard(a: &[String], b: &[String]) -> f64 {
    let a: HashSet<&String> = a.iter().collect();
    let b: HashSet<&String> = b.iter().collect();
    let inter = a.intersection(&b).count();
    inter as f64 / (a.len() + b.len() - inter).max(1) as f64
}

fn duplicates(dir: &Path, seg: Arc<Segmenter>) {
    let all = tokenized(dir, &seg);
    let raw_msgs = raw(dir, &seg);
    let index = SearchIndex::in_memory(seg.clone()).unwrap();
    let rows: Vec<SearchCaseRow> = all
        .iter()
        .enumerate()
        .map(|(i, m)| SearchCaseRow {
            id: i as i64 + 1,
            case_number: m.id.clone(),
            title: String::new(),
            body: m.body.clone(),
            reply_text: None,
            unit: None,
            category: Some(m.label.clone()),
            request_type: None,
            urgency: None,
            status: "received".into(),
            received_at: chrono::Utc::now(),
            replied_at: None,
            publish_consent: false,
            reply_published_at: None,
            merged_into: None,
            contact_name: None,
            location: None,
        })
        .collect();
    index.put_cases(&rows).unwrap();
    index.commit(0).unwrap();
    let (mut copies, mut others) = (Vec::new(), Vec::new());
    for m in &raw_msgs {
        let hits = index
            .similar_to_text(&m.title, &m.body, None, &[], 10, SimilarOptions::default())
            .unwrap();
        let mut best_other: f32 = 0.0;
        for h in &hits {
            let words = &all[(h.case_id - 1) as usize].words;
            if jaccard(words, &m.words) >= 0.5 {
                copies.push(h.similarity);
            } else {
                best_other = best_other.max(h.similarity);
            }
        }
        others.push(best_other);
    }
    println!(
        "raw messages {}; with their copy among the 10 most similar {}",
        raw_msgs.len(),
        copies.len()
    );
    println!("threshold  copies_flagged  best_other_flagged");
    for t in [0.3f32, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8] {
        let share =
            |v: &[f32]| v.iter().filter(|&&s| s >= t).count() as f64 / v.len().max(1) as f64;
        println!(
            "{t:.2}       {:.4}          {:.4}",
            share(&copies),
            share(&others)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seg = Arc::new(Segmenter::new());
    match args.get(1).map(String::as_str) {
        Some("split") if args.len() == 4 => split(Path::new(&args[2]), Path::new(&args[3]), &seg),
        Some("duplicates") if args.len() == 3 => duplicates(Path::new(&args[2]), seg),
        _ => {
            eprintln!(
                "usage: search_data split DATA_DIR OUT_DIR | search_data duplicates DATA_DIR"
            );
            std::process::exit(2);
        }
    }
}
