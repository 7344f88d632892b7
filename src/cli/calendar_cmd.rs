//! `wenzheng calendar due --from YYYY-MM-DD --days N`: the due date of a deadline in working days.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;

use crate::cases::Calendar;

#[derive(clap::Subcommand, Debug)]
pub enum CalendarCommand {
    /// Print the date N working days after the day of receipt (last line: the date).
    Due {
        /// Day of receipt, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Working days allowed (7 ordinary, 15 complex).
        #[arg(long)]
        days: u32,
        /// Calendar file (holidays and make-up workdays per year).
        #[arg(
            long,
            default_value = "models/holidays.toml",
            env = "WENZHENG_CALENDAR"
        )]
        calendar: PathBuf,
    },
}

pub fn run(cmd: CalendarCommand) -> anyhow::Result<ExitCode> {
    let CalendarCommand::Due {
        from,
        days,
        calendar,
    } = cmd;
    let received = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("--from {from:?} is not a date (YYYY-MM-DD)"))?;
    anyhow::ensure!(
        days <= 3650,
        "--days {days} is more than ten years of working days"
    );
    let text = std::fs::read_to_string(&calendar)
        .with_context(|| format!("reading calendar {}", calendar.display()))?;
    let cal = Calendar::parse(&text).with_context(|| format!("calendar {}", calendar.display()))?;
    let due = cal.add_working_days(received, days)?;
    println!(
        "received {received} ({}), {days} working days",
        received.format("%a")
    );
    println!("{due}");
    Ok(ExitCode::SUCCESS)
}
