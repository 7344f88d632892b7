//! Keeping an index in step with the database.
//!
//! Triggers on `cases` and `faq_entries` append `(seq, entity, id)` to `search_changes` on every
//! insert and update, whichever instance or code path wrote it. Each instance's [`Follower`]
//! polls the rows after its position, re-reads the changed rows from the database (so the index
//! always gets the current state, and applying a change twice is harmless), commits them in one
//! batch and reloads the reader: a change is searchable within about one poll interval.
//!
//! The position saved with each commit is a *watermark*: every change at or below it has been
//! applied. On PostgreSQL a sequence value is taken when a transaction inserts but becomes visible
//! only when it commits, so seq 10 can be visible while seq 9 is not yet (or never, if that
//! transaction rolls back — e.g. a failed group-commit batch that is then retried row by row).
//! The follower therefore applies every change it sees at once, but moves the watermark past a
//! missing seq only when the gap has stayed open for [`GAP_GRACE`]: long enough for any insert
//! transaction of ours (they are short) to commit, while a rolled-back seq cannot stall it.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{SearchError, SearchIndex};
use crate::store::Store;

/// How often the follower asks for new changes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How long a gap in the sequence is waited for before it is taken to be a rollback.
pub const GAP_GRACE: Duration = Duration::from_secs(10);
/// Most changes read per poll.
const BATCH: i64 = 2_000;
/// Rows per page when rebuilding.
const REBUILD_PAGE: i64 = 1_000;
/// A rebuild reads the last seq first and then the rows; changes of transactions still open at
/// that moment carry seqs a little below it. Replaying this many changes after a rebuild covers
/// them, at the cost of re-indexing a few rows.
const REBUILD_REPLAY: i64 = 1_000;
/// Changes older than this are pruned from the database; an instance that was down longer
/// rebuilds its index at start.
pub const CHANGE_RETENTION: chrono::Duration = chrono::Duration::days(7);

/// Where an index stands in the change sequence.
#[derive(Debug)]
pub struct Follower {
    /// Every change with seq ≤ watermark is applied.
    watermark: i64,
    /// Changes above the watermark already applied (above a gap).
    applied: BTreeSet<i64>,
    /// The lowest missing seq and when it was first seen missing.
    gap: Option<(i64, Instant)>,
}

impl Follower {
    pub fn new(watermark: i64) -> Self {
        Follower {
            watermark,
            applied: BTreeSet::new(),
            gap: None,
        }
    }

    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    /// Records applied seqs and moves the watermark over every contiguous one, and over a gap
    /// that has been open for longer than `grace`.
    pub fn advance(&mut self, seqs: impl IntoIterator<Item = i64>, now: Instant, grace: Duration) {
        self.applied
            .extend(seqs.into_iter().filter(|&s| s > self.watermark));
        loop {
            while self.applied.remove(&(self.watermark + 1)) {
                self.watermark += 1;
            }
            let Some(&next) = self.applied.first() else {
                self.gap = None;
                return;
            };
            let missing = self.watermark + 1;
            match self.gap {
                Some((seq, since)) if seq == missing => {
                    if now.duration_since(since) < grace {
                        return;
                    }
                    // Taken to be a rolled-back transaction: skip to the next applied seq.
                    tracing::debug!(
                        from = missing,
                        to = next - 1,
                        "search sync: skipping a sequence gap"
                    );
                    self.watermark = next - 1;
                    self.gap = None;
                }
                _ => {
                    self.gap = Some((missing, now));
                    return;
                }
            }
        }
    }

    /// Whether `seq` was applied already.
    fn is_applied(&self, seq: i64) -> bool {
        seq <= self.watermark || self.applied.contains(&seq)
    }
}

