//! `infrapipe cost`: the monthly estimate of the configured regions (or of every priced region),
//! as a table, markdown, or one JSON document.

use crate::cli::{CostArgs, CostFormat, Global};
use crate::config::{Config, Region};
use crate::cost::{self, PriceBook};
use crate::error::{Error, Result};
use std::io::Write;

pub fn run(global: &Global, args: &CostArgs, out: &mut dyn Write) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let book = PriceBook::load().map_err(|e| Error::Usage(format!("built-in {e}")))?;
    let regions = if args.all_regions {
        book.region_names()
            .into_iter()
            .map(Region::parse)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(Error::Usage)?
    } else {
        super::target_regions(global, &config)?
    };
    let pipelines = regions
        .iter()
        .map(|r| super::build(&config, r))
        .collect::<Result<Vec<_>>>()?;
    let mut scales = args.scale.clone();
    scales.dedup();
    let options = cost::Options {
        free_tier: !args.no_free_tier,
        scales,
    };
    let report = cost::estimate(&config.cost, &pipelines, &book, &options).map_err(Error::Usage)?;
    let format = if global.json {
        CostFormat::Json
    } else {
        args.format
    };
    match format {
        CostFormat::Json => {
            let doc = serde_json::to_string(&report)
                .map_err(|e| Error::Usage(format!("cannot render the report as JSON: {e}")))?;
            writeln!(out, "{doc}")?;
        }
        CostFormat::Markdown => write!(out, "{}", report.markdown())?,
        CostFormat::Table => write!(out, "{report}")?,
    }
    Ok(0)
}
