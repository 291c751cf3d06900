//! Deploying with `aggregation:`: the other regions' replication names the central bucket,
//! which the aggregation region's stack creates, so that region goes first. `rollout` orders
//! its regions so (`order`); a single `apply` elsewhere checks the bucket exists (`guard`)
//! before any change set, rather than failing in a CloudFormation rollback.

use super::apply::Refusal;
use super::query::Sql;
use crate::aws::Aws;
use crate::aws::existing::{self, Bucket};
use crate::config::{Config, Region};
use crate::error::{Error, Result};
use crate::model::Pipeline;
use crate::model::aggregation::{Central, central_bucket_name};

/// `regions` in deploy order: the aggregation region first (it is then rollout's canary, and
/// a failure there stops the regions that depend on it), the others in their given order.
pub fn order(config: &Config, regions: Vec<Region>) -> Vec<Region> {
    let Some(central) = config.aggregation.region() else {
        return regions;
    };
    let (mut first, rest): (Vec<Region>, Vec<Region>) =
        regions.into_iter().partition(|r| r == central);
    first.extend(rest);
    first
}

/// Refuses to apply `region` when it replicates to a central bucket that does not exist yet.
/// The aggregation region itself creates the bucket, so it always passes.
pub async fn guard(aws: &Aws, config: &Config, region: &Region) -> Result<()> {
    let Some(central) = config.aggregation.region() else {
        return Ok(());
    };
    if central == region {
        return Ok(());
    }
    let account = crate::aws::sts::account_id(aws).await?;
    let bucket =
        central_bucket_name(&config.stack_name(), central).resolve(&account, central.as_str());
    let why = match existing::bucket(aws, &bucket, &account).await? {
        Bucket::Ours { .. } => return Ok(()),
        Bucket::Missing => "which this account does not have yet".to_owned(),
        // S3 answers 403 both for another account's bucket and for a caller without
        // s3:ListBucket on it.
        Bucket::NotOurs => format!(
            "which these credentials cannot see (HeadBucket answered 403: the name belongs to another account, or they lack s3:ListBucket on arn:aws:s3:::{bucket}); if it is this account's"
        ),
    };
    Err(Error::Refused(Refusal::NoCentralBucket {
        region: region.to_string(),
        bucket,
        central: central.to_string(),
        why,
    }))
}

/// The aggregation region, for `query --aggregated`; a usage error without `aggregation:`.
pub fn region(config: &Config) -> Result<Region> {
    config.aggregation.region().cloned().ok_or_else(|| {
        Error::Usage(
            "--aggregated queries the central table, and the config has no aggregation.region: add one (README, \"One query across regions\")".into(),
        )
    })
}

/// The central table's side of `pipeline` (built for the aggregation region).
pub fn central(pipeline: &Pipeline) -> Result<&Central> {
    pipeline
        .aggregation
        .as_ref()
        .and_then(|a| a.central.as_ref())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} holds no central table: --aggregated runs in the aggregation region",
                pipeline.region
            ))
        })
}

/// The named query `name` as it runs over every region.
pub fn named(central: &Central, name: &str) -> Result<Sql> {
    match central.named_queries.get(name) {
        Some(text) => Ok(Sql {
            label: format!("{name} (all regions)"),
            text: text.clone(),
        }),
        None => Err(Error::Usage(format!(
            "no named query {name:?}; the pipeline has {} (or give --sql \"...\")",
            central
                .named_queries
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Starts `sql` in the central workgroup, in the pipeline's database; its execution id.
pub async fn start(aws: &Aws, pipeline: &Pipeline, central: &Central, sql: &Sql) -> Result<String> {
    tracing::info!(workgroup = %central.workgroup, query = %sql.label, "athena:StartQueryExecution");
    Ok(crate::aws::athena::start(
        aws,
        &central.workgroup,
        &pipeline.analytics.database,
        &sql.text,
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(aggregation: &str) -> Config {
        let yaml = format!(
            "name: p\nenvironment: dev\nregions: [us-east-1, us-west-2, eu-west-1]\nnotifications:\n  emails: [a@example.com]\n{aggregation}"
        );
        Config::parse(&yaml, std::path::Path::new("t.yaml")).expect("valid config")
    }

    fn names(regions: &[Region]) -> Vec<&str> {
        regions.iter().map(Region::as_str).collect()
    }

    #[test]
    fn the_aggregation_region_is_deployed_first_and_the_others_keep_their_order() {
        let c = config("aggregation:\n  region: eu-west-1\n");
        assert_eq!(
            names(&order(&c, c.regions.clone())),
            ["eu-west-1", "us-east-1", "us-west-2"]
        );
    }

    #[test]
    fn without_aggregation_the_order_is_the_given_one() {
        let c = config("");
        assert_eq!(
            names(&order(&c, c.regions.clone())),
            ["us-east-1", "us-west-2", "eu-west-1"]
        );
    }
}
