//! `infrapipe run`: start one collection now (the seed's manual trigger) and wait for it,
//! reporting each branch; `--no-wait` only starts it, `--timeout` bounds the wait.

use super::context::Context;
use crate::aws::Aws;
use crate::cli::RunArgs;
use crate::deploy::run;
use crate::error::{Error, Exit, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

pub fn run(ctx: &Context, args: &RunArgs) -> Result<Exit> {
    if args.compaction {
        return super::run_compaction::run(ctx, args);
    }
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let stack = config.stack_name();
    // A run cannot outlast every branch's retries: timeout x attempts, with backoff, plus margin.
    let retries_allow = config.collectors.timeout_seconds.int() as u64 * 4 + 120;
    let limit = Duration::from_secs(args.timeout.unwrap_or(retries_allow));
    ctx.runtime()?.block_on(async {
        let aws = Aws::connect(&ctx.aws, region.as_str()).await;
        let started = run::start(&aws, &stack).await?;
        if args.no_wait {
            return ctx.report(&started);
        }
        let name = &started.name;
        // Progress goes to stderr, also with --json.
        writeln!(
            ctx.console.err(),
            "Started {name}; waiting for it (Ctrl-C stops waiting, not the run)."
        )?;
        let spinner = waiting(ctx, name);
        // One listener for the whole wait, so a Ctrl-C during a pause between polls counts too.
        let report = tokio::select! {
            r = run::finish(&aws, &stack, &started, &config.collectors.metrics, limit) => r,
            _ = tokio::signal::ctrl_c() => Err(Error::Interrupted {
                goes_on: format!("The run {name} goes on; see it with `infrapipe status --region {region}`."),
            }),
        };
        if let Some(s) = spinner {
            s.finish_and_clear();
        }
        ctx.report(&report?)
    })
}

/// A spinner with the time waited, on a terminal only (nothing otherwise: the line above says
/// what is happening, and logs stay clean).
fn waiting(ctx: &Context, name: &str) -> Option<ProgressBar> {
    if !ctx.console.terminals.err {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(format!("{name} running"));
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}
