//! Import instead of collide, end to end on moto: after `destroy` keeps the raw bucket and the
//! table, `plan` shows them as imports (text, --json, a saved plan) and the data is still
//! there; a hand-built pipeline named in `adopt:` is planned as imports, and the seed's table
//! keyed on (instance_id, timestamp) is refused with why, changing nothing. moto's
//! CloudFormation runs an IMPORT change set as a create, so the import's execution is shown in
//! tests/import.rs with mock clients instead.

mod common;
use common::moto::Moto;
use common::*;
use serde_json::Value;

const RAW: &str = "infra-monitoring-prod-raw-123456789012-us-east-1";
const TABLE: &str = "infra-monitoring-prod-metrics";

/// Apply, write one object and one item, destroy (which keeps both stores).
fn applied_then_destroyed(moto: &Moto) {
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    moto.boto3(
        &format!(
            "import boto3\n\
             boto3.client('s3').put_object(Bucket='{RAW}', Key='year=2026/kept.json', Body=b'{{}}')\n\
             boto3.client('dynamodb').put_item(TableName='{TABLE}', Item={{'instance_id': {{'S': 'i-0123456789abcdef0'}}, 'metric_key': {{'S': 'cpu#1'}}}})"
        ),
        &[],
    );
    let (code, out, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Whether the object and the item written before the destroy are still there.
fn data_kept(moto: &Moto) -> String {
    moto.boto3(
        &format!(
            "import boto3\n\
             print(boto3.client('s3').get_object(Bucket='{RAW}', Key='year=2026/kept.json')['Body'].read() == b'{{}}')\n\
             print('Item' in boto3.client('dynamodb').get_item(TableName='{TABLE}', Key={{'instance_id': {{'S': 'i-0123456789abcdef0'}}, 'metric_key': {{'S': 'cpu#1'}}}}))"
        ),
        &[],
    )
}

#[test]
fn plan_after_destroy_shows_the_kept_bucket_and_table_as_imports_and_the_data_stays() {
    let moto = Moto::start();
    applied_then_destroyed(&moto);
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE]);
    assert_eq!(code, 0, "{out}{err}");
    for line in [
        "<= AWS::S3::Bucket",
        "RawMetricsBucket  (import: exists, kept by an earlier destroy)",
        "MetricsTable  (import: exists, kept by an earlier destroy)",
        "1. an IMPORT change set adopts MetricsTable (infra-monitoring-prod-metrics), RawMetricsBucket (infra-monitoring-prod-raw-123456789012-us-east-1)",
        "2. an UPDATE change set applies the rest",
        "Plan: 2 to import, 48 to add, 0 to change, 0 to destroy.",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    assert_eq!(data_kept(&moto), "True\nTrue\n");
}

#[test]
fn plan_json_after_destroy_counts_and_names_the_imports() {
    let moto = Moto::start();
    applied_then_destroyed(&moto);
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["summary"]["import"], 2, "{doc:#}");
    assert_eq!(doc["summary"]["add"], 48, "{doc:#}");
    let imports: Vec<(&str, &Value, &str)> = doc["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|i| {
            (
                i["logical_id"].as_str().unwrap_or_default(),
                &i["identifier"],
                i["why"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        imports,
        [
            (
                "MetricsTable",
                &serde_json::json!({ "TableName": TABLE }),
                "kept_by_destroy"
            ),
            (
                "RawMetricsBucket",
                &serde_json::json!({ "BucketName": RAW }),
                "kept_by_destroy"
            ),
        ]
    );
    assert_eq!(data_kept(&moto), "True\nTrue\n");
}

#[test]
fn a_saved_plan_keeps_its_imports() {
    let moto = Moto::start();
    applied_then_destroyed(&moto);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("plan.json");
    let path = file.display().to_string();
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--out", &path]);
    assert_eq!(code, 0, "{out}{err}");
    let saved = infrapipe::plan::saved::SavedPlan::read(&file).expect("a saved plan");
    let ids: Vec<&str> = saved
        .plan
        .imports
        .iter()
        .map(|i| i.logical_id.as_str())
        .collect();
    assert_eq!(ids, ["MetricsTable", "RawMetricsBucket"]);
}

/// The seed's hand-built pipeline: `raw-metrics-bucket` and `InfraMetrics`, with its table
/// keyed on `range` (the seed's is `timestamp`, a number).
fn hand_built(moto: &Moto, range: &str, range_type: &str) {
    moto.boto3(
        &format!(
            "import boto3\n\
             boto3.client('s3').create_bucket(Bucket='raw-metrics-bucket')\n\
             boto3.client('s3').put_object(Bucket='raw-metrics-bucket', Key='old.json', Body=b'{{}}')\n\
             boto3.client('dynamodb').create_table(TableName='InfraMetrics', BillingMode='PAY_PER_REQUEST',\n\
               KeySchema=[{{'AttributeName': 'instance_id', 'KeyType': 'HASH'}}, {{'AttributeName': '{range}', 'KeyType': 'RANGE'}}],\n\
               AttributeDefinitions=[{{'AttributeName': 'instance_id', 'AttributeType': 'S'}}, {{'AttributeName': '{range}', 'AttributeType': '{range_type}'}}])"
        ),
        &[],
    );
}

const ADOPT: &str = "adopt:\n  raw_bucket: raw-metrics-bucket\n  table: InfraMetrics\n";

#[test]
fn a_hand_built_bucket_and_table_named_in_adopt_are_planned_as_imports() {
    let moto = Moto::start();
    hand_built(&moto, "metric_key", "S");
    let f = config_file(&format!("{}{ADOPT}", example_text()));
    let path = f.path().display().to_string();
    let (code, out, err) = moto.infrapipe(&["plan", "-c", &path]);
    assert_eq!(code, 0, "{out}{err}");
    for line in [
        "RawMetricsBucket  (import: named in adopt:)",
        "MetricsTable  (import: named in adopt:)",
        "adopts MetricsTable (InfraMetrics), RawMetricsBucket (raw-metrics-bucket)",
        "Plan: 2 to import, 48 to add",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
}

#[test]
fn the_seeds_table_keyed_on_timestamp_is_refused_by_plan_and_apply_changes_nothing() {
    let moto = Moto::start();
    hand_built(&moto, "timestamp", "N");
    let f = config_file(&format!("{}{ADOPT}", example_text()));
    let path = f.path().display().to_string();
    let (code, out, _) = moto.infrapipe(&["plan", "-c", &path]);
    assert_eq!(code, 1, "{out}");
    for part in [
        "Cannot import (apply refuses and changes nothing until this is resolved):",
        "table InfraMetrics exists keyed on (instance_id HASH, timestamp RANGE), but the pipeline's table is keyed on (instance_id HASH, metric_key RANGE)",
        "What you can do: remove adopt.table",
    ] {
        assert!(out.contains(part), "{part:?} missing from:\n{out}");
    }
    let (code, out, err) = moto.infrapipe(&["apply", "-c", &path, "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    let (_, status, _) = moto.infrapipe(&["status", "-c", &path]);
    assert!(status.contains("NOT_DEPLOYED"), "{status}");
}
