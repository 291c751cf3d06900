//! One collection run on demand (the seed's manual trigger): find the deployed state machine,
//! start an execution, wait for it, and say what each metric's branch did.

use crate::aws::executions::{self, Execution, StateOutcome, Waited};
use crate::aws::{Aws, cloudformation};
use crate::config::MetricType;
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use crate::model::{ids, state_machine};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::time::Duration;

/// An execution this run started, and where to follow it (what `run --no-wait` prints).
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub name: String,
    pub arn: String,
    pub region: String,
    pub console_url: String,
}

impl Started {
    /// How to follow the run once we stop waiting for it.
    pub fn follow(&self) -> String {
        format!(
            "it goes on: follow it with `infrapipe status --region {}` or at {}",
            self.region, self.console_url
        )
    }
}

impl std::fmt::Display for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Started run {}: {}", self.name, self.arn)?;
        writeln!(f, "Follow it at {}", self.console_url)?;
        writeln!(
            f,
            "or with `infrapipe status --region {}` (its last run).",
            self.region
        )
    }
}

impl Report for Started {
    fn what(&self) -> &'static str {
        "started run"
    }
}

/// The physical id (ARN) of the stack's state machine `logical_id`: the stack missing is
/// `NotDeployed`, the machine missing `NoStateMachine`.
pub async fn state_machine(aws: &Aws, stack: &str, logical_id: &str) -> Result<String> {
    let resources = cloudformation::resources(aws, stack).await.map_err(|e| {
        if cloudformation::is_missing_stack(&e) {
            Error::NotDeployed {
                stack: stack.to_owned(),
                region: aws.region.clone(),
            }
        } else {
            Error::Aws(e)
        }
    })?;
    resources
        .iter()
        .find(|r| r.logical_id == logical_id && !r.physical_id.is_empty())
        .map(|r| r.physical_id.clone())
        .ok_or_else(|| Error::NoStateMachine {
            stack: stack.to_owned(),
        })
}

/// Starts one execution of the stack's state machine, named `manual-<epoch seconds>`.
pub async fn start(aws: &Aws, stack: &str) -> Result<Started> {
    let machine = state_machine(aws, stack, ids::STATE_MACHINE).await?;
    let name = format!(
        "manual-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    );
    tracing::info!(state_machine = %machine, run = %name, "starting a collection (states:StartExecution)");
    let arn = executions::start(aws, &machine, &name, r#"{"trigger":"manual"}"#).await?;
    Ok(Started {
        name,
        console_url: executions::console_url(&aws.region, &arn),
        region: aws.region.clone(),
        arn,
    })
}

/// Waits for the run (at most `limit`) and reads what each branch of `metrics` did.
pub async fn finish(
    aws: &Aws,
    stack: &str,
    run: &Started,
    metrics: &[MetricType],
    limit: Duration,
) -> Result<RunReport> {
    tracing::info!(run = %run.name, limit_s = limit.as_secs(), "waiting for the run to end (states:DescribeExecution)");
    let execution = match executions::wait(aws, &run.arn, limit).await? {
        Waited::Ended(e) => e,
        Waited::StillRunning(e) => {
            return Err(Error::RunTimedOut {
                name: run.name.clone(),
                status: e.status,
                seconds: limit.as_secs(),
                follow: run.follow(),
            });
        }
    };
    let outcomes = executions::state_outcomes(aws, &run.arn).await?;
    Ok(RunReport {
        name: run.name.clone(),
        stack: stack.to_owned(),
        region: aws.region.clone(),
        execution,
        branches: branches(&outcomes, metrics),
    })
}

/// How each metric's branch ended, in `metrics` order, from the states' outcomes.
pub fn branches(
    outcomes: &BTreeMap<String, StateOutcome>,
    metrics: &[MetricType],
) -> Vec<(String, Branch)> {
    metrics
        .iter()
        .map(|m| {
            let task = outcomes.get(&state_machine::task_state(*m));
            let failed = outcomes
                .get(&state_machine::branch_failed_state(*m))
                .is_some_and(|o| o.entered);
            (m.as_str().to_owned(), Branch::of(task, failed))
        })
        .collect()
}

/// How one metric's branch ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branch {
    pub result: &'static str,
    pub error: Option<String>,
}

impl Branch {
    fn of(task: Option<&StateOutcome>, failed: bool) -> Branch {
        let (result, error) = match task {
            _ if failed => ("failed", task.and_then(|t| t.error.clone())),
            Some(t) if t.exited => ("succeeded", None),
            Some(t) if t.error.is_some() => ("failed", t.error.clone()),
            Some(_) => ("did not finish", None),
            None => ("not started", None),
        };
        Branch { result, error }
    }
}

/// The result of `infrapipe run`.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    #[serde(skip)]
    pub name: String,
    pub stack: String,
    pub region: String,
    pub execution: Execution,
    /// In the config's metric order; the JSON document keys them by metric, sorted.
    #[serde(serialize_with = "by_metric")]
    pub branches: Vec<(String, Branch)>,
}

fn by_metric<S: Serializer>(
    branches: &[(String, Branch)],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let sorted: BTreeMap<&str, &Branch> = branches.iter().map(|(m, b)| (m.as_str(), b)).collect();
    sorted.serialize(s)
}

impl std::fmt::Display for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Run {}: {}", self.name, self.execution.status)?;
        for (m, b) in &self.branches {
            let error = b
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            writeln!(f, "  {m:<8} {}{error}", b.result)?;
        }
        Ok(())
    }
}

impl Report for RunReport {
    fn what(&self) -> &'static str {
        "run"
    }

    fn exit(&self) -> Exit {
        Exit::from_ok(self.execution.status == "SUCCEEDED")
    }
}
