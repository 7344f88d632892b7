//! wenzheng (问政): triage, case workflow and search for a local government's online inquiry board.
//!
//! See ARCHITECTURE.md for the map of modules and the rules between them.

pub mod cases;
pub mod classify;
pub mod cli;
pub mod config;
pub mod draft;
pub mod http;
pub mod intake;
pub mod reporting;
pub mod search;
pub mod startup;
pub mod store;
pub mod supervise;
pub mod telemetry;
pub mod text;
pub mod workflow;
