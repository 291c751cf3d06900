//! `infrapipe rollout --accounts ... | --organizational-units ...`: the same pipeline in many
//! accounts through a CloudFormation StackSet; flags checked, plan shown, one consent, the code
//! published, then the operations with a line per instance and the final table.

use super::context::Context;
use super::stack_set_args::{self as args_of, Lines};
use super::ui;
use crate::aws::stack_sets::SetRef;
use crate::cli::RolloutArgs;
use crate::config::Region;
use crate::deploy::stack_set::{self as flow, run};
use crate::error::{Error, Exit, Result};
use crate::model::names::Names;

pub fn run(ctx: &Context, args: &RolloutArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let regions: Vec<Region> = match &args.regions {
        Some(list) => list
            .iter()
            .map(|r| Region::parse(r.trim()).map_err(|m| Error::Usage(format!("--regions: {m}"))))
            .collect::<Result<_>>()?,
        None => config.regions.clone(),
    };
    let Some(first) = regions.first() else {
        return Err(Error::Usage("--regions lists no region".into()));
    };
    let flags = args_of::checked(
        args,
        config,
        regions.iter().map(Region::to_string).collect(),
    )?;
    ui::require_consent_possible(ctx.console, args.yes, "roll out")?;
    // One template for every account and region; the first region holds each account's budget.
    let template = super::stack_set_template(config, first, first)?;
    let body = crate::template::body(&template);
    let admin_region = ctx.one_region()?;
    let rt = ctx.runtime()?;
    let aws = super::changing(ctx, config, std::slice::from_ref(&admin_region))?;
    let options = ctx.aws_options()?;
    let names = Names::new(config);
    let set = SetRef {
        name: config.stack_name(),
        delegated_admin: args.delegated_admin,
    };
    let roles = args_of::roles(args, config);
    let prepared = rt.block_on(flow::prepare(
        &aws, &options, &names, &set, &flags, &body, &roles,
    ))?;
    let plan = &prepared.plan;
    if !ctx.json() {
        write!(ctx.console.out(), "{plan}")?;
    } else {
        // stdout holds the one JSON document: the notes go to stderr.
        for n in &plan.notes {
            writeln!(ctx.console.err(), "note: {n}")?;
        }
    }
    if plan.nothing_to_do() {
        return ctx.report(&flow::report::nothing_to_do(plan));
    }
    if !ui::confirm(ctx.console, args.yes, "Roll out these changes?")? {
        writeln!(ctx.console.err(), "Rollout cancelled. Nothing was changed.")?;
        return Ok(Exit::Failure);
    }
    let readers = args_of::readers(args, config, &flags);
    let endpoint = ctx.global.endpoint_url.as_deref();
    let (published, source) = rt.block_on(flow::publish(
        &aws, &options, &names, &flags, &readers, &set, &template, endpoint,
    ))?;
    for p in &published {
        writeln!(
            ctx.console.err(),
            "code in {} ({}): s3:GetObject for {readers} alone",
            p.uploaded.bucket,
            p.region
        )?;
    }
    let tags = crate::deploy::apply::stack_tags(&config.resource_tags(), &names);
    let description = format!(
        "infrapipe pipeline {}: one stack per account and region",
        set.name
    );
    let r = run::Rollout {
        set: &set,
        flags: &flags,
        description: &description,
        template: &source,
        parameters: &prepared.parameters,
        tags: &tags,
        permissions: &prepared.permissions,
        limit: std::time::Duration::from_secs(3 * 3600),
    };
    let mut lines = Lines(ctx.console);
    let report = rt.block_on(run::execute(
        &aws,
        &r,
        plan,
        &mut lines,
        tokio::signal::ctrl_c(),
    ));
    let exit = ctx.report(&report)?;
    if report.interrupted {
        writeln!(
            ctx.console.err(),
            "\nInterrupted. CloudFormation goes on with the running operation; run the rollout again to finish what is left."
        )?;
    }
    Ok(exit)
}
