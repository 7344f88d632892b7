//! The case domain: what a citizen's message becomes once received, and the rules it lives by.
//!
//! Architecture invariant: no IO and no clock here. Anything that needs "now" takes it as an
//! argument; storage and HTTP call into this module, never the other way round.

mod calendar;
mod ids;
mod intake;
mod sla;
mod status;
mod workflow;

pub use calendar::{Calendar, CalendarError};
pub use ids::{CaseNumber, TrackingCode};
pub use intake::{
    BODY_MAX_CHARS, Channel, Contact, NewMessage, RawNewMessage, TITLE_MAX_CHARS, ValidationError,
};
pub use sla::{CaseRules, Deadlines, SlaPolicy};
pub use status::CaseStatus;
pub use workflow::{
    Action, Actor, CaseState, Effect, NOTE_MAX, OFFICE, REPLY_MAX, Role, SUPERVISORS, Satisfaction,
    Transition, WorkflowError, WorkflowPolicy, decide,
};
