//! `infrapipe destroy`: delete the stack; the raw bucket and table are kept unless --purge-data.

use super::context::Context;
use super::terminal::Terminal;
use crate::cli::DestroyArgs;
use crate::deploy::destroy::{self, Request};
use crate::error::{Exit, Result};
use crate::model::names::Names;

pub fn run(ctx: &Context, args: &DestroyArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let region = ctx.one_region()?;
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
    let aws = super::changing(ctx, config, std::slice::from_ref(&region))?;
    let rt = ctx.runtime()?;
    let mut term = Terminal::new(ctx, args.yes, "destroying");
    let report = rt
        .block_on(async { destroy::destroy(&aws, &req, &mut term, tokio::signal::ctrl_c()).await });
    term.finish();
    ctx.report(&report?)
}
