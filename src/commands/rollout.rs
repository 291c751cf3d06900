//! `infrapipe rollout`: apply to several regions in waves, with a canary and a brake.

use super::ui;
use crate::aws::{Aws, cloudformation};
use crate::cli::{Global, RolloutArgs};
use crate::config::{Config, Region};
use crate::deploy::apply::{self, ApplyError, Outcome, Request, Ui};
use crate::deploy::assets::Uploaded;
use crate::deploy::rollout::{self, RegionResult};
use crate::deploy::wait::Tick;
use crate::error::{Error, Result};
use crate::model::names::Names;
use crate::plan::{self, Plan};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// One region's line: a spinner on a terminal, plain lines on stderr otherwise.
struct RegionUi {
    region: String,
    bar: Option<ProgressBar>,
}

impl RegionUi {
    fn say(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.set_message(msg.to_owned()),
            None => eprintln!("[{}] {msg}", self.region),
        }
    }
}

impl RegionUi {
    /// A spinner under `multi` on a terminal; plain lines otherwise.
    fn new(region: &Region, multi: Option<&MultiProgress>) -> RegionUi {
        let bar = multi.map(|m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("{spinner} {prefix:16} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_prefix(region.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        RegionUi {
            region: region.to_string(),
            bar,
        }
    }

    fn finish(&self, result: &RegionResult) {
        match &self.bar {
            Some(b) => b.finish_with_message(result.label()),
            None => eprintln!("[{}] {}", self.region, result.label()),
        }
    }
}

/// How one region's apply ended, for the rollout's table.
fn region_result(applied: std::result::Result<Outcome, ApplyError>) -> RegionResult {
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

/// Runs `futs` side by side until all end or `interrupt` fires; returns what ended, and whether
/// it was interrupted (the rest are dropped: CloudFormation goes on without us).
async fn until_done_or_interrupted<F: std::future::Future>(
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

impl Ui for RegionUi {
    fn confirm(&mut self, _plan: &Plan) -> bool {
        true // the whole rollout was confirmed once, up front
    }
    fn published(&mut self, u: &Uploaded) {
        let n = u.objects.iter().filter(|(_, up)| *up).count();
        self.say(&format!("code published ({n} uploaded)"));
    }
    fn tick(&mut self, t: Tick<'_>, total: usize) {
        let e = t.event;
        let line = format!(
            "{}/{total} {} {} {}",
            t.done, e.status, e.logical_id, e.reason
        );
        self.say(line.trim_end());
    }
    fn replacing_failed_create(&mut self, status: &str) {
        self.say(&format!(
            "deleting the stack left by a failed create ({status})"
        ));
    }
}

pub fn run(
    global: &Global,
    args: &RolloutArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let regions: Vec<Region> = match &args.regions {
        Some(list) => list
            .iter()
            .map(|r| Region::parse(r.trim()).map_err(|m| Error::Usage(format!("--regions: {m}"))))
            .collect::<Result<_>>()?,
        None => config.regions.clone(),
    };
    if regions.is_empty() {
        return Err(Error::Usage("--regions lists no region".into()));
    }
    ui::require_consent_possible(args.yes, "roll out")?;
    let names = Names::new(&config);
    let stack = config.stack_name();
    let templates = super::rendered(&config, &regions)?;
    let options = super::aws_options(global);
    let rt = super::runtime()?;
    let tags = apply::stack_tags(&config.tags, &names);

    // Plan every region first, concurrently, for the one prompt.
    let plans: Vec<std::result::Result<Plan, String>> = rt.block_on(async {
        let futs = templates.iter().map(|(r, t)| {
            let (options, stack) = (&options, &stack);
            async move {
                let aws = Aws::connect(options, r.as_str()).await;
                let deployed = cloudformation::deployed(&aws, stack)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(plan::diff(
                    stack,
                    r.as_str(),
                    deployed.as_ref().map(|d| d.status.as_str()),
                    deployed.as_ref().map(|d| &d.template),
                    t,
                ))
            }
        });
        futures::future::join_all(futs).await
    });
    if !global.json {
        writeln!(
            out,
            "Rollout of {stack}: canary {}, then waves of {}.",
            regions[0], args.max_concurrent
        )?;
        for (r, p) in regions.iter().zip(&plans) {
            match p {
                Ok(p) if !p.has_changes() => writeln!(out, "  {:<16} no changes", r.as_str())?,
                Ok(p) => writeln!(
                    out,
                    "  {:<16} {} to add, {} to change, {} to destroy{}",
                    r.as_str(),
                    p.summary.add,
                    p.summary.change,
                    p.summary.destroy,
                    if p.data_loss().next().is_some() {
                        "  DATA LOSS"
                    } else {
                        ""
                    }
                )?,
                Err(e) => writeln!(out, "  {:<16} cannot plan: {e}", r.as_str())?,
            }
        }
    }
    if !ui::confirm(args.yes, "Roll out these changes?", err)? {
        writeln!(err, "Rollout cancelled. Nothing was changed.")?;
        return Ok(1);
    }

    let multi = std::io::stderr()
        .is_terminal()
        .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
    let indices: Vec<usize> = (0..regions.len()).collect();
    let waves = rollout::waves(&indices, usize::from(args.max_concurrent));
    let mut results: Vec<Option<(RegionResult, Duration)>> = vec![None; regions.len()];
    let mut failures = 0usize;
    let mut stop: Option<String> = None;
    // One Ctrl-C listener for every wave: a signal between two waves is not lost.
    let interrupted = rt.block_on(async {
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        for (w, wave) in waves.iter().enumerate() {
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
                let region = &regions[i];
                let mut region_ui = RegionUi::new(region, multi.as_ref());
                let req = Request {
                    stack: &stack,
                    names: &names,
                    template: &templates[i].1,
                    saved: None,
                    allow_data_loss: args.allow_data_loss,
                    termination_protection: config.termination_protection,
                    tags: tags.clone(),
                    endpoint_url: global.endpoint_url.as_deref(),
                };
                let options = &options;
                async move {
                    let started = Instant::now();
                    let aws = Aws::connect(options, region.as_str()).await;
                    let result = region_result(apply::apply(&aws, &req, &mut region_ui).await);
                    region_ui.finish(&result);
                    (i, result, started.elapsed())
                }
            });
            let (finished, cut) = until_done_or_interrupted(futs, ctrl_c.as_mut()).await;
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
                return true;
            }
            if let Err(reason) = rollout::keep_going(w, failures, args.failure_tolerance) {
                stop = Some(reason);
            }
        }
        false
    });

