//! One module per command: each takes the parsed CLI, writes its report, returns the exit code.

mod apply;
mod completions;
mod cost;
mod destroy;
mod drift;
mod graph;
mod init;
mod man;
mod plan;
mod rollout;
mod run;
mod schema;
mod status;
mod synth;
mod ui;
mod validate;

use crate::cli::{Cli, Command, Global};
use crate::config::{Config, Region};
use crate::error::{Error, Result};
use crate::model::Pipeline;
use std::io::Write;

pub fn dispatch(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32> {
    match &cli.command {
        Command::Validate => validate::run(&cli.global, out),
        Command::Synth(args) => synth::run(&cli.global, args, out, err),
        Command::Plan(args) => plan::run(&cli.global, args, out, err),
        Command::Drift(args) => drift::run(&cli.global, args, out, err),
        Command::Apply(args) => apply::run(&cli.global, args, out, err),
        Command::Destroy(args) => destroy::run(&cli.global, args, out, err),
        Command::Rollout(args) => rollout::run(&cli.global, args, out, err),
        Command::Status(args) => status::run(&cli.global, args, out),
        Command::Run => run::run(&cli.global, out, err),
        Command::Cost(args) => cost::run(&cli.global, args, out),
        Command::Init(args) => init::run(&cli.global, args, out),
        Command::Schema => schema::run(out),
        Command::Graph(args) => graph::run(&cli.global, args, out),
        Command::Completions(args) => completions::run(&cli.global, args, out),
        Command::Man(args) => man::run(&cli.global, args, out),
    }
}

/// The regions a command acts on: `--region` (which must be configured) or all configured.
pub fn target_regions(global: &Global, config: &Config) -> Result<Vec<Region>> {
    match &global.region {
        None => Ok(config.regions.clone()),
        Some(r) => {
            let region = Region::parse(r).map_err(|m| Error::Usage(format!("--region {m}")))?;
            if config.regions.contains(&region) {
                Ok(vec![region])
            } else {
                let listed: Vec<&str> = config.regions.iter().map(Region::as_str).collect();
                Err(Error::Usage(format!(
                    "--region {region} is not in {}'s regions ({}); add it to `regions` first",
                    global.config.display(),
                    listed.join(", ")
                )))
            }
        }
    }
}

/// The model of `config` for `region`, with the code keys of this process's one bundle.
pub fn build(config: &Config, region: &Region) -> Result<Pipeline> {
    let bundle = crate::package::bundle().map_err(Error::Package)?;
    Ok(Pipeline::build(config, region, &bundle.code_keys()))
}

/// Ctrl-C while waiting on AWS: say what goes on without us (stderr and, with `--json`, the one
/// document on stdout) and exit 130.
pub fn interrupted(
    global: &Global,
    out: &mut dyn Write,
    err: &mut dyn Write,
    what_goes_on: &str,
) -> Result<i32> {
    writeln!(err, "\nInterrupted. {what_goes_on}")?;
    if global.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "interrupted": true, "message": what_goes_on })
        )?;
    }
    Ok(130)
}

/// Colour only on a terminal, never with NO_COLOR or --no-color.
pub fn style(global: &Global) -> crate::style::Style {
    use std::io::IsTerminal;
    crate::style::Style {
        color: global.color_allowed() && std::io::stdout().is_terminal(),
    }
}

/// The AWS connection options from the global flags.
pub fn aws_options(global: &Global) -> crate::aws::Options {
    crate::aws::Options {
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
    }
}

/// A runtime for the commands that call AWS.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

/// With `--all-regions`, every region of the config; otherwise the one region the command acts on.
pub fn regions_to_check(
    global: &Global,
    config: &Config,
    all_regions: bool,
) -> Result<Vec<Region>> {
    if all_regions {
        Ok(config.regions.clone())
    } else {
        Ok(vec![one_region(global, config)?])
    }
}

/// Each region with the template the config renders for it, in the order given.
pub fn rendered(config: &Config, regions: &[Region]) -> Result<Vec<(Region, serde_json::Value)>> {
    regions
        .iter()
        .map(|r| Ok((r.clone(), crate::template::render(&build(config, r)?))))
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
        results.push(
            handle.await.unwrap_or_else(|e| {
                Err(Error::Usage(format!("the {what} of {region} stopped: {e}")))
            }),
        );
    }
    results
}

/// The region a single-region command acts on: `--region` or the config's first.
pub fn one_region(global: &Global, config: &Config) -> Result<Region> {
    let regions = target_regions(global, config)?;
    Ok(regions[0].clone())
}
