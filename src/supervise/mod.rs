//! Supervision (监督): what the office and its leaders watch over all cases — for now, hot topics
//! (热点): many people raising the same matter at the same place within a short time.
//!
//! Pure functions over messages; reading files is the caller's business.

pub mod hot;
