//! The commands that talk to AWS, through a proxy that fails a fifth of the requests (5xx,
//! throttling, resets, late answers), five seeds each: they succeed through the SDK's retries
//! or fail with one plain line, exit 0, 1 or 2, print JSON that parses, and leave the stack
//! policy protective. The SDK's pauses are scaled down (INFRAPIPE_RETRY_SCALE) to keep this fast.

mod common;
use common::EXAMPLE;
use common::faultproxy::{FaultProxy, Faults, Injected};
use common::moto::Moto;
use serde_json::Value;
use std::process::{Command, Stdio};

const SEEDS: [u64; 5] = [11, 23, 37, 41, 59];
const RATE: f64 = 0.2;
const STACK: &str = "infra-monitoring-prod";

/// Words of the SDK's internals that must never reach a user.
const SDK_WORDS: [&str; 6] = [
    "unhandled error",
    "error parsing",
    "dispatch failure",
    "service error",
    "io error",
    "panicked",
];

struct Run {
    elapsed: std::time::Duration,
    code: i32,
    out: String,
    err: String,
}

/// Runs the binary through `proxy` (both --endpoint-url and AWS_ENDPOINT_URL name it).
fn through(moto: &Moto, proxy: &FaultProxy, args: &[&str]) -> Run {
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_infrapipe"))
        .args(args)
        .args(["--endpoint-url", &proxy.endpoint])
        .envs(moto.env("us-east-1"))
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("INFRAPIPE_RETRY_SCALE", "0.01")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .output()
        .expect("run infrapipe");
    Run {
        elapsed: started.elapsed(),
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What every run under faults must hold, whatever its outcome.
fn assert_survived(what: &str, seed: u64, run: &Run, injected: &Injected) {
    let ctx = format!(
        "{what}, seed {seed}, {injected:?}\nstdout:\n{}\nstderr:\n{}",
        run.out, run.err
    );
    assert!(
        [0, 1, 2].contains(&run.code),
        "exit {} is not 0, 1 or 2: {ctx}",
        run.code
    );
    eprintln!(
        "{what}, seed {seed}: exit {} in {:.1} s, {injected:?}, {}",
        run.code,
        run.elapsed.as_secs_f64(),
        run.err.lines().last().unwrap_or_default()
    );
    let doc: Value = serde_json::from_str(&run.out)
        .unwrap_or_else(|e| panic!("--json output does not parse ({e}): {ctx}"));
    for word in SDK_WORDS {
        assert!(
            !run.out.contains(word) && !run.err.contains(word),
            "`{word}` reached the user: {ctx}"
        );
    }
    if let Some(msg) = doc.get("error").and_then(Value::as_str) {
        assert_eq!(run.code, 1, "{ctx}");
        assert!(!msg.contains('\n'), "the error is one line: {ctx}");
        let errors: Vec<&str> = run
            .err
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert!(errors.len() <= 1, "one error line at most: {ctx}");
    }
}

/// The stack policy, read from moto directly (not through the proxy); None without a stack.
fn stack_policy(moto: &Moto, region: &str) -> Option<Value> {
    let out = moto.boto3(
        "import sys, boto3\ncf = boto3.client('cloudformation', region_name=sys.argv[2])\ntry:\n  print(cf.get_stack_policy(StackName=sys.argv[1]).get('StackPolicyBody', 'null'))\nexcept cf.exceptions.ClientError:\n  print('absent')",
        &[STACK, region],
    );
    match out.trim() {
        "absent" => None,
        body => Some(serde_json::from_str(body).unwrap_or(Value::Null)),
    }
}

fn assert_protected(moto: &Moto, region: &str, what: &str, seed: u64, run: &Run) {
    if let Some(policy) = stack_policy(moto, region) {
        assert_eq!(
            policy,
            infrapipe::deploy::apply::protective_stack_policy(),
            "{what}, seed {seed}: the stack policy in {region} is not the protective one\n{}",
            run.err
        );
    }
}

fn deploy_without_faults(moto: &Moto) {
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "setup apply: {out}{err}");
}

/// Runs a read-only command under faults, five seeds at once, against one deployed stack.
fn reads_survive(args: &[&str]) {
    let moto = Moto::start();
    deploy_without_faults(&moto);
    let faults: usize = std::thread::scope(|scope| {
        let runs: Vec<_> = SEEDS
            .into_iter()
            .map(|seed| {
                let moto = &moto;
                scope.spawn(move || {
                    let proxy = FaultProxy::start(moto.port, Faults::at(RATE, seed));
                    let run = through(moto, &proxy, args);
                    let injected = proxy.injected();
                    assert_survived(args[0], seed, &run, &injected);
                    injected.faults()
                })
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .sum()
    });
    assert!(faults > 0, "the proxy injected no fault at all");
}

#[test]
fn plan_under_faults_succeeds_or_fails_in_one_plain_line() {
    reads_survive(&["plan", "-c", EXAMPLE, "--json"]);
}

#[test]
fn status_under_faults_succeeds_or_fails_in_one_plain_line() {
    reads_survive(&["status", "-c", EXAMPLE, "--json"]);
}

#[test]
fn drift_under_faults_succeeds_or_fails_in_one_plain_line() {
    reads_survive(&["drift", "-c", EXAMPLE, "--json", "--detailed-exitcode"]);
}

/// Runs `each` once per seed, one after the other on one moto, reset before each: the runs
/// are bound by the CPU, so running them at once would not be faster on a busy machine.
fn per_seed(each: impl Fn(&Moto, u64)) {
    let moto = Moto::start();
    for seed in SEEDS {
        moto.request("POST", "/moto-api/reset", "");
        each(&moto, seed);
    }
}

#[test]
fn apply_under_faults_leaves_the_stack_protected_or_says_how_to_finish() {
    per_seed(|moto, seed| {
        let proxy = FaultProxy::start(moto.port, Faults::at(RATE, seed));
        let run = through(moto, &proxy, &["apply", "-c", EXAMPLE, "--yes", "--json"]);
        assert_survived("apply", seed, &run, &proxy.injected());
        assert_protected(moto, "us-east-1", "apply", seed, &run);
    });
}

#[test]
fn an_update_under_faults_leaves_the_stack_protected() {
    let moto = Moto::start();
    deploy_without_faults(&moto);
    for (i, seed) in SEEDS.into_iter().enumerate() {
        let text = common::example_text().replace(
            "cpu_high_percent: 80",
            &format!("cpu_high_percent: {}", 81 + i),
        );
        let f = common::config_file(&text);
        let path = f.path().display().to_string();
        let proxy = FaultProxy::start(moto.port, Faults::at(RATE, seed));
        let run = through(&moto, &proxy, &["apply", "-c", &path, "--yes", "--json"]);
        assert_survived("apply (update)", seed, &run, &proxy.injected());
        assert_protected(&moto, "us-east-1", "apply (update)", seed, &run);
    }
}

#[test]
fn destroy_under_faults_succeeds_or_fails_in_one_plain_line() {
    per_seed(|moto, seed| {
        deploy_without_faults(moto);
        let proxy = FaultProxy::start(moto.port, Faults::at(RATE, seed));
        let run = through(moto, &proxy, &["destroy", "-c", EXAMPLE, "--yes", "--json"]);
        assert_survived("destroy", seed, &run, &proxy.injected());
    });
}

#[test]
fn rollout_under_faults_succeeds_or_fails_per_region_in_plain_words() {
    per_seed(|moto, seed| {
        let proxy = FaultProxy::start(moto.port, Faults::at(RATE, seed));
        let run = through(
            moto,
            &proxy,
            &[
                "rollout",
                "-c",
                EXAMPLE,
                "--regions",
                "us-east-1,eu-west-1",
                "--yes",
                "--json",
            ],
        );
        assert_survived("rollout", seed, &run, &proxy.injected());
        for region in ["us-east-1", "eu-west-1"] {
            assert_protected(moto, region, "rollout", seed, &run);
        }
    });
}

#[test]
fn the_proxy_without_faults_only_forwards() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port, Faults::none());
    let run = through(&moto, &proxy, &["status", "-c", EXAMPLE, "--json"]);
    let injected = proxy.injected();
    assert!(
        injected.faults() == 0 && injected.forwarded > 0,
        "{injected:?}"
    );
    assert_eq!(run.code, 0, "status of no stack: {}", run.err);
}

#[test]
fn the_same_seed_injects_the_same_faults() {
    let moto = Moto::start();
    deploy_without_faults(&moto);
    let counts: Vec<Injected> = (0..2)
        .map(|_| {
            let proxy = FaultProxy::start(moto.port, Faults::at(0.5, 7));
            through(&moto, &proxy, &["plan", "-c", EXAMPLE, "--json"]);
            proxy.injected()
        })
        .collect();
    assert_eq!(counts[0], counts[1]);
}

#[test]
fn past_the_retries_a_failure_names_the_operation_and_what_aws_answered() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(
        moto.port,
        Faults {
            server_error: 1.0,
            empty_5xx_only: true,
            ..Faults::none()
        },
    );
    let run = through(&moto, &proxy, &["plan", "-c", EXAMPLE, "--json"]);
    let doc: Value = serde_json::from_str(&run.out).expect("one JSON document");
    let msg = doc["error"].as_str().unwrap_or_default();
    assert!(
        msg.contains("CloudFormation DescribeStacks: AWS answered 50")
            && msg.contains("kept failing for up to 5 attempts"),
        "{msg}"
    );
}

