//! Golden snapshots of every report's text and `--json` document (stdout and exit code), taken
//! from the real binary against moto, so that a restructuring of the code can prove it changed
//! no output. What differs between runs and machines (ids, times, ports, paths, hashes) is
//! blanked by the filters of `assert_report!`; everything else must stay byte for byte.

mod common;
use common::moto::Moto;
use common::*;
use std::process::{Command, Stdio};

/// Blanks what changes between runs and machines. Applied in order: the account id goes first,
/// since later patterns (epochs, moto's random suffixes) would otherwise eat parts of it.
const FILTERS: &[(&str, &str)] = &[
    (r"123456789012", "[ACCOUNT]"),
    (
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        "[UUID]",
    ),
    // Code keys and code hashes: the Lambda zips change whenever the handlers do.
    (r"\b[0-9a-f]{64}\b", "[SHA256]"),
    // Execution names (`manual-<epoch s>`) and change set names (`<prefix>-<epoch ms>`).
    (r"-\d{10,13}\b", "-[EPOCH]"),
    (r"([-/])[0-9a-f]{7,63}\.zip\b", "$1[HASH].zip"),
    (
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
        "[TIMESTAMP]",
    ),
    (r"\b\d{4}-\d{2}-\d{2}\b", "[DATE]"),
    (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
    (r"localhost:\d+", "localhost:[PORT]"),
    (r"(/private)?/(tmp|var/folders)/[^\s\x22',)]+", "[TEMP]"),
    // moto's physical ids of unnamed resources (`<stack>-CollectorRole-6S6DSKF877RL`).
    (r"-[A-Z0-9]{12,13}\b", "-[RANDOM]"),
    (
        r#""(duration_ms|elapsed_ms)": ?[0-9.]+"#,
        r#""$1": "[DURATION]""#,
    ),
    // Measured durations print with a fraction (`0.4 s`); whole numbers are config and stay
    // (`128 MB x 1000 ms` in cost). A column of them keeps one fixed width.
    (r"\b\d+\.\d+ ?(ms|µs|s) {2,}", "[DURATION]  "),
    (r"\b\d+\.\d+ ?(ms|µs|s)\b", "[DURATION]"),
];

/// One snapshot of a report, with the filters above.
macro_rules! assert_report {
    ($name:expr, $content:expr) => {
        insta::with_settings!({ filters => FILTERS.to_vec(), omit_expression => true }, {
            insta::assert_snapshot!($name, $content);
        })
    };
}

/// A text report: its exit code, then stdout as printed.
fn text(run: (i32, String, String)) -> String {
    let (code, out, _) = run;
    format!("exit: {code}\n{out}")
}

/// A `--json` report: its exit code, then stdout, which must be one JSON document, pretty-printed
/// so that a changed field reads as one changed line.
fn json(run: (i32, String, String)) -> String {
    let (code, out, err) = run;
    let doc: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{out}\n{err}"));
    let pretty = serde_json::to_string_pretty(&doc).expect("a parsed document serialises");
    format!("exit: {code}\n{pretty}\n")
}

/// Runs the binary with no AWS at all (cost reads only the config and the price files).
fn offline(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_infrapipe"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run infrapipe");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Forgets everything moto holds, so a step can run again from nothing in the same server.
fn reset(moto: &Moto) {
    let answer = moto
        .request("POST", "/moto-api/reset", "")
        .unwrap_or_default();
    assert!(answer.contains(" 200 "), "moto did not reset:\n{answer}");
}

/// Applies the example and checks it worked: the step every deployed snapshot starts from.
fn deployed(moto: &Moto) {
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "apply of the example failed:\n{out}\n{err}");
}

/// The example with the high-CPU threshold changed: one update of one resource.
fn threshold_changed() -> tempfile::NamedTempFile {
    let text = example_text();
    assert!(
        text.contains("cpu_high_percent: 80"),
        "the example's threshold moved"
    );
    config_file(&text.replace("cpu_high_percent: 80", "cpu_high_percent: 85"))
}

#[test]
fn plan_reports_not_deployed_changed_and_unchanged() {
    let moto = Moto::start();
    let plan = |config: &str, json_flag: bool| {
        let mut args = vec!["plan", "-c", config, "--detailed-exitcode"];
        if json_flag {
            args.push("--json");
        }
        moto.infrapipe(&args)
    };
    assert_report!("plan_text_not_deployed", text(plan(EXAMPLE, false)));
    assert_report!("plan_json_not_deployed", json(plan(EXAMPLE, true)));
    deployed(&moto);
    assert_report!("plan_text_no_changes", text(plan(EXAMPLE, false)));
    assert_report!("plan_json_no_changes", json(plan(EXAMPLE, true)));
    let changed = threshold_changed();
    let changed = changed.path().display().to_string();
    assert_report!("plan_text_threshold_changed", text(plan(&changed, false)));
    assert_report!("plan_json_threshold_changed", json(plan(&changed, true)));
}

#[test]
fn apply_reports_a_create_and_then_no_changes() {
    let moto = Moto::start();
    let apply = |json_flag: bool| {
        let mut args = vec!["apply", "-c", EXAMPLE, "--yes"];
        if json_flag {
            args.push("--json");
        }
        moto.infrapipe(&args)
    };
    assert_report!("apply_text_create", text(apply(false)));
    assert_report!("apply_text_no_changes", text(apply(false)));
    reset(&moto);
    assert_report!("apply_json_create", json(apply(true)));
    assert_report!("apply_json_no_changes", json(apply(true)));
}

