//! Upgrades never surprise: a stack deployed by the previous release (its golden template,
//! checked in as tests/fixtures/infrapipe-us-east-1.v1.json; see tests/fixtures/README.md) plans
//! and applies with the current code without replacing or deleting the bucket or the table and
//! without a DATA LOSS line, and the data written before the upgrade is still there after it.

mod common;
use common::moto::Moto;
use common::*;
use serde_json::Value;

const STACK: &str = "infra-monitoring-prod";
const RAW: &str = "infra-monitoring-prod-raw-123456789012-us-east-1";
const TABLE: &str = "infra-monitoring-prod-metrics";
const OLD: &str = "tests/fixtures/infrapipe-us-east-1.v1.json";

/// Deploys the previous release's template as that release did: the artifact bucket, a zip
/// under each key the old template names (today's bytes: moto does not check a zip against
/// its key), CreateStack; then one object and one item, the data an upgrade must keep.
fn deployed_by_the_previous_release(moto: &Moto) {
    let old: Value =
        serde_json::from_str(&std::fs::read_to_string(OLD).expect("fixture")).expect("JSON");
    let dir = tempfile::tempdir().expect("temp dir");
    let body = dir.path().join("template.json");
    std::fs::write(&body, old.to_string()).expect("write template");
    let mut args = vec![body.display().to_string()];
    for (id, kind) in [
        (
            "CollectorFunction",
            infrapipe::model::FunctionKind::Collector,
        ),
        (
            "LogProcessorFunction",
            infrapipe::model::FunctionKind::LogProcessor,
        ),
    ] {
        let key = old["Resources"][id]["Properties"]["Code"]["S3Key"]
            .as_str()
            .expect("the old template names its code key");
        let zip = dir.path().join(format!("{id}.zip"));
        std::fs::write(&zip, infrapipe::package::package(kind).expect("zip").zip).expect("zip");
        args.push(zip.display().to_string());
        args.push(key.to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    moto.boto3(
        &format!(
            "import sys, boto3\n\
             s3 = boto3.client('s3')\n\
             s3.create_bucket(Bucket='infrapipe-assets-123456789012-us-east-1')\n\
             for path, key in zip(sys.argv[2::2], sys.argv[3::2]):\n    s3.put_object(Bucket='infrapipe-assets-123456789012-us-east-1', Key=key, Body=open(path, 'rb').read())\n\
             cf = boto3.client('cloudformation')\n\
             cf.create_stack(StackName='{STACK}', TemplateBody=open(sys.argv[1]).read(), Capabilities=['CAPABILITY_IAM'])\n\
             assert cf.describe_stacks(StackName='{STACK}')['Stacks'][0]['StackStatus'] == 'CREATE_COMPLETE'\n\
             s3.put_object(Bucket='{RAW}', Key='year=2026/before-upgrade.json', Body=b'{{}}')\n\
             boto3.client('dynamodb').put_item(TableName='{TABLE}', Item={{'instance_id': {{'S': 'i-0123456789abcdef0'}}, 'metric_key': {{'S': 'cpu#1'}}}})"
        ),
        &args,
    );
}

fn data_kept(moto: &Moto) -> String {
    moto.boto3(
        &format!(
            "import boto3\n\
             print(boto3.client('s3').get_object(Bucket='{RAW}', Key='year=2026/before-upgrade.json')['Body'].read() == b'{{}}')\n\
             print('Item' in boto3.client('dynamodb').get_item(TableName='{TABLE}', Key={{'instance_id': {{'S': 'i-0123456789abcdef0'}}, 'metric_key': {{'S': 'cpu#1'}}}}))"
        ),
        &[],
    )
}

#[test]
fn the_previous_releases_stack_plans_without_replacing_or_deleting_the_data() {
    let moto = Moto::start();
    deployed_by_the_previous_release(&moto);
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc: Value = serde_json::from_str(&out).expect("one JSON document");
    for c in doc["changes"].as_array().expect("changes") {
        let id = c["logical_id"].as_str().unwrap_or_default();
        assert_eq!(c["data_loss"], false, "{c:#}");
        if id == "RawMetricsBucket" || id == "MetricsTable" {
            assert!(
                c["action"] == "update",
                "the upgrade would {} {id}: {c:#}",
                c["action"]
            );
        }
    }
    let (code, text, err) = moto.infrapipe(&["plan", "-c", EXAMPLE]);
    assert_eq!(code, 0, "{text}{err}");
    assert!(!text.contains("DATA LOSS"), "{text}");
}

#[test]
fn the_previous_releases_stack_applies_with_the_current_code_and_keeps_its_data() {
    let moto = Moto::start();
    deployed_by_the_previous_release(&moto);
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    // The seed's two named queries now read the view over JSON and Parquet: Athena named queries
    // are replaced on any change (2 destroyed); the first test proves no bucket or table is.
    assert!(
        out.contains("Apply complete:") && out.contains("2 destroyed"),
        "{out}"
    );
    assert!(!out.contains("DATA LOSS"), "{out}");
    assert_eq!(data_kept(&moto), "True\nTrue\n");
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("No changes."), "after the upgrade: {out}");
}

/// The previous release's template with one change made to it, planned against today's.
fn planned_from_old(change: impl Fn(&mut Value)) -> infrapipe::plan::Plan {
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(OLD).expect("fixture")).expect("JSON");
    change(&mut old);
    infrapipe::plan::diff(
        STACK,
        "us-east-1",
        Some("UPDATE_COMPLETE"),
        Some(&old),
        &example(),
    )
}

#[test]
fn a_table_whose_keys_change_is_planned_with_why_and_how_to_migrate() {
    let plan = planned_from_old(|old| {
        old["Resources"]["MetricsTable"]["Properties"]["KeySchema"][1]["AttributeName"] =
            "timestamp".into();
    });
    let m = plan
        .migrations
        .iter()
        .find(|m| m.logical_id == "MetricsTable")
        .expect("a migration for the table");
    assert!(m.why.contains("key schema changes"), "{m:?}");
    assert!(m.how.contains("copy the items out first"), "{m:?}");
    let text = infrapipe::plan::render::text(&plan, infrapipe::style::Style::PLAIN);
    assert!(
        text.contains("migration: the table's key schema changes"),
        "{text}"
    );
}

#[test]
fn a_renamed_raw_bucket_is_planned_with_the_copy_it_needs() {
    let plan = planned_from_old(|old| {
        old["Resources"]["RawMetricsBucket"]["Properties"]["BucketName"] =
            "raw-metrics-bucket".into();
    });
    let m = plan
        .migrations
        .iter()
        .find(|m| m.logical_id == "RawMetricsBucket")
        .expect("a migration for the bucket");
    assert!(
        m.how
            .contains("aws s3 sync s3://raw-metrics-bucket s3://infra-monitoring-prod-raw-"),
        "{m:?}"
    );
}
