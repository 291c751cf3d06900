//! `infrapipe run`: start one collection now (the seed's manual trigger) and wait for it,
//! reporting each branch.

use super::context::Context;
use crate::aws::Aws;
use crate::deploy::run;
use crate::error::{Error, Exit, Result};
use std::time::Duration;

pub fn run(ctx: &Context, args: &crate::cli::RunArgs) -> Result<Exit> {
    if args.compaction {
        return super::run_compaction::run(ctx, args);
    }
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let stack = config.stack_name();
    // A run cannot outlast every branch's retries: timeout x attempts, with backoff, plus margin.
    let limit = Duration::from_secs(config.collectors.timeout_seconds.int() as u64 * 4 + 120);
    ctx.runtime()?.block_on(async {
        let aws = Aws::connect(&ctx.aws, region.as_str()).await;
        let started = run::start(&aws, &stack).await?;
        let name = &started.name;
        // Progress goes to stderr, also with --json.
        writeln!(
            ctx.console.err(),
            "Started {name}; waiting for it (Ctrl-C stops waiting, not the run)."
        )?;
        // One listener for the whole wait, so a Ctrl-C during a pause between polls counts too.
        let report = tokio::select! {
            r = run::finish(&aws, &stack, &started, &config.collectors.metrics, limit) => r?,
            _ = tokio::signal::ctrl_c() => return Err(Error::Interrupted {
                goes_on: format!("The run {name} goes on; see it with `infrapipe status --region {region}`."),
            }),
        };
        ctx.report(&report)
    })
}
