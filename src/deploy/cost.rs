//! The monthly cost change of a plan, an apply or a rollout: what is deployed (priced from the
//! config its template recorded, `deploy::recorded`) against what the rendered template holds,
//! in every configured region, both sides priced with the config's `cost:` section.

use super::apply::Refusal;
use super::recorded::{self, Recorded};
use crate::aws::{Aws, AwsError, cloudformation};
use crate::config::{Config, Region};
use crate::cost::{self, CostChange, PriceBook, Side, Sides};
use crate::model::{CodeKeys, Pipeline};
use serde_json::Value;

/// One region being planned or applied.
pub struct Changing<'a> {
    pub region: Region,
    /// The deployed template (None: no stack).
    pub deployed: Option<&'a Value>,
    /// The template about to be applied.
    pub rendered: &'a Value,
}

/// The model of `config` in `region` as the cost estimate reads it.
fn model(config: &Config, region: &Region) -> Pipeline {
    // The estimate never reads the code keys, so the Lambda zips need not be built for it.
    let keys = CodeKeys {
        collector: String::new(),
        log_processor: String::new(),
    };
    Pipeline::build(config, region, &keys)
}

/// What a template holds in `region`: the model of the config it recorded.
fn side_of(template: &Value, region: &Region) -> Side {
    match recorded::read(template) {
        Recorded::Config(c) => Side::Pipeline(Box::new(model(&c, region))),
        Recorded::Missing => Side::Unknown(
            "the stack was applied without a recorded config, by an older infrapipe; the next apply records it".to_owned(),
        ),
        Recorded::Unreadable(e) => Side::Unknown(format!(
            "the config the stack recorded does not load in this infrapipe ({e}); the next apply records it again"
        )),
    }
}

/// The whole pipeline's cost change: the regions in `changing` go from their deployed stack to
/// their rendered template; every other configured region counts as the config has it, on both
/// sides (what it will be once applied), so the total is the pipeline's, as the ceiling needs.
pub fn change(
    config: &Config,
    changing: &[Changing<'_>],
    book: &PriceBook,
) -> Result<CostChange, String> {
    let mut regions: Vec<Region> = config.regions.clone();
    for c in changing {
        if !regions.contains(&c.region) {
            regions.push(c.region.clone());
        }
    }
    let sides = regions
        .iter()
        .map(
            |region| match changing.iter().find(|c| &c.region == region) {
                Some(c) => Sides {
                    region: region.to_string(),
                    before: c.deployed.map_or(Side::Nothing, |t| side_of(t, region)),
                    after: match side_of(c.rendered, region) {
                        Side::Pipeline(p) => Side::Pipeline(p),
                        _ => Side::Pipeline(Box::new(model(config, region))),
                    },
                },
                None => Sides {
                    region: region.to_string(),
                    before: Side::Pipeline(Box::new(model(config, region))),
                    after: Side::Pipeline(Box::new(model(config, region))),
                },
            },
        )
        .collect();
    let options = cost::Options::default();
    let change = cost::change::change(&config.cost, &config.cost, sides, book, &options)?;
    Ok(change.with_ceiling(config.cost.max_monthly_usd.map(|v| v.get())))
}

/// The config's own estimate, every configured region as if nothing were deployed, with the
/// ceiling's verdict (what `validate` reports).
pub fn own_estimate(config: &Config, book: &PriceBook) -> Result<CostChange, String> {
    let sides = config
        .regions
        .iter()
        .map(|region| Sides {
            region: region.to_string(),
            before: Side::Nothing,
            after: Side::Pipeline(Box::new(model(config, region))),
        })
        .collect();
    let options = cost::Options::default();
    let change = cost::change::change(&config.cost, &config.cost, sides, book, &options)?;
    Ok(change.with_ceiling(config.cost.max_monthly_usd.map(|v| v.get())))
}

/// Why a guarded apply could not be checked, or was refused.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{0}")]
    Prices(String),
}

impl From<GuardError> for crate::error::Error {
    fn from(e: GuardError) -> Self {
        match e {
            GuardError::Aws(e) => Self::Aws(e),
            GuardError::Refused(r) => Self::Refused(r),
            GuardError::Prices(m) => Self::Prices(m),
        }
    }
}

/// The ceiling's refusal, unless `allow`.
fn refuse_above_ceiling(change: CostChange, allow: bool) -> Result<CostChange, GuardError> {
    match change.ceiling.as_ref().and_then(|c| c.message.clone()) {
        Some(message) if !allow => Err(Refusal::CostCeiling { message }.into()),
        _ => Ok(change),
    }
}

/// A rollout's cost change, summed over its regions (each that could be planned goes from its
/// stack to its template); refused above the ceiling unless `allow`.
pub fn of_rollout(
    config: &Config,
    preview: &super::rollout::Preview<'_>,
    templates: &[(Region, Value)],
    book: &PriceBook,
    allow: bool,
) -> Result<CostChange, GuardError> {
    let changing: Vec<Changing> = preview
        .plans
        .iter()
        .zip(&preview.deployed)
        .zip(templates)
        .filter(|(((_, plan), _), _)| plan.is_ok())
        .map(|(((region, _), deployed), (_, rendered))| Changing {
            region: region.clone(),
            deployed: deployed.as_ref(),
            rendered,
        })
        .collect();
    let change = change(config, &changing, book).map_err(GuardError::Prices)?;
    refuse_above_ceiling(change, allow)
}

/// Before any change: refuses an apply whose estimate goes above `cost.max_monthly_usd` and
/// above what is deployed, unless `allow`. Reads only the deployed stack. Without a ceiling
/// there is nothing to check and nothing is read.
pub async fn guard(
    aws: &Aws,
    stack: &str,
    config: &Config,
    region: &Region,
    rendered: &Value,
    book: &PriceBook,
    allow: bool,
) -> Result<Option<CostChange>, GuardError> {
    if config.cost.max_monthly_usd.is_none() || allow {
        return Ok(None);
    }
    let deployed = cloudformation::deployed(aws, stack).await?;
    let changing = [Changing {
        region: region.clone(),
        deployed: deployed.as_ref().map(|d| &d.template),
        rendered,
    }];
    let change = change(config, &changing, book).map_err(GuardError::Prices)?;
    refuse_above_ceiling(change, false).map(Some)
}
