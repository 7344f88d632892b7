//! The workflow's application layer: loads a case, asks the rules (`cases::decide`) whether the
//! actor may act and what follows, and has the store apply the transition in one transaction.
//! Also people (passwords, sessions), the reminder and archive jobs, and the outbox sender.
//!
//! Nothing here knows about HTTP; the `http` module maps [`ActError`] to status codes.

pub mod jobs;
pub mod people;
pub mod sender;

use chrono::{DateTime, Utc};

use crate::cases::{Action, Actor, CaseNumber, CaseRules, CaseState, CaseStatus, WorkflowError};
use crate::store::{CaseRecord, Reminder, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// No such case, or one the actor may not see (a handler of another unit): both look the same
    /// from outside, so a handler cannot probe other units' case numbers.
    #[error("no case {0}")]
    NotFound(String),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The rules' view of a stored case.
pub fn case_state(case: &CaseRecord, units: &[crate::store::CaseUnit]) -> CaseState {
    CaseState {
        status: CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Received),
        received_at: case.received_at,
        lead_unit: units
            .iter()
            .find(|u| u.role == "主办")
            .map(|u| u.unit.clone()),
        co_units: units
            .iter()
            .filter(|u| u.role != "主办")
            .map(|u| u.unit.clone())
            .collect(),
        urgency: case.urgency.clone().or(case.suggested_urgency.clone()),
        request_type: case.request_type.clone().or(case.suggested_type.clone()),
        is_complex: case.is_complex,
        reply_due: case.reply_due,
        paused_at: case.paused_at,
        paused_from: case.paused_from.as_deref().and_then(CaseStatus::parse),
        reply_draft: case.reply_draft.clone(),
    }
}

/// A case as `actor` may see it: `NotFound` for a handler of another unit.
pub async fn load_visible(
    store: &Store,
    actor: &Actor,
    number: &CaseNumber,
) -> Result<(CaseRecord, CaseState), ActError> {
    let case = store.case_by_number(number).await.map_err(|e| match e {
        StoreError::NotFound => ActError::NotFound(number.to_string()),
        other => other.into(),
    })?;
    let units = store.case_units(case.id).await?;
    let state = case_state(&case, &units);
    if !state.visible_to(actor) {
        return Err(ActError::NotFound(number.to_string()));
    }
    Ok((case, state))
}

/// Takes `action` on case `number` as `actor` at `now`; returns the case as it is afterwards.
pub async fn act(
    store: &Store,
    rules: &CaseRules,
    actor: &Actor,
    number: &CaseNumber,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<CaseRecord, ActError> {
    let (case, state) = load_visible(store, actor, number).await?;
    act_on(store, rules, actor, &case, &state, action, &[], now).await?;
    Ok(store.case_by_id(case.id).await?)
}

/// Takes `action` on an already loaded case. `marks` are reminder columns set in the same
/// transaction (the jobs use them so that a reminder is written once, also across instances).
#[allow(clippy::too_many_arguments)]
pub async fn act_on(
    store: &Store,
    rules: &CaseRules,
    actor: &Actor,
    case: &CaseRecord,
    state: &CaseState,
    action: &Action,
    marks: &[Reminder],
    now: DateTime<Utc>,
) -> Result<(), ActError> {
    let t = crate::cases::decide(state, actor, action, now, rules, &rules.workflow)?;
    store
        .apply_transition(case.id, &t, actor, marks, now)
        .await?;
    tracing::info!(case = %case.case_number, action = t.action, from = t.from.code(), to = t.to.code(), actor = %actor.name, role = actor.role.code(), "workflow transition");
    metrics::counter!("wenzheng_workflow_transitions_total", "action" => t.action).increment(1);
    Ok(())
}
