//! `infrapipe cost`: the monthly estimate of the configured regions (or of every priced region),
//! as a table, markdown, or one JSON document.

use super::context::Context;
use crate::cli::{CostArgs, CostFormat, RolloutArgs};
use crate::config::Config;
use crate::config::Region;
use crate::console::Report;
use crate::cost::{self, CostDiff, PriceBook, Side, Sides};
use crate::deploy::cost::of_rollout;
use crate::deploy::rollout::{Preview, Rollout};
use crate::error::{Error, Exit, Result};
use std::path::{Path, PathBuf};

impl Report for cost::Report {
    fn what(&self) -> &'static str {
        "report"
    }
}

impl Report for CostDiff {
    fn what(&self) -> &'static str {
        "cost diff"
    }
}

/// The bundled prices, with each `--prices FILE` added.
pub(super) fn price_book(files: &[PathBuf]) -> Result<PriceBook> {
    let mut book = PriceBook::load().map_err(|e| Error::Prices(format!("built-in {e}")))?;
    for file in files {
        book.add_file(file)?;
    }
    Ok(book)
}

/// A rollout's plans, with its monthly cost change summed over its regions (refused above
/// `cost.max_monthly_usd` unless `--allow-cost-increase`).
pub(super) fn previewed<'a>(
    rt: &tokio::runtime::Runtime,
    config: &Config,
    rollout: &Rollout<'a>,
    templates: &[(Region, serde_json::Value)],
    args: &RolloutArgs,
) -> Result<Preview<'a>> {
    let mut preview = rt.block_on(crate::deploy::rollout::preview(rollout, templates));
    let book = price_book(&args.prices)?;
    let allow = args.allow_cost_increase;
    preview.cost = Some(of_rollout(config, &preview, templates, &book, allow)?);
    Ok(preview)
}

pub fn run(ctx: &Context, args: &CostArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let book = price_book(&args.prices)?;
    if let Some(other) = &args.diff {
        return diff(ctx, config, other, &book, !args.no_free_tier);
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

/// `cost --diff OTHER`: this config against OTHER in the regions either prices (with
/// `--region`, that one), each config with its own `cost:` section.
fn diff(
    ctx: &Context,
    config: &Config,
    other_path: &Path,
    book: &PriceBook,
    free_tier: bool,
) -> Result<Exit> {
    let other = Config::load(other_path)?;
    let mine = ctx.target_regions()?;
    let theirs: Vec<Region> = other
        .regions
        .iter()
        .filter(|r| ctx.global.region.as_deref().is_none_or(|g| g == r.as_str()))
        .cloned()
        .collect();
    let mut regions = mine.clone();
    regions.extend(theirs.iter().filter(|r| !mine.contains(r)).cloned());
    let side = |c: &Config, listed: &[Region], r: &Region| -> Result<Side> {
        Ok(if listed.contains(r) {
            Side::Pipeline(Box::new(super::build(c, r)?))
        } else {
            Side::Nothing
        })
    };
    let sides = regions
        .iter()
        .map(|r| {
            Ok(Sides {
                region: r.to_string(),
                before: side(config, &mine, r)?,
                after: side(&other, &theirs, r)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let options = cost::Options {
        free_tier,
        scales: Vec::new(),
    };
    let change = cost::change::change(&config.cost, &other.cost, sides, book, &options)
        .map_err(Error::Prices)?;
    ctx.report(&CostDiff {
        config: ctx.global.config.display().to_string(),
        other: other_path.display().to_string(),
        change,
    })
}
