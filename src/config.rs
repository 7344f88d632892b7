//! Configuration: defaults, then a TOML file, then environment variables, then command-line flags
//! (each later layer wins). The resolved [`Settings`] is all that startup needs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Settings as they may appear in the config file (`--config FILE`); every key optional.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub model: Option<PathBuf>,
    pub departments: Option<PathBuf>,
    /// The urgency model's operating point: the share of urgent messages to flag (one of
    /// `classify::urgency::OPERATING_RECALLS`); default the model's own, 0.90.
    pub urgent_recall: Option<f64>,
    pub demo_data: Option<bool>,
    pub demo_files: Option<Vec<PathBuf>>,
    pub log_json: Option<bool>,
    pub calendar: Option<PathBuf>,
    pub sla: Option<crate::cases::SlaPolicy>,
    pub workflow: Option<crate::cases::WorkflowPolicy>,
    pub jobs: Option<JobsConfig>,
    pub rate_limit: Option<RateLimitConfig>,
    /// Replied messages that final-reply drafts are composed from (CSV).
    pub precedents: Option<PathBuf>,
    /// Notice templates of the reply 四部曲 (TOML).
    pub reply_templates: Option<PathBuf>,
    pub assessment: Option<crate::supervise::AssessmentPolicy>,
    pub warnings: Option<crate::supervise::WarningPolicy>,
}

/// The limit on messages per client address (`[rate_limit]` in the config file).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Messages one address may leave per minute, on average; 0 turns the limit off.
    pub messages_per_minute: u32,
    /// Messages an address may leave at once before the rate applies (default: the per-minute
    /// figure).
    pub burst: Option<u32>,
    /// Behind a reverse proxy: the header in which it passes the client's address (e.g.
    /// `X-Forwarded-For`; the rightmost address is used). Without it the peer address is the key.
    pub client_ip_header: Option<String>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            messages_per_minute: 20,
            burst: None,
            client_ip_header: None,
        }
    }
}

/// The background jobs (`[jobs]` in the config file).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Run the reminder/archive scan and the outbox sender in this process.
    pub enabled: bool,
    /// Seconds between reminder scans.
    pub scan_every_secs: u64,
    /// Seconds between outbox deliveries.
    pub send_every_secs: u64,
    /// POST notices to this URL (plain HTTP); without it notices go to the log.
    pub webhook_url: Option<String>,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            scan_every_secs: 60,
            send_every_secs: 2,
            webhook_url: None,
        }
    }
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("config {}: {}", path.display(), e.message()))
    }
}

/// Values given on the command line or in the environment (clap fills both); `None` = not given.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub model: Option<PathBuf>,
    pub departments: Option<PathBuf>,
    pub no_demo_data: bool,
    pub log_json: bool,
    /// Overrides `rate_limit.messages_per_minute` (0: no limit).
    pub messages_per_minute: Option<u32>,
}

/// Everything the service needs to start.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://...`.
    pub database_url: String,
    pub model: PathBuf,
    pub departments: PathBuf,
    /// See [`FileConfig::urgent_recall`].
    pub urgent_recall: Option<f64>,
    /// Load demo cases into an empty database.
    pub demo_data: bool,
    /// The files demo cases come from (shared data's layout), with how many rows of each.
    pub demo_files: Vec<(PathBuf, usize)>,
    pub log_json: bool,
    /// Working-day calendar file (holidays and make-up workdays per year).
    pub calendar: PathBuf,
    pub sla: crate::cases::SlaPolicy,
    pub workflow: crate::cases::WorkflowPolicy,
    pub jobs: JobsConfig,
    pub rate_limit: RateLimitConfig,
    /// Replied messages that drafts are composed from; a missing file gives drafts without
    /// precedents (opening, restatement, blanks), with a warning at start.
    pub precedents: PathBuf,
    pub reply_templates: PathBuf,
    /// Department assessment weights (`[assessment]`).
    pub assessment: crate::supervise::AssessmentPolicy,
    /// Early-warning thresholds (`[warnings]`).
    pub warnings: crate::supervise::WarningPolicy,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl Settings {
    pub fn resolve(file: FileConfig, cli: Overrides) -> anyhow::Result<Settings> {
        let bind_text = cli
            .bind
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.to_string());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            anyhow::anyhow!("bind address {bind_text:?} is not HOST:PORT (e.g. 127.0.0.1:8080)")
        })?;
        let data_dir = cli
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = cli
            .database_url
            .or(file.database_url)
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("wenzheng.db").display()));
        let demo_files = match file.demo_files {
            Some(files) => files.into_iter().map(|f| (f, 200)).collect(),
            None => vec![
                (
                    PathBuf::from("training-data/tipdm2020/messages_with_replies.csv"),
                    200,
                ),
                (
                    PathBuf::from("training-data/tipdm2020/messages_unlabeled_test.csv"),
                    100,
                ),
            ],
        };
        Ok(Settings {
            bind,
            data_dir,
            database_url,
            model: cli
                .model
                .or(file.model)
                .unwrap_or_else(|| PathBuf::from(crate::cli::DEFAULT_MODEL)),
            departments: cli
                .departments
                .or(file.departments)
                .unwrap_or_else(|| PathBuf::from(crate::cli::DEFAULT_DEPARTMENTS)),
            urgent_recall: file.urgent_recall,
            demo_data: !cli.no_demo_data && file.demo_data.unwrap_or(true),
            demo_files,
            log_json: cli.log_json || file.log_json.unwrap_or(false),
            calendar: file
                .calendar
                .unwrap_or_else(|| PathBuf::from("models/holidays.toml")),
            sla: file.sla.unwrap_or_default(),
            workflow: file.workflow.unwrap_or_default(),
            jobs: file.jobs.unwrap_or_default(),
            rate_limit: {
                let mut r = file.rate_limit.unwrap_or_default();
                if let Some(n) = cli.messages_per_minute {
                    r.messages_per_minute = n;
                }
                r
            },
            precedents: file
                .precedents
                .unwrap_or_else(|| PathBuf::from(crate::cli::draft_cmd::DEFAULT_PRECEDENTS)),
            reply_templates: file
                .reply_templates
                .unwrap_or_else(|| PathBuf::from(crate::cli::draft_cmd::DEFAULT_TEMPLATES)),
            assessment: {
                let a = file.assessment.unwrap_or_default();
                a.validate()
                    .map_err(|e| anyhow::anyhow!("[assessment]: {e}"))?;
                a
            },
            warnings: {
                let w = file.warnings.unwrap_or_default();
                w.validate()
                    .map_err(|e| anyhow::anyhow!("[warnings]: {e}"))?;
                w
            },
        })
    }
}

