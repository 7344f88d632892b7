//! Criterion benchmarks for the triage path: normalisation + segmentation, feature extraction,
//! and one-message triage end to end, on real board messages.
//!
//! Each benchmark also asserts its result (a word count, a label) so a "fast" run that does nothing
//! fails instead of looking good. Run: `cargo bench --bench triage`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wenzheng::classify::Triage;
use wenzheng::classify::data::{Table, message_text};
use wenzheng::text::Segmenter;

fn messages() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("training-data/tipdm2020/messages_labeled_raw_sample.csv");
    let t = Table::read_path(&path, &["留言主题", "留言详情"]).expect("raw sample");
    t.rows
        .iter()
        .map(|r| message_text(t.get(r, "留言主题"), t.get(r, "留言详情")))
        .collect()
}

fn bench(c: &mut Criterion) {
    let msgs = messages();
    let bytes: usize = msgs.iter().map(String::len).sum();
    let seg = Segmenter::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let triage = Triage::load(
        &root.join("models/department.wzm"),
        &root.join("models/departments.toml"),
    )
    .expect("model");

    let mut g = c.benchmark_group("segmentation");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("words_447_messages", |b| {
        b.iter(|| {
            let n: usize = msgs.iter().map(|m| seg.words(black_box(m)).len()).sum();
            assert!(n > 40_000, "segmented {n} words");
            n
        })
    });
    g.finish();

    let one = &msgs[0];
    let words = seg.words(one);
    let mut g = c.benchmark_group("triage");
    g.bench_function("features_one_message", |b| {
        b.iter(|| {
            let x = triage.department.vectorizer.transform(black_box(&words));
            assert!(!x.indices.is_empty());
            x
        })
    });
    g.bench_function("triage_one_message", |b| {
        b.iter(|| {
            let r = triage.triage("", black_box(one));
            assert!(!r.department.category.is_empty());
            r
        })
    });
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.bench_function("triage_447_messages", |b| {
        b.iter(|| {
            msgs.iter()
                .filter(|m| triage.triage("", black_box(m)).department.confidence > 0.0)
                .count()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
