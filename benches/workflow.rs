//! Criterion benchmarks of the workflow's storage path on SQLite (the embedded default):
//!
//! - `transition_urge`: one workflow action (催办: the rules, a status-guarded UPDATE, the audit
//!   entry and an outbox notice, in one transaction) against the baseline `bare_update`, a single
//!   autocommitted UPDATE of the same row. The ratio is the price of the audit log and the outbox.
//! - `reminder_scan`: one pass of the reminder job over 10,000 open cases none of which owes a
//!   reminder (the steady state), against the baseline `queue_page`, one page of 200 of the staff
//!   queue.
//!
//! Run: `cargo bench --bench workflow`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use wenzheng::cases::{
    Action, Actor, Calendar, CaseNumber, CaseRules, NewMessage, RawNewMessage, Role,
};
use wenzheng::classify::Triage;
use wenzheng::store::{CaseFilter, Store};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let rules = CaseRules {
        calendar: Calendar::parse(
            &std::fs::read_to_string(root.join("models/holidays.toml")).unwrap(),
        )
        .unwrap(),
        ..Default::default()
    };
    let triage = Arc::new(
        Triage::load(
            &root.join("models/department.wzm"),
            &root.join("models/departments.toml"),
        )
        .unwrap(),
    );
    let (store, number) = rt.block_on(async {
        let store = Store::connect(&url).await.unwrap();
        wenzheng::startup::ensure_units(&store, &triage.departments)
            .await
            .unwrap();
        let msg = |i: usize| {
            NewMessage::try_from(RawNewMessage {
                title: Some(format!("小区路灯不亮 {i}")),
                body: Some("某小区门口路灯已经一周不亮，夜间出行不安全，请尽快修复。".into()),
                channel: Some("web".into()),
                publish_consent: Some(true),
                ..Default::default()
            })
            .unwrap()
        };
        let now = Utc::now();
        let receipt = wenzheng::intake::receive(&store, &triage, &rules, msg(0), now)
            .await
            .unwrap();
        let number = CaseNumber::parse(&receipt.case_number).unwrap();
        let dispatcher = Actor {
            name: "调度员".into(),
            role: Role::Dispatcher,
            unit: None,
        };
        wenzheng::workflow::act(
            &store,
            &rules,
            &dispatcher,
            &number,
            &Action::Assign {
                lead_unit: "住房和城乡建设局".into(),
                co_units: vec![],
                complex: false,
                note: None,
            },
            now,
        )
        .await
        .unwrap();
        // 10,000 open cases for the scan, received concurrently (group commit).
        let mut tasks = Vec::new();
        for chunk in 0..20 {
            let (store, triage, rules) = (store.clone(), triage.clone(), rules.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0..500 {
                    wenzheng::intake::receive(
                        &store,
                        &triage,
                        &rules,
                        msg(chunk * 500 + i + 1),
                        now,
                    )
                    .await
                    .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        (store, number)
    });
    let case_id = rt.block_on(store.case_by_number(&number)).unwrap().id;
    let supervisor = Actor {
        name: "督办员".into(),
        role: Role::Supervisor,
        unit: None,
    };

    let mut g = c.benchmark_group("workflow");
    g.bench_function("bare_update", |b| {
        b.iter(|| {
            rt.block_on(store.set_deadlines(case_id, Utc::now(), None, Some("bench")))
                .unwrap()
        })
    });
    g.bench_function("transition_urge", |b| {
        b.iter(|| {
            let case = rt
                .block_on(wenzheng::workflow::act(
                    &store,
                    &rules,
                    &supervisor,
                    black_box(&number),
                    &Action::Urge { note: None },
                    Utc::now(),
                ))
                .unwrap();
            assert_eq!(case.status, "assigned");
        })
    });
    g.bench_function("queue_page", |b| {
        b.iter(|| {
            let page = rt
                .block_on(store.list_cases(&CaseFilter::default(), 1, 200))
                .unwrap();
            assert_eq!(page.items.len(), 200);
        })
    });
    // A time at which no case owes a reminder yet: received just now, due in 7 working days.
    let quiet = Utc::now() + Duration::hours(1);
    g.bench_function("reminder_scan_10k_open", |b| {
        b.iter(|| {
            let r = rt
                .block_on(wenzheng::workflow::jobs::scan(&store, &rules, quiet))
                .unwrap();
            assert_eq!(r.due_soon + r.overdue + r.escalated, 0);
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