/// A proxy that answers every call of `action` after its first `spare` with an empty 503.
fn failing(moto: &Moto, action: &'static str, spare: u64) -> FaultProxy {
    FaultProxy::start(
        moto.port,
        Faults {
            server_error: 1.0,
            empty_5xx_only: true,
            only: Some(action),
            spare,
            ..Faults::none()
        },
    )
}

#[test]
fn an_apply_failing_after_its_change_set_ran_says_the_stack_may_be_mid_way_and_a_rerun_finishes() {
    let moto = Moto::start();
    deploy_without_faults(&moto);
    let text = common::example_text().replace("cpu_high_percent: 80", "cpu_high_percent: 85");
    let f = common::config_file(&text);
    let path = f.path().display().to_string();
    // The first SetStackPolicy reasserts the policy before anything changes; the one that fails
    // is the one after the change set ran.
    let proxy = failing(&moto, "SetStackPolicy", 1);
    let run = through(&moto, &proxy, &["apply", "-c", &path, "--yes", "--json"]);
    let doc: Value = serde_json::from_str(&run.out).expect("one JSON document");
    let msg = doc["error"].as_str().unwrap_or_default();
    assert!(
        run.code == 1
            && msg.contains("CloudFormation SetStackPolicy: AWS answered 50")
            && msg.contains("may be mid-way")
            && msg.contains("run `infrapipe apply` again to finish"),
        "{msg}"
    );
    assert_protected(&moto, "us-east-1", "apply", 0, &run);
    let (code, out, err) = moto.infrapipe(&["apply", "-c", &path, "--yes"]);
    assert_eq!(code, 0, "the rerun finishes: {out}{err}");
    assert_protected(&moto, "us-east-1", "apply rerun", 0, &run);
}

#[test]
fn a_destroy_failing_while_it_waits_says_how_to_finish() {
    let moto = Moto::start();
    deploy_without_faults(&moto);
    // The first DescribeStackEvents marks the events already seen, before the deletion.
    let proxy = failing(&moto, "DescribeStackEvents", 1);
    let run = through(
        &moto,
        &proxy,
        &["destroy", "-c", EXAMPLE, "--yes", "--json"],
    );
    let doc: Value = serde_json::from_str(&run.out).expect("one JSON document");
    let msg = doc["error"].as_str().unwrap_or_default();
    assert!(
        run.code == 1
            && msg.contains("CloudFormation DescribeStackEvents: AWS answered 50")
            && msg.contains("run `infrapipe destroy` again to finish"),
        "{msg}"
    );
}
