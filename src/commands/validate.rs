//! `infrapipe validate`: the config parses, every value is in range, and every region's model
//! builds and renders.

use crate::cli::Global;
use crate::config::Config;
use crate::error::Result;
use crate::template;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct Report {
    valid: bool,
    config: String,
    stack: String,
    regions: Vec<String>,
    resources: usize,
}

pub fn run(global: &Global, out: &mut dyn Write) -> Result<i32> {
    let (config, warnings) = Config::load_with_warnings(&global.config)?;
    warnings.iter().for_each(|w| eprintln!("warning: {w}"));
    let regions = super::target_regions(global, &config)?;
    let mut resources = 0;
    for region in &regions {
        let pipeline = super::build(&config, region)?;
        let t = template::render(&pipeline);
        resources = t["Resources"].as_object().map_or(0, |r| r.len());
    }
    let report = Report {
        valid: true,
        config: global.config.display().to_string(),
        stack: config.stack_name(),
        regions: regions.iter().map(|r| r.to_string()).collect(),
        resources,
    };
    if global.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&report).unwrap_or_default()
        )?;
    } else {
        writeln!(
            out,
            "{}: valid. Stack {} in {} ({} resources each).",
            report.config,
            report.stack,
            report.regions.join(", "),
            report.resources
        )?;
    }
    Ok(0)
}
