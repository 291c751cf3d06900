//! One module per command: each takes the parsed CLI, writes its report, returns the exit code.

mod synth;
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

pub fn build(config: &Config, region: &Region) -> Result<Pipeline> {
    Pipeline::build(config, region).map_err(Error::Package)
}
