//! The `--stack-set` forms of status, drift, destroy and plan: the set named after the stack,
//! administered from `--region` (or the config's first region). Parse, dispatch, print.

use super::context::Context;
use super::terminal::Terminal;
use crate::aws::Aws;
use crate::aws::stack_sets::SetRef;
use crate::cli::{DestroyArgs, DriftArgs, PlanArgs, StatusArgs};
use crate::deploy::stack_set_destroy::{self, SetRequest};
use crate::deploy::stack_set_plan::{self, Rendered};
use crate::drift::{self, DetectError};
use crate::error::{Error, Exit, Result};
use crate::model::names::Names;

/// The set named after the stack, as whom it is called.
fn set_ref(ctx: &Context, delegated_admin: bool) -> Result<SetRef> {
    Ok(SetRef {
        name: ctx.config()?.stack_name(),
        delegated_admin,
    })
}

/// The set and a client in its administering region.
fn connect(ctx: &Context, delegated_admin: bool) -> Result<(SetRef, Aws)> {
    let set = set_ref(ctx, delegated_admin)?;
    let region = ctx.one_region()?;
    let aws = ctx
        .runtime()?
        .block_on(Aws::connect(&ctx.aws_options()?, region.as_str()));
    Ok((set, aws))
}

pub fn status(ctx: &Context, args: &StatusArgs) -> Result<Exit> {
    let (set, aws) = connect(ctx, args.delegated_admin)?;
    let status = ctx
        .runtime()?
        .block_on(crate::status::stack_set::read(&aws, &set))?;
    ctx.report(&status)
}

pub fn drift(ctx: &Context, args: &DriftArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let (set, aws) = connect(ctx, args.delegated_admin)?;
    let options = drift::Options {
        cloudformation: args.cloudformation,
        sequential: false,
    };
    let aws_options = ctx.aws_options()?;
    let regional = |region: String| {
        let o = aws_options.clone();
        async move { Aws::connect(&o, &region).await }
    };
    let found = ctx.runtime()?.block_on(drift::stack_set::detect(
        &aws,
        &set,
        &config.drift.ignore,
        options,
        regional,
    ));
    let mut report = found.map_err(|e| match e {
        DetectError::Aws(a) => Error::Aws(a),
        other => Error::Usage(other.to_string()),
    })?;
    report.style = ctx.style();
    report.detailed_exitcode = args.detailed_exitcode;
    ctx.report(&report)
}

pub fn destroy(ctx: &Context, args: &DestroyArgs) -> Result<Exit> {
    if args.purge_data.is_some() {
        return Err(Error::Usage(stack_set_destroy::PURGE_REFUSED.into()));
    }
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    // The administering account must be one the config allows, as for any destroy.
    let aws = super::changing(ctx, config, std::slice::from_ref(&region))?;
    let set = set_ref(ctx, args.delegated_admin)?;
    let names = Names::new(config);
    let req = SetRequest {
        set: &set,
        names: &names,
    };
    let mut term = Terminal::new(ctx, args.yes, "destroying");
    let report = ctx.runtime()?.block_on(stack_set_destroy::destroy(
        &aws,
        &req,
        &mut term,
        tokio::signal::ctrl_c(),
    ));
    term.finish();
    ctx.report(&report?)
}

pub fn plan(ctx: &Context, args: &PlanArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let regions: Vec<String> = if args.regions.is_empty() {
        config.regions.iter().map(ToString::to_string).collect()
    } else {
        args.regions.clone()
    };
    // The template rollout sends: its first region holds each account's budget.
    let first = match regions.first() {
        Some(r) => {
            crate::config::Region::parse(r).map_err(|m| Error::Usage(format!("--regions: {m}")))?
        }
        None => region.clone(),
    };
    let template = super::stack_set_template(config, &first, &first)?;
    let accounts = if args.accounts.is_empty() {
        Vec::new()
    } else {
        crate::deploy::stack_set::flags::account_ids(&args.accounts).map_err(Error::Usage)?
    };
    // Instances to create are shown only for accounts named.
    let regions = if accounts.is_empty() {
        Vec::new()
    } else {
        regions
    };
    let rendered = Rendered {
        template: &template,
        accounts: &accounts,
        regions: &regions,
    };
    let (set, aws) = connect(ctx, args.delegated_admin)?;
    let mut plan = ctx
        .runtime()?
        .block_on(stack_set_plan::plan(&aws, &set, &rendered))?;
    plan.style = if args.wide {
        ctx.style().wide()
    } else {
        ctx.style()
    };
    plan.detailed_exitcode = args.detailed_exitcode;
    ctx.report(&plan)
}
