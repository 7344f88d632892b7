//! Supervision (监督): what the office and its leaders watch over all cases — hot topics (热点),
//! the monthly report (月报), the department assessment (考核), public statistics and early
//! warning (舆情预警).
//!
//! Pure functions over rows the caller reads (`store::reports`) and the time it passes in;
//! definitions of every figure are in docs/supervision.md.

pub mod assessment;
pub mod hot;
pub mod public;
pub mod render;
pub mod report;
pub mod warning;

pub use assessment::{Assessment, AssessmentPolicy, UnitAssessment};
pub use public::{PublicCase, PublicStats};
pub use render::Format;
pub use report::{Month, MonthlyReport, ReportCase, ReportError, ReportInput};
pub use warning::{Warning, WarningPolicy};
