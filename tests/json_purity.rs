//! `--json` prints exactly one JSON document on stdout and nothing else there, for every command:
//! the real binary, with logs on, against an endpoint that refuses connections for the commands
//! that need AWS (their error document is the one document), and on moto for a whole deployment.
//! Also: logs only with -v, only on stderr, coloured only on a terminal without NO_COLOR/--no-color.

mod common;

use clap::CommandFactory;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const UNREACHABLE: &str = "http://127.0.0.1:9";

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Longest any case may take: the AWS commands give up after their retries in about 10 s.
const DEADLINE: Duration = Duration::from_secs(120);

/// The binary with fake credentials and no shared config, so nothing reaches real AWS. A run
/// that outlives the deadline is killed and fails the test instead of hanging it.
fn infrapipe(args: &[&str], envs: &[(&str, &str)]) -> Outcome {
    let child = Command::new(env!("CARGO_BIN_EXE_infrapipe"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/infrapipe-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/infrapipe-test-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("RUST_LOG")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run infrapipe");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(DEADLINE) {
        Ok(out) => out.expect("wait for infrapipe"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("infrapipe {} hung for {DEADLINE:?}", args.join(" "));
        }
    };
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The one JSON document stdout holds, or why it is not exactly one.
fn one_document(stdout: &str) -> Result<Value, String> {
    let mut docs = serde_json::Deserializer::from_str(stdout).into_iter::<Value>();
    let first = match docs.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(format!("not JSON ({e})")),
        None => return Err("empty".into()),
    };
    match docs.next() {
        None => Ok(first),
        Some(Ok(_)) => Err("more than one document".into()),
        Some(Err(e)) => Err(format!("text after the document ({e})")),
    }
}

/// Each command's arguments and the exit code it must end with.
fn cases(dir: &str) -> Vec<(&'static str, Vec<String>, i32)> {
    let ex = common::EXAMPLE;
    let v = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    vec![
        ("validate", v(&["validate", "-c", ex]), 0),
        ("synth", v(&["synth", "-c", ex]), 0),
        (
            "synth",
            v(&["synth", "-c", ex, "--out", &format!("{dir}/templates")]),
            0,
        ),
        ("plan", v(&["plan", "-c", ex]), 1),
        ("drift", v(&["drift", "-c", ex]), 1),
        ("apply", v(&["apply", "-c", ex, "--yes"]), 1),
        ("apply", v(&["apply", "-c", ex]), 1),
        ("destroy", v(&["destroy", "-c", ex, "--yes"]), 1),
        ("rollout", v(&["rollout", "-c", ex, "--yes"]), 1),
        ("status", v(&["status", "-c", ex]), 1),
        ("run", v(&["run", "-c", ex]), 1),
        ("redrive", v(&["redrive", "-c", ex]), 1),
        (
            "query",
            v(&["query", "average-cpu-by-instance", "-c", ex]),
            1,
        ),
        ("metrics", v(&["metrics", "-c", ex]), 1),
        ("cost", v(&["cost", "-c", ex]), 0),
        ("redrive", v(&["redrive", "-c", ex, "--dry-run"]), 1),
        // Asks STS for the account; with --account it needs no AWS at all.
        (
            "iam-policy",
            v(&["iam-policy", "-c", ex, "--for", "read"]),
            1,
        ),
        (
            "iam-policy",
            v(&[
                "iam-policy",
                "-c",
                ex,
                "--for",
                "apply",
                "--account",
                "123456789012",
            ]),
            0,
        ),
        ("init", v(&["init", &format!("{dir}/init")]), 0),
        ("schema", v(&["schema"]), 0),
        ("graph", v(&["graph", "-c", ex]), 0),
        ("graph", v(&["graph", "-c", ex, "--format", "dot"]), 0),
        ("completions", v(&["completions", "bash"]), 1),
        ("man", v(&["man"]), 1),
        ("man", v(&["man", "--out", &format!("{dir}/man")]), 0),
        // Errors before any command runs.
        (
            "validate",
            v(&["validate", "-c", "/nonexistent/infrapipe.yaml"]),
            1,
        ),
        (
            "plan",
            v(&["plan", "-c", ex, "--region", "mars-north-1"]),
            1,
        ),
    ]
}

#[test]
fn every_command_prints_one_json_document_and_nothing_else_on_stdout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path().to_str().expect("utf-8").to_owned();
    let cases = cases(&dir);
    let covered: Vec<&str> = cases.iter().map(|(name, _, _)| *name).collect();
    for sub in infrapipe::cli::Cli::command().get_subcommands() {
        assert!(
            covered.contains(&sub.get_name()),
            "add `{}` to json_purity.rs's cases",
            sub.get_name()
        );
    }
    // The AWS commands each wait for their retries to give up: run them side by side.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(_, args, want)| {
                scope.spawn(move || {
                    let mut argv =
                        vec!["--json", "-v", "--no-color", "--endpoint-url", UNREACHABLE];
                    argv.extend(args.iter().map(String::as_str));
                    let o = infrapipe(&argv, &[]);
                    let label = args.join(" ");
                    match one_document(&o.stdout) {
                        Err(why) => Some(format!("{label}: stdout is {why}:\n{}", o.stdout)),
                        Ok(_) if o.code != *want => Some(format!(
                            "{label}: exit {} (want {want}); stderr: {}",
                            o.code, o.stderr
                        )),
                        Ok(_) => None,
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap_or_else(|_| Some("a case panicked".into())))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_error_document_names_the_error() {
    let o = infrapipe(
        &["--json", "validate", "-c", "/nonexistent/infrapipe.yaml"],
        &[],
    );
    let doc = one_document(&o.stdout).expect("one document");
    assert!(
        doc["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot read the config")),
        "{doc}"
    );
}

#[test]
fn a_usage_error_with_json_is_an_error_document() {
    let o = infrapipe(&["--json", "no-such-command"], &[]);
    assert_eq!(o.code, 1);
    let doc = one_document(&o.stdout).expect("one document");
    assert!(
        doc["error"]
            .as_str()
            .is_some_and(|e| e.contains("no-such-command")),
        "{doc}"
    );
}

#[test]
fn version_with_json_is_a_document() {
    let o = infrapipe(&["--json", "--version"], &[]);
    assert_eq!(o.code, 0);
    let doc = one_document(&o.stdout).expect("one document");
    assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn verbose_logs_go_to_stderr_only() {
    let o = infrapipe(&["--json", "-v", "validate", "-c", common::EXAMPLE], &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    one_document(&o.stdout).expect("stdout stays one document");
    assert!(
        o.stderr.contains("INFO"),
        "no -v log on stderr: {}",
        o.stderr
    );
}

#[test]
fn without_verbose_nothing_is_logged() {
    let o = infrapipe(&["validate", "-c", common::EXAMPLE], &[]);
    assert_eq!(o.stderr, "");
}

#[test]
fn very_verbose_logs_each_aws_request_id() {
    let moto = common::moto::Moto::start();
    let o = infrapipe(
        &[
            "--json",
            "-vv",
            "status",
            "-c",
            common::EXAMPLE,
            "--endpoint-url",
            &moto.endpoint,
        ],
        &[],
    );
    one_document(&o.stdout).expect("stdout stays one document");
    assert!(
        o.stderr.contains("request_id"),
        "no request id logged: {}",
        o.stderr
    );
}

#[test]
fn json_stays_one_document_through_a_whole_deployment_with_logs_on() {
    let moto = common::moto::Moto::start();
    let ex = common::EXAMPLE;
    let steps: [&[&str]; 6] = [
        &["apply", "-c", ex, "--yes"],
        &["plan", "-c", ex],
        &["apply", "-c", ex, "--yes"],
        &["rollout", "-c", ex, "--yes", "--regions", "us-east-1"],
        &["status", "-c", ex],
        &["drift", "-c", ex],
    ];
    let check = |args: &[&str]| {
        let mut argv = vec!["--json", "-vv"];
        argv.extend_from_slice(args);
        let (code, stdout, stderr) = moto.infrapipe(&argv);
        let label = args.join(" ");
        assert_eq!(code, 0, "{label}: exit {code}\n{stdout}\n{stderr}");
        if let Err(why) = one_document(&stdout) {
            panic!("{label}: stdout is {why}:\n{stdout}");
        }
        assert!(
            stderr.contains("request_id"),
            "{label}: no -vv log on stderr"
        );
    };
    for args in steps {
        check(args);
    }
    moto.execute_collections();
    check(&["run", "-c", ex]);
    moto.stop_executing_collections();
    check(&[
        "destroy",
        "-c",
        ex,
        "--yes",
        "--purge-data=infra-monitoring-prod",
        "--no-backup",
    ]);
}

/// Runs `infrapipe ARGS` under a pseudo-terminal (util-linux `script`), where colour is allowed,
/// and returns everything it printed there.
fn on_a_terminal(args: &str, envs: &[(&str, &str)]) -> String {
    let bin = env!("CARGO_BIN_EXE_infrapipe");
    let out = Command::new("script")
        .args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .env_remove("NO_COLOR")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` runs the binary under a pseudo-terminal (apt-get install util-linux)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn logs_on_a_terminal_are_coloured() {
    let args = format!("-v validate -c {}", common::EXAMPLE);
    assert!(on_a_terminal(&args, &[]).contains('\u{1b}'));
}

#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    let args = format!("-v validate -c {}", common::EXAMPLE);
    let printed = on_a_terminal(&args, &[("NO_COLOR", "1")]);
    assert!(printed.contains("INFO"), "{printed}");
    assert!(!printed.contains('\u{1b}'), "{printed}");
}

#[test]
fn the_no_color_flag_turns_colour_off_on_a_terminal() {
    let args = format!("--no-color -v validate -c {}", common::EXAMPLE);
    let printed = on_a_terminal(&args, &[]);
    assert!(printed.contains("INFO"), "{printed}");
    assert!(!printed.contains('\u{1b}'), "{printed}");
}
