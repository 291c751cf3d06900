//! rollout end to end on moto, which keeps each region apart.

mod common;
use common::moto::Moto;
use common::*;

const REGIONS: &str = "us-east-1,eu-west-1,us-west-2";

fn stacks(moto: &Moto) -> String {
    moto.boto3(
        "import boto3\nfor r in ['us-east-1','eu-west-1','us-west-2']:\n  s=boto3.client('cloudformation',region_name=r).describe_stacks(StackName='infra-monitoring-prod')['Stacks'][0]\n  print(r, s['StackStatus'])",
        &[],
    )
}

/// rollout's --json document, and each region's result in order.
fn region_results(out: &str) -> (serde_json::Value, Vec<String>) {
    let doc: serde_json::Value = serde_json::from_str(out).expect("one JSON document");
    let results = doc["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .filter_map(|r| r["result"].as_str().map(str::to_owned))
        .collect();
    (doc, results)
}

#[test]
fn three_regions_roll_out_and_a_second_rollout_changes_nothing() {
    let moto = Moto::start();
    let (code, out, err) =
        moto.infrapipe(&["rollout", "-c", EXAMPLE, "--regions", REGIONS, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 of 3 regions succeeded."), "{out}");
    assert_eq!(
        stacks(&moto).lines().collect::<Vec<_>>(),
        [
            "us-east-1 CREATE_COMPLETE",
            "eu-west-1 CREATE_COMPLETE",
            "us-west-2 CREATE_COMPLETE"
        ]
    );
    let (code, out, _) = moto.infrapipe(&[
        "rollout",
        "-c",
        EXAMPLE,
        "--regions",
        REGIONS,
        "--yes",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    let (_, results) = region_results(&out);
    assert_eq!(results, ["no_changes", "no_changes", "no_changes"]);
}

#[test]
fn a_failed_region_cancels_later_waves_and_a_rerun_finishes_the_rest() {
    let moto = Moto::start();
    // eu-west-1's results bucket name is taken: its create fails for real.
    let bucket = "infra-monitoring-prod-athena-123456789012-eu-west-1";
    moto.boto3(
        "import sys, boto3; boto3.client('s3', region_name='eu-west-1').create_bucket(Bucket=sys.argv[1], CreateBucketConfiguration={'LocationConstraint': 'eu-west-1'})",
        &[bucket],
    );
    let args = [
        "rollout",
        "-c",
        EXAMPLE,
        "--regions",
        REGIONS,
        "--max-concurrent",
        "1",
        "--failure-tolerance",
        "0",
        "--yes",
        "--json",
    ];
    let (code, out, _) = moto.infrapipe(&args);
    assert_eq!(code, 1, "{out}");
    let (doc, results) = region_results(&out);
    assert_eq!(results, ["updated", "failed", "cancelled"]);
    assert!(
        doc["regions"][1]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("BucketAlreadyExists")),
        "{doc}"
    );

    moto.boto3("import sys, boto3; boto3.client('s3', region_name='eu-west-1').delete_bucket(Bucket=sys.argv[1])", &[bucket]);
    let (code, out, _) = moto.infrapipe(&args);
    assert_eq!(code, 0, "{out}");
    let (_, results) = region_results(&out);
    assert_eq!(results, ["no_changes", "updated", "updated"]);
}

#[test]
fn plan_all_regions_plans_every_configured_region_with_one_summary() {
    let moto = Moto::start();
    let yaml = example_text().replace("  - us-east-1\n", "  - us-east-1\n  - eu-west-1\n");
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join("two.yaml");
    std::fs::write(&path, yaml).expect("write");
    let path = path.display().to_string();
    let (code, out, err) = moto.infrapipe(&["rollout", "-c", &path, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) =
        moto.infrapipe(&["plan", "-c", &path, "--all-regions", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 of 2 regions have changes."), "{out}");
}

#[test]
fn ctrl_c_during_a_wave_reports_the_regions_in_flight_and_exits_130() {
    let moto = Moto::start();
    // Every request held 150 ms, as a far region would: each region's apply takes seconds.
    let slow = common::moto::latency_proxy(moto.port, std::time::Duration::from_millis(150));
    let args = [
        "rollout",
        "-c",
        EXAMPLE,
        "--regions",
        REGIONS,
        "--yes",
        "--json",
    ];
    // The canary's last line is the cue; the pause lets the wave's regions start applying.
    let (code, stdout, stderr) = moto.interrupt(
        &[&args[..], &["--endpoint-url", &slow]].concat(),
        "[us-east-1] updated",
        std::time::Duration::from_millis(500),
    );
    assert_eq!(code, Some(130), "{stderr}");
    let (doc, results) = region_results(&stdout);
    assert_eq!(results, ["updated", "interrupted", "interrupted"]);
    assert_eq!(doc["interrupted"], true);
    assert!(
        stderr.contains("Run the rollout again to finish what is left"),
        "{stderr}"
    );
}
