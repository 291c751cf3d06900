//! The right account (issue 14, item 3): apply, destroy and rollout say on stderr which account
//! and region they are about to change, and refuse, before anything happens, credentials of an
//! account that `allowed_account_ids` does not list. On moto, whose account is 123456789012.

mod common;
use common::moto::Moto;
use common::*;

const RAW: &str = "infra-monitoring-prod-raw-123456789012-us-east-1";
const REFUSED: &str = "error: these credentials are for AWS account 123456789012, which allowed_account_ids (111111111111, 222222222222) does not list; nothing was changed";

/// The example with `allowed_account_ids` set to `list` (YAML flow sequence).
fn allowing(list: &str) -> tempfile::NamedTempFile {
    config_file(&format!(
        "{}\nallowed_account_ids: {list}\n",
        example_text()
    ))
}

fn path(f: &tempfile::NamedTempFile) -> String {
    f.path().display().to_string()
}

/// Whether moto holds any bucket and whether it holds the stack.
fn anything_created(moto: &Moto) -> (bool, bool) {
    let out = moto.boto3(
        "import boto3; print(len(boto3.client('s3').list_buckets()['Buckets']) > 0); print(len(boto3.client('cloudformation').list_stacks()['StackSummaries']) > 0)",
        &[],
    );
    let found: Vec<bool> = out.split_whitespace().map(|w| w == "True").collect();
    (found[0], found[1])
}

#[test]
fn apply_to_an_unlisted_account_is_refused_before_anything_is_created() {
    let moto = Moto::start();
    let f = allowing("['111111111111', '222222222222']");
    let (code, out, err) = moto.infrapipe(&["apply", "-c", &path(&f), "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err.trim_end(), REFUSED, "one line: {err}");
    assert_eq!(anything_created(&moto), (false, false));
}

#[test]
fn rollout_to_an_unlisted_account_is_refused_before_anything_is_created() {
    let moto = Moto::start();
    let f = allowing("['111111111111', '222222222222']");
    let (code, out, err) = moto.infrapipe(&["rollout", "-c", &path(&f), "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err.trim_end(), REFUSED, "one line: {err}");
    assert_eq!(anything_created(&moto), (false, false));
}

#[test]
fn destroy_in_an_unlisted_account_is_refused_and_the_stack_stays() {
    let moto = Moto::start();
    let (code, _, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let f = allowing("['111111111111', '222222222222']");
    let (code, out, err) = moto.infrapipe(&["destroy", "-c", &path(&f), "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err.trim_end(), REFUSED, "one line: {err}");
    let status = moto.boto3(
        "import boto3; print(boto3.client('cloudformation').describe_stacks(StackName='infra-monitoring-prod')['Stacks'][0]['StackStatus'])",
        &[],
    );
    assert_eq!(status.trim(), "CREATE_COMPLETE");
    let (buckets, _) = anything_created(&moto);
    assert!(buckets, "the raw bucket {RAW} is still there");
}

#[test]
fn apply_to_a_listed_account_names_it_and_the_region_on_stderr_first() {
    let moto = Moto::start();
    let f = allowing("['111111111111', '123456789012']");
    let (code, out, err) = moto.infrapipe(&["apply", "-c", &path(&f), "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err.lines().next(),
        Some("Changing AWS account 123456789012 in us-east-1."),
        "{err}"
    );
    assert!(!out.contains("123456789012 in us-east-1"), "{out}");
}

#[test]
fn apply_with_json_keeps_stdout_one_document_and_the_account_line_on_stderr() {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["apply", "--json", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    serde_json::from_str::<serde_json::Value>(&out).expect("stdout is one JSON document");
    assert!(
        err.contains("Changing AWS account 123456789012 in us-east-1."),
        "{err}"
    );
}

#[test]
fn destroy_names_the_account_and_region_on_stderr_first() {
    let moto = Moto::start();
    moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    let (code, out, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err.lines().next(),
        Some("Changing AWS account 123456789012 in us-east-1."),
        "{err}"
    );
}

#[test]
fn rollout_names_the_account_and_every_region_on_stderr_first() {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&[
        "rollout",
        "-c",
        EXAMPLE,
        "--regions",
        "us-east-1,eu-west-1",
        "--yes",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err.lines().next(),
        Some("Changing AWS account 123456789012 in us-east-1, eu-west-1."),
        "{err}"
    );
}

#[test]
fn an_account_id_that_is_not_twelve_digits_is_a_config_error() {
    let f = allowing("['12345']");
    let (code, _, err) = run(&["validate", "-c", &path(&f)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("allowed_account_ids") && err.contains("exactly 12 digits"),
        "{err}"
    );
}

#[test]
fn an_account_id_written_as_a_bare_number_is_refused_because_yaml_drops_leading_zeros() {
    let f = allowing("[012345678901]");
    let (code, _, err) = run(&["validate", "-c", &path(&f)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("in quotes"), "{err}");
}
