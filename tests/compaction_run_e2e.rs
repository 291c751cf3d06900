//! `infrapipe run --compaction`, the real binary: the days it refuses before any AWS call, and
//! on moto the execution it starts on the deployed compaction state machine with the days as
//! input. moto runs no Athena SQL and keeps the execution RUNNING, so the test stops waiting
//! with Ctrl-C and reads the execution's input (the SQL is proved by lambdas/tests/test_sql.py).

mod common;
use common::EXAMPLE;
use common::moto::Moto;
use std::time::Duration;

#[test]
fn today_is_refused_because_it_has_not_ended() {
    let (code, _, err) =
        common::run(&["run", "-c", EXAMPLE, "--compaction", "--from", "2999-01-01"]);
    assert_eq!(code, 1);
    assert!(err.contains("has not ended"), "{err}");
}

#[test]
fn a_day_that_does_not_exist_is_refused() {
    let (code, _, err) =
        common::run(&["run", "-c", EXAMPLE, "--compaction", "--from", "2026-02-30"]);
    assert_eq!(code, 1);
    assert!(err.contains("is not a day: give YYYY-MM-DD"), "{err}");
}

#[test]
fn a_range_needs_compaction() {
    let (code, _, err) = common::run(&["run", "-c", EXAMPLE, "--from", "2026-02-01"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--compaction"), "{err}");
}

#[test]
fn a_thirty_day_backfill_starts_one_execution_with_every_day() {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "apply failed:\n{out}\n{err}");
    let (code, _, err) = moto.interrupt(
        &[
            "run",
            "-c",
            EXAMPLE,
            "--compaction",
            "--from",
            "2026-02-01",
            "--to",
            "2026-03-02",
        ],
        "Compacting 30 day(s)",
        Duration::from_secs(2),
    );
    assert_eq!(code, Some(130), "{err}");
    let input = moto.boto3(
        "import boto3\nsfn = boto3.client('stepfunctions')\narn = 'arn:aws:states:us-east-1:123456789012:stateMachine:infra-monitoring-prod-compaction'\nrun = sfn.list_executions(stateMachineArn=arn)['executions'][0]\nprint(sfn.describe_execution(executionArn=run['executionArn'])['input'])\n",
        &[],
    );
    let input: serde_json::Value = serde_json::from_str(input.trim()).expect("input is JSON");
    let days = input["days"].as_array().expect("days");
    assert_eq!(days.len(), 30);
    assert_eq!(days[0], "2026-02-01");
    assert_eq!(days[29], "2026-03-02");
}
