//! One query across regions (`aggregation:`): in every region, the raw bucket's replication of
//! its raw JSON to the central bucket and the least-privilege role S3 assumes for it; in the
//! aggregation region only, the central bucket, one Glue table over it and one Athena
//! workgroup. S3 replication keeps an object's key, so the collector's keys carry the source
//! account and region in the object's name (`lambdas/collector/handler.py`, `object_key`).

use super::analytics::{AVERAGE_CPU_SQL, PEAK_MEMORY_SQL, RAW_JSON_PREFIX};
use super::iam::{Condition, Statement};
use super::names::{Names, Sub};
use super::resources::Bucket;
use super::security::Key;
use crate::config::{Config, Region};
use serde::Serialize;
use std::collections::BTreeMap;

/// Logical ids of the aggregation's resources (stable: a rename would read as a replacement).
pub mod ids {
    pub const CENTRAL_BUCKET: &str = "CentralMetricsBucket";
    pub const REPLICATION_ROLE: &str = "ReplicationRole";
    pub const CENTRAL_TABLE: &str = "CentralMetricsGlueTable";
    pub const CENTRAL_WORKGROUP: &str = "CentralAnalyticsWorkGroup";
}

/// The replication rule's id on every raw bucket.
pub const RULE_ID: &str = "ReplicateRawJsonToCentralBucket";
/// Where the central workgroup writes its results, in the aggregation region's results bucket.
pub const RESULTS_PREFIX: &str = "all-regions/";
/// The central table's name, in the pipeline's Glue database of the aggregation region.
pub const CENTRAL_TABLE: &str = "infra_metrics_all_regions";

#[derive(Debug, Clone, Serialize)]
pub struct Aggregation {
    /// The region of the central bucket, table and workgroup.
    pub central_region: Region,
    /// The central bucket's name: this account, the aggregation region (a literal, since every
    /// region's stack names the same bucket).
    pub central_bucket: Sub,
    /// On this region's raw bucket.
    pub replication: Replication,
    /// The central resources, in the aggregation region's model only.
    pub central: Option<Central>,
}

/// The raw bucket's replication configuration and its role.
#[derive(Debug, Clone, Serialize)]
pub struct Replication {
    pub role_logical_id: &'static str,
    pub rule_id: &'static str,
    /// Only the raw JSON: the Parquet under `compacted/` is each region's own rewrite of it.
    pub prefix: &'static str,
    pub destination_bucket_arn: Sub,
    /// The aggregation region's key (by alias ARN: its id is random and lives in another
    /// stack), when `security.kms` is `create`.
    pub replica_key: Option<Sub>,
    /// Delete markers stay in their region: the raw bucket's noncurrent-version expiry and a
    /// region's `destroy --purge-data` must not reach the other regions' copy.
    pub delete_markers: bool,
    pub statements: Vec<Statement>,
}

/// What only the aggregation region holds.
#[derive(Debug, Clone, Serialize)]
pub struct Central {
    pub bucket: Bucket,
    pub table_logical_id: &'static str,
    pub table: String,
    pub workgroup_logical_id: &'static str,
    pub workgroup: String,
    /// `s3://<results bucket>/all-regions/`, as a `Fn::Sub` string.
    pub results_location: Sub,
    /// The pipeline's named queries as they run over every region (`query --aggregated`):
    /// the seed's read the central table; the config's run as written (they may name it).
    pub named_queries: BTreeMap<String, String>,
    /// How many regions replicate here (this one included): what the central bucket stores.
    pub source_regions: u32,
}

impl Aggregation {
    /// The aggregation of `config` as `region` sees it; None without an `aggregation:` region.
    pub fn build(
        config: &Config,
        region: &Region,
        names: &Names,
        key: Option<&Key>,
    ) -> Option<Self> {
        let central_region = config.aggregation.region()?.clone();
        let central_bucket = central_bucket_name(&names.prefix, &central_region);
        let replica_key = key.map(|_| {
            Sub::new(format!(
                "arn:${{AWS::Partition}}:kms:{central_region}:${{AWS::AccountId}}:alias/{}",
                names.prefix
            ))
        });
        let statements = replication_statements(names, &central_bucket, &central_region, key);
        let central = (region == &central_region).then(|| Central {
            bucket: Bucket {
                logical_id: ids::CENTRAL_BUCKET,
                name: central_bucket.clone(),
                // Replication needs versioning on the destination too.
                versioned: true,
                glacier_after_days: None,
                // The copies live as long as the raw JSON they copy does in its region.
                expire_after_days: Some(config.analytics.raw_json_days.int() as u32),
                noncurrent_expire_days: Some(config.storage.noncurrent_version_days.int() as u32),
                abort_incomplete_upload_days: 7,
                retain: true,
                notify: None,
                prefixed: Vec::new(),
            },
            table_logical_id: ids::CENTRAL_TABLE,
            table: CENTRAL_TABLE.to_owned(),
            workgroup_logical_id: ids::CENTRAL_WORKGROUP,
            workgroup: format!("{}-all-regions", names.prefix),
            results_location: Sub::new(format!("s3://{}/{RESULTS_PREFIX}", names.results_bucket)),
            named_queries: named_queries(config),
            source_regions: config.regions.len() as u32,
        });
        Some(Self {
            central_region,
            replication: Replication {
                role_logical_id: ids::REPLICATION_ROLE,
                rule_id: RULE_ID,
                prefix: RAW_JSON_PREFIX,
                destination_bucket_arn: Names::bucket_arn(&central_bucket),
                replica_key,
                delete_markers: false,
                statements,
            },
            central_bucket,
            central,
        })
    }
}

