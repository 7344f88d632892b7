//! Classification of messages: features, the sparse linear model, calibration, training, the
//! saved model format and metrics. Knows nothing of HTTP or storage.

pub mod classifier;
pub mod data;
pub mod departments;
pub mod features;
pub mod linear;
pub mod metrics;
pub mod model_file;
pub mod request_type;
pub mod training;
pub mod triage;
pub mod urgency;

pub use classifier::{Classifier, LabelScore, Prediction};
pub use departments::DepartmentMap;
pub use triage::{Triage, TriageResult};
