//! What every rendering command shares: the model of a region (with the budget's limit priced
//! over every region) and the template synth writes and apply deploys.

use crate::config::{Config, Region};
use crate::error::{Error, Result};
use crate::model::Pipeline;

/// The model of `config` for `region`, with the code keys of this process's one bundle and the
/// budget's limit derived from the cost estimate over every region (unless the config sets it).
/// With a region this build has no prices for, the limit cannot be derived and the budget is
/// left out (`budget_left_out` says why): an unpriced region blocks nothing.
pub fn build(config: &Config, region: &Region) -> Result<Pipeline> {
    let mut pipeline = model(config, region)?;
    if let Some(budget) = pipeline.observability.budget.as_mut()
        && budget.limit_usd.is_none()
    {
        let book = crate::cost::PriceBook::load().map_err(Error::Prices)?;
        if !unpriced(config, &book).is_empty() {
            pipeline.observability.budget = None;
            return Ok(pipeline);
        }
        // The budget covers every region, so its limit is priced over all of them.
        let all = config
            .regions
            .iter()
            .map(|r| model(config, r))
            .collect::<Result<Vec<_>>>()?;
        let limit = crate::cost::budget_limit(&config.cost, &all, &book, budget.headroom_percent)
            .map_err(|e| {
                Error::Prices(format!(
                    "cannot derive the budget's limit from the cost estimate: {e}; set monitoring.budget.monthly_usd, or monitoring.budget.enabled: false"
                ))
            })?;
        budget.limit_usd = Some(limit);
    }
    Ok(pipeline)
}

/// The config's regions this build bundles no prices for, in the config's order.
fn unpriced<'c>(config: &'c Config, book: &crate::cost::PriceBook) -> Vec<&'c str> {
    config
        .regions
        .iter()
        .map(Region::as_str)
        .filter(|r| book.region(r).is_err())
        .collect()
}

/// Why the rendered templates have no budget although the config turns it on, when that is
/// so: its limit is left to the estimate (no `monitoring.budget.monthly_usd`) and a region has
/// no bundled prices. One sentence, with how to get the budget.
pub fn budget_left_out(config: &Config) -> Result<Option<String>> {
    let budget = &config.monitoring.budget;
    if !budget.enabled || budget.monthly_usd.is_some() {
        return Ok(None);
    }
    let book = crate::cost::PriceBook::load().map_err(Error::Prices)?;
    let missing = unpriced(config, &book);
    Ok((!missing.is_empty()).then(|| {
        format!(
            "the monthly budget is left out: its limit comes from the cost estimate over every region, and this build has no prices for {}; set monitoring.budget.monthly_usd to get it (or monitoring.budget.enabled: false to say you do not want it)",
            missing.join(", ")
        )
    }))
}

/// The model without the budget's derived limit: for the commands that price or picture the
/// pipeline rather than render it (the limit comes from the same estimate `cost` makes).
pub fn model(config: &Config, region: &Region) -> Result<Pipeline> {
    let bundle = crate::package::bundle().map_err(Error::Package)?;
    Ok(Pipeline::build(config, region, &bundle.code_keys()))
}

/// The template `config` renders for `region`, with the config recorded in its `Metadata`
/// (`deploy::recorded`, what plan prices as deployed): what synth writes and apply deploys.
pub fn template(config: &Config, region: &Region) -> Result<serde_json::Value> {
    let mut template = crate::template::render(&build(config, region)?);
    crate::deploy::recorded::stamp(&mut template, config);
    Ok(template)
}

/// Each region with the template the config renders for it, in the order given.
pub fn rendered(config: &Config, regions: &[Region]) -> Result<Vec<(Region, serde_json::Value)>> {
    regions
        .iter()
        .map(|r| Ok((r.clone(), template(config, r)?)))
        .collect()
}

/// Each region with its template, in the order they must be deployed: with `aggregation:`, its
/// region first, since the others' replication names its central bucket
/// (`deploy::aggregation::order`).
pub fn rendered_for_deploy(
    config: &Config,
    regions: &[Region],
) -> Result<Vec<(Region, serde_json::Value)>> {
    rendered(
        config,
        &crate::deploy::aggregation::order(config, regions.to_vec()),
    )
}

/// The one template a StackSet deploys to every account and region of `regions` (the first is
/// where the account-wide budget lives): the model of `region` with the budget kept whatever
/// the region, made region-independent by `template::stack_set`.
pub fn stack_set_template(
    config: &Config,
    region: &Region,
    budget_region: &Region,
) -> Result<serde_json::Value> {
    if let Some(central) = config.aggregation.region() {
        return Err(Error::Usage(format!(
            "aggregation.region ({central}) is not built for stack sets: the central bucket, table and \
             workgroup live in one region of one account, and a stack set deploys one template to \
             every account and region. Roll out one account with `infrapipe rollout` (no --accounts \
             or --organizational-units), or remove `aggregation:` for the stack set."
        )));
    }
    let mut pipeline = build(config, region)?;
    if pipeline.observability.budget.is_none() && region != budget_region {
        pipeline.observability.budget = build(config, budget_region)?.observability.budget;
    }
    let mut template = crate::template::stack_set::render(&pipeline, budget_region.as_str());
    crate::deploy::recorded::stamp(&mut template, config);
    Ok(template)
}
