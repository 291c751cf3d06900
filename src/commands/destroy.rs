//! `infrapipe destroy`: delete the stack; the raw bucket and table are kept unless --purge-data.

use super::context::Context;
use super::terminal::Terminal;
use crate::aws::Aws;
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
        purge_data: args.purge_data,
        config_path: &ctx.global.config,
    };
    let mut term = Terminal::new(ctx, args.yes, "destroying");
    let report = ctx.runtime()?.block_on(async {
        let aws = Aws::connect(&ctx.aws, region.as_str()).await;
        destroy::destroy(&aws, &req, &mut term, tokio::signal::ctrl_c()).await
    });
    term.finish();
    ctx.report(&report?)
}
