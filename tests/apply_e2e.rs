//! apply, destroy, status and run end to end: the real binary against moto on loopback.
//! moto's CloudFormation completes synchronously (no IN_PROGRESS, no rollback) and skips alarms,
//! subscriptions, the schedule, Glue and Athena; these tests assert what it does implement.

mod common;
use common::moto::Moto;
use common::*;

const STACK: &str = "infra-monitoring-prod";
const RAW: &str = "infra-monitoring-prod-raw-123456789012-us-east-1";
const TABLE: &str = "infra-monitoring-prod-metrics";

fn apply(moto: &Moto, config: &str) -> (i32, String, String) {
    moto.infrapipe(&["apply", "-c", config, "--yes"])
}

/// Whether the raw bucket and the metrics table still exist.
fn data_left(moto: &Moto) -> (bool, bool) {
    let out = moto.boto3(
        &format!("import boto3; print(any(b['Name']=='{RAW}' for b in boto3.client('s3').list_buckets()['Buckets'])); print('{TABLE}' in boto3.client('dynamodb').list_tables()['TableNames'])"),
        &[],
    );
    let found: Vec<bool> = out.split_whitespace().map(|w| w == "True").collect();
    (found[0], found[1])
}

#[test]
fn apply_from_nothing_creates_the_stack_with_the_uploaded_code() {
    let moto = Moto::start();
    let (code, out, err) = apply(&moto, EXAMPLE);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Apply complete: 50 added"), "{out}");
    let hash = infrapipe::package::package(infrapipe::model::FunctionKind::Collector)
        .expect("zip")
        .sha256;
    // Lambda reports the zip's SHA-256 in base64; the S3 key carries it in hex.
    let code_sha = moto.boto3(
        "import boto3,base64; print(base64.b64decode(boto3.client('lambda').get_function(FunctionName='infra-monitoring-prod-collector')['Configuration']['CodeSha256']).hex())",
        &[],
    );
    assert_eq!(code_sha.trim(), hash);
}

#[test]
fn second_apply_says_no_changes() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    let (code, out, err) = apply(&moto, EXAMPLE);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn a_config_change_applies_as_an_update() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    let text = example_text().replace("cpu_high_percent: 80", "cpu_high_percent: 85");
    let f = config_file(&text);
    let path = f.path().display().to_string();
    let (code, out, err) = apply(&moto, &path);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Apply complete: 0 added, 1 changed, 0 destroyed."),
        "{out}"
    );
    let (code, out, _) = moto.infrapipe(&["plan", "-c", &path, "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn apply_without_yes_and_without_a_terminal_refuses_and_changes_nothing() {
    let moto = Moto::start();
    let (code, _, err) = moto.infrapipe(&["apply", "-c", EXAMPLE]);
    assert_eq!(code, 1);
    assert!(err.contains("refusing to apply without --yes"), "{err}");
    let (code, _, _) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--detailed-exitcode"]);
    assert_eq!(code, 2, "nothing may have been deployed");
}

#[test]
fn a_plan_that_loses_data_needs_allow_data_loss() {
    let moto = Moto::start();
    let mut deployed = example();
    deployed["Resources"]["MetricsTable"]["Properties"]["KeySchema"][1]["AttributeName"] =
        serde_json::json!("timestamp");
    moto.deploy(STACK, &deployed);
    let (code, _, err) = apply(&moto, EXAMPLE);
    assert_eq!(code, 1);
    assert!(
        err.contains("would replace or delete MetricsTable") && err.contains("--allow-data-loss"),
        "{err}"
    );
}

#[test]
fn apply_of_a_saved_plan_refuses_when_the_stack_changed_since() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    let dir = tempfile::tempdir().expect("temp");
    let plan = dir.path().join("plan.json").display().to_string();
    let (code, _, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--out", &plan]);
    assert_eq!(code, 0, "{err}");
    // Someone else changes the stack after the plan was made.
    let text = example_text().replace("cpu_high_percent: 80", "cpu_high_percent: 70");
    let f = config_file(&text);
    let (code, _, err) = apply(&moto, &f.path().display().to_string());
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = moto.infrapipe(&["apply", &plan, "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("is out of date: stack infra-monitoring-prod was updated"),
        "{err}"
    );
    assert!(!err.contains("template as planned"), "{err}");
}

#[test]
fn destroy_removes_the_stack_and_keeps_the_data() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    let (code, out, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "Kept (DeletionPolicy Retain): bucket {RAW} and table {TABLE}"
        )),
        "{out}"
    );
    assert_eq!(data_left(&moto), (true, true));
    let (_, out, _) = moto.infrapipe(&["status", "-c", EXAMPLE]);
    assert!(out.contains("NOT_DEPLOYED"), "{out}");
}

