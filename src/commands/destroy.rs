//! `infrapipe destroy`: delete the stack (in one region or, with --all-regions, in each); the
//! raw bucket and table are kept unless --purge-data. `--artifacts` removes the artifact bucket
//! of regions where no stack of ours is left.

use super::context::Context;
use super::terminal::Terminal;
use crate::aws::Aws;
use crate::cli::DestroyArgs;
use crate::deploy::artifacts;
use crate::deploy::destroy::{self, Request};
use crate::error::{Exit, Result};
use crate::model::names::Names;

pub fn run(ctx: &Context, args: &DestroyArgs) -> Result<Exit> {
    if args.stack_set {
        return super::stack_set::destroy(ctx, args);
    }
    let config = ctx.config()?;
    let regions = ctx.regions_to_check(args.all_regions)?;
    let stack = config.stack_name();
    let names = Names::new(config);
    let req = Request {
        stack: &stack,
        names: &names,
        purge_data: args.purge_data.is_some(),
        purge_name: args.purge_data.as_deref().filter(|n| !n.is_empty()),
        backup: !args.no_backup,
        config_path: &ctx.global.config,
    };
    // A wrong name after --purge-data stops everything before the first AWS call.
    destroy::check_purge_name(&req)?;
    let first = super::changing(ctx, config, &regions)?;
    let rt = ctx.runtime()?;
    let options = ctx.aws_options()?;
    let mut clients = vec![first];
    for region in regions.iter().skip(1) {
        clients.push(rt.block_on(Aws::connect(&options, region.as_str())));
    }
    let mut term = Terminal::new(ctx, args.yes, "destroying");
    if args.artifacts {
        let report = rt.block_on(artifacts::remove(&clients, &stack, &names, &mut term));
        term.finish();
        return ctx.report(&report?);
    }
    let report = rt.block_on(destroy::destroy_all(
        &clients,
        &req,
        &mut term,
        tokio::signal::ctrl_c(),
    ));
    term.finish();
    ctx.report(&report?)
}
