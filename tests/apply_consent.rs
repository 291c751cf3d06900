//! Consent before anything is written: answering `n` at apply's prompt (through an in-memory
//! console with stdin a terminal) leaves no artifact bucket, no object and no stack or change set
//! on moto. The binary's environment is this test process's own, so this file holds one test,
//! which points the SDK at moto before anything reads the environment.

mod common;
use common::EXAMPLE;
use common::moto::Moto;

#[test]
fn answering_no_at_applys_prompt_leaves_no_bucket_no_object_and_no_change_set() {
    let moto = Moto::start();
    for (key, value) in moto.env("us-east-1") {
        // SAFETY: the only test of this binary, and no other thread has started that reads the
        // environment (the runtime starts inside `run_in`, after this).
        unsafe { std::env::set_var(key, value) };
    }
    let (code, _, err) = common::run_answering("n\n", &["apply", "-c", EXAMPLE]);
    assert_eq!(code, 1, "{err}");
    // Buckets, then stacks (a CREATE change set would have made one under review).
    let left = moto.boto3(
        "import boto3\nprint(sorted(b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']))\nprint([s['StackName'] for s in boto3.client('cloudformation').list_stacks()['StackSummaries']])",
        &[],
    );
    assert_eq!(left, "[]\n[]\n", "{err}");
}
