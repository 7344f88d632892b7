//! Search benchmark: indexing rate and query latency at 10k and 100k cases, against a brute-force
//! TF-IDF cosine scan over the same documents in the same run.
//!
//! `cargo bench --bench search` (figures in docs/benchmarks.md). The corpus is the real board
//! messages of training-data/tipdm2020 (with replies, hot, test and the raw labelled sample),
//! expanded synthetically to the target size: copy k of a message has its sentences rotated by k
//! and its anonymised place codes (A市, A3区) replaced by codes of copy k, so every document is
//! distinct while the vocabulary and lengths stay those of real messages.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use wenzheng::classify::data::Table;
use wenzheng::search::{SearchFilters, SearchIndex, SimilarOptions};
use wenzheng::store::SearchCaseRow;
use wenzheng::text::Segmenter;

struct Message {
    title: String,
    body: String,
}

fn real_messages() -> Vec<Message> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("training-data/tipdm2020");
    let mut out = Vec::new();
    for file in [
        "messages_with_replies.csv",
        "messages_hot_unlabeled.csv",
        "messages_unlabeled_test.csv",
        "messages_labeled_raw_sample.csv",
    ] {
        let t = Table::read_path(&dir.join(file), &["留言主题", "留言详情"]).expect("data file");
        for r in &t.rows {
            out.push(Message {
                title: t.get(r, "留言主题").to_string(),
                body: t.get(r, "留言详情").to_string(),
            });
        }
    }
    out
}

