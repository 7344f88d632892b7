//! The case workflow (办理流程) as a pure state machine: which action may be taken in which state,
//! by whom, and what it changes. The caller passes the case's current state, the actor, the
//! action, "now" and the rules; [`decide`] answers with a [`Transition`] (new state, effects, the
//! audit entry's words) or a [`WorkflowError`] naming the state and the action. The store applies
//! a transition in one transaction, guarded by the state it was decided from, so two people acting
//! on the same case at once cannot both win.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{CaseRules, CaseStatus};

/// Who may do what. Citizens reach their own case only, by tracking code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 交办员 (the office): assigns, re-assigns, merges, closes.
    Dispatcher,
    /// 承办人: works the cases of their own unit only.
    Handler,
    /// 审核员: reviews and publishes replies.
    Reviewer,
    /// 领导: reads everything, gives instructions (批示).
    Leader,
    /// 督办员: reads everything, urges (催办), reopens; receives escalations.
    Supervisor,
    /// 管理员: everything, plus people and units.
    Admin,
    /// 市民, by tracking code.
    Citizen,
    /// The service itself (urging, escalation, archiving).
    System,
}

impl Role {
    pub const STAFF: [Role; 6] = [
        Role::Dispatcher,
        Role::Handler,
        Role::Reviewer,
        Role::Leader,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Dispatcher => "dispatcher",
            Role::Handler => "handler",
            Role::Reviewer => "reviewer",
            Role::Leader => "leader",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Citizen => "citizen",
            Role::System => "system",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Role::Dispatcher => "交办员",
            Role::Handler => "承办人",
            Role::Reviewer => "审核员",
            Role::Leader => "领导",
            Role::Supervisor => "督办员",
            Role::Admin => "管理员",
            Role::Citizen => "市民",
            Role::System => "系统",
        }
    }

    /// Staff roles only: citizen and system are never given to a person's login.
    pub fn parse_staff(code: &str) -> Option<Role> {
        Self::STAFF.into_iter().find(|r| r.code() == code)
    }
}

/// The person (or the service) acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    /// A handler's unit; `None` for everyone else.
    pub unit: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            name: "系统".into(),
            role: Role::System,
            unit: None,
        }
    }

    pub fn citizen() -> Actor {
        Actor {
            name: "市民".into(),
            role: Role::Citizen,
            unit: None,
        }
    }
}

/// 满意度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Satisfaction {
    满意,
    基本满意,
    不满意,
}

impl Satisfaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::满意 => "满意",
            Satisfaction::基本满意 => "基本满意",
            Satisfaction::不满意 => "不满意",
        }
    }

    pub fn parse(s: &str) -> Option<Satisfaction> {
        match s {
            "满意" => Some(Satisfaction::满意),
            "基本满意" => Some(Satisfaction::基本满意),
            "不满意" => Some(Satisfaction::不满意),
            _ => None,
        }
    }
}

/// What the workflow rules need to know about a case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseState {
    pub status: CaseStatus,
    pub received_at: DateTime<Utc>,
    /// 主办单位.
    pub lead_unit: Option<String>,
    /// 协办单位.
    pub co_units: Vec<String>,
    pub urgency: Option<String>,
    pub request_type: Option<String>,
    pub is_complex: bool,
    pub reply_due: Option<DateTime<Utc>>,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_from: Option<CaseStatus>,
    pub reply_draft: Option<String>,
}

impl CaseState {
    /// Whether `actor` may see this case at all. Handlers see the cases of their unit (lead or
    /// co-handling); every other staff role sees all cases.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        match actor.role {
            Role::Handler => actor.unit.as_deref().is_some_and(|u| self.involves(u)),
            Role::Citizen => false,
            _ => true,
        }
    }

    fn involves(&self, unit: &str) -> bool {
        self.lead_unit.as_deref() == Some(unit) || self.co_units.iter().any(|u| u == unit)
    }
}

