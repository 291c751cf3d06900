//! Step Functions executions of the collection state machine: start one, follow it, read what
//! each branch did, and find the last run.

use super::backoff::Backoff;
use super::{Aws, AwsError};
use aws_smithy_types::date_time::Format;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Execution {
    pub arn: String,
    pub name: String,
    pub status: String,
    pub started: String,
    pub stopped: Option<String>,
}

fn when(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

pub async fn start(
    aws: &Aws,
    state_machine: &str,
    name: &str,
    input: &str,
) -> Result<String, AwsError> {
    let out = aws
        .sfn()
        .start_execution()
        .state_machine_arn(state_machine)
        .name(name)
        .input(input)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("starting a run of {state_machine}"),
                &aws.region,
                &e,
            )
        })?;
    Ok(out.execution_arn().to_owned())
}

pub async fn describe(aws: &Aws, arn: &str) -> Result<Execution, AwsError> {
    let d = aws
        .sfn()
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::new("following the run", &aws.region, &e))?;
    Ok(Execution {
        arn: d.execution_arn().to_owned(),
        name: d.name().unwrap_or_default().to_owned(),
        status: d.status().as_str().to_owned(),
        started: when(Some(d.start_date())).unwrap_or_default(),
        stopped: when(d.stop_date()),
    })
}

/// How waiting for an execution ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    /// It left RUNNING: succeeded, failed, timed out or was aborted.
    Ended(Execution),
    /// Still running when `limit` passed; as last seen.
    StillRunning(Execution),
}

/// Polls the execution, backing off to 3 s, until it ends or outlasts `limit`.
pub async fn wait(aws: &Aws, arn: &str, limit: Duration) -> Result<Waited, AwsError> {
    let mut backoff =
        Backoff::new(Duration::from_millis(200), Duration::from_secs(3)).within(limit);
    loop {
        let e = describe(aws, arn).await?;
        if e.status != "RUNNING" && e.status != "PENDING_REDRIVE" {
            return Ok(Waited::Ended(e));
        }
        if !backoff.pause().await {
            return Ok(Waited::StillRunning(e));
        }
    }
}

/// The most recent execution, if any.
pub async fn last(aws: &Aws, state_machine: &str) -> Result<Option<Execution>, AwsError> {
    let out = aws
        .sfn()
        .list_executions()
        .state_machine_arn(state_machine)
        .max_results(1)
        .send()
        .await
        .map_err(|e| AwsError::new("reading the last collection run", &aws.region, &e))?;
    Ok(out.executions().first().map(|e| Execution {
        arn: e.execution_arn().to_owned(),
        name: e.name().to_owned(),
        status: e.status().as_str().to_owned(),
        started: when(Some(e.start_date())).unwrap_or_default(),
        stopped: when(e.stop_date()),
    }))
}

/// What happened to each state, from the execution's history: entered, exited, and the error
/// (and cause) its task failed with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StateOutcome {
    pub entered: bool,
    pub exited: bool,
    pub error: Option<String>,
}

/// One event of an execution's history, in the shape of `GetExecutionHistory`'s JSON (so a
/// recorded history reads as the SDK's would), with only what the outcomes need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    pub id: i64,
    #[serde(default)]
    pub previous_event_id: i64,
    #[serde(default)]
    pub state_entered_event_details: Option<StateDetails>,
    #[serde(default)]
    pub state_exited_event_details: Option<StateDetails>,
    #[serde(default)]
    pub task_failed_event_details: Option<FailureDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StateDetails {
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FailureDetails {
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
}

/// A history as `GetExecutionHistory` returns it (`{"events": [...]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct History {
    pub events: Vec<HistoryEvent>,
}

/// Each state's outcome. A failed task's event names no state, and the parallel branches
/// start together, so their events interleave: the failure belongs to the state whose entry
/// its `previousEventId` chain leads back to, not to the state entered last.
pub fn outcomes(events: &[HistoryEvent]) -> BTreeMap<String, StateOutcome> {
    let by_id: BTreeMap<i64, &HistoryEvent> = events.iter().map(|e| (e.id, e)).collect();
    let entered_state = |failure: &HistoryEvent| -> Option<String> {
        let mut id = failure.previous_event_id;
        // A chain is as long as the history at most; the bound stops a malformed loop.
        for _ in 0..=events.len() {
            let ev = by_id.get(&id)?;
            if let Some(d) = &ev.state_entered_event_details {
                return Some(d.name.clone());
            }
            id = ev.previous_event_id;
        }
        None
    };
    let mut out: BTreeMap<String, StateOutcome> = BTreeMap::new();
    for ev in events {
        if let Some(d) = &ev.state_entered_event_details {
            out.entry(d.name.clone()).or_default().entered = true;
        }
        if let Some(d) = &ev.state_exited_event_details {
            out.entry(d.name.clone()).or_default().exited = true;
        }
        if let Some(d) = &ev.task_failed_event_details
            && let Some(state) = entered_state(ev)
        {
            out.entry(state).or_default().error = Some(format!(
                "{}: {}",
                d.error.as_deref().unwrap_or("error"),
                d.cause.as_deref().unwrap_or_default()
            ));
        }
    }
    out
}

/// Reads the execution's whole history (every page) and gives each state's outcome.
pub async fn state_outcomes(
    aws: &Aws,
    arn: &str,
) -> Result<BTreeMap<String, StateOutcome>, AwsError> {
    let mut events = Vec::new();
    let mut pages = aws
        .sfn()
        .get_execution_history()
        .execution_arn(arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::new("reading the run's history", &aws.region, &e))?;
        events.extend(page.events().iter().map(|ev| HistoryEvent {
            id: ev.id(),
            previous_event_id: ev.previous_event_id(),
            state_entered_event_details: ev.state_entered_event_details().map(|d| StateDetails {
                name: d.name().to_owned(),
            }),
            state_exited_event_details: ev.state_exited_event_details().map(|d| StateDetails {
                name: d.name().to_owned(),
            }),
            task_failed_event_details: ev.task_failed_event_details().map(|d| FailureDetails {
                error: d.error().map(str::to_owned),
                cause: d.cause().map(str::to_owned),
            }),
        }));
    }
    Ok(outcomes(&events))
}

/// The execution's page in the Step Functions console, where it can be followed.
pub fn console_url(region: &str, arn: &str) -> String {
    let host = if region.starts_with("cn-") {
        "console.amazonaws.cn".to_owned()
    } else if region.starts_with("us-gov-") {
        "console.amazonaws-us-gov.com".to_owned()
    } else {
        format!("{region}.console.aws.amazon.com")
    };
    format!("https://{host}/states/home?region={region}#/v2/executions/details/{arn}")
}
