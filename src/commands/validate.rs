//! `infrapipe validate`: the config parses, every value is in range, and every region's model
//! builds and renders.

use super::context::Context;
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use crate::template;
use serde::Serialize;

#[derive(Serialize)]
struct Validated {
    valid: bool,
    config: String,
    stack: String,
    regions: Vec<String>,
    resources: usize,
    /// What the config's own figures break (the cost ceiling).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<String>,
}

impl std::fmt::Display for Validated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.valid {
            for p in &self.problems {
                writeln!(f, "{}: {p}", self.config)?;
            }
            return Ok(());
        }
        writeln!(
            f,
            "{}: valid. Stack {} in {} ({} resources each).",
            self.config,
            self.stack,
            self.regions.join(", "),
            self.resources
        )
    }
}

impl Report for Validated {
    fn what(&self) -> &'static str {
        "validation"
    }

    fn exit(&self) -> Exit {
        if self.valid {
            Exit::Success
        } else {
            Exit::Failure
        }
    }

    fn text_on_err(&self) -> bool {
        !self.valid
    }
}

pub fn run(ctx: &Context) -> Result<Exit> {
    let config = ctx.config()?;
    let regions = ctx.target_regions()?;
    let mut resources = 0;
    for region in &regions {
        let pipeline = super::build(config, region)?;
        let t = template::render(&pipeline);
        resources = t["Resources"].as_object().map_or(0, |r| r.len());
    }
    let problems = match config.cost.max_monthly_usd {
        Some(max) => {
            let book = super::cost::price_book(&[])?;
            let own = crate::deploy::cost::own_estimate(config, &book).map_err(Error::Prices)?;
            own.estimate_over_ceiling(max.get()).into_iter().collect()
        }
        None => Vec::new(),
    };
    ctx.report(&Validated {
        valid: problems.is_empty(),
        problems,
        config: ctx.global.config.display().to_string(),
        stack: config.stack_name(),
        regions: regions.iter().map(|r| r.to_string()).collect(),
        resources,
    })
}
