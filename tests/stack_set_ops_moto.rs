//! status, plan and destroy of a stack set end to end on moto: a set rolled out to two accounts
//! x two regions is listed instance by instance, a config change is planned once for all of
//! them, and destroy removes the instances, then the set. (moto implements no
//! DetectStackSetDrift: drift over a set is proved against mock clients, tests/stack_set_ops_mock.rs.)

mod common;
use common::moto::Moto;
use common::*;

const ACCOUNTS: &str = "111111111111,222222222222";
const REGIONS: &str = "us-east-1,eu-west-1";

/// `rollout --accounts` to two accounts x two regions; panics with its output when it fails.
fn rolled_out(moto: &Moto) {
    let (code, out, err) = moto.infrapipe(&[
        "rollout",
        "-c",
        EXAMPLE,
        "--accounts",
        ACCOUNTS,
        "--regions",
        REGIONS,
        "--yes",
    ]);
    assert_eq!(code, 0, "the rollout failed:\n{out}{err}");
}

/// What moto says of the set: DescribeStackSet's status (or the error's code) and the instances.
fn the_set(moto: &Moto) -> String {
    moto.boto3(
        "import boto3\ncf=boto3.client('cloudformation',region_name='us-east-1')\ntry:\n  print(cf.describe_stack_set(StackSetName='infra-monitoring-prod')['StackSet']['Status'])\n  print(len(cf.list_stack_instances(StackSetName='infra-monitoring-prod')['Summaries']))\nexcept cf.exceptions.StackSetNotFoundException:\n  print('NOT_FOUND')",
        &[],
    )
}

#[test]
fn status_lists_every_instance_of_the_set() {
    let moto = Moto::start();
    rolled_out(&moto);
    let (code, out, err) = moto.infrapipe(&["status", "-c", EXAMPLE, "--stack-set", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let cells: Vec<(String, String)> = doc["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .map(|i| {
            (
                i["account"].as_str().unwrap_or_default().to_owned(),
                i["region"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        (doc["status"].as_str(), cells),
        (
            Some("ACTIVE"),
            vec![
                ("111111111111".into(), "eu-west-1".into()),
                ("111111111111".into(), "us-east-1".into()),
                ("222222222222".into(), "eu-west-1".into()),
                ("222222222222".into(), "us-east-1".into()),
            ]
        )
    );
}

#[test]
fn plan_shows_a_config_change_once_for_the_whole_set() {
    let moto = Moto::start();
    rolled_out(&moto);
    let changed =
        config_file(&example_text().replace("cpu_high_percent: 80", "cpu_high_percent: 85"));
    let path = changed.path().to_str().expect("a UTF-8 path");
    let (code, out, err) =
        moto.infrapipe(&["plan", "-c", path, "--stack-set", "--detailed-exitcode"]);
    assert_eq!(
        (
            code,
            out.matches("HighCpuAlarm").count(),
            out.contains("updates all 4 instances")
        ),
        (2, 1, true),
        "{out}{err}"
    );
}

#[test]
fn destroy_removes_the_instances_then_the_set() {
    let moto = Moto::start();
    rolled_out(&moto);
    let (code, out, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--stack-set", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(the_set(&moto).trim(), "NOT_FOUND", "{out}");
}

#[test]
fn destroy_of_a_set_refuses_purge_data_and_says_how_to_purge_in_each_account() {
    let (code, _, err) = run(&[
        "destroy",
        "-c",
        EXAMPLE,
        "--stack-set",
        "--purge-data=infra-monitoring-prod",
        "--yes",
    ]);
    assert_eq!(
        (code, err.contains("with that account's credentials")),
        (1, true),
        "{err}"
    );
}