/// Re-reads the given changed entities from the database and writes them into the index
/// (not committed).
async fn apply(
    index: &Arc<SearchIndex>,
    store: &Store,
    case_ids: Vec<i64>,
    faq_ids: Vec<i64>,
) -> Result<(), SearchError> {
    let cases = store.search_cases_by_ids(&case_ids).await?;
    let faqs = store.faq_by_ids(&faq_ids).await?;
    let index = index.clone();
    tokio::task::spawn_blocking(move || {
        let found: BTreeSet<i64> = cases.iter().map(|c| c.id).collect();
        let gone: Vec<i64> = case_ids
            .into_iter()
            .filter(|id| !found.contains(id))
            .collect();
        index.delete_cases(&gone);
        index.put_cases(&cases)?;
        let found: BTreeSet<i64> = faqs.iter().map(|c| c.id).collect();
        let gone: Vec<i64> = faq_ids
            .into_iter()
            .filter(|id| !found.contains(id))
            .collect();
        index.delete_faqs(&gone);
        index.put_faqs(&faqs)
    })
    .await
    .map_err(|e| SearchError::Index(tantivy::TantivyError::InternalError(e.to_string())))?
}

async fn commit(index: &Arc<SearchIndex>, position: i64) -> Result<(), SearchError> {
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.commit(position))
        .await
        .map_err(|e| SearchError::Index(tantivy::TantivyError::InternalError(e.to_string())))?
}

/// One poll: applies every new change, commits if there was any. Returns how many were applied.
pub async fn poll_once(
    index: &Arc<SearchIndex>,
    store: &Store,
    follower: &mut Follower,
) -> Result<usize, SearchError> {
    let changes = store
        .search_changes_after(follower.watermark(), BATCH)
        .await?;
    let fresh: Vec<_> = changes
        .into_iter()
        .filter(|c| !follower.is_applied(c.seq))
        .collect();
    let before = follower.watermark();
    if !fresh.is_empty() {
        let mut case_ids: Vec<i64> = Vec::new();
        let mut faq_ids: Vec<i64> = Vec::new();
        for c in &fresh {
            match c.entity.as_str() {
                "case" => case_ids.push(c.entity_id),
                "faq" => faq_ids.push(c.entity_id),
                _ => {}
            }
        }
        case_ids.sort_unstable();
        case_ids.dedup();
        faq_ids.sort_unstable();
        faq_ids.dedup();
        apply(index, store, case_ids, faq_ids).await?;
    }
    follower.advance(fresh.iter().map(|c| c.seq), Instant::now(), GAP_GRACE);
    if !fresh.is_empty() || follower.watermark() != before {
        commit(index, follower.watermark()).await?;
    }
    Ok(fresh.len())
}

/// Rebuilds the index from the database: every case and FAQ entry. Returns the documents
/// written and the follower to continue from.
pub async fn rebuild(
    index: &Arc<SearchIndex>,
    store: &Store,
    mut progress: impl FnMut(usize),
) -> Result<(usize, Follower), SearchError> {
    let last = store.search_change_bounds().await?.map_or(0, |(_, hi)| hi);
    {
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.clear())
            .await
            .map_err(|e| {
                SearchError::Index(tantivy::TantivyError::InternalError(e.to_string()))
            })??;
    }
    let mut written = 0;
    let mut after = 0;
    loop {
        let rows = store.search_cases_page(after, REBUILD_PAGE).await?;
        let Some(last_row) = rows.last() else { break };
        after = last_row.id;
        written += rows.len();
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.put_cases(&rows))
            .await
            .map_err(|e| {
                SearchError::Index(tantivy::TantivyError::InternalError(e.to_string()))
            })??;
        progress(written);
    }
    let mut after = 0;
    loop {
        let rows = store.faq_page(after, REBUILD_PAGE).await?;
        let Some(last_row) = rows.last() else { break };
        after = last_row.id;
        written += rows.len();
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.put_faqs(&rows))
            .await
            .map_err(|e| {
                SearchError::Index(tantivy::TantivyError::InternalError(e.to_string()))
            })??;
    }
    let follower = Follower::new((last - REBUILD_REPLAY).max(0));
    commit(index, follower.watermark()).await?;
    Ok((written, follower))
}

