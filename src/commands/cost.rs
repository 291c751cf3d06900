//! `infrapipe cost`: the monthly estimate of the configured regions (or of every priced region),
//! as a table, markdown, or one JSON document.

use super::context::Context;
use crate::cli::{CostArgs, CostFormat};
use crate::config::Region;
use crate::console::Report;
use crate::cost::{self, PriceBook};
use crate::error::{Error, Exit, Result};

impl Report for cost::Report {
    fn what(&self) -> &'static str {
        "report"
    }
}

pub fn run(ctx: &Context, args: &CostArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let mut book = PriceBook::load().map_err(|e| Error::Prices(format!("built-in {e}")))?;
    for file in &args.prices {
        book.add_file(file)?;
    }
    let regions = if args.all_regions {
        book.region_names()
            .into_iter()
            .map(Region::parse)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(Error::Prices)?
    } else {
        ctx.target_regions()?
    };
    let pipelines = regions
        .iter()
        .map(|r| super::model(config, r))
        .collect::<Result<Vec<_>>>()?;
    let options = cost::Options {
        free_tier: !args.no_free_tier,
        scales: args.scale.clone(),
    };
    let report =
        cost::estimate(&config.cost, &pipelines, &book, &options).map_err(Error::Prices)?;
    match (ctx.json(), args.format) {
        (false, CostFormat::Markdown) => {
            write!(ctx.console.out(), "{}", report.markdown())?;
            Ok(Exit::Success)
        }
        (json, format) => ctx
            .console
            .report(json || format == CostFormat::Json, &report),
    }
}
