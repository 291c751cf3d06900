//! `infrapipe status`: the stack, its resources, the last collection run, alarms, the schedule.

use super::context::Context;
use crate::aws::Aws;
use crate::cli::StatusArgs;
use crate::config::Region;
use crate::error::{Exit, Result};
use crate::model::Pipeline;
use crate::status::{self, StatusReport};

pub fn run(ctx: &Context, args: &StatusArgs) -> Result<Exit> {
    if args.stack_set {
        return super::stack_set::status(ctx, args);
    }
    let config = ctx.config()?;
    let regions = ctx.regions_to_check(args.all_regions)?;
    let pipelines = regions
        .iter()
        .map(|r| Ok((r.clone(), super::model(config, r)?)))
        .collect::<Result<Vec<(Region, Pipeline)>>>()?;
    let stack = config.stack_name();
    let interval = config.schedule.seconds();
    let work = |region: Region, pipeline: Pipeline| {
        let (options, stack) = (ctx.aws.clone(), stack.clone());
        async move {
            let aws = Aws::connect(&options, region.as_str()).await;
            Ok(status::read(&aws, &stack, &pipeline, interval).await?)
        }
    };
    let results = ctx
        .runtime()?
        .block_on(super::per_region(pipelines, "status", work));
    ctx.report(&StatusReport(results.into_iter().collect::<Result<_>>()?))
}