fn expand(real: &[Message], n: usize) -> Vec<SearchCaseRow> {
    let place = regex::Regex::new(r"[A-Z]([0-9]{0,2})(市|区|县)").unwrap();
    let categories = [
        "城乡建设",
        "环境保护",
        "交通运输",
        "教育文体",
        "劳动和社会保障",
        "卫生计生",
        "商贸旅游",
    ];
    let units = [
        "住房和城乡建设局",
        "生态环境局",
        "交通运输局",
        "教育局",
        "人力资源和社会保障局",
        "卫生健康委员会",
        "商务局",
    ];
    (0..n)
        .map(|i| {
            let m = &real[i % real.len()];
            let k = i / real.len();
            let (title, body) = if k == 0 {
                (m.title.clone(), m.body.clone())
            } else {
                let sentences: Vec<&str> = m.body.split_inclusive('。').collect();
                let r = k % sentences.len().max(1);
                let rotated: String = sentences[r..]
                    .iter()
                    .chain(&sentences[..r])
                    .copied()
                    .collect();
                let code = |s: &str| {
                    place
                        .replace_all(s, |c: &regex::Captures<'_>| {
                            format!("{}{}{}", (b'A' + (k % 26) as u8) as char, &c[1], &c[2])
                        })
                        .into_owned()
                };
                (code(&m.title), code(&rotated))
            };
            SearchCaseRow {
                id: i as i64 + 1,
                case_number: format!("2026-{:06}", i + 1),
                title,
                body,
                reply_text: None,
                unit: Some(units[i % units.len()].to_string()),
                category: Some(categories[i % categories.len()].to_string()),
                request_type: Some("投诉".into()),
                urgency: Some("一般".into()),
                status: "received".into(),
                received_at: chrono::Utc::now(),
                replied_at: None,
                publish_consent: false,
                reply_published_at: None,
                merged_into: None,
                contact_name: None,
                location: None,
            }
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The baseline: every document's tf-idf vector (L2-normalised) held in memory, and a query
/// scored against all of them (what a system without an inverted index does).
struct BruteForce {
    docs: Vec<Vec<(u32, f32)>>,
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
}

impl BruteForce {
    fn build(seg: &Segmenter, rows: &[SearchCaseRow]) -> Self {
        let mut vocab: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut tfs: Vec<HashMap<u32, f32>> = Vec::with_capacity(rows.len());
        for r in rows {
            let mut tf: HashMap<u32, f32> = HashMap::new();
            for w in seg.words(&format!("{}\n{}", r.title, r.body)) {
                let next = vocab.len() as u32;
                let id = *vocab.entry(w).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                *tf.entry(id).or_default() += 1.0;
            }
            for id in tf.keys() {
                df[*id as usize] += 1;
            }
            tfs.push(tf);
        }
        let n = rows.len() as f32;
        let idf: Vec<f32> = df.iter().map(|&d| (n / d as f32).ln() + 1.0).collect();
        let docs = tfs
            .into_iter()
            .map(|tf| {
                let mut v: Vec<(u32, f32)> = tf
                    .into_iter()
                    .map(|(id, c)| (id, (1.0 + c.ln()) * idf[id as usize]))
                    .collect();
                let norm = v.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt().max(1e-6);
                v.iter_mut().for_each(|x| x.1 /= norm);
                v.sort_unstable_by_key(|x| x.0);
                v
            })
            .collect();
        BruteForce { docs, vocab, idf }
    }

    fn query(&self, seg: &Segmenter, text: &str, k: usize) -> Vec<(f32, usize)> {
        let mut q: HashMap<u32, f32> = HashMap::new();
        for w in seg.words(text) {
            if let Some(&id) = self.vocab.get(&w) {
                *q.entry(id).or_default() += 1.0;
            }
        }
        for (id, c) in q.iter_mut() {
            *c = (1.0 + c.ln()) * self.idf[*id as usize];
        }
        let mut scored: Vec<(f32, usize)> = self
            .docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                (
                    d.iter()
                        .filter_map(|(id, w)| q.get(id).map(|x| x * w))
                        .sum::<f32>(),
                    i,
                )
            })
            .collect();
        let nth = k.min(scored.len() - 1);
        scored.select_nth_unstable_by(nth, |a, b| b.0.total_cmp(&a.0));
        scored.truncate(k);
        scored
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too, with a small size only.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if quick { &[2_000] } else { &[10_000, 100_000] };
    let seg = Arc::new(Segmenter::new());
    let real = real_messages();
    println!("real messages: {}", real.len());
    let queries: Vec<&Message> = real.iter().step_by(real.len() / 200).take(200).collect();
    for &n in sizes {
        let rows = expand(&real, n);
        let index = SearchIndex::in_memory(seg.clone()).unwrap();
        let started = Instant::now();
        for chunk in rows.chunks(1_000) {
            index.put_cases(chunk).unwrap();
        }
        index.commit(0).unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "n={n}: indexed in {secs:.2} s = {:.0} docs/s",
            n as f64 / secs
        );

        let mut search_ms = Vec::new();
        let mut similar_ms = Vec::new();
        let filters = SearchFilters::default();
        for q in &queries {
            let words: String = q.title.chars().take(12).collect();
            let t = Instant::now();
            let page = index.search_cases(&words, &filters, 1, 20);
            search_ms.push(t.elapsed().as_secs_f64() * 1e3);
            if page.is_err() {
                search_ms.pop();
            }
            let t = Instant::now();
            index
                .similar_to_text(&q.title, &q.body, None, &[], 10, SimilarOptions::default())
                .unwrap();
            similar_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        search_ms.sort_by(f64::total_cmp);
        similar_ms.sort_by(f64::total_cmp);
        println!(
            "n={n}: staff search (facets, snippets, 20 hits) p50={:.2} ms p99={:.2} ms over {} queries",
            percentile(&search_ms, 0.5),
            percentile(&search_ms, 0.99),
            search_ms.len()
        );
        println!(
            "n={n}: similar (more-like-this, 10 hits + cosine) p50={:.2} ms p99={:.2} ms",
            percentile(&similar_ms, 0.5),
            percentile(&similar_ms, 0.99)
        );

        let started = Instant::now();
        let brute = BruteForce::build(&seg, &rows);
        println!(
            "n={n}: baseline vectors built in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        let mut brute_ms = Vec::new();
        for q in queries.iter().take(50) {
            let t = Instant::now();
            brute.query(&seg, &format!("{}\n{}", q.title, q.body), 10);
            brute_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        brute_ms.sort_by(f64::total_cmp);
        println!(
            "n={n}: baseline brute-force tf-idf cosine scan p50={:.2} ms p99={:.2} ms; similar is {:.1}x faster at p50",
            percentile(&brute_ms, 0.5),
            percentile(&brute_ms, 0.99),
            percentile(&brute_ms, 0.5) / percentile(&similar_ms, 0.5)
        );
    }
}
