//! `infrapipe run --compaction [--from DAY --to DAY]`: the compaction to Parquet, now, for
//! yesterday or a range of whole days (the flow is `deploy::compaction`).

use super::context::Context;
use crate::aws::Aws;
use crate::cli::RunArgs;
use crate::deploy::compaction;
use crate::error::{Error, Exit, Result};
use std::time::Duration;

pub fn run(ctx: &Context, args: &RunArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let today = compaction::today();
    let day = |s: &str| compaction::parse_day(s).map_err(Error::Usage);
    let from = args
        .from
        .as_deref()
        .map(day)
        .transpose()?
        .unwrap_or(today - 1);
    let to = args.to.as_deref().map(day).transpose()?.unwrap_or(from);
    let days = compaction::days(from, to, today).map_err(Error::Usage)?;
    // One Athena INSERT a day, one after another: a few minutes each at most, plus margin.
    let limit = Duration::from_secs(120 + 300 * days.len() as u64);
    let stack = config.stack_name();
    ctx.runtime()?.block_on(async {
        let aws = Aws::connect(&ctx.aws, region.as_str()).await;
        writeln!(
            ctx.console.err(),
            "Compacting {} day(s) of {stack} ({region}); Ctrl-C stops waiting, not the run.",
            days.len()
        )?;
        let report = tokio::select! {
            r = compaction::run(&aws, &stack, &days, limit) => r?,
            _ = tokio::signal::ctrl_c() => return Err(Error::Interrupted {
                goes_on: format!("The compaction goes on; see it with `infrapipe status --region {region}`."),
            }),
        };
        ctx.report(&report)
    })
}
