//! `infrapipe redrive`: drain the two dead-letter queues once the cause is fixed. The schedule's
//! dead letters (EventBridge Scheduler sends the target's input) start the Step Functions
//! executions they missed; the log processor's (Lambda's asynchronous failure records, or the
//! bare S3 event a DLQ receives) invoke it again, asynchronously, with the original S3 event. A
//! message is deleted only after its redrive succeeded; one that fails again stays in its queue.

use crate::aws::{Aws, AwsError, cloudformation, executions, sqs};
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use crate::model::ids;
use serde::Serialize;
use std::fmt;

/// How long a message that failed again stays hidden, so one run never receives it twice.
const HIDE_SECS: i32 = 300;
/// At most this many messages a queue in one run: a queue refilled as fast as it drains ends.
const MAX_PER_QUEUE: usize = 10_000;

/// What happened to one queue's messages.
#[derive(Debug, Clone, Serialize)]
pub struct QueueResult {
    pub queue: String,
    /// What a message of this queue becomes: "execution" or "invocation".
    pub redrives_as: &'static str,
    pub redriven: usize,
    pub failed: Vec<Failed>,
    /// Dry run only: the messages found, with what each would become.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<Listed>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failed {
    pub message_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub message_id: String,
    /// The redrive it would make, or why it could not.
    pub would: String,
}

/// The result of `infrapipe redrive`.
#[derive(Debug, Clone, Serialize)]
pub struct RedriveReport {
    pub stack: String,
    pub region: String,
    pub dry_run: bool,
    pub queues: Vec<QueueResult>,
}

impl RedriveReport {
    fn failed(&self) -> usize {
        self.queues.iter().map(|q| q.failed.len()).sum()
    }
}

impl fmt::Display for RedriveReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for q in &self.queues {
            if self.dry_run {
                writeln!(f, "{}: {} message(s)", q.queue, q.listed.len())?;
                for l in &q.listed {
                    writeln!(f, "  {}: {}", l.message_id, l.would)?;
                }
                continue;
            }
            writeln!(
                f,
                "{}: {} redriven ({}), {} failed again",
                q.queue,
                q.redriven,
                q.redrives_as,
                q.failed.len()
            )?;
            for x in &q.failed {
                writeln!(f, "  {}: {}", x.message_id, x.reason)?;
            }
        }
        if self.dry_run {
            return writeln!(f, "Dry run: nothing was redriven or deleted.");
        }
        let redriven: usize = self.queues.iter().map(|q| q.redriven).sum();
        writeln!(
            f,
            "Redrive: {redriven} redriven, {} failed again (left in their queues).",
            self.failed()
        )
    }
}

impl Report for RedriveReport {
    fn what(&self) -> &'static str {
        "redrive"
    }

    fn exit(&self) -> Exit {
        Exit::from_ok(self.failed() == 0)
    }
}

/// What a dead letter is redriven as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redrive {
    /// Start an execution of the state machine with this input.
    Execution { name: String, input: String },
    /// Invoke the log processor asynchronously with this S3 event.
    Invocation { event: String },
}

/// The schedule's dead letter: its body is the input the schedule would have given the state
/// machine. The execution is named after the message, so redriving it twice starts it once.
pub fn schedule_letter(message: &sqs::Message) -> std::result::Result<Redrive, String> {
    serde_json::from_str::<serde_json::Value>(&message.body)
        .map_err(|e| format!("the body is not JSON, so it is no state machine input ({e})"))?;
    let id: String = message
        .id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(71)
        .collect();
    Ok(Redrive::Execution {
        name: format!("redrive-{id}"),
        input: message.body.clone(),
    })
}

/// The log processor's dead letter: a Lambda failure record carries the S3 event as
/// `requestPayload`; a dead-letter queue receives the bare event (`Records`).
pub fn processor_letter(message: &sqs::Message) -> std::result::Result<Redrive, String> {
    let body: serde_json::Value =
        serde_json::from_str(&message.body).map_err(|e| format!("the body is not JSON ({e})"))?;
    let event = match body.get("requestPayload") {
        Some(payload) => payload,
        None => &body,
    };
    if !event
        .get("Records")
        .is_some_and(serde_json::Value::is_array)
    {
        return Err(
            "neither a Lambda failure record with an S3 event nor an S3 event (no Records)"
                .to_owned(),
        );
    }
    Ok(Redrive::Invocation {
        event: event.to_string(),
    })
}

/// The deployed pieces a redrive needs, by logical id.
struct Targets {
    schedule_dlq: String,
    processor_dlq: String,
    state_machine: String,
    processor: String,
}

async fn targets(aws: &Aws, stack: &str) -> Result<Targets> {
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
    let find = |id: &str| {
        resources
            .iter()
            .find(|r| r.logical_id == id && !r.physical_id.is_empty())
            .map(|r| r.physical_id.clone())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "stack {stack} in {} has no {id}; run `infrapipe apply` first",
                    aws.region
                ))
            })
    };
    Ok(Targets {
        schedule_dlq: find(ids::SCHEDULE_DLQ)?,
        processor_dlq: find(ids::PROCESSOR_DLQ)?,
        state_machine: find(ids::STATE_MACHINE)?,
        processor: find(ids::PROCESSOR)?,
    })
}

