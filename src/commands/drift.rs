//! `infrapipe drift`: what changed behind the tool's back, resource by resource.

use super::context::Context;
use crate::aws::Aws;
use crate::cli::DriftArgs;
use crate::console::Report;
use crate::drift::{self, render};
use crate::error::{Error, Exit, Result};
use crate::style::Style;
use serde::{Serialize, Serializer};

/// Every region's drift report: one region's document alone, several with the count drifted.
struct DriftReport {
    reports: Vec<drift::Report>,
    style: Style,
    detailed_exitcode: bool,
}

impl Serialize for DriftReport {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Regions<'a> {
            regions: &'a [drift::Report],
            drifted: usize,
        }
        match self.reports.as_slice() {
            [one] => one.serialize(s),
            all => Regions {
                regions: all,
                drifted: all.iter().map(|r| r.drifted).sum(),
            }
            .serialize(s),
        }
    }
}

impl std::fmt::Display for DriftReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, r) in self.reports.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            f.write_str(&render::text(r, self.style))?;
        }
        if self.reports.len() > 1 {
            let drifted = self.reports.iter().filter(|r| r.has_drift()).count();
            writeln!(
                f,
                "\n{drifted} of {} regions have drifted.",
                self.reports.len()
            )?;
        }
        Ok(())
    }
}

impl Report for DriftReport {
    fn what(&self) -> &'static str {
        "drift report"
    }

    /// With --detailed-exitcode: changes on drift, else a failure when a resource could not be
    /// checked (the report cannot say "in sync"), else success. Without it, success.
    fn exit(&self) -> Exit {
        if !self.detailed_exitcode {
            Exit::Success
        } else if self.reports.iter().any(drift::Report::has_drift) {
            Exit::Changes
        } else {
            Exit::from_ok(!self.reports.iter().any(drift::Report::incomplete))
        }
    }
}

pub fn run(ctx: &Context, args: &DriftArgs) -> Result<Exit> {
    if args.stack_set {
        return super::stack_set::drift(ctx, args);
    }
    let config = ctx.config()?;
    let regions = ctx.regions_to_check(args.all_regions)?;
    // The rendered template only checks that drift.ignore names resources of the pipeline;
    // what is compared is each region's deployed template.
    let templates = super::rendered(config, &regions)?;
    if let Some((_, t)) = templates.first() {
        let unknown = drift::unknown_ignores(t, &config.drift.ignore);
        if let Some(first) = unknown.first() {
            return Err(Error::UnknownIgnore {
                config: ctx.global.config.clone(),
                entry: first.to_string(),
            });
        }
    }
    let options = drift::Options {
        cloudformation: args.cloudformation,
        sequential: args.sequential,
    };
    let stack = config.stack_name();
    let ignore = &config.drift.ignore;
    let work = |region: crate::config::Region, _rendered: serde_json::Value| {
        let (aws_options, stack, ignore) = (ctx.aws.clone(), stack.clone(), ignore.clone());
        async move {
            let aws = Aws::connect(&aws_options, region.as_str()).await;
            drift::detect(&aws, &stack, &ignore, options)
                .await
                .map_err(|e| match e {
                    drift::DetectError::NotDeployed { stack, region } => {
                        Error::NotDeployed { stack, region }
                    }
                    drift::DetectError::Aws(a) => Error::Aws(a),
                    other @ drift::DetectError::NoStackSet { .. } => {
                        Error::Usage(other.to_string())
                    }
                })
        }
    };
    let results = ctx
        .runtime()?
        .block_on(super::per_region(templates, "drift check", work));
    ctx.report(&DriftReport {
        reports: results.into_iter().collect::<Result<_>>()?,
        style: ctx.style(),
        detailed_exitcode: args.detailed_exitcode,
    })
}
