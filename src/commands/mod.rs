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
mod render;
mod rollout;
mod rollout_stack_set;
mod run;
mod run_compaction;
mod schema;
mod stack_set;
mod stack_set_args;
mod status;
mod synth;
mod terminal;
mod ui;
mod validate;

use crate::cli::{Cli, Command, Global};
use crate::config::{Config, Region};
use crate::console::Console;
use crate::error::{Error, Exit, Result};
use context::Context;
pub use render::{build, model, rendered, rendered_for_deploy, stack_set_template, template};

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
        Command::Rollout(args) if args.stack_set() => rollout_stack_set::run(&ctx, args),
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

/// Colour only on a terminal, never with NO_COLOR or --no-color; the width of the terminal, or
/// of `COLUMNS`, or 80 (`--wide` lifts it where a command offers it).
pub fn style(global: &Global, terminals: crate::console::Terminals) -> crate::style::Style {
    use std::io::IsTerminal;
    crate::style::Style {
        color: global.color_allowed() && std::io::stdout().is_terminal(),
        width: Some(crate::style::output_width(terminals.out)),
    }
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