/// Brings an opened index up to date before the service answers: rebuilds it when it was
/// recreated or has fallen behind the pruned change sequence, then applies pending changes.
pub async fn catch_up(
    index: &Arc<SearchIndex>,
    store: &Store,
    state: super::OpenState,
) -> Result<Follower, SearchError> {
    let saved = index.saved_position();
    let bounds = store.search_change_bounds().await?;
    let behind = match (saved, bounds) {
        (None, _) => true,
        (Some(pos), Some((lo, _))) => pos < lo - 1,
        (Some(_), None) => false,
    };
    let mut follower = if state == super::OpenState::Recreated || behind {
        let started = Instant::now();
        let (n, follower) = rebuild(index, store, |_| {}).await?;
        tracing::info!(
            documents = n,
            seconds = started.elapsed().as_secs_f64(),
            "search index rebuilt from the database"
        );
        follower
    } else {
        Follower::new(saved.unwrap_or(0))
    };
    while poll_once(index, store, &mut follower).await? > 0 {}
    Ok(follower)
}

/// The follower task of a running service: polls until the process ends; prunes old changes
/// about once an hour. Errors are logged and retried (the database may be briefly away).
pub async fn follow(index: Arc<SearchIndex>, store: Store, mut follower: Follower) {
    let mut last_prune = Instant::now() - Duration::from_secs(3600);
    loop {
        match poll_once(&index, &store, &mut follower).await {
            Ok(n) if n > 0 => {
                metrics::counter!("wenzheng_search_changes_applied_total").increment(n as u64);
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "search sync failed; retrying"),
        }
        if last_prune.elapsed() > Duration::from_secs(3600) {
            last_prune = Instant::now();
            match store
                .prune_search_changes(chrono::Utc::now() - CHANGE_RETENTION)
                .await
            {
                Ok(n) if n > 0 => tracing::info!(pruned = n, "old search changes pruned"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning search changes failed"),
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watermark_moves_over_contiguous_changes() {
        let mut f = Follower::new(0);
        let t = Instant::now();
        f.advance([1, 2, 3], t, GAP_GRACE);
        assert_eq!(f.watermark(), 3);
    }

    #[test]
    fn a_gap_holds_the_watermark_until_the_grace_period_ends() {
        let mut f = Follower::new(8);
        let t = Instant::now();
        // seq 10 committed before seq 9.
        f.advance([10], t, GAP_GRACE);
        assert_eq!(f.watermark(), 8);
        assert!(f.is_applied(10) && !f.is_applied(9));
        // 9 commits a moment later: both are covered.
        f.advance([9], t + Duration::from_secs(1), GAP_GRACE);
        assert_eq!(f.watermark(), 10);
    }

    #[test]
    fn a_rolled_back_seq_is_skipped_after_the_grace_period() {
        let mut f = Follower::new(8);
        let t = Instant::now();
        f.advance([10, 11], t, GAP_GRACE);
        f.advance([], t + GAP_GRACE / 2, GAP_GRACE);
        assert_eq!(f.watermark(), 8);
        f.advance([], t + GAP_GRACE + Duration::from_millis(1), GAP_GRACE);
        assert_eq!(f.watermark(), 11);
    }

    #[test]
    fn two_gaps_each_wait_their_own_grace() {
        let mut f = Follower::new(0);
        let t = Instant::now();
        f.advance([2, 4], t, GAP_GRACE);
        assert_eq!(f.watermark(), 0);
        let later = t + GAP_GRACE + Duration::from_millis(1);
        f.advance([], later, GAP_GRACE);
        // Gap at 1 skipped; the gap at 3 is first noticed now.
        assert_eq!(f.watermark(), 2);
        f.advance([], later + GAP_GRACE + Duration::from_millis(1), GAP_GRACE);
        assert_eq!(f.watermark(), 4);
    }
}
