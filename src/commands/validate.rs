//! `infrapipe validate`: the config parses, every value is in range, and every region's model
//! builds and renders.

use super::context::Context;
use crate::console::Report;
use crate::error::{Exit, Result};
use crate::template;
use serde::Serialize;

#[derive(Serialize)]
struct Validated {
    valid: bool,
    config: String,
    stack: String,
    regions: Vec<String>,
    resources: usize,
}

impl std::fmt::Display for Validated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
    ctx.report(&Validated {
        valid: true,
        config: ctx.global.config.display().to_string(),
        stack: config.stack_name(),
        regions: regions.iter().map(|r| r.to_string()).collect(),
        resources,
    })
}
