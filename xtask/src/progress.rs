//! Progress reporting: one status line per stage with its duration, and a summary at the end.
//!
//! Everything goes to stderr so that stdout stays machine-readable (`--format json`).

use std::time::{Duration, Instant};

use anyhow::Result;
use serde::{Deserialize, Serialize};

/// How a finished stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
        }
    }
}

/// One finished stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    pub name: String,
    pub status: Status,
    #[serde(rename = "seconds", with = "seconds")]
    pub duration: Duration,
}

/// A duration as seconds to the millisecond, as the manifest records it.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(d)?;
        Duration::try_from_secs_f64(seconds.max(0.0)).map_err(serde::de::Error::custom)
    }
}

/// The stages of one command, in the order they ran.
#[derive(Debug, Default)]
pub struct Progress {
    pub records: Vec<StageRecord>,
}

impl Progress {
    /// Runs `f` as the stage `name`, printing a start line and a result line with its duration.
    pub fn stage<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        eprintln!("==> {name}");
        let start = Instant::now();
        let result = f();
        let duration = start.elapsed();
        let status = if result.is_ok() { Status::Passed } else { Status::Failed };
        eprintln!("{} {name} ({})", status_mark(status), format_duration(duration));
        self.records.push(StageRecord { name: name.to_owned(), status, duration });
        result
    }

    /// Prints the summary table of every stage that ran.
    pub fn print_summary(&self, title: &str) {
        print_summary(title, &self.records);
    }
}

/// Prints the summary table of `records`, with their total.
pub fn print_summary(title: &str, records: &[StageRecord]) {
    let total: Duration = records.iter().map(|r| r.duration).sum();
    let width = records.iter().map(|r| r.name.len()).max().unwrap_or(5).max(5);
    eprintln!();
    eprintln!("{title}");
    for r in records {
        let (name, status, took) = (&r.name, r.status.as_str(), format_duration(r.duration));
        eprintln!("  {name:<width$}  {status:<6}  {took:>8}");
    }
    eprintln!("  {:<width$}  {:<6}  {:>8}", "total", "", format_duration(total));
}

fn status_mark(status: Status) -> &'static str {
    match status {
        Status::Passed => "ok",
        Status::Failed => "FAILED",
    }
}

pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(1234)), "1.2s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m05s");
    }

    #[test]
    fn failed_stage_is_recorded() {
        let mut p = Progress::default();
        p.stage("ok", || Ok(())).unwrap();
        assert!(p.stage("bad", || -> Result<()> { anyhow::bail!("boom") }).is_err());
        let statuses: Vec<_> = p.records.iter().map(|r| (r.name.as_str(), r.status)).collect();
        assert_eq!(statuses, [("ok", Status::Passed), ("bad", Status::Failed)]);
    }
}
