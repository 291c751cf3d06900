//! One module per command: each parses what its flags mean, calls the layer that does the work,
//! and prints that layer's report through the context's console. Nothing else lives here.

mod apply;
mod completions;
pub mod context;
mod cost;
mod destroy;
mod drift;
mod graph;
mod iam_policy;
mod init;
mod man;
mod metrics;
mod plan;
mod query;
mod redrive;
mod rollout;
mod run;
mod run_compaction;
mod schema;
mod status;
mod synth;
mod terminal;
mod ui;
mod validate;

use crate::cli::{Cli, Command, Global};
use crate::config::{Config, Region};
use crate::console::Console;
use crate::error::{Error, Exit, Result};
use crate::model::Pipeline;
use context::Context;

/// Builds the one context every command shares and runs the command given.
pub fn dispatch(cli: &Cli, console: &Console) -> Result<Exit> {
    let ctx = Context::new(&cli.global, console);
    match &cli.command {
        Command::Validate => validate::run(&ctx),
        Command::Synth(args) => synth::run(&ctx, args),
        Command::Plan(args) => plan::run(&ctx, args),
        Command::Drift(args) => drift::run(&ctx, args),
        Command::Apply(args) => apply::run(&ctx, args),
        Command::Destroy(args) => destroy::run(&ctx, args),
        Command::Rollout(args) => rollout::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::Run(args) => run::run(&ctx, args),
        Command::Cost(args) => cost::run(&ctx, args),
        Command::Init(args) => init::run(&ctx, args),
        Command::Schema => schema::run(&ctx),
        Command::Graph(args) => graph::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Man(args) => man::run(&ctx, args),
        Command::Redrive(args) => redrive::run(&ctx, args),
        Command::IamPolicy(args) => iam_policy::run(&ctx, args),
        Command::Query(args) => query::run(&ctx, args),
        Command::Metrics(args) => metrics::run(&ctx, args),
    }
}

/// The model of `config` for `region`, with the code keys of this process's one bundle and the
/// budget's limit derived from the cost estimate over every region (unless the config sets it).
pub fn build(config: &Config, region: &Region) -> Result<Pipeline> {
    let mut pipeline = model(config, region)?;
    if let Some(budget) = pipeline.observability.budget.as_mut()
        && budget.limit_usd.is_none()
    {
        // The budget covers every region, so its limit is priced over all of them.
        let all = config
            .regions
            .iter()
            .map(|r| model(config, r))
            .collect::<Result<Vec<_>>>()?;
        let book = crate::cost::PriceBook::load().map_err(Error::Prices)?;
        let limit = crate::cost::budget_limit(&config.cost, &all, &book, budget.headroom_percent)
            .map_err(|e| {
                Error::Prices(format!(
                    "cannot derive the budget's limit from the cost estimate: {e}; set monitoring.budget.monthly_usd, or monitoring.budget.enabled: false"
                ))
            })?;
        budget.limit_usd = Some(limit);
    }
    Ok(pipeline)
}

/// The model without the budget's derived limit: for the commands that price or picture the
/// pipeline rather than render it (the limit comes from the same estimate `cost` makes).
pub fn model(config: &Config, region: &Region) -> Result<Pipeline> {
    let bundle = crate::package::bundle().map_err(Error::Package)?;
    Ok(Pipeline::build(config, region, &bundle.code_keys()))
}

/// Colour only on a terminal, never with NO_COLOR or --no-color; the width of the terminal, or
/// of `COLUMNS`, or 80 (`--wide` lifts it where a command offers it).
pub fn style(global: &Global, terminals: crate::console::Terminals) -> crate::style::Style {
    use std::io::IsTerminal;
    crate::style::Style {
        color: global.color_allowed() && std::io::stdout().is_terminal(),
        width: Some(crate::style::output_width(terminals.out)),
    }
}

/// The template `config` renders for `region`, with the config recorded in its `Metadata`
/// (`deploy::recorded`, what plan prices as deployed): what synth writes and apply deploys.
pub fn template(config: &Config, region: &Region) -> Result<serde_json::Value> {
    let mut template = crate::template::render(&build(config, region)?);
    crate::deploy::recorded::stamp(&mut template, config);
    Ok(template)
}

/// Each region with the template the config renders for it, in the order given.
pub fn rendered(config: &Config, regions: &[Region]) -> Result<Vec<(Region, serde_json::Value)>> {
    regions
        .iter()
        .map(|r| Ok((r.clone(), template(config, r)?)))
        .collect()
}

/// Runs `work` for every region (with what it needs there) at once and returns each region's
/// result in the order given. A task that panicked is its region's error (`what` names the work
/// in that message).
pub async fn per_region<I, T, F, Fut>(
    regions: Vec<(Region, I)>,
    what: &str,
    work: F,
) -> Vec<Result<T>>
where
    F: Fn(Region, I) -> Fut,
    Fut: std::future::Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<(Region, tokio::task::JoinHandle<Result<T>>)> = regions
        .into_iter()
        .map(|(region, input)| (region.clone(), tokio::spawn(work(region, input))))
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for (region, handle) in handles {
        results.push(handle.await.unwrap_or_else(|e| {
            Err(Error::RegionStopped {
                what: what.to_owned(),
                region: region.to_string(),
                reason: e.to_string(),
            })
        }));
    }
    results
}

/// Before any change (apply, destroy, rollout): connects to the first of `regions`, refuses an
/// account the config's `allowed_account_ids` does not list, and says on stderr (so that
/// `--json` stays one document on stdout) which account and regions are about to change.
pub fn changing(ctx: &Context, config: &Config, regions: &[Region]) -> Result<crate::aws::Aws> {
    let Some(first) = regions.first() else {
        return Err(Error::Usage("no region to change".into()));
    };
    let rt = ctx.runtime()?;
    let aws = rt.block_on(crate::aws::Aws::connect(
        &ctx.aws_options()?,
        first.as_str(),
    ));
    let target = rt.block_on(crate::deploy::account::target(
        &aws,
        &config.allowed_account_ids,
        regions.iter().map(Region::to_string).collect(),
    ))?;
    writeln!(ctx.console.err(), "{target}")?;
    Ok(aws)
}