#[test]
fn destroy_purge_data_removes_the_versioned_bucket_with_its_versions() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    // moto's CloudFormation drops VersioningConfiguration; turn it on as AWS would have it.
    moto.boto3(
        &format!("import boto3; s3=boto3.client('s3'); s3.put_bucket_versioning(Bucket='{RAW}', VersioningConfiguration={{'Status':'Enabled'}}); s3.delete_bucket_policy(Bucket='{RAW}')\nfor i in range(3):\n  s3.put_object(Bucket='{RAW}', Key='year=2026/a.json', Body=str(i).encode())\ns3.delete_object(Bucket='{RAW}', Key='year=2026/a.json')"),
        &[],
    );
    let (code, out, err) = moto.infrapipe(&[
        "destroy",
        "-c",
        EXAMPLE,
        "--yes",
        "--purge-data=infra-monitoring-prod",
        "--no-backup",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Purged the data: 4 object versions deleted"),
        "{out}"
    );
    assert_eq!(data_left(&moto), (false, false));
}

#[test]
fn destroy_without_yes_and_without_a_terminal_refuses() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    let (code, _, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE]);
    assert_eq!(code, 1);
    assert!(err.contains("refusing to destroy without --yes"), "{err}");
}

#[test]
fn destroying_what_does_not_exist_says_so_and_exits_0() {
    let moto = Moto::start();
    let (code, out, _) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0);
    assert!(out.contains("Nothing to destroy"), "{out}");
}

#[test]
fn status_shows_the_stack_resources_and_what_it_could_not_read() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    let (code, out, err) = moto.infrapipe(&["status", "-c", EXAMPLE, "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["status"], "CREATE_COMPLETE");
    let table = doc["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["logical_id"] == "MetricsTable")
        .cloned();
    assert_eq!(
        table.map(|t| t["physical_id"].clone()),
        Some(serde_json::json!(TABLE))
    );
    // moto's CloudFormation does not create the schedule: status says so instead of hiding it.
    assert!(doc["unavailable"].to_string().contains("schedule"), "{doc}");
}

#[test]
fn run_starts_a_collection_and_reports_each_branch() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    moto.execute_collections();
    let (code, out, err) = moto.infrapipe(&["run", "-c", EXAMPLE]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("SUCCEEDED"), "{out}");
    for m in ["cpu", "memory", "disk", "network"] {
        assert!(out.contains(&format!("  {m:<8} succeeded")), "{out}");
    }
}

#[test]
fn ctrl_c_while_run_waits_exits_130_and_says_the_run_goes_on() {
    let moto = Moto::start();
    apply(&moto, EXAMPLE);
    // moto's default store leaves executions RUNNING, so `run` waits until interrupted. The
    // pause lets it get past its first poll and into a pause between polls.
    let (code, stdout, stderr) = moto.interrupt(
        &["--json", "run", "-c", EXAMPLE],
        "Started manual-",
        std::time::Duration::from_millis(700),
    );
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.starts_with("Started manual-"), "{stderr}");
    assert!(stderr.contains("Interrupted. The run manual-"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["interrupted"], true);
}

#[test]
fn status_all_regions_shows_each_configured_region() {
    let moto = Moto::start();
    let two =
        config_file(&example_text().replace("  - us-east-1\n", "  - us-east-1\n  - eu-west-1\n"));
    let path = two.path().display().to_string();
    let (code, _, err) = moto.infrapipe(&["apply", "-c", &path, "--region", "eu-west-1", "--yes"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = moto.infrapipe(&["status", "-c", &path, "--all-regions", "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let regions: Vec<(&str, &str)> = doc["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap_or(""),
                r["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        regions,
        [
            ("us-east-1", "NOT_DEPLOYED"),
            ("eu-west-1", "CREATE_COMPLETE")
        ]
    );
    let (_, text, _) = moto.infrapipe(&["status", "-c", &path, "--all-regions"]);
    assert!(text.contains("1 of 2 regions deployed."), "{text}");
}