/// Limits on text fields, in characters.
pub const NOTE_MAX: usize = 1_000;
pub const REPLY_MAX: usize = 10_000;

/// An action on a case, with what the actor sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// 交办 (or 改派 after a return): lead unit, co-handling units, whether it is complex.
    Assign {
        lead_unit: String,
        co_units: Vec<String>,
        complex: bool,
        note: Option<String>,
    },
    /// 签收: the lead unit accepts the case.
    Accept { note: Option<String> },
    /// 退单: the lead unit returns the case, with its reason.
    Return { reason: String },
    /// 并单: this case is a duplicate of `main_case` (a case number; the store checks it).
    Merge {
        main_case: String,
        note: Option<String>,
    },
    /// 挂起: stop the clock while waiting on the citizen.
    Pause { reason: String },
    /// 恢复办理.
    Resume { note: Option<String> },
    /// 批示: a leader's instruction, due back in `due_working_days`.
    Instruct { text: String, due_working_days: u32 },
    /// The unit reports back on an instruction.
    ReportInstruction { instruction_id: i64, text: String },
    /// The unit submits its reply for review.
    SubmitReply { text: String },
    /// The office sends the reply back to the unit.
    RejectReply { reason: String },
    /// The office publishes the reply (部门回应).
    Publish { note: Option<String> },
    /// The citizen rates the reply.
    Rate {
        satisfaction: Satisfaction,
        comment: Option<String>,
    },
    /// 办结 without a rating.
    Close { note: Option<String> },
    /// 重新办理 after 办结 (e.g. on a complaint about the answer).
    Reopen { reason: String },
    /// 归档.
    Archive,
    /// 催办.
    Urge { note: Option<String> },
    /// Raise a long-overdue case to the supervisors.
    Escalate { note: Option<String> },
}

