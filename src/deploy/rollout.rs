//! Rolling out to several regions: every region planned first for one prompt, then the canary
//! alone, then waves of at most N regions in parallel, stopping the remaining waves once more
//! regions failed than the tolerance allows; Ctrl-C keeps what finished and says what goes on.

use super::apply::{self, ApplyError, Outcome, Request, Ui};
use crate::aws::{Aws, Options, cloudformation};
use crate::config::Region;
use crate::console::Report;
use crate::error::Exit;
use crate::model::names::Names;
use crate::plan::{self, Plan};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The waves: the first region (the canary) alone, then the rest in groups of `max_concurrent`.
pub fn waves<T: Clone>(regions: &[T], max_concurrent: usize) -> Vec<Vec<T>> {
    let Some((canary, rest)) = regions.split_first() else {
        return Vec::new();
    };
    let mut waves = vec![vec![canary.clone()]];
    waves.extend(rest.chunks(max_concurrent.max(1)).map(<[T]>::to_vec));
    waves
}

/// How one region's rollout ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RegionResult {
    Updated {
        summary: String,
    },
    NoChanges,
    Failed {
        reason: String,
    },
    /// Never started: an earlier wave failed past the tolerance (or the canary failed).
    Cancelled {
        reason: String,
    },
    /// Ctrl-C while this region was being applied: CloudFormation goes on without us.
    Interrupted,
}

impl RegionResult {
    pub fn succeeded(&self) -> bool {
        matches!(self, RegionResult::Updated { .. } | RegionResult::NoChanges)
    }

    pub fn label(&self) -> String {
        match self {
            RegionResult::Updated { summary } => format!("updated ({summary})"),
            RegionResult::NoChanges => "no changes".into(),
            RegionResult::Failed { reason } => format!("failed: {reason}"),
            RegionResult::Cancelled { reason } => format!("cancelled: {reason}"),
            RegionResult::Interrupted => {
                "interrupted while applying: CloudFormation goes on; see `infrapipe status`".into()
            }
        }
    }
}

/// Whether the waves after this one go on: never after a failed canary, otherwise while the
/// failures so far are within the tolerance.
pub fn keep_going(
    wave_index: usize,
    failures_so_far: usize,
    tolerance: usize,
) -> Result<(), String> {
    if wave_index == 0 && failures_so_far > 0 {
        return Err("the canary region failed".into());
    }
    if failures_so_far > tolerance {
        return Err(format!(
            "{failures_so_far} region(s) failed, more than --failure-tolerance {tolerance}"
        ));
    }
    Ok(())
}

/// How one region's apply ended, for the rollout's table.
pub fn region_result(applied: Result<Outcome, ApplyError>) -> RegionResult {
    match applied {
        Ok(Outcome::NoChanges { .. }) => RegionResult::NoChanges,
        Ok(Outcome::Executed { plan, finished }) if finished.succeeded() => RegionResult::Updated {
            summary: format!(
                "{} added, {} changed, {} destroyed",
                plan.summary.add, plan.summary.change, plan.summary.destroy
            ),
        },
        Ok(Outcome::Executed { finished, .. }) => RegionResult::Failed {
            reason: match finished.first_failure {
                Some(f) => format!(
                    "{} ({}): {}; stack {}",
                    f.logical_id, f.resource_type, f.reason, finished.status
                ),
                None => format!("stack {}: {}", finished.status, finished.reason),
            },
        },
        Ok(Outcome::Cancelled { .. }) => RegionResult::Cancelled {
            reason: "declined".into(),
        },
        Err(ApplyError::Aws(e)) => RegionResult::Failed {
            reason: e.to_string(),
        },
        Err(ApplyError::Refused(r)) => RegionResult::Failed {
            reason: r.to_string(),
        },
    }
}

/// Everything the waves need besides the regions' templates.
pub struct Rollout<'a> {
    pub stack: &'a str,
    pub names: &'a Names,
    pub options: &'a Options,
    pub max_concurrent: usize,
    pub failure_tolerance: usize,
    pub allow_data_loss: bool,
    pub termination_protection: bool,
    pub tags: BTreeMap<String, String>,
    pub endpoint_url: Option<&'a str>,
}

/// Each region's plan (or why it could not be made), for the one prompt before the waves.
pub struct Preview<'a> {
    pub stack: &'a str,
    pub max_concurrent: usize,
    pub plans: Vec<(Region, Result<Plan, String>)>,
    /// Each region's deployed template (None: no stack, or it could not be read), as `plans`.
    pub deployed: Vec<Option<Value>>,
    /// The monthly cost change of the whole rollout, summed over its regions.
    pub cost: Option<crate::cost::CostChange>,
}