#[test]
fn status_reports_a_deployed_stack() {
    let moto = Moto::start();
    deployed(&moto);
    assert_report!(
        "status_text_deployed",
        text(moto.infrapipe(&["status", "-c", EXAMPLE]))
    );
    assert_report!(
        "status_json_deployed",
        json(moto.infrapipe(&["status", "-c", EXAMPLE, "--json"]))
    );
}

#[test]
fn drift_reports_right_after_apply_and_after_a_change_behind_the_tools_back() {
    let moto = Moto::start();
    deployed(&moto);
    let drift = |json_flag: bool| {
        let mut args = vec!["drift", "-c", EXAMPLE, "--detailed-exitcode"];
        if json_flag {
            args.push("--json");
        }
        moto.infrapipe(&args)
    };
    // On moto "right after apply" is not "no drift": its CloudFormation skips some types and
    // drops some properties (tests/drift_e2e.rs lists them). The snapshot holds what it reports.
    assert_report!("drift_text_after_apply", text(drift(false)));
    assert_report!("drift_json_after_apply", json(drift(true)));
    moto.boto3(
        "import boto3\nboto3.client('lambda').update_function_configuration(FunctionName='infra-monitoring-prod-collector', Timeout=60)\n",
        &[],
    );
    assert_report!(
        "drift_text_changed_behind_the_tools_back",
        text(drift(false))
    );
    assert_report!(
        "drift_json_changed_behind_the_tools_back",
        json(drift(true))
    );
}

#[test]
fn run_reports_a_succeeded_collection() {
    let moto = Moto::start();
    deployed(&moto);
    moto.execute_collections();
    assert_report!(
        "run_text_succeeded",
        text(moto.infrapipe(&["run", "-c", EXAMPLE]))
    );
    // Execution names carry the start second; a second run in the same second would clash.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_report!(
        "run_json_succeeded",
        json(moto.infrapipe(&["run", "-c", EXAMPLE, "--json"]))
    );
}

#[test]
fn rollout_reports_two_regions() {
    let moto = Moto::start();
    let rollout = |json_flag: bool| {
        let mut args = vec![
            "rollout",
            "-c",
            EXAMPLE,
            "--regions",
            "us-east-1,eu-west-1",
            "--yes",
        ];
        if json_flag {
            args.push("--json");
        }
        moto.infrapipe(&args)
    };
    assert_report!("rollout_text_two_regions", text(rollout(false)));
    reset(&moto);
    assert_report!("rollout_json_two_regions", json(rollout(true)));
}

#[test]
fn destroy_reports_data_kept_and_data_purged() {
    let moto = Moto::start();
    let destroy = |extra: &[&str]| {
        let mut args = vec!["destroy", "-c", EXAMPLE, "--yes"];
        args.extend_from_slice(extra);
        moto.infrapipe(&args)
    };
    deployed(&moto);
    assert_report!("destroy_text_data_kept", text(destroy(&[])));
    reset(&moto);
    deployed(&moto);
    assert_report!("destroy_json_data_kept", json(destroy(&["--json"])));
    reset(&moto);
    deployed(&moto);
    assert_report!(
        "destroy_text_purge_data",
        text(destroy(&[
            "--purge-data=infra-monitoring-prod",
            "--no-backup"
        ]))
    );
    reset(&moto);
    deployed(&moto);
    assert_report!(
        "destroy_json_purge_data",
        json(destroy(&[
            "--purge-data=infra-monitoring-prod",
            "--no-backup",
            "--json"
        ]))
    );
}

#[test]
fn cost_reports_the_default_example() {
    assert_report!("cost_text_example", text(offline(&["cost", "-c", EXAMPLE])));
    assert_report!(
        "cost_json_example",
        json(offline(&["cost", "-c", EXAMPLE, "--json"]))
    );
    assert_report!(
        "cost_markdown_example",
        text(offline(&["cost", "-c", EXAMPLE, "--format", "markdown"]))
    );
}

#[test]
fn the_filters_blank_every_part_that_differs_between_runs() {
    let sample = "\
account 123456789012
stack arn:aws:cloudformation:us-east-1:123456789012:stack/infra-monitoring-prod/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e
execution manual-1764512345 and change set infrapipe-1764512345678
code key lambdas/collector-3f2a9c0d1e4b5a6978877665544332211000ffeeddccbbaa9988776655443322.zip
short key lambdas/collector-3f2a9c0d1e4b.zip
started 2026-11-30T14:17:25.87397Z, prices of 2026-11-25
endpoint http://127.0.0.1:54321 and http://localhost:4566
config /tmp/.tmpAbC123/infrapipe.yaml
role infra-monitoring-prod-CollectorRole-6S6DSKF877RL
us-east-1        12.3 s     updated
took 1.2s, 340.5 ms; \"duration_ms\": 1234
kept: 128 MB x 1000 ms, rate(3 hours)
";
    insta::with_settings!({ filters => FILTERS.to_vec() }, {
        insta::assert_snapshot!(sample, @r#"
        account [ACCOUNT]
        stack arn:aws:cloudformation:us-east-1:[ACCOUNT]:stack/infra-monitoring-prod/[UUID]
        execution manual-[EPOCH] and change set infrapipe-[EPOCH]
        code key lambdas/collector-[SHA256].zip
        short key lambdas/collector-[HASH].zip
        started [TIMESTAMP], prices of [DATE]
        endpoint http://127.0.0.1:[PORT] and http://localhost:[PORT]
        config [TEMP]
        role infra-monitoring-prod-CollectorRole-[RANDOM]
        us-east-1        [DURATION]  updated
        took [DURATION], [DURATION]; "duration_ms": "[DURATION]"
        kept: 128 MB x 1000 ms, rate(3 hours)
        "#);
    });
}
