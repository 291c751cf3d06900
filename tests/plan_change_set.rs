//! `plan` never creates or writes anything, on moto: above CloudFormation's 51,200-byte inline
//! limit, `plan --change-set` reads the template from the artifact bucket only when that exists
//! and is ours, and before the first apply says plainly that it cannot show CloudFormation's view
//! (the rest of the plan still prints). The change set it makes is deleted again.

mod common;
use common::moto::Moto;

/// The example with 120 e-mail subscriptions: a template over 51,200 bytes.
fn large_config() -> tempfile::NamedTempFile {
    let emails: String = (0..120)
        .map(|i| format!("    - ops{i}@example.com\n"))
        .collect();
    common::config_file(&common::example_text().replace("    - ops@example.com\n", &emails))
}

fn buckets_and_stacks(moto: &Moto) -> String {
    moto.boto3(
        "import boto3\nprint(sorted(b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']))\nprint([s['StackName'] for s in boto3.client('cloudformation').list_stacks()['StackSummaries'] if s['StackStatus'] != 'DELETE_COMPLETE'])",
        &[],
    )
}

#[test]
fn a_large_plan_change_set_before_the_first_apply_says_why_and_creates_nothing() {
    let moto = Moto::start();
    let config = large_config();
    let path = config.path().to_str().unwrap_or_default();
    let (code, out, err) = moto.infrapipe(&["plan", "-c", path, "--change-set"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("to add")
            && out.contains("CloudFormation's view cannot be shown until the first apply"),
        "{out}"
    );
    assert_eq!(buckets_and_stacks(&moto), "[]\n[]\n");
}

#[test]
fn a_large_plan_change_set_after_apply_reads_the_template_from_the_artifact_bucket() {
    let moto = Moto::start();
    let (code, _, err) = moto.infrapipe(&["apply", "-c", common::EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let config = large_config();
    let path = config.path().to_str().unwrap_or_default();
    // moto reads a path-style TemplateURL only when its host is `localhost` (the same loopback).
    let endpoint = moto
        .env("us-east-1")
        .into_iter()
        .find(|(k, _)| *k == "AWS_ENDPOINT_URL")
        .map(|(_, v)| v.replace("127.0.0.1", "localhost"))
        .unwrap_or_default();
    let (code, out, err) = moto.infrapipe(&[
        "plan",
        "-c",
        path,
        "--change-set",
        "--endpoint-url",
        &endpoint,
    ]);
    assert_eq!(code, 0, "{err}");
    let change_sets = moto.boto3(
        "import boto3\nprint([c['ChangeSetName'] for c in boto3.client('cloudformation').list_change_sets(StackName='infra-monitoring-prod')['Summaries'] if c['ChangeSetName'].startswith('infrapipe-plan')])",
        &[],
    );
    assert!(
        out.contains("CloudFormation change set (its own view") && change_sets == "[]\n",
        "{out}\nchange sets left: {change_sets}"
    );
}
