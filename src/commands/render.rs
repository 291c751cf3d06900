//! What every rendering command shares: the model of a region (with the budget's limit priced
//! over every region) and the template synth writes and apply deploys.

use crate::config::{Config, Region};
use crate::error::{Error, Result};
use crate::model::Pipeline;

/// The model of `config` for `region`, with the code keys of this process's one bundle and the
/// budget's limit derived from the cost estimate over every region (unless the config sets it).
pub fn build(config: &Config, region: &Region) -> Result<Pipeline> {
    let mut pipeline = model(config, region)?;
    if let Some(budget) = pipeline.observability.budget.as_mut()
        && budget.limit_usd.is_none()
    {
        // The budget covers every region, so its limit is priced over all of them.
        let all = config
            .regions
            .iter()
            .map(|r| model(config, r))
            .collect::<Result<Vec<_>>>()?;
        let book = crate::cost::PriceBook::load().map_err(Error::Prices)?;
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

/// The one template a StackSet deploys to every account and region of `regions` (the first is
/// where the account-wide budget lives): the model of `region` with the budget kept whatever
/// the region, made region-independent by `template::stack_set`.
pub fn stack_set_template(
    config: &Config,
    region: &Region,
    budget_region: &Region,
) -> Result<serde_json::Value> {
    let mut pipeline = build(config, region)?;
    if pipeline.observability.budget.is_none() && region != budget_region {
        pipeline.observability.budget = build(config, budget_region)?.observability.budget;
    }
    let mut template = crate::template::stack_set::render(&pipeline, budget_region.as_str());
    crate::deploy::recorded::stamp(&mut template, config);
    Ok(template)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_regions() -> Config {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = std::fs::read_to_string("examples/infrapipe.yaml").expect("example");
        let text = text.replace("  - us-east-1\n", "  - us-east-1\n  - eu-west-1\n");
        let path = dir.path().join("infrapipe.yaml");
        std::fs::write(&path, text).expect("write config");
        Config::load(&path).expect("two-region config")
    }

    #[test]
    fn a_stack_set_template_is_the_same_body_whatever_the_region_it_is_rendered_for() {
        let c = two_regions();
        let (us, eu) = (&c.regions[0], &c.regions[1]);
        let a = stack_set_template(&c, us, us).expect("us-east-1");
        let b = stack_set_template(&c, eu, us).expect("eu-west-1");
        let differ: Vec<String> = a["Resources"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(id, r)| b["Resources"][id.as_str()] != **r)
            .map(|(id, _)| id.clone())
            .collect();
        assert!(
            crate::template::body(&a) == crate::template::body(&b),
            "the bodies differ (resources {differ:?}; description, parameters, outputs equal: {} {} {})",
            a["Description"] == b["Description"],
            a["Parameters"] == b["Parameters"],
            a["Outputs"] == b["Outputs"]
        );
    }

    #[test]
    fn a_stack_set_keeps_its_data_by_deletion_policy_alone() {
        let c = two_regions();
        let t = stack_set_template(&c, &c.regions[1], &c.regions[0]).expect("template");
        let kept: Vec<(&str, &str)> = ["RawMetricsBucket", "MetricsTable"]
            .iter()
            .map(|id| {
                let r = &t["Resources"][*id];
                (
                    r["DeletionPolicy"].as_str().unwrap_or_default(),
                    r["UpdateReplacePolicy"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(kept, [("Retain", "Retain"), ("Retain", "Retain")]);
    }

    #[test]
    fn a_stack_set_keeps_the_budget_in_every_instance_under_a_region_condition() {
        let c = two_regions();
        let t = stack_set_template(&c, &c.regions[1], &c.regions[0]).expect("template");
        let budgets: Vec<&serde_json::Value> = t["Resources"]
            .as_object()
            .map(|r| {
                r.values()
                    .filter(|v| v["Type"] == "AWS::Budgets::Budget")
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            budgets.len() == 1
                && budgets[0]["Condition"] == "IsBudgetRegion"
                && t["Parameters"]["BudgetRegion"]["Default"] == "us-east-1",
            "{budgets:?}"
        );
    }
}
