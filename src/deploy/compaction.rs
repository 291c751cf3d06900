//! `infrapipe run --compaction [--from DAY --to DAY]`: start the deployed compaction state machine
//! now, for yesterday or for a range of whole days (a backfill), and wait for it. Each day's
//! Parquet is deleted before its INSERT INTO, so a day run twice holds its rows once.

use crate::aws::Aws;
use crate::aws::executions::{self, Execution, Waited};
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use crate::model::ids;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// The longest range one run takes: a year of days, one INSERT INTO each, one after another.
pub const MAX_DAYS: i64 = 366;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (the inverse of `days_from_civil`), as `YYYY-MM-DD`.
pub fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day number of `YYYY-MM-DD`, refusing what is not a real date.
pub fn parse_day(s: &str) -> std::result::Result<i64, String> {
    let bad = || format!("{s:?} is not a day: give YYYY-MM-DD, e.g. 2026-02-13");
    let mut parts = s.split('-');
    let mut next = |len: usize| -> std::result::Result<i64, String> {
        let p = parts.next().filter(|p| p.len() == len).ok_or_else(bad)?;
        p.parse::<i64>().map_err(|_| bad())
    };
    let (y, m, d) = (next(4)?, next(2)?, next(2)?);
    let days = days_from_civil(y, m, d);
    if parts.next().is_some() || civil(days) != s {
        return Err(bad());
    }
    Ok(days)
}

/// Every day from `from` to `to` (inclusive), each a whole day before `today`.
pub fn days(from: i64, to: i64, today: i64) -> std::result::Result<Vec<String>, String> {
    if to < from {
        return Err(format!(
            "--to {} is before --from {}",
            civil(to),
            civil(from)
        ));
    }
    if to >= today {
        return Err(format!(
            "{} has not ended (today is {} UTC): only whole days are compacted",
            civil(to),
            civil(today)
        ));
    }
    if to - from + 1 > MAX_DAYS {
        return Err(format!(
            "{} days asked; one run takes at most {MAX_DAYS}",
            to - from + 1
        ));
    }
    Ok((from..=to).map(civil).collect())
}

/// Today's day number (UTC).
pub fn today() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        .div_euclid(86_400)
}

#[derive(Debug, Clone, Serialize)]
struct Input<'a> {
    trigger: &'static str,
    days: &'a [String],
}

/// Starts the stack's compaction state machine for `days` and waits for it (at most `limit`).
pub async fn run(
    aws: &Aws,
    stack: &str,
    days: &[String],
    limit: Duration,
) -> Result<CompactionReport> {
    let machine = super::run::state_machine(aws, stack, ids::COMPACTION_STATE_MACHINE).await?;
    let name = format!(
        "compaction-{}-{}-{}",
        days.first().map_or("", String::as_str),
        days.last().map_or("", String::as_str),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    );
    let input = serde_json::to_string(&Input {
        trigger: "manual",
        days,
    })
    .map_err(|source| Error::Json {
        what: "compaction input",
        source,
    })?;
    tracing::info!(state_machine = %machine, run = %name, "starting a compaction (states:StartExecution)");
    let arn = executions::start(aws, &machine, &name, &input).await?;
    let (execution, finished) = match executions::wait(aws, &arn, limit).await? {
        Waited::Ended(e) => (e, true),
        Waited::StillRunning(e) => (e, false),
    };
    Ok(CompactionReport {
        stack: stack.to_owned(),
        region: aws.region.clone(),
        days: days.to_vec(),
        finished,
        execution,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct CompactionReport {
    pub stack: String,
    pub region: String,
    pub days: Vec<String>,
    /// False when the wait ended before the run did (it goes on).
    pub finished: bool,
    pub execution: Execution,
}

impl fmt::Display for CompactionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = match (self.days.first(), self.days.last()) {
            (Some(a), Some(b)) if a != b => format!("{a} to {b} ({} days)", self.days.len()),
            (Some(a), _) => a.clone(),
            _ => String::new(),
        };
        writeln!(
            f,
            "Compaction {}: {} for {range}",
            self.execution.name, self.execution.status
        )?;
        if !self.finished {
            writeln!(
                f,
                "  still running when the wait ended; see it with `infrapipe status`"
            )?;
        }
        Ok(())
    }
}

impl Report for CompactionReport {
    fn what(&self) -> &'static str {
        "compaction run"
    }

    fn exit(&self) -> Exit {
        Exit::from_ok(self.execution.status == "SUCCEEDED")
    }

    fn text_on_err(&self) -> bool {
        self.execution.status != "SUCCEEDED"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_back_as_it_was_written() {
        for s in ["1970-01-01", "2026-02-28", "2024-02-29", "2026-12-31"] {
            assert_eq!(parse_day(s).map(civil), Ok(s.to_owned()));
        }
    }

    #[test]
    fn a_day_that_does_not_exist_is_refused() {
        assert!(parse_day("2026-02-30").is_err());
        assert!(parse_day("2026-2-3").is_err());
    }

    #[test]
    fn a_thirty_day_backfill_names_each_day_once() {
        let from = parse_day("2026-02-01").unwrap_or_default();
        let days = days(from, from + 29, from + 100).unwrap_or_default();
        assert_eq!(days.len(), 30);
        assert_eq!(days[29], "2026-03-02");
    }

    #[test]
    fn today_is_refused_because_it_has_not_ended() {
        let today = parse_day("2026-11-30").unwrap_or_default();
        assert!(days(today, today, today).is_err());
    }
}