/// Plans every region at once against its deployed stack.
pub async fn preview<'a>(r: &Rollout<'a>, templates: &[(Region, Value)]) -> Preview<'a> {
    let futs = templates.iter().map(|(region, t)| async move {
        let aws = Aws::connect(r.options, region.as_str()).await;
        let deployed = match cloudformation::deployed(&aws, r.stack).await {
            Ok(d) => d,
            Err(e) => return (Err(e.to_string()), None),
        };
        let mut plan = plan::diff(
            r.stack,
            region.as_str(),
            deployed.as_ref().map(|d| d.status.as_str()),
            deployed.as_ref().map(|d| &d.template),
            t,
        );
        if let Err(e) = super::import::find(&aws, &mut plan, t, &r.names.adopted).await {
            return (Err(e.to_string()), None);
        }
        (Ok(plan), deployed.map(|d| d.template))
    });
    let (plans, deployed): (Vec<_>, Vec<_>) =
        futures::future::join_all(futs).await.into_iter().unzip();
    Preview {
        stack: r.stack,
        max_concurrent: r.max_concurrent,
        plans: templates
            .iter()
            .map(|(r, _)| r.clone())
            .zip(plans)
            .collect(),
        deployed,
        cost: None,
    }
}

impl std::fmt::Display for Preview<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let canary = self
            .plans
            .first()
            .map(|(r, _)| r.as_str())
            .unwrap_or_default();
        writeln!(
            f,
            "Rollout of {}: canary {canary}, then waves of {}.",
            self.stack, self.max_concurrent
        )?;
        for (r, p) in &self.plans {
            let r = r.as_str();
            match p {
                Ok(p) if !p.has_changes() => writeln!(f, "  {r:<16} no changes")?,
                Ok(p) => writeln!(
                    f,
                    "  {r:<16} {}{} to add, {} to change, {} to destroy{}{}",
                    match p.summary.import {
                        0 => String::new(),
                        n => format!("{n} to import, "),
                    },
                    p.summary.add,
                    p.summary.change,
                    p.summary.destroy,
                    if p.data_loss().next().is_some() {
                        "  DATA LOSS"
                    } else {
                        ""
                    },
                    if p.cannot_import.is_empty() {
                        ""
                    } else {
                        "  CANNOT IMPORT (see `infrapipe plan`)"
                    }
                )?,
                Err(e) => writeln!(f, "  {r:<16} cannot plan: {e}")?,
            }
        }
        if let Some(cost) = &self.cost {
            write!(f, "\n{cost}")?;
        }
        Ok(())
    }
}

/// One region's hooks: apply's, and the line that ends it.
pub trait RegionUi: Ui {
    fn finish(&mut self, result: &RegionResult);
}

/// Runs `futs` side by side until all end or `interrupt` fires; returns what ended, and whether
/// it was interrupted (the rest are dropped: CloudFormation goes on without us).
pub async fn until_done_or_interrupted<F: std::future::Future>(
    futs: impl IntoIterator<Item = F>,
    mut interrupt: std::pin::Pin<&mut impl std::future::Future>,
) -> (Vec<F::Output>, bool) {
    use futures::StreamExt;
    let mut pending: futures::stream::FuturesUnordered<F> = futs.into_iter().collect();
    let mut finished = Vec::new();
    loop {
        tokio::select! {
            next = pending.next() => match next {
                Some(r) => finished.push(r),
                None => return (finished, false),
            },
            _ = interrupt.as_mut() => return (finished, true),
        }
    }
}