    let rows: Vec<(String, RegionResult, Duration)> = regions
        .iter()
        .zip(results)
        .map(|(r, res)| {
            let (res, d) = res.unwrap_or((
                RegionResult::Cancelled {
                    reason: if interrupted {
                        "interrupted before it started".into()
                    } else {
                        "not reached".into()
                    },
                },
                Duration::ZERO,
            ));
            (r.to_string(), res, d)
        })
        .collect();
    let all_ok = rows.iter().all(|(_, r, _)| r.succeeded());
    if global.json {
        let regions: Vec<Value> = rows
            .iter()
            .map(|(r, res, d)| {
                let mut v = serde_json::to_value(res).unwrap_or(Value::Null);
                v["region"] = json!(r);
                v["duration_ms"] = json!(d.as_millis() as u64);
                v
            })
            .collect();
        writeln!(
            out,
            "{}",
            json!({ "stack": stack, "regions": regions, "succeeded": all_ok, "interrupted": interrupted })
        )?;
    } else {
        writeln!(out, "\n{:<16} {:<10} result", "region", "duration")?;
        for (r, res, d) in &rows {
            let took = if d.is_zero() {
                "-".to_owned()
            } else {
                format!("{:.1} s", d.as_secs_f64())
            };
            writeln!(out, "{r:<16} {took:<10} {}", res.label())?;
        }
        let ok = rows.iter().filter(|(_, r, _)| r.succeeded()).count();
        writeln!(out, "\n{ok} of {} regions succeeded.", rows.len())?;
    }
    if interrupted {
        writeln!(
            err,
            "\nInterrupted. CloudFormation goes on in the regions marked interrupted; watch each with `infrapipe status --region R`. Run the rollout again to finish what is left."
        )?;
        return Ok(130);
    }
    Ok(if all_ok { 0 } else { 1 })
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
}