impl Action {
    /// The action's code, as used in URLs and the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            Action::Assign { .. } => "assign",
            Action::Accept { .. } => "accept",
            Action::Return { .. } => "return",
            Action::Merge { .. } => "merge",
            Action::Pause { .. } => "pause",
            Action::Resume { .. } => "resume",
            Action::Instruct { .. } => "instruct",
            Action::ReportInstruction { .. } => "report_instruction",
            Action::SubmitReply { .. } => "submit_reply",
            Action::RejectReply { .. } => "reject_reply",
            Action::Publish { .. } => "publish",
            Action::Rate { .. } => "rate",
            Action::Close { .. } => "close",
            Action::Reopen { .. } => "reopen",
            Action::Archive => "archive",
            Action::Urge { .. } => "urge",
            Action::Escalate { .. } => "escalate",
        }
    }

    /// The action's Chinese name.
    pub fn chinese(&self) -> &'static str {
        match self {
            Action::Assign { .. } => "交办",
            Action::Accept { .. } => "签收",
            Action::Return { .. } => "退单",
            Action::Merge { .. } => "并单",
            Action::Pause { .. } => "挂起",
            Action::Resume { .. } => "恢复办理",
            Action::Instruct { .. } => "批示",
            Action::ReportInstruction { .. } => "批示反馈",
            Action::SubmitReply { .. } => "提交答复",
            Action::RejectReply { .. } => "退回修改",
            Action::Publish { .. } => "审核发布",
            Action::Rate { .. } => "满意度评价",
            Action::Close { .. } => "办结",
            Action::Reopen { .. } => "重新办理",
            Action::Archive => "归档",
            Action::Urge { .. } => "催办",
            Action::Escalate { .. } => "升级督办",
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkflowError {
    #[error("{action} ({code}) is not allowed while the case is {status}")]
    IllegalTransition {
        action: &'static str,
        code: &'static str,
        status: CaseStatus,
    },
    #[error("{role} may not {action} ({code}){why}")]
    Forbidden {
        role: &'static str,
        action: &'static str,
        code: &'static str,
        why: &'static str,
    },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

/// Settings of the workflow that are policy, not law.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowPolicy {
    /// A 不满意 rating sends the case back to the unit (重新办理) instead of closing it.
    pub reopen_on_unsatisfied: bool,
    /// Working days a leader's instruction gives unless the leader says otherwise.
    pub instruction_working_days: u32,
    /// Closed cases are archived after this many days.
    pub archive_after_days: u32,
    /// Share of the reply time used at which the unit is warned (即将到期).
    pub due_soon_fraction: f64,
    /// Hours past the reply deadline at which a case is escalated to the supervisors.
    pub escalate_after_hours: u32,
}

impl Default for WorkflowPolicy {
    fn default() -> Self {
        WorkflowPolicy {
            reopen_on_unsatisfied: true,
            instruction_working_days: 3,
            archive_after_days: 30,
            due_soon_fraction: 0.8,
            escalate_after_hours: 72,
        }
    }
}

/// A change the store must make besides the new status, in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Replace the case's units (and its department, the lead unit).
    SetUnits {
        lead_unit: Option<String>,
        co_units: Vec<String>,
    },
    SetComplex(bool),
    SetReplyDue {
        due: Option<DateTime<Utc>>,
        note: Option<String>,
    },
    StartPause {
        at: DateTime<Utc>,
        from: CaseStatus,
        reason: String,
    },
    EndPause,
    /// Point this case at its main case (resolved by the store from the case number).
    MergeInto {
        main_case: String,
    },
    SaveDraft {
        text: String,
        by: String,
    },
    /// Copy the draft into the public reply; the store also passes it on to merged cases.
    PublishReply {
        by: String,
    },
    Rate {
        satisfaction: Satisfaction,
        comment: Option<String>,
    },
    CountReopen,
    MarkClosed,
    MarkArchived,
    MarkEscalated,
    AddInstruction {
        text: String,
        due_at: DateTime<Utc>,
    },
    ReportInstruction {
        instruction_id: i64,
        text: String,
    },
    /// A message to someone, through the outbox.
    Notify {
        kind: &'static str,
        recipient: String,
        text: String,
    },
}

/// The outcome of a permitted action.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub action: &'static str,
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub effects: Vec<Effect>,
    /// The audit entry's note (the reason, the instruction, the comment...).
    pub note: Option<String>,
}

/// Recipient name of the dispatching office in notices.
pub const OFFICE: &str = "交办中心";
/// Recipient name of the supervisors in notices.
pub const SUPERVISORS: &str = "督办组";

fn required(field: &'static str, text: &str, max: usize) -> Result<String, WorkflowError> {
    let t = text.trim();
    if t.chars().count() < 2 {
        return Err(WorkflowError::Invalid {
            field,
            message: "is required (at least 2 characters)".into(),
        });
    }
    if t.chars().count() > max {
        return Err(WorkflowError::Invalid {
            field,
            message: format!("must be at most {max} characters"),
        });
    }
    Ok(t.to_string())
}

fn optional(field: &'static str, text: &Option<String>) -> Result<Option<String>, WorkflowError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > NOTE_MAX => Err(WorkflowError::Invalid {
            field,
            message: format!("must be at most {NOTE_MAX} characters"),
        }),
        Some(t) => Ok(Some(t.to_string())),
    }
}