/// Drains both queues of `stack` (or, with `dry_run`, lists what it would do).
pub async fn redrive(aws: &Aws, stack: &str, dry_run: bool) -> Result<RedriveReport> {
    let t = targets(aws, stack).await?;
    let schedule = drain(
        aws,
        &t,
        &t.schedule_dlq,
        "execution",
        schedule_letter,
        dry_run,
    )
    .await?;
    let processor = drain(
        aws,
        &t,
        &t.processor_dlq,
        "invocation",
        processor_letter,
        dry_run,
    )
    .await?;
    Ok(RedriveReport {
        stack: stack.to_owned(),
        region: aws.region.clone(),
        dry_run,
        queues: vec![schedule, processor],
    })
}

async fn drain(
    aws: &Aws,
    t: &Targets,
    queue_url: &str,
    redrives_as: &'static str,
    parse: fn(&sqs::Message) -> std::result::Result<Redrive, String>,
    dry_run: bool,
) -> Result<QueueResult> {
    let mut result = QueueResult {
        queue: queue_name(queue_url).to_owned(),
        redrives_as,
        redriven: 0,
        failed: Vec::new(),
        listed: Vec::new(),
    };
    let mut seen = Vec::new();
    while result.redriven + result.failed.len() + result.listed.len() < MAX_PER_QUEUE {
        let batch = sqs::receive(aws, queue_url, HIDE_SECS).await?;
        if batch.is_empty() {
            break;
        }
        for message in batch {
            let planned = parse(&message);
            if dry_run {
                result.listed.push(Listed {
                    message_id: message.id.clone(),
                    would: match &planned {
                        Ok(r) => describe(r, t),
                        Err(why) => format!("cannot be redriven: {why}"),
                    },
                });
                seen.push(message);
                continue;
            }
            let done = match planned {
                Ok(r) => act(aws, t, &r).await.map_err(|e| e.to_string()),
                Err(why) => Err(why),
            };
            match done {
                Ok(()) => {
                    sqs::delete(aws, queue_url, &message).await?;
                    result.redriven += 1;
                }
                Err(reason) => result.failed.push(Failed {
                    message_id: message.id.clone(),
                    reason,
                }),
            }
        }
    }
    for message in &seen {
        sqs::give_back(aws, queue_url, message).await?;
    }
    Ok(result)
}

fn describe(r: &Redrive, t: &Targets) -> String {
    match r {
        Redrive::Execution { name, input } => {
            format!("start execution {name} of {} with {input}", t.state_machine)
        }
        Redrive::Invocation { .. } => format!("invoke {} with the S3 event", t.processor),
    }
}

async fn act(aws: &Aws, t: &Targets, r: &Redrive) -> std::result::Result<(), AwsError> {
    match r {
        Redrive::Execution { name, input } => {
            match executions::start(aws, &t.state_machine, name, input).await {
                // Started by an earlier redrive that could not delete the message: done.
                Err(e) if e.is_code("ExecutionAlreadyExists") => Ok(()),
                other => other.map(|_| ()),
            }
        }
        Redrive::Invocation { event } => sqs::invoke_async(aws, &t.processor, event).await,
    }
}

/// The queue's name from its URL (`https://sqs.../123456789012/name`).
fn queue_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> sqs::Message {
        sqs::Message {
            id: "0a1b2c3d-0000-4000-8000-000000000001".into(),
            receipt: "r".into(),
            body: body.into(),
        }
    }

    #[test]
    fn a_lambda_failure_record_redrives_its_request_payload() {
        let record = r#"{"version":"1.0","requestContext":{"condition":"RetriesExhausted"},"requestPayload":{"Records":[{"s3":{}}]},"responseContext":{"statusCode":200}}"#;
        assert_eq!(
            processor_letter(&message(record)),
            Ok(Redrive::Invocation {
                event: r#"{"Records":[{"s3":{}}]}"#.into()
            })
        );
    }

    #[test]
    fn a_bare_s3_event_is_redriven_as_it_is() {
        let event = r#"{"Records":[{"s3":{}}]}"#;
        assert_eq!(
            processor_letter(&message(event)),
            Ok(Redrive::Invocation {
                event: event.into()
            })
        );
    }

    #[test]
    fn a_body_that_is_no_s3_event_cannot_be_redriven_to_the_processor() {
        assert!(processor_letter(&message(r#"{"hello":1}"#)).is_err());
    }

    #[test]
    fn a_schedule_letter_starts_an_execution_named_after_the_message() {
        assert_eq!(
            schedule_letter(&message(r#"{"trigger":"schedule"}"#)),
            Ok(Redrive::Execution {
                name: "redrive-0a1b2c3d-0000-4000-8000-000000000001".into(),
                input: r#"{"trigger":"schedule"}"#.into()
            })
        );
    }
}
