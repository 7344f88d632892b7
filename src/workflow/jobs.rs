//! Background jobs: reminders (即将到期 at the configured share of the reply time, 催办 when
//! overdue, escalation to the supervisors when long overdue) and archiving of closed cases.
//!
//! Every reminder is an ordinary workflow action by the system actor, so it appears in the audit
//! log, and it sets its reminder column in the same transaction, guarded by `IS NULL`: when
//! several instances scan the same database, exactly one writes each reminder (the others get a
//! conflict and skip it).

use chrono::{DateTime, Duration, Utc};

use super::{ActError, act_on, case_state};
use crate::cases::{Action, Actor, CaseRules, CaseStatus};
use crate::store::{DeadlineRow, Reminder, Store, StoreError};

/// What a scan did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub due_soon: usize,
    pub overdue: usize,
    pub escalated: usize,
    pub archived: usize,
}

/// Most cases one scan looks at (earliest deadline first); the next scan takes the rest.
const SCAN_LIMIT: i64 = 2_000;

/// Which reminder a case owes at `now`, if any (the most serious one first).
pub fn reminder_due(row: &DeadlineRow, rules: &CaseRules, now: DateTime<Utc>) -> Option<Reminder> {
    let p = &rules.workflow;
    let escalate_at = row.reply_due + Duration::hours(i64::from(p.escalate_after_hours));
    if row.escalated_at.is_none() && now >= escalate_at {
        return Some(Reminder::Escalate);
    }
    if row.overdue_noticed_at.is_none() && now > row.reply_due {
        return Some(Reminder::Overdue);
    }
    let total = (row.reply_due - row.received_at).num_seconds().max(0) as f64;
    let soon_at = row.received_at + Duration::seconds((total * p.due_soon_fraction) as i64);
    if row.due_soon_noticed_at.is_none()
        && row.overdue_noticed_at.is_none()
        && now >= soon_at
        && now <= row.reply_due
    {
        return Some(Reminder::DueSoon);
    }
    None
}

/// One pass of the reminder and archive jobs at `now`.
pub async fn scan(
    store: &Store,
    rules: &CaseRules,
    now: DateTime<Utc>,
) -> Result<ScanReport, StoreError> {
    let mut report = ScanReport::default();
    let system = Actor::system();
    for row in store.deadline_rows(SCAN_LIMIT).await? {
        let Some(reminder) = reminder_due(&row, rules, now) else {
            continue;
        };
        let case = store.case_by_id(row.id).await?;
        let units = store.case_units(case.id).await?;
        let state = case_state(&case, &units);
        let (action, marks): (Action, Vec<Reminder>) = match reminder {
            Reminder::DueSoon => (
                Action::Urge {
                    note: Some("答复期限即将到期".into()),
                },
                vec![Reminder::DueSoon],
            ),
            // Overdue also settles the due-soon reminder, which is no longer worth sending.
            Reminder::Overdue => (
                Action::Urge {
                    note: Some("已超过答复期限，请立即办理".into()),
                },
                if row.due_soon_noticed_at.is_none() {
                    vec![Reminder::Overdue, Reminder::DueSoon]
                } else {
                    vec![Reminder::Overdue]
                },
            ),
            Reminder::Escalate => {
                let mut marks = vec![];
                if row.overdue_noticed_at.is_none() {
                    marks.push(Reminder::Overdue);
                }
                if row.due_soon_noticed_at.is_none() {
                    marks.push(Reminder::DueSoon);
                }
                (
                    Action::Escalate {
                        note: Some("超期未办结，升级督办".into()),
                    },
                    marks,
                )
            }
        };
        // An unassigned case (received or returned) has no unit to urge: escalate it instead.
        let action = if matches!(state.status, CaseStatus::Received | CaseStatus::Returned)
            && matches!(action, Action::Urge { .. })
        {
            Action::Escalate {
                note: Some("超期未交办".into()),
            }
        } else {
            action
        };
        match act_on(store, rules, &system, &case, &state, &action, &marks, now).await {
            Ok(()) => match reminder {
                Reminder::DueSoon => report.due_soon += 1,
                Reminder::Overdue => report.overdue += 1,
                Reminder::Escalate => report.escalated += 1,
            },
            // Another instance got there first, or the case moved on meanwhile.
            Err(ActError::Store(StoreError::Conflict(_))) | Err(ActError::Workflow(_)) => {}
            Err(ActError::Store(e)) => return Err(e),
            Err(ActError::NotFound(_)) => {}
        }
    }
    let cutoff = now - Duration::days(i64::from(rules.workflow.archive_after_days));
    for id in store.closed_before(cutoff, SCAN_LIMIT).await? {
        let case = store.case_by_id(id).await?;
        let units = store.case_units(id).await?;
        let state = case_state(&case, &units);
        match act_on(
            store,
            rules,
            &system,
            &case,
            &state,
            &Action::Archive,
            &[],
            now,
        )
        .await
        {
            Ok(()) => report.archived += 1,
            Err(ActError::Store(StoreError::Conflict(_))) | Err(ActError::Workflow(_)) => {}
            Err(ActError::Store(e)) => return Err(e),
            Err(ActError::NotFound(_)) => {}
        }
    }
    Ok(report)
}

/// Runs [`scan`] every `every` until the process stops.
pub async fn run(store: Store, rules: std::sync::Arc<CaseRules>, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match scan(&store, &rules, Utc::now()).await {
            Ok(r) if r != ScanReport::default() => {
                tracing::info!(
                    due_soon = r.due_soon,
                    overdue = r.overdue,
                    escalated = r.escalated,
                    archived = r.archived,
                    "reminder scan"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reminder scan failed; retrying next tick"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(received: DateTime<Utc>, due: DateTime<Utc>) -> DeadlineRow {
        DeadlineRow {
            id: 1,
            case_number: "2026-000001".into(),
            received_at: received,
            reply_due: due,
            due_soon_noticed_at: None,
            overdue_noticed_at: None,
            escalated_at: None,
        }
    }

    #[test]
    fn reminders_follow_the_share_of_time_used() {
        let rules = CaseRules::default();
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        let due = start + Duration::days(10);
        let r = row(start, due);
        assert_eq!(reminder_due(&r, &rules, start + Duration::days(7)), None);
        assert_eq!(
            reminder_due(&r, &rules, start + Duration::days(8)),
            Some(Reminder::DueSoon)
        );
        assert_eq!(
            reminder_due(&r, &rules, due + Duration::hours(1)),
            Some(Reminder::Overdue)
        );
        assert_eq!(
            reminder_due(&r, &rules, due + Duration::hours(73)),
            Some(Reminder::Escalate)
        );
        let mut noticed = r.clone();
        noticed.due_soon_noticed_at = Some(start);
        assert_eq!(
            reminder_due(&noticed, &rules, start + Duration::days(9)),
            None
        );
    }
}
