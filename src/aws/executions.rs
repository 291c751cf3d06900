//! Step Functions executions of the collection state machine: start one, follow it, read what
//! each branch did, and find the last run.

use super::backoff::Backoff;
use super::{Aws, AwsError};
use aws_smithy_types::date_time::Format;
use serde::Serialize;
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

/// What happened to each state, from the execution's history: (state name, entered, exited,
/// failed with this error and cause).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StateOutcome {
    pub entered: bool,
    pub exited: bool,
    pub error: Option<String>,
}

pub async fn state_outcomes(
    aws: &Aws,
    arn: &str,
) -> Result<std::collections::BTreeMap<String, StateOutcome>, AwsError> {
    let mut out: std::collections::BTreeMap<String, StateOutcome> = Default::default();
    let mut pages = aws
        .sfn()
        .get_execution_history()
        .execution_arn(arn)
        .into_paginator()
        .send();
    // Task failures name no state; remember the last task entered in each event chain.
    let mut by_event: std::collections::BTreeMap<i64, String> = Default::default();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::new("reading the run's history", &aws.region, &e))?;
        for ev in page.events() {
            if let Some(d) = ev.state_entered_event_details() {
                by_event.insert(ev.id(), d.name().to_owned());
                out.entry(d.name().to_owned()).or_default().entered = true;
            }
            if let Some(d) = ev.state_exited_event_details() {
                out.entry(d.name().to_owned()).or_default().exited = true;
            }
            if let Some(d) = ev.task_failed_event_details() {
                // The failed task is the nearest state entered before this event.
                let state = by_event
                    .range(..ev.id())
                    .next_back()
                    .map(|(_, n)| n.clone());
                if let Some(state) = state {
                    out.entry(state).or_default().error = Some(format!(
                        "{}: {}",
                        d.error().unwrap_or("error"),
                        d.cause().unwrap_or_default()
                    ));
                }
            }
        }
    }
    Ok(out)
}
