//! `aggregation:` on rendered templates: the replication configuration and its role in every
//! region, the central bucket, table and workgroup in the aggregation region only, and the
//! migration note a deployed pipeline's plan shows when replication starts.

mod common;
use serde_json::Value;

const EXAMPLE: &str = "examples/aggregation.yaml";

/// The example's template for `region`.
fn rendered(region: &str) -> Value {
    let text = std::fs::read_to_string(EXAMPLE).expect("examples/aggregation.yaml");
    let config = common::config(&text);
    let region = infrapipe::config::Region::parse(region).expect("region");
    infrapipe::template::render(&infrapipe::commands::build(&config, &region).expect("model"))
}

const CENTRAL: [&str; 4] = [
    "CentralMetricsBucket",
    "CentralMetricsBucketPolicy",
    "CentralMetricsGlueTable",
    "CentralAnalyticsWorkGroup",
];

#[test]
fn every_region_replicates_its_raw_json_with_its_own_role() {
    for region in ["eu-west-1", "us-east-1"] {
        let t = rendered(region);
        let raw = &t["Resources"]["RawMetricsBucket"]["Properties"];
        let rule = &raw["ReplicationConfiguration"]["Rules"][0];
        assert_eq!(rule["Filter"]["Prefix"], "year=", "{region}");
        assert_eq!(rule["DeleteMarkerReplication"]["Status"], "Disabled");
        assert_eq!(
            raw["ReplicationConfiguration"]["Role"]["Fn::GetAtt"][0],
            "ReplicationRole"
        );
        assert_eq!(t["Resources"]["ReplicationRole"]["Type"], "AWS::IAM::Role");
    }
}

#[test]
fn only_the_aggregation_region_holds_the_central_bucket_table_and_workgroup() {
    let here = rendered("eu-west-1");
    let elsewhere = rendered("us-east-1");
    for id in CENTRAL {
        assert!(here["Resources"].get(id).is_some(), "{id} in eu-west-1");
        assert!(
            elsewhere["Resources"].get(id).is_none(),
            "{id} in us-east-1"
        );
    }
}

#[test]
fn the_central_bucket_is_versioned_retained_and_expires_with_the_raw_json() {
    let t = rendered("eu-west-1");
    let b = &t["Resources"]["CentralMetricsBucket"];
    assert_eq!(b["DeletionPolicy"], "Retain");
    assert_eq!(
        b["Properties"]["VersioningConfiguration"]["Status"],
        "Enabled"
    );
    let rules = b["Properties"]["LifecycleConfiguration"]["Rules"]
        .as_array()
        .expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r["Id"] == "ExpireObjects" && r["ExpirationInDays"] == 14),
        "{rules:?}"
    );
}

#[test]
fn the_central_table_projects_the_same_partitions_over_the_central_bucket() {
    let t = rendered("eu-west-1");
    let input = &t["Resources"]["CentralMetricsGlueTable"]["Properties"]["TableInput"];
    let raw = &t["Resources"]["MetricsGlueTable"]["Properties"]["TableInput"];
    assert_eq!(input["Name"], "infra_metrics_all_regions");
    assert_eq!(
        input["StorageDescriptor"]["Columns"],
        raw["StorageDescriptor"]["Columns"]
    );
    assert_eq!(input["PartitionKeys"], raw["PartitionKeys"]);
    let template = input["Parameters"]["storage.location.template"]["Fn::Sub"]
        .as_str()
        .expect("template");
    assert!(
        template.starts_with("s3://infra-monitoring-prod-agg-${AWS::AccountId}-eu-west-1/year="),
        "{template}"
    );
}

#[test]
fn a_deployed_pipeline_without_replication_plans_a_migration_note_for_the_old_objects() {
    let after = rendered("us-east-1");
    let mut before = after.clone();
    if let Some(props) = before["Resources"]["RawMetricsBucket"]["Properties"].as_object_mut() {
        props.remove("ReplicationConfiguration");
    }
    let plan = infrapipe::plan::diff(
        "infra-monitoring-prod",
        "us-east-1",
        Some("UPDATE_COMPLETE"),
        Some(&before),
        &after,
    );
    let m = plan
        .migrations
        .iter()
        .find(|m| m.logical_id == "RawMetricsBucket")
        .expect("a migration note for the raw bucket");
    assert!(
        m.why
            .contains("infra-monitoring-prod-agg-${AWS::AccountId}-eu-west-1")
            && m.why.contains("are not replicated"),
        "{m:?}"
    );
    assert!(m.how.contains("not with S3 Batch Replication"), "{m:?}");
}

#[test]
fn an_aggregation_region_outside_regions_is_refused_at_its_line() {
    let yaml = format!("{}aggregation:\n  region: eu-west-1\n", common::MINIMAL);
    let file = common::config_file(&yaml);
    let path = file.path().display().to_string();
    let (code, _out, err) = common::run(&["validate", "-c", &path]);
    assert_eq!(code, 1, "{err}");
    let line = yaml
        .lines()
        .position(|l| l.contains("region: eu-west-1"))
        .expect("line")
        + 1;
    assert!(
        err.contains(&format!("{path}:{line}:"))
            && err.contains("aggregation.region: must be one of regions"),
        "{err}"
    );
}

#[test]
fn the_aggregation_example_validates() {
    let (code, out, err) = common::run(&["validate", "-c", EXAMPLE]);
    assert_eq!(code, 0, "{out}{err}");
}
