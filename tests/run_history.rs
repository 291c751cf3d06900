//! `run` names the branch that failed: a recorded four-branch execution history (the shape of
//! `GetExecutionHistory`'s JSON, the branches' events interleaved, the memory task retried and
//! failing) read as `run` reads it.

use infrapipe::aws::executions::{self, History};
use infrapipe::config::MetricType;
use infrapipe::deploy::run::{Branch, branches};

const METRICS: [MetricType; 4] = [
    MetricType::Cpu,
    MetricType::Memory,
    MetricType::Disk,
    MetricType::Network,
];

fn recorded() -> Vec<(String, Branch)> {
    let text = include_str!("fixtures/execution_history_memory_branch_failed.json");
    let history: History = serde_json::from_str(text).expect("the fixture is a history");
    branches(&executions::outcomes(&history.events), &METRICS)
}

fn branch(name: &str) -> Branch {
    recorded()
        .into_iter()
        .find(|(m, _)| m == name)
        .map(|(_, b)| b)
        .expect("every metric has a branch")
}

#[test]
fn the_failed_memory_branch_is_reported_failed_with_its_last_error() {
    let memory = branch("memory");
    assert_eq!(
        (memory.result, memory.error.as_deref()),
        (
            "failed",
            Some(
                "Runtime.OutOfMemory: RequestId: 5e1f Error: Runtime exited with error: signal: killed"
            )
        )
    );
}

#[test]
fn the_three_branches_that_finished_are_reported_succeeded_without_an_error() {
    let others: Vec<(String, &str, Option<String>)> = recorded()
        .into_iter()
        .filter(|(m, _)| m != "memory")
        .map(|(m, b)| (m, b.result, b.error))
        .collect();
    assert_eq!(
        others,
        vec![
            ("cpu".to_owned(), "succeeded", None),
            ("disk".to_owned(), "succeeded", None),
            ("network".to_owned(), "succeeded", None),
        ]
    );
}

#[test]
fn a_failure_is_not_given_to_the_state_entered_last() {
    let text = include_str!("fixtures/execution_history_memory_branch_failed.json");
    let history: History = serde_json::from_str(text).expect("the fixture is a history");
    let outcomes = executions::outcomes(&history.events);
    // The network task is the last state entered before both of memory's failures.
    assert_eq!(outcomes["CollectNetworkMetrics"].error, None);
}
