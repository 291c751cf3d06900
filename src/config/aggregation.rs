//! The `aggregation:` section: one region whose central bucket receives every region's raw
//! JSON by S3 replication, with one Glue table and one Athena workgroup there that query all
//! regions at once (the seed's 7.2.3 and 6.2).

use super::security::KmsKey;
use super::values::Region;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Aggregation {
    /// The region that holds the central bucket, table and workgroup; one of `regions`. Unset
    /// (the default): no replication, each region queried on its own.
    pub region: Option<Region>,
}

impl Aggregation {
    /// The aggregation region, when the section names one.
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }

    /// Rules that span sections: the central region must be deployed (its stack creates the
    /// central bucket), replication needs a second region to be worth its cost, and a key of
    /// yours serves one region only.
    pub fn check(&self, regions: &[Region], kms: &KmsKey) -> Vec<(String, String)> {
        let Some(central) = &self.region else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        let mut fail = |m: String| problems.push(("aggregation.region".to_owned(), m));
        if !regions.contains(central) {
            let listed: Vec<&str> = regions.iter().map(Region::as_str).collect();
            fail(format!(
                "must be one of regions ({}): the central bucket is created by that region's stack (got {central})",
                listed.join(", ")
            ));
        } else if regions.len() < 2 {
            fail(format!(
                "gathers several regions' data, but regions lists only {central}: add a second region or remove the aggregation section (one region is already queried in one place)"
            ));
        }
        if let KmsKey::Existing(arn) = kms {
            fail(format!(
                "needs a key in every region to encrypt the replicas, and security.kms names one key of yours in {}: use `create` (one key per region) or `none`",
                arn.region()
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(list: &[&str]) -> Vec<Region> {
        list.iter().filter_map(|r| Region::parse(r).ok()).collect()
    }

    fn central(r: &str) -> Aggregation {
        Aggregation {
            region: Region::parse(r).ok(),
        }
    }

    #[test]
    fn a_central_region_that_is_not_deployed_is_refused_with_the_list() {
        let problems =
            central("eu-west-1").check(&regions(&["us-east-1", "us-west-2"]), &KmsKey::None);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .1
                .contains("must be one of regions (us-east-1, us-west-2)")
        );
    }

    #[test]
    fn one_region_alone_is_refused() {
        let problems = central("us-east-1").check(&regions(&["us-east-1"]), &KmsKey::None);
        assert!(
            problems[0].1.contains("add a second region"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_deployed_central_region_with_a_second_region_passes() {
        let problems =
            central("eu-west-1").check(&regions(&["us-east-1", "eu-west-1"]), &KmsKey::Create);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn no_section_checks_nothing() {
        assert!(
            Aggregation::default()
                .check(&regions(&["us-east-1"]), &KmsKey::None)
                .is_empty()
        );
    }
}
