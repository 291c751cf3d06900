//! `infrapipe drift`: what changed behind the tool's back, resource by resource.

use crate::aws::Aws;
use crate::cli::{DriftArgs, Global};
use crate::config::{Config, Region};
use crate::drift::{self, Report, render};
use crate::error::{Error, Result};
use serde_json::{Value, json};
use std::io::Write;

pub fn run(
    global: &Global,
    args: &DriftArgs,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let regions = super::regions_to_check(global, &config, args.all_regions)?;
    let templates = super::rendered(&config, &regions)?;
    if let Some((_, t)) = templates.first() {
        let unknown = drift::unknown_ignores(t, &config.drift.ignore);
        if let Some(first) = unknown.first() {
            return Err(Error::Usage(format!(
                "{}: drift.ignore entry `{first}` names no resource of the pipeline; use a logical id `infrapipe drift` prints (or `*`)",
                global.config.display()
            )));
        }
    }
    let options = drift::Options {
        cloudformation: args.cloudformation,
        sequential: args.sequential,
    };
    let rt = super::runtime()?;
    let aws_options = super::aws_options(global);
    let stack = config.stack_name();
    let ignore = config.drift.ignore.clone();
    let results =
        rt.block_on(super::per_region(
            templates,
            "drift check",
            |region, template| {
                let (aws_options, stack, ignore) =
                    (aws_options.clone(), stack.clone(), ignore.clone());
                async move {
                    check_region(&aws_options, &stack, &region, &template, &ignore, options).await
                }
            },
        ));
    let reports: Vec<Report> = results.into_iter().collect::<Result<_>>()?;

    if global.json {
        let doc = if reports.len() == 1 {
            serde_json::to_value(&reports[0]).unwrap_or(Value::Null)
        } else {
            let drifted: usize = reports.iter().map(|r| r.drifted).sum();
            json!({ "regions": reports, "drifted": drifted })
        };
        writeln!(out, "{doc}")?;
    } else {
        let style = super::style(global);
        for (i, r) in reports.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            write!(out, "{}", render::text(r, style))?;
        }
        if reports.len() > 1 {
            let drifted = reports.iter().filter(|r| r.has_drift()).count();
            writeln!(
                out,
                "\n{drifted} of {} regions have drifted.",
                reports.len()
            )?;
        }
    }
    Ok(exit_code(&reports, args.detailed_exitcode))
}

/// With --detailed-exitcode: 2 on drift, else 1 when a resource could not be checked (the
/// report cannot say "in sync"), else 0. Without it, 0.
fn exit_code(reports: &[Report], detailed: bool) -> i32 {
    if !detailed {
        0
    } else if reports.iter().any(Report::has_drift) {
        2
    } else if reports.iter().any(Report::incomplete) {
        1
    } else {
        0
    }
}

async fn check_region(
    options: &crate::aws::Options,
    stack: &str,
    region: &Region,
    template: &Value,
    ignore: &[crate::config::IgnorePath],
    drift_options: drift::Options,
) -> Result<Report> {
    let aws = Aws::connect(options, region.as_str()).await;
    Ok(drift::detect(&aws, stack, template, ignore, drift_options).await?)
}