/// The waves over `templates` (canary first), each region's apply with the hooks `ui` makes
/// for it, until done or until `interrupt` fires.
pub async fn waves_of<U: RegionUi>(
    r: &Rollout<'_>,
    templates: &[(Region, Value)],
    ui: impl Fn(&Region) -> U,
    interrupt: impl std::future::Future,
) -> RolloutReport {
    let indices: Vec<usize> = (0..templates.len()).collect();
    let mut results: Vec<Option<(RegionResult, Duration)>> = vec![None; templates.len()];
    let mut failures = 0usize;
    let mut stop: Option<String> = None;
    // One Ctrl-C listener for every wave: a signal between two waves is not lost.
    tokio::pin!(interrupt);
    let mut interrupted = false;
    for (w, wave) in waves(&indices, r.max_concurrent).iter().enumerate() {
        if let Some(reason) = &stop {
            for &i in wave {
                let cancelled = RegionResult::Cancelled {
                    reason: reason.clone(),
                };
                results[i] = Some((cancelled, Duration::ZERO));
            }
            continue;
        }
        let futs = wave.iter().map(|&i| {
            let (region, template) = &templates[i];
            let mut region_ui = ui(region);
            let req = Request {
                stack: r.stack,
                names: r.names,
                template,
                saved: None,
                allow_data_loss: r.allow_data_loss,
                termination_protection: r.termination_protection,
                tags: r.tags.clone(),
                endpoint_url: r.endpoint_url,
                rendered: None,
                revert_drift: false,
                drift: None,
            };
            async move {
                let started = Instant::now();
                let aws = Aws::connect(r.options, region.as_str()).await;
                let result = region_result(apply::apply(&aws, &req, &mut region_ui).await);
                region_ui.finish(&result);
                (i, result, started.elapsed())
            }
        });
        let (finished, cut) = until_done_or_interrupted(futs, interrupt.as_mut()).await;
        for (i, result, took) in finished {
            if !result.succeeded() {
                failures += 1;
            }
            results[i] = Some((result, took));
        }
        if cut {
            for &i in wave {
                results[i].get_or_insert((RegionResult::Interrupted, Duration::ZERO));
            }
            interrupted = true;
            break;
        }
        if let Err(reason) = keep_going(w, failures, r.failure_tolerance) {
            stop = Some(reason);
        }
    }
    let regions = templates
        .iter()
        .zip(results)
        .map(|((region, _), res)| {
            let (result, took) = res.unwrap_or((
                RegionResult::Cancelled {
                    reason: if interrupted {
                        "interrupted before it started".into()
                    } else {
                        "not reached".into()
                    },
                },
                Duration::ZERO,
            ));
            RegionRow {
                result,
                region: region.to_string(),
                duration_ms: took.as_millis() as u64,
                took,
            }
        })
        .collect();
    RolloutReport {
        stack: r.stack.to_owned(),
        regions,
        interrupted,
    }
}

/// One region's line of the rollout's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRow {
    #[serde(flatten)]
    pub result: RegionResult,
    pub region: String,
    pub duration_ms: u64,
    #[serde(skip)]
    pub took: Duration,
}

/// The result of `infrapipe rollout`: every region in order, and whether Ctrl-C cut it short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutReport {
    pub stack: String,
    pub regions: Vec<RegionRow>,
    pub interrupted: bool,
}

impl RolloutReport {
    pub fn succeeded(&self) -> bool {
        self.regions.iter().all(|r| r.result.succeeded())
    }
}

impl Serialize for RolloutReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Document<'a> {
            stack: &'a str,
            regions: &'a [RegionRow],
            succeeded: bool,
            interrupted: bool,
        }
        Document {
            stack: &self.stack,
            regions: &self.regions,
            succeeded: self.succeeded(),
            interrupted: self.interrupted,
        }
        .serialize(s)
    }
}

impl std::fmt::Display for RolloutReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "\n{:<16} {:<10} result", "region", "duration")?;
        for row in &self.regions {
            let took = if row.took.is_zero() {
                "-".to_owned()
            } else {
                format!("{:.1} s", row.took.as_secs_f64())
            };
            writeln!(f, "{:<16} {took:<10} {}", row.region, row.result.label())?;
        }
        let ok = self.regions.iter().filter(|r| r.result.succeeded()).count();
        writeln!(f, "\n{ok} of {} regions succeeded.", self.regions.len())
    }
}

impl Report for RolloutReport {
    fn what(&self) -> &'static str {
        "rollout result"
    }

    fn exit(&self) -> Exit {
        if self.interrupted {
            Exit::Interrupted
        } else {
            Exit::from_ok(self.succeeded())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_interrupt_keeps_what_finished_and_drops_the_rest() {
        let futs = [10u64, 5_000, 20].map(|ms| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            ms
        });
        let interrupt = tokio::time::sleep(Duration::from_millis(300));
        tokio::pin!(interrupt);
        let started = Instant::now();
        let (mut finished, cut) = until_done_or_interrupted(futs, interrupt.as_mut()).await;
        finished.sort_unstable();
        assert!(cut);
        assert_eq!(finished, [10, 20]);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn without_an_interrupt_every_future_finishes() {
        let futs = [30u64, 10].map(|ms| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            ms
        });
        let never = std::future::pending::<()>();
        tokio::pin!(never);
        let (finished, cut) = until_done_or_interrupted(futs, never.as_mut()).await;
        assert!(!cut);
        assert_eq!(finished, [10, 30]);
    }

    #[test]
    fn canary_goes_alone_then_waves_of_max_concurrent() {
        assert_eq!(
            waves(&[1, 2, 3, 4, 5], 3),
            vec![vec![1], vec![2, 3, 4], vec![5]]
        );
    }

    #[test]
    fn a_failed_canary_stops_everything_whatever_the_tolerance() {
        assert!(keep_going(0, 1, 5).is_err());
    }

    #[test]
    fn later_failures_within_tolerance_go_on() {
        assert!(keep_going(1, 1, 1).is_ok());
        assert!(keep_going(1, 2, 1).is_err());
    }
}