/// The seed's queries over the central table (the raw JSON of every region: the Parquet each
/// region compacts is not replicated), the config's own as written.
fn named_queries(config: &Config) -> BTreeMap<String, String> {
    let central = |sql: &str| {
        sql.replace("{metrics}", CENTRAL_TABLE)
            .replace("{raw}", CENTRAL_TABLE)
            .trim_end()
            .to_owned()
    };
    let seed = [AVERAGE_CPU_SQL, PEAK_MEMORY_SQL];
    let mut queries: BTreeMap<String, String> = crate::config::SEED_QUERIES
        .iter()
        .zip(seed)
        .map(|(name, sql)| ((*name).to_owned(), central(sql)))
        .collect();
    for q in &config.analytics.named_queries {
        queries.insert(q.name.as_str().to_owned(), q.sql.trim_end().to_owned());
    }
    queries
}

/// `<prefix>-agg-<account>-<region>`: "agg" keeps the longest name within S3's 63 characters,
/// as "raw" does.
pub fn central_bucket_name(prefix: &str, central_region: &Region) -> Sub {
    Sub::new(format!("{prefix}-agg-${{AWS::AccountId}}-{central_region}"))
}

/// The replication role's statements, on exactly the source and destination: the documented
/// permissions of live replication (Amazon S3 User Guide, "Setting up permissions for live
/// replication" and "Replicating encrypted objects", read 2026-11-30), less
/// `s3:ReplicateDelete` (delete markers are not replicated).
pub fn replication_statements(
    names: &Names,
    central_bucket: &Sub,
    central_region: &Region,
    key: Option<&Key>,
) -> Vec<Statement> {
    let raw_json = format!("{RAW_JSON_PREFIX}*");
    let none = Condition::new;
    let mut statements = vec![
        Statement {
            sid: "ReadSourceReplicationConfiguration".to_owned(),
            actions: vec!["s3:GetReplicationConfiguration", "s3:ListBucket"],
            resources: Some(vec![Names::bucket_arn(&names.raw_bucket)]),
            condition: none(),
        },
        Statement {
            sid: "ReadSourceObjectVersions".to_owned(),
            actions: vec![
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTagging",
            ],
            resources: Some(vec![Names::objects_arn(&names.raw_bucket, &raw_json)]),
            condition: none(),
        },
        Statement {
            sid: "ReplicateToCentralBucket".to_owned(),
            actions: vec!["s3:ReplicateObject", "s3:ReplicateTags"],
            resources: Some(vec![Names::objects_arn(central_bucket, &raw_json)]),
            condition: none(),
        },
    ];
    if let Some(key) = key {
        // Both buckets use S3 Bucket Keys, so the encryption context is the bucket's ARN.
        let kms_condition = |service_region: Sub, bucket: &Sub| -> Condition {
            let mut equals = BTreeMap::new();
            equals.insert("kms:ViaService", service_region);
            equals.insert(
                "kms:EncryptionContext:aws:s3:arn",
                Names::bucket_arn(bucket),
            );
            Condition::from([("StringEquals", equals)])
        };
        statements.push(Statement {
            sid: "DecryptSourceObjects".to_owned(),
            actions: vec!["kms:Decrypt"],
            resources: Some(vec![key.arn()]),
            condition: kms_condition(
                Sub::new("s3.${AWS::Region}.amazonaws.com"),
                &names.raw_bucket,
            ),
        });
        statements.push(Statement {
            sid: "EncryptReplicas".to_owned(),
            actions: vec!["kms:Encrypt"],
            // The central key's id is random and lives in another stack: any key of this
            // account there, held to S3 in that region writing to the central bucket.
            resources: Some(vec![Sub::new(format!(
                "arn:${{AWS::Partition}}:kms:{central_region}:${{AWS::AccountId}}:key/*"
            ))]),
            condition: kms_condition(
                Sub::new(format!("s3.{central_region}.amazonaws.com")),
                central_bucket,
            ),
        });
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KmsKey;

    fn config(extra: &str) -> Config {
        let yaml = format!(
            "name: p\nenvironment: dev\nregions: [us-east-1, eu-west-1]\naggregation:\n  region: eu-west-1\nnotifications:\n  emails: [a@example.com]\n{extra}"
        );
        Config::parse(&yaml, std::path::Path::new("t.yaml")).expect("valid config")
    }

    /// (sid, actions, resources) of each statement, resources as their `Fn::Sub` text.
    fn shape(statements: &[Statement]) -> Vec<(String, Vec<&str>, Vec<String>)> {
        statements
            .iter()
            .map(|s| {
                let resources = s.resources.iter().flatten().map(|r| r.0.clone()).collect();
                (s.sid.clone(), s.actions.clone(), resources)
            })
            .collect()
    }

    fn central_region() -> Region {
        Region::parse("eu-west-1").expect("region")
    }

    #[test]
    fn the_replication_role_gets_the_documented_actions_on_exactly_the_two_buckets() {
        let c = config("");
        let names = Names::new(&c);
        let central = central_bucket_name(&names.prefix, &central_region());
        let got = replication_statements(&names, &central, &central_region(), None);
        let raw = "arn:${AWS::Partition}:s3:::p-dev-raw-${AWS::AccountId}-${AWS::Region}";
        let agg = "arn:${AWS::Partition}:s3:::p-dev-agg-${AWS::AccountId}-eu-west-1";
        assert_eq!(
            shape(&got),
            vec![
                (
                    "ReadSourceReplicationConfiguration".to_owned(),
                    vec!["s3:GetReplicationConfiguration", "s3:ListBucket"],
                    vec![raw.to_owned()]
                ),
                (
                    "ReadSourceObjectVersions".to_owned(),
                    vec![
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionTagging"
                    ],
                    vec![format!("{raw}/year=*")]
                ),
                (
                    "ReplicateToCentralBucket".to_owned(),
                    vec!["s3:ReplicateObject", "s3:ReplicateTags"],
                    vec![format!("{agg}/year=*")]
                ),
            ]
        );
    }

    #[test]
    fn delete_markers_are_not_replicated_so_the_role_cannot_replicate_deletes() {
        let c = config("");
        let names = Names::new(&c);
        let a = Aggregation::build(&c, &central_region(), &names, None).expect("aggregation");
        assert!(!a.replication.delete_markers);
        let actions: Vec<&str> = a
            .replication
            .statements
            .iter()
            .flat_map(|s| s.actions.clone())
            .collect();
        assert!(!actions.contains(&"s3:ReplicateDelete"), "{actions:?}");
    }

    #[test]
    fn with_a_created_key_the_role_decrypts_here_and_encrypts_in_the_aggregation_region_only_through_s3()
     {
        let c = config("security:\n  kms: create\n");
        assert_eq!(c.security.kms, KmsKey::Create);
        let names = Names::new(&c);
        let key = Key::Created {
            logical_id: "PipelineKey",
            alias_logical_id: "PipelineKeyAlias",
            alias: "alias/p-dev".to_owned(),
            log_groups: Vec::new(),
        };
        let central = central_bucket_name(&names.prefix, &central_region());
        let got = replication_statements(&names, &central, &central_region(), Some(&key));
        let kms: Vec<_> = shape(&got).into_iter().skip(3).collect();
        assert_eq!(
            kms,
            vec![
                (
                    "DecryptSourceObjects".to_owned(),
                    vec!["kms:Decrypt"],
                    vec!["${PipelineKey.Arn}".to_owned()]
                ),
                (
                    "EncryptReplicas".to_owned(),
                    vec!["kms:Encrypt"],
                    vec!["arn:${AWS::Partition}:kms:eu-west-1:${AWS::AccountId}:key/*".to_owned()]
                ),
            ]
        );
        let via = &got[4].condition["StringEquals"]["kms:ViaService"];
        assert_eq!(via.0, "s3.eu-west-1.amazonaws.com");
    }

    #[test]
    fn only_the_aggregation_region_holds_the_central_resources() {
        let c = config("");
        let names = Names::new(&c);
        let here = |r: &str| {
            let region = Region::parse(r).expect("region");
            Aggregation::build(&c, &region, &names, None).expect("aggregation")
        };
        assert!(here("eu-west-1").central.is_some());
        assert!(here("us-east-1").central.is_none());
    }

    #[test]
    fn the_seed_queries_read_the_central_table_when_aggregated() {
        let c = config("");
        let q = named_queries(&c);
        let sql = &q["average-cpu-by-instance"];
        assert!(sql.contains(&format!("FROM {CENTRAL_TABLE}")), "{sql}");
    }
}
