//! `infrapipe redrive`: drain the dead-letter queues of one region's stack after a fix.

use super::context::Context;
use crate::aws::Aws;
use crate::cli::RedriveArgs;
use crate::deploy::redrive;
use crate::error::{Exit, Result};

pub fn run(ctx: &Context, args: &RedriveArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let stack = config.stack_name();
    let report = ctx.runtime()?.block_on(async {
        let aws = Aws::connect(&ctx.aws, region.as_str()).await;
        redrive::redrive(&aws, &stack, args.dry_run).await
    })?;
    ctx.report(&report)
}
