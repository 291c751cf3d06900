//! Waiting on CloudFormation: poll the stack with backoff, report each new event, and end with
//! the stack's final status and, on failure, the first resource that failed and why.

use crate::aws::backoff::Backoff;
use crate::aws::cloudformation::{self, Event};
use crate::aws::{Aws, AwsError};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub status: String,
    pub reason: String,
    /// The first resource event that failed (the cause; later failures are its consequences).
    pub first_failure: Option<Event>,
}

impl Finished {
    pub fn succeeded(&self) -> bool {
        matches!(
            self.status.as_str(),
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE"
        )
    }
}

/// What a waiting command shows: the new event, and resources done of total.
pub struct Tick<'a> {
    pub event: &'a Event,
    pub done: usize,
}

/// Event ids already there, so that only what happens from now on is reported.
pub async fn seen_events(aws: &Aws, stack_id: &str) -> Result<HashSet<String>, AwsError> {
    Ok(cloudformation::recent_events(aws, stack_id)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect())
}

fn in_progress(status: &str) -> bool {
    status.ends_with("_IN_PROGRESS")
}

/// Polls until the stack leaves every `*_IN_PROGRESS` status.
pub async fn wait(
    aws: &Aws,
    stack_id: &str,
    mut seen: HashSet<String>,
    on_tick: &mut dyn FnMut(Tick<'_>),
) -> Result<Finished, AwsError> {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    // After an execution the stack leaves REVIEW_IN_PROGRESS at once; if it does not, the
    // change set was not executed and waiting longer would wait forever.
    let mut reviews = 0;
    let mut latest: BTreeMap<String, String> = BTreeMap::new();
    tracing::info!(
        stack = stack_id,
        "waiting for the stack to leave *_IN_PROGRESS (cloudformation:DescribeStacks, DescribeStackEvents, every 0.1-5 s)"
    );
    let mut failures: Vec<Event> = Vec::new();
    loop {
        let (status, reason) = cloudformation::status(aws, stack_id).await?;
        let mut events = cloudformation::recent_events(aws, stack_id).await?;
        events.reverse(); // oldest first
        for e in events {
            if !seen.insert(e.id.clone()) {
                continue;
            }
            if e.resource_type != "AWS::CloudFormation::Stack" {
                latest.insert(e.logical_id.clone(), e.status.clone());
                if e.status.ends_with("_FAILED") && !e.reason.contains("cancelled") {
                    failures.push(e.clone());
                }
            }
            let done = latest.values().filter(|s| s.ends_with("_COMPLETE")).count();
            on_tick(Tick { event: &e, done });
        }
        if status == "REVIEW_IN_PROGRESS" {
            reviews += 1;
            if reviews > 20 {
                return Ok(Finished {
                    status,
                    reason: "the change set was not executed: the stack is still under review"
                        .into(),
                    first_failure: failures.into_iter().next(),
                });
            }
        }
        if !in_progress(&status) && !status.is_empty() {
            return Ok(Finished {
                status,
                reason,
                first_failure: failures.into_iter().next(),
            });
        }
        backoff.pause().await;
    }
}
