//! `destroy --purge-data` at a terminal asks for the stack name to be typed: a wrong name
//! cancels (exit 1) and deletes nothing, not even the stack. Answered in-process through an
//! in-memory console; the binary's environment is this test process's own, so this file holds
//! one test, which points the SDK at moto before anything reads the environment.

mod common;
use common::EXAMPLE;
use common::moto::Moto;

#[test]
fn typing_another_name_than_the_stacks_at_the_purge_prompt_deletes_nothing() {
    let moto = Moto::start();
    let (code, _, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{err}");
    for (key, value) in moto.env("us-east-1") {
        // SAFETY: the only test of this binary, and no other thread has started that reads the
        // environment (the runtime starts inside `run_in`, after this).
        unsafe { std::env::set_var(key, value) };
    }
    let (code, _, err) = common::run_answering(
        "y\ninfra-monitoring-dev\n",
        &["destroy", "-c", EXAMPLE, "--purge-data", "--no-backup"],
    );
    assert!(
        code == 1 && err.contains("Type the stack name (infra-monitoring-prod) to purge: "),
        "{code} {err}"
    );
    let (_, status, _) = common::run_answering("", &["status", "-c", EXAMPLE]);
    let tables = moto.boto3(
        "import boto3\nprint(boto3.client('dynamodb').list_tables()['TableNames'])",
        &[],
    );
    assert!(
        !status.contains("NOT_DEPLOYED") && tables.contains("infra-monitoring-prod-metrics"),
        "{status}\n{tables}"
    );
}
