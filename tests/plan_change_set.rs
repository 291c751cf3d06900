//! `plan` never creates or writes anything, on moto: above CloudFormation's 51,200-byte inline
//! limit, `plan --change-set` reads the template from the artifact bucket only when that exists
//! and is ours, and before the first apply says plainly that it cannot show CloudFormation's view
//! (the rest of the plan still prints). The change set it makes is deleted again.

mod common;
use common::moto::Moto;

/// The default example with a second alert address (a change to plan): with its dashboard and
/// both state machines, its template is over CloudFormation's 51,200-byte inline limit
/// (asserted, so the test cannot pass vacuously).
fn large_config() -> tempfile::NamedTempFile {
    assert!(
        !infrapipe::deploy::apply::fits_inline(&common::example()),
        "the example's template now fits inline: grow it here (more e-mail addresses, say)"
    );
    let two = "    - ops@example.com\n    - oncall@example.com\n";
    common::config_file(&common::example_text().replace("    - ops@example.com\n", two))
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
    let (code, out, err) = moto.infrapipe(&["plan", "-c", path, "--change-set"]);
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