/// Decides whether `actor` may take `action` on a case in `state` at `now`, and what follows.
pub fn decide(
    state: &CaseState,
    actor: &Actor,
    action: &Action,
    now: DateTime<Utc>,
    rules: &CaseRules,
    policy: &WorkflowPolicy,
) -> Result<Transition, WorkflowError> {
    use CaseStatus as S;
    use Role as R;
    let from = state.status;
    let illegal = || WorkflowError::IllegalTransition {
        action: action.chinese(),
        code: action.code(),
        status: from,
    };
    let forbid = |why: &'static str| WorkflowError::Forbidden {
        role: actor.role.chinese(),
        action: action.chinese(),
        code: action.code(),
        why,
    };
    let allow = |roles: &[Role]| -> Result<(), WorkflowError> {
        if roles.contains(&actor.role) || actor.role == R::Admin {
            Ok(())
        } else {
            Err(forbid(""))
        }
    };
    // A handler acts only for the lead unit of the case.
    let lead_handler = || -> Result<(), WorkflowError> {
        match actor.role {
            R::Admin => Ok(()),
            R::Handler if actor.unit.is_some() && actor.unit == state.lead_unit => Ok(()),
            R::Handler => Err(forbid(": only the lead unit (主办单位) may")),
            _ => Err(forbid("")),
        }
    };
    if actor.role != R::System && actor.role != R::Citizen && !state.visible_to(actor) {
        return Err(forbid(": the case belongs to another unit"));
    }
    let t = |to: CaseStatus, effects: Vec<Effect>, note: Option<String>| Transition {
        action: action.code(),
        from,
        to,
        effects,
        note,
    };
    match action {
        Action::Assign {
            lead_unit,
            co_units,
            complex,
            note,
        } => {
            allow(&[R::Dispatcher])?;
            if !matches!(from, S::Received | S::Returned | S::Assigned) {
                return Err(illegal());
            }
            let lead = lead_unit.trim();
            if lead.is_empty() {
                return Err(WorkflowError::Invalid {
                    field: "lead_unit",
                    message: "is required".into(),
                });
            }
            let mut co: Vec<String> = Vec::new();
            for u in co_units {
                let u = u.trim();
                if u.is_empty() || u == lead || co.iter().any(|c| c == u) {
                    return Err(WorkflowError::Invalid {
                        field: "co_units",
                        message: format!(
                            "{u:?}: co-handling units must be distinct, non-empty and not the lead unit"
                        ),
                    });
                }
                co.push(u.to_string());
            }
            // Multi-unit cases get the complex time limit too (the seed: 15 working days for
            // complex or multi-unit matters).
            let complex = *complex || !co.is_empty();
            let d = rules.deadlines_for(
                state.received_at,
                state.urgency.as_deref(),
                state.request_type.as_deref(),
                complex,
            );
            let mut effects = vec![
                Effect::SetUnits {
                    lead_unit: Some(lead.to_string()),
                    co_units: co.clone(),
                },
                Effect::SetComplex(complex),
                Effect::SetReplyDue {
                    due: d.reply_due,
                    note: d.note,
                },
                Effect::Notify {
                    kind: "assigned",
                    recipient: lead.to_string(),
                    text: "新交办案件，请及时签收办理".into(),
                },
            ];
            for u in &co {
                effects.push(Effect::Notify {
                    kind: "assigned_co",
                    recipient: u.clone(),
                    text: "新协办案件，请配合主办单位办理".into(),
                });
            }
            Ok(t(S::Assigned, effects, optional("note", note)?))
        }
        Action::Accept { note } => {
            lead_handler()?;
            if from != S::Assigned {
                return Err(illegal());
            }
            Ok(t(S::InProgress, vec![], optional("note", note)?))
        }
        Action::Return { reason } => {
            lead_handler()?;
            if !matches!(from, S::Assigned | S::InProgress) {
                return Err(illegal());
            }
            let reason = required("reason", reason, NOTE_MAX)?;
            Ok(t(
                S::Returned,
                vec![
                    Effect::SetUnits {
                        lead_unit: None,
                        co_units: vec![],
                    },
                    Effect::Notify {
                        kind: "returned",
                        recipient: OFFICE.into(),
                        text: format!("案件被退回，请改派。退单理由：{reason}"),
                    },
                ],
                Some(reason),
            ))
        }
        Action::Merge { main_case, note } => {
            allow(&[R::Dispatcher])?;
            if !matches!(
                from,
                S::Received | S::Returned | S::Assigned | S::InProgress | S::Paused
            ) {
                return Err(illegal());
            }
            if main_case.trim().is_empty() {
                return Err(WorkflowError::Invalid {
                    field: "main_case",
                    message: "is required".into(),
                });
            }
            Ok(t(
                S::Merged,
                vec![
                    Effect::EndPause,
                    Effect::MergeInto {
                        main_case: main_case.trim().to_string(),
                    },
                ],
                optional("note", note)?,
            ))
        }
        Action::Pause { reason } => {
            if actor.role != R::Dispatcher {
                lead_handler()?;
            }
            if !matches!(from, S::Assigned | S::InProgress) {
                return Err(illegal());
            }
            let reason = required("reason", reason, NOTE_MAX)?;
            Ok(t(
                S::Paused,
                vec![Effect::StartPause {
                    at: now,
                    from,
                    reason: reason.clone(),
                }],
                Some(reason),
            ))
        }
        Action::Resume { note } => {
            if actor.role != R::Dispatcher {
                lead_handler()?;
            }
            if from != S::Paused {
                return Err(illegal());
            }
            let back = state.paused_from.unwrap_or(S::InProgress);
            let paused_at = state.paused_at.unwrap_or(now);
            let mut effects = vec![Effect::EndPause];
            let mut note = optional("note", note)?;
            if let Some(due) = state.reply_due {
                match rules.extend_for_pause(due, paused_at, now) {
                    Ok((new_due, days)) => {
                        effects.push(Effect::SetReplyDue {
                            due: Some(new_due),
                            note: None,
                        });
                        let moved = format!("挂起{days}个工作日，答复期限顺延");
                        note = Some(match note {
                            Some(n) => format!("{n}；{moved}"),
                            None => moved,
                        });
                    }
                    Err(e) => effects.push(Effect::SetReplyDue {
                        due: None,
                        note: Some(e.to_string()),
                    }),
                }
            }
            Ok(t(back, effects, note))
        }
        Action::Instruct {
            text,
            due_working_days,
        } => {
            allow(&[R::Leader])?;
            if matches!(from, S::Archived | S::Merged) {
                return Err(illegal());
            }
            let text = required("text", text, NOTE_MAX)?;
            if !(1..=60).contains(due_working_days) {
                return Err(WorkflowError::Invalid {
                    field: "due_working_days",
                    message: "must be 1 to 60".into(),
                });
            }
            let due_at = rules
                .end_of_working_day_after(now, *due_working_days)
                .unwrap_or(now + Duration::days(i64::from(*due_working_days)));
            let mut effects = vec![Effect::AddInstruction {
                text: text.clone(),
                due_at,
            }];
            effects.push(Effect::Notify {
                kind: "instruction",
                recipient: state.lead_unit.clone().unwrap_or_else(|| OFFICE.into()),
                text: format!("领导批示：{text}"),
            });
            Ok(t(from, effects, Some(text)))
        }
        Action::ReportInstruction {
            instruction_id,
            text,
        } => {
            if actor.role != R::Dispatcher {
                lead_handler()?;
            }
            if matches!(from, S::Archived | S::Merged) {
                return Err(illegal());
            }
            let text = required("text", text, REPLY_MAX)?;
            Ok(t(
                from,
                vec![Effect::ReportInstruction {
                    instruction_id: *instruction_id,
                    text: text.clone(),
                }],
                Some(text),
            ))
        }
        Action::SubmitReply { text } => {
            lead_handler()?;
            if from != S::InProgress {
                return Err(illegal());
            }
            let text = required("text", text, REPLY_MAX)?;
            Ok(t(
                S::PendingReview,
                vec![
                    Effect::SaveDraft {
                        text,
                        by: actor.name.clone(),
                    },
                    Effect::Notify {
                        kind: "review",
                        recipient: OFFICE.into(),
                        text: "答复待审核".into(),
                    },
                ],
                None,
            ))
        }
        Action::RejectReply { reason } => {
            allow(&[R::Reviewer])?;
            if from != S::PendingReview {
                return Err(illegal());
            }
            let reason = required("reason", reason, NOTE_MAX)?;
            Ok(t(
                S::InProgress,
                vec![Effect::Notify {
                    kind: "reply_rejected",
                    recipient: state.lead_unit.clone().unwrap_or_else(|| OFFICE.into()),
                    text: format!("答复被退回修改：{reason}"),
                }],
                Some(reason),
            ))
        }
        Action::Publish { note } => {
            allow(&[R::Reviewer])?;
            if from != S::PendingReview {
                return Err(illegal());
            }
            if state
                .reply_draft
                .as_deref()
                .is_none_or(|d| d.trim().is_empty())
            {
                return Err(WorkflowError::Invalid {
                    field: "reply",
                    message: "there is no submitted reply to publish".into(),
                });
            }
            Ok(t(
                S::Replied,
                vec![Effect::PublishReply {
                    by: actor.name.clone(),
                }],
                optional("note", note)?,
            ))
        }
        Action::Rate {
            satisfaction,
            comment,
        } => {
            if actor.role != R::Citizen {
                return Err(forbid(": only the citizen rates the reply"));
            }
            if from != S::Replied {
                return Err(illegal());
            }
            let comment = optional("comment", comment)?;
            let mut effects = vec![Effect::Rate {
                satisfaction: *satisfaction,
                comment: comment.clone(),
            }];
            let to = if *satisfaction == Satisfaction::不满意 && policy.reopen_on_unsatisfied {
                let d = rules.reopened_reply_due(now, state.is_complex);
                effects.push(Effect::CountReopen);
                effects.push(Effect::SetReplyDue {
                    due: d.reply_due,
                    note: d.note,
                });
                effects.push(Effect::Notify {
                    kind: "reopened",
                    recipient: state.lead_unit.clone().unwrap_or_else(|| OFFICE.into()),
                    text: "市民对答复不满意，案件重新办理".into(),
                });
                S::InProgress
            } else {
                effects.push(Effect::MarkClosed);
                S::Closed
            };
            let note = Some(match comment {
                Some(c) => format!("{}：{c}", satisfaction.as_str()),
                None => satisfaction.as_str().to_string(),
            });
            Ok(t(to, effects, note))
        }
        Action::Close { note } => {
            allow(&[R::Dispatcher])?;
            if from != S::Replied {
                return Err(illegal());
            }
            Ok(t(
                S::Closed,
                vec![Effect::MarkClosed],
                optional("note", note)?,
            ))
        }
        Action::Reopen { reason } => {
            allow(&[R::Dispatcher, R::Supervisor])?;
            if !matches!(from, S::Replied | S::Closed) {
                return Err(illegal());
            }
            let reason = required("reason", reason, NOTE_MAX)?;
            let d = rules.reopened_reply_due(now, state.is_complex);
            Ok(t(
                S::InProgress,
                vec![
                    Effect::CountReopen,
                    Effect::SetReplyDue {
                        due: d.reply_due,
                        note: d.note,
                    },
                    Effect::Notify {
                        kind: "reopened",
                        recipient: state.lead_unit.clone().unwrap_or_else(|| OFFICE.into()),
                        text: format!("案件重新办理：{reason}"),
                    },
                ],
                Some(reason),
            ))
        }
        Action::Archive => {
            if actor.role != R::System {
                allow(&[])?;
            }
            if from != S::Closed {
                return Err(illegal());
            }
            Ok(t(S::Archived, vec![Effect::MarkArchived], None))
        }
        Action::Urge { note } => {
            if actor.role != R::System {
                allow(&[R::Dispatcher, R::Supervisor, R::Leader])?;
            }
            if !from.is_open() || from == S::Received || from == S::Returned {
                return Err(illegal());
            }
            let note = optional("note", note)?;
            Ok(t(
                from,
                vec![Effect::Notify {
                    kind: "urge",
                    recipient: state.lead_unit.clone().unwrap_or_else(|| OFFICE.into()),
                    text: match &note {
                        Some(n) => format!("催办：{n}"),
                        None => "催办：请抓紧办理".into(),
                    },
                }],
                note,
            ))
        }
        Action::Escalate { note } => {
            if actor.role != R::System {
                allow(&[R::Supervisor])?;
            }
            if !from.is_open() {
                return Err(illegal());
            }
            let note = optional("note", note)?;
            Ok(t(
                from,
                vec![
                    Effect::MarkEscalated,
                    Effect::Notify {
                        kind: "escalated",
                        recipient: SUPERVISORS.into(),
                        text: "案件严重超期，升级督办".into(),
                    },
                ],
                note,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rules() -> CaseRules {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/holidays.toml");
        CaseRules {
            calendar: super::super::Calendar::parse(&std::fs::read_to_string(path).unwrap())
                .unwrap(),
            ..Default::default()
        }
    }

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    fn state(status: CaseStatus) -> CaseState {
        CaseState {
            status,
            received_at: at(2, 2),
            lead_unit: Some("住建局".into()),
            co_units: vec!["交通局".into()],
            urgency: None,
            request_type: None,
            is_complex: false,
            reply_due: Some(at(11, 15)),
            paused_at: None,
            paused_from: None,
            reply_draft: Some("答复".into()),
        }
    }

    fn staff(role: Role, unit: Option<&str>) -> Actor {
        Actor {
            name: "张工".into(),
            role,
            unit: unit.map(String::from),
        }
    }

    fn run(s: &CaseState, a: &Actor, action: Action) -> Result<Transition, WorkflowError> {
        decide(
            s,
            a,
            &action,
            at(5, 3),
            &rules(),
            &WorkflowPolicy::default(),
        )
    }

    #[test]
    fn assignment_sets_units_and_the_complex_limit_for_multi_unit_cases() {
        let t = run(
            &state(CaseStatus::Received),
            &staff(Role::Dispatcher, None),
            Action::Assign {
                lead_unit: "住建局".into(),
                co_units: vec!["交通局".into()],
                complex: false,
                note: None,
            },
        )
        .unwrap();
        assert_eq!(t.to, CaseStatus::Assigned);
        assert!(t.effects.contains(&Effect::SetComplex(true)));
        // 2026-03-02 + 15 working days = 2026-03-23 (no holidays in March).
        let due = t.effects.iter().find_map(|e| match e {
            Effect::SetReplyDue { due, .. } => *due,
            _ => None,
        });
        assert_eq!(due.unwrap().to_rfc3339(), "2026-03-23T15:59:59+00:00");
    }

    #[test]
    fn illegal_transitions_name_the_state_and_the_action() {
        let e = run(
            &state(CaseStatus::Closed),
            &staff(Role::Handler, Some("住建局")),
            Action::Accept { note: None },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "签收 (accept) is not allowed while the case is 已办结 (closed)"
        );
    }

    #[test]
    fn handlers_act_only_for_their_own_unit() {
        let s = state(CaseStatus::Assigned);
        let other = staff(Role::Handler, Some("教育局"));
        assert!(!s.visible_to(&other));
        assert!(matches!(
            run(&s, &other, Action::Accept { note: None }),
            Err(WorkflowError::Forbidden { .. })
        ));
        // A co-handling unit sees the case but cannot accept it for the lead unit.
        let co = staff(Role::Handler, Some("交通局"));
        assert!(s.visible_to(&co));
        assert!(matches!(
            run(&s, &co, Action::Accept { note: None }),
            Err(WorkflowError::Forbidden { .. })
        ));
        let lead = staff(Role::Handler, Some("住建局"));
        assert_eq!(
            run(&s, &lead, Action::Accept { note: None }).unwrap().to,
            CaseStatus::InProgress
        );
    }

    #[test]
    fn a_return_needs_a_reason_and_clears_the_units() {
        let s = state(CaseStatus::InProgress);
        let lead = staff(Role::Handler, Some("住建局"));
        let e = run(&s, &lead, Action::Return { reason: " ".into() }).unwrap_err();
        assert!(matches!(
            e,
            WorkflowError::Invalid {
                field: "reason",
                ..
            }
        ));
        let t = run(
            &s,
            &lead,
            Action::Return {
                reason: "不属于本单位职责".into(),
            },
        )
        .unwrap();
        assert_eq!(t.to, CaseStatus::Returned);
        assert!(t.effects.contains(&Effect::SetUnits {
            lead_unit: None,
            co_units: vec![]
        }));
    }

    #[test]
    fn resuming_moves_the_deadline_by_the_working_days_paused() {
        let mut s = state(CaseStatus::Paused);
        s.paused_from = Some(CaseStatus::InProgress);
        // Paused Monday 2026-03-02, resumed Thursday 03-05: three working days.
        s.paused_at = Some(at(2, 3));
        let t = run(
            &s,
            &staff(Role::Handler, Some("住建局")),
            Action::Resume { note: None },
        )
        .unwrap();
        assert_eq!(t.to, CaseStatus::InProgress);
        let due = t.effects.iter().find_map(|e| match e {
            Effect::SetReplyDue { due, .. } => *due,
            _ => None,
        });
        // 03-11 + 3 working days = 03-16 (over a weekend).
        assert_eq!(due.unwrap().to_rfc3339(), "2026-03-16T15:59:59+00:00");
        assert!(t.note.unwrap().contains("挂起3个工作日"));
    }

    #[test]
    fn unsatisfied_citizens_reopen_the_case_when_the_policy_says_so() {
        let s = state(CaseStatus::Replied);
        let rate = Action::Rate {
            satisfaction: Satisfaction::不满意,
            comment: Some("没有解决".into()),
        };
        let t = run(&s, &Actor::citizen(), rate.clone()).unwrap();
        assert_eq!(t.to, CaseStatus::InProgress);
        assert!(t.effects.contains(&Effect::CountReopen));
        let closed = decide(
            &s,
            &Actor::citizen(),
            &rate,
            at(5, 3),
            &rules(),
            &WorkflowPolicy {
                reopen_on_unsatisfied: false,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(closed.to, CaseStatus::Closed);
        // Staff cannot rate for the citizen.
        assert!(run(&s, &staff(Role::Dispatcher, None), rate).is_err());
    }

    #[test]
    fn only_reviewers_publish_and_only_a_submitted_reply() {
        let mut s = state(CaseStatus::PendingReview);
        assert!(
            run(
                &s,
                &staff(Role::Handler, Some("住建局")),
                Action::Publish { note: None }
            )
            .is_err()
        );
        assert_eq!(
            run(
                &s,
                &staff(Role::Reviewer, None),
                Action::Publish { note: None }
            )
            .unwrap()
            .to,
            CaseStatus::Replied
        );
        s.reply_draft = None;
        assert!(matches!(
            run(
                &s,
                &staff(Role::Reviewer, None),
                Action::Publish { note: None }
            ),
            Err(WorkflowError::Invalid { field: "reply", .. })
        ));
    }

    #[test]
    fn every_state_answers_every_action_without_panicking() {
        let actions = [
            Action::Accept { note: None },
            Action::Archive,
            Action::Urge { note: None },
            Action::Escalate { note: None },
            Action::Close { note: None },
            Action::Publish { note: None },
            Action::Resume { note: None },
        ];
        for status in CaseStatus::ALL {
            for role in Role::STAFF {
                for a in &actions {
                    let _ = run(&state(status), &staff(role, Some("住建局")), a.clone());
                }
            }
        }
    }
}