impl Settings {
    /// Reads the calendar file and combines it with the service levels.
    pub fn case_rules(&self) -> anyhow::Result<crate::cases::CaseRules> {
        let text = std::fs::read_to_string(&self.calendar).map_err(|e| {
            anyhow::anyhow!("cannot read calendar {}: {e}", self.calendar.display())
        })?;
        let calendar = crate::cases::Calendar::parse(&text)
            .map_err(|e| anyhow::anyhow!("calendar {}: {e}", self.calendar.display()))?;
        Ok(crate::cases::CaseRules {
            calendar,
            sla: self.sla.clone(),
            workflow: self.workflow.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_file_then_flags() {
        let s = Settings::resolve(FileConfig::default(), Overrides::default()).unwrap();
        assert_eq!(s.bind.to_string(), DEFAULT_BIND);
        assert_eq!(s.database_url, "sqlite:data/wenzheng.db");
        assert!(s.demo_data);

        let file: FileConfig =
            toml::from_str("bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/wz\"\ndemo_data = false")
                .unwrap();
        let s = Settings::resolve(
            file,
            Overrides {
                bind: Some("127.0.0.1:7000".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:7000");
        assert_eq!(s.database_url, "sqlite:/srv/wz/wenzheng.db");
        assert!(!s.demo_data);
    }

    #[test]
    fn bad_values_are_named() {
        let err = Settings::resolve(
            FileConfig::default(),
            Overrides {
                bind: Some("nonsense".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("bind address"));
        assert!(toml::from_str::<FileConfig>("bnd = 1").is_err());
    }

    #[test]
    fn urgent_recall_from_file() {
        let s = Settings::resolve(FileConfig::default(), Overrides::default()).unwrap();
        assert_eq!(s.urgent_recall, None, "the model's own operating point");
        let file: FileConfig = toml::from_str("urgent_recall = 0.8").unwrap();
        let s = Settings::resolve(file, Overrides::default()).unwrap();
        assert_eq!(s.urgent_recall, Some(0.8));
    }

    #[test]
    fn rate_limit_from_file_then_flag() {
        let s = Settings::resolve(FileConfig::default(), Overrides::default()).unwrap();
        assert_eq!(s.rate_limit.messages_per_minute, 20);
        let file: FileConfig = toml::from_str(
            "[rate_limit]\nmessages_per_minute = 5\nclient_ip_header = \"X-Forwarded-For\"",
        )
        .unwrap();
        let s = Settings::resolve(
            file,
            Overrides {
                messages_per_minute: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.rate_limit.messages_per_minute, 0);
        assert_eq!(
            s.rate_limit.client_ip_header.as_deref(),
            Some("X-Forwarded-For")
        );
    }

    #[test]
    fn assessment_and_warning_tables() {
        let file: FileConfig = toml::from_str(
            "[assessment]\nweight_satisfaction = 0.5\nmin_cases = 10\n[warnings]\nmin_recent = 5",
        )
        .unwrap();
        let s = Settings::resolve(file, Overrides::default()).unwrap();
        assert_eq!(s.assessment.weight_satisfaction, 0.5);
        assert_eq!(s.assessment.min_cases, 10);
        assert_eq!(
            s.assessment.weight_response, 0.3,
            "unset keys keep their defaults"
        );
        assert_eq!(s.warnings.min_recent, 5);
        let bad: FileConfig = toml::from_str("[assessment]\noverdue_penalty = -1").unwrap();
        let err = Settings::resolve(bad, Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("[assessment]"), "{err}");
        assert!(toml::from_str::<FileConfig>("[assessment]\nweight = 1").is_err());
    }
}
