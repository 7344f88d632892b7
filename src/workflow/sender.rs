//! Delivering the outbox. A [`Sender`] is pluggable: the log sender writes each notice to the
//! service log; the webhook sender POSTs it as JSON to a URL (plain HTTP, e.g. an internal SMS or
//! messaging gateway) with the notice's dedupe key in `Idempotency-Key`.
//!
//! Delivery is at least once with a claim lease: a notice is claimed (so no two workers send it at
//! the same time, also across instances), sent, then marked sent by its claimant. Only a crash
//! between sending and marking, with the lease then expiring, can send a notice again; the
//! receiver drops that repeat by its `Idempotency-Key`.

use std::sync::Arc;

use chrono::{Duration, Utc};

use crate::store::{Notice, Store};

/// Delivers one notice; an error means "try again later".
pub trait Sender: Send + Sync + 'static {
    fn send<'a>(
        &'a self,
        notice: &'a Notice,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;
}

/// Writes notices to the log (the default: nothing is lost, and a deployment can ship logs).
pub struct LogSender;

impl Sender for LogSender {
    fn send<'a>(
        &'a self,
        n: &'a Notice,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            tracing::info!(notice = n.id, kind = %n.kind, recipient = %n.recipient, payload = %n.payload, "notice");
            Ok(())
        })
    }
}

/// POSTs each notice as JSON to a URL.
pub struct WebhookSender {
    pub url: String,
    pub client: reqwest::Client,
}

impl WebhookSender {
    pub fn new(url: String) -> WebhookSender {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        WebhookSender { url, client }
    }
}

impl Sender for WebhookSender {
    fn send<'a>(
        &'a self,
        n: &'a Notice,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let payload: serde_json::Value =
                serde_json::from_str(&n.payload).unwrap_or(serde_json::Value::Null);
            let body = serde_json::json!({
                "id": n.dedupe_key,
                "kind": n.kind,
                "recipient": n.recipient,
                "notice": payload,
            });
            let resp = self
                .client
                .post(&self.url)
                .header("Idempotency-Key", &n.dedupe_key)
                .json(&body)
                .send()
                .await
                .map_err(|e| format!("webhook: {e}"))?;
            if resp.status().is_success() {
                Ok(())
            } else {
                Err(format!("webhook answered {}", resp.status()))
            }
        })
    }
}

/// Claims and sends pending notices until none is left; returns how many were sent.
pub async fn deliver_pending(
    store: &Store,
    sender: &dyn Sender,
    worker: &str,
) -> Result<usize, crate::store::StoreError> {
    let mut sent = 0;
    loop {
        let now = Utc::now();
        let batch = store
            .claim_notices(worker, now, Duration::seconds(60), 50)
            .await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        for n in &batch {
            match sender.send(n).await {
                Ok(()) => {
                    if store.mark_notice_sent(n.id, worker, Utc::now()).await? {
                        sent += 1;
                    } else {
                        tracing::warn!(
                            notice = n.id,
                            "notice sent after its claim expired; the receiver may see it twice (same Idempotency-Key)"
                        );
                    }
                    metrics::counter!("wenzheng_notices_sent_total", "kind" => n.kind.clone())
                        .increment(1);
                }
                Err(e) => {
                    // Back off 30 s, 60 s, … up to an hour.
                    let wait = Duration::seconds((30 * i64::from(n.attempts.max(1))).min(3600));
                    tracing::warn!(notice = n.id, attempts = n.attempts, error = %e, "notice delivery failed; will retry");
                    store
                        .mark_notice_failed(n.id, worker, &e, Utc::now() + wait)
                        .await?;
                }
            }
        }
    }
}

/// Delivers the outbox every `every` until the process stops.
pub async fn run(
    store: Store,
    sender: Arc<dyn Sender>,
    worker: String,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = deliver_pending(&store, sender.as_ref(), &worker).await {
            tracing::warn!(error = %e, "outbox delivery failed; retrying next tick");
        }
    }
}
