//! `run --no-wait` and `run --timeout`, end to end on moto (whose executions stay RUNNING unless
//! told to execute, which is what a timeout needs).

mod common;
use common::moto::Moto;
use common::*;

fn applied_example() -> Moto {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    moto
}

const CONSOLE: &str = "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:123456789012:execution:";

#[test]
fn run_no_wait_prints_the_execution_arn_and_its_console_url() {
    let moto = applied_example();
    let (code, out, err) = moto.infrapipe(&["run", "-c", EXAMPLE, "--no-wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let arn = doc["arn"].as_str().unwrap_or_default();
    assert_eq!(
        doc["console_url"].as_str(),
        Some(
            format!(
                "{}{}",
                CONSOLE,
                arn.rsplit_once(":execution:").map_or("", |(_, n)| n)
            )
            .as_str()
        ),
        "{out}"
    );
}

#[test]
fn run_past_its_timeout_exits_1_saying_how_to_follow_the_run() {
    let moto = applied_example();
    let (code, _, err) = moto.infrapipe(&["run", "-c", EXAMPLE, "--timeout", "1"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("after waiting 1 s; it goes on: follow it with `infrapipe status --region us-east-1` or at https://"),
        "{err}"
    );
}
