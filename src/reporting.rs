//! Supervision's application layer: reads the rows a report needs from the store, has
//! `supervise` compute it, and records early warnings. Shared by `wenzheng report`, the HTTP API
//! and the background warning scan.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::cases::CaseRules;
use crate::classify::Triage;
use crate::store::{Store, StoreError};
use crate::supervise::hot::{self, HotMessage, HotOptions};
use crate::supervise::warning::{self, CaseFacts};
use crate::supervise::{
    AssessmentPolicy, Month, MonthlyReport, PublicStats, ReportInput, Warning, WarningPolicy,
};

/// Assessment weights and early-warning thresholds, from the configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupervisionSettings {
    pub assessment: AssessmentPolicy,
    pub warnings: WarningPolicy,
}

/// Most cases one early-warning scan clusters (the newest; as for `GET /api/v1/hot`).
pub const WARNING_MAX_CASES: i64 = 5_000;

/// The monthly report of `month`, every state as of `now`.
pub async fn monthly_report(
    store: &Store,
    rules: &CaseRules,
    policy: &AssessmentPolicy,
    month: Month,
    now: DateTime<Utc>,
) -> Result<MonthlyReport, StoreError> {
    let (from, to) = (month.start(), month.end());
    let input = ReportInput {
        cases: store.report_cases(from, to).await?,
        instructions: store.report_instructions(from, to).await?,
        returns: store.report_returns(from, to).await?,
    };
    Ok(crate::supervise::report::monthly_report(
        month, &input, rules, policy, now,
    ))
}

/// Public statistics of the `months` months up to and including the current one.
pub async fn public_stats(
    store: &Store,
    rules: &CaseRules,
    months: u32,
    now: DateTime<Utc>,
) -> Result<PublicStats, StoreError> {
    let last = Month::of(now);
    let mut first = last;
    for _ in 1..months.max(1) {
        first = first.prev();
    }
    let cases = store.public_cases(first.start(), last.end()).await?;
    Ok(crate::supervise::public::public_stats(
        &cases, last, months, rules, now,
    ))
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("topic detection failed: {0}")]
    Detection(String),
}

/// What an early-warning scan found and recorded.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ScanOutcome {
    /// Cases the topics were detected in.
    pub cases_scanned: usize,
    /// Every topic that meets the rule now.
    pub warnings: Vec<Warning>,
    /// Ids of the warnings recorded by this scan (the others were known already).
    pub recorded: Vec<i64>,
}

/// Detects hot topics over the last `lookback_days` and records the new warnings.
pub async fn scan_warnings(
    store: &Store,
    triage: Arc<Triage>,
    policy: &WarningPolicy,
    now: DateTime<Utc>,
) -> Result<ScanOutcome, ScanError> {
    let since = now - Duration::days(i64::from(policy.lookback_days));
    let rows = store.topic_cases(since, WARNING_MAX_CASES).await?;
    let facts: CaseFacts = rows
        .iter()
        .map(|r| {
            (
                r.case_number.clone(),
                (r.received_at, r.urgency.as_deref() == Some("特急")),
            )
        })
        .collect();
    let messages: Vec<HotMessage> = rows
        .into_iter()
        .map(|r| HotMessage {
            id: r.case_number,
            user: r.who,
            title: r.title,
            body: r.body,
            time: r.received_at,
            likes: 0,
            dislikes: 0,
            label: None,
        })
        .collect();
    let cases_scanned = messages.len();
    let opts = HotOptions {
        window: Duration::days(i64::from(policy.lookback_days)),
        ..HotOptions::default()
    };
    // Clustering is CPU work: keep it off the async workers.
    let topics =
        tokio::task::spawn_blocking(move || hot::detect(&messages, &triage.segmenter, opts, 2))
            .await
            .map_err(|e| ScanError::Detection(e.to_string()))?;
    let warnings = warning::evaluate(&topics, &facts, policy, now);
    let mut recorded = Vec::new();
    for w in &warnings {
        if let Some(id) = store.record_warning(w, now).await? {
            recorded.push(id);
        }
    }
    Ok(ScanOutcome {
        cases_scanned,
        warnings,
        recorded,
    })
}

/// The background early-warning scan: every `every`, until the task is aborted.
pub async fn run_warning_scans(
    store: Store,
    triage: Arc<Triage>,
    policy: WarningPolicy,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match scan_warnings(&store, triage.clone(), &policy, Utc::now()).await {
            Ok(o) if !o.recorded.is_empty() => {
                tracing::warn!(
                    new = o.recorded.len(),
                    "舆情预警: new early warnings recorded"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "early-warning scan failed"),
        }
    }
}
