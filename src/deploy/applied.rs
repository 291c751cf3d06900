//! What an apply reports: its outcome as a sentence (or, on failure, the first failed resource
//! and the rollback), the alarm e-mail subscriptions still to confirm, and the `--json` document.

use super::apply::{Outcome, failure_report};
use crate::aws::cloudformation::{self, Event};
use crate::aws::{Aws, AwsError, sns};
use crate::console::Report;
use crate::error::Exit;
use crate::model::ids;
use crate::plan::Summary;
use serde::{Serialize, Serializer};

pub struct ApplyReport {
    pub stack: String,
    pub region: String,
    pub outcome: Outcome,
    pub subscriptions: Subscriptions,
    /// The console page of the stack's dashboard, once the apply succeeded and the stack has one.
    pub dashboard_url: Option<String>,
}

/// What a successful apply found of the topic's subscriptions: an alarm reaches an e-mail
/// address only once its owner has confirmed the subscription, so the report says who has not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscriptions {
    /// The apply did not succeed (or was cancelled): nothing was looked at.
    NotChecked,
    /// The addresses still waiting for confirmation, sorted (empty: every one confirmed).
    Pending(Vec<String>),
    /// They could not be read; the apply itself succeeded all the same.
    Unreadable(String),
}

impl ApplyReport {
    /// The report of `outcome`; when it succeeded, with the stack's alarm topic's subscriptions
    /// still pending confirmation (read from SNS, never assumed from the plan: a subscription
    /// created by an earlier apply may still be waiting).
    pub async fn new(aws: &Aws, stack: String, outcome: Outcome) -> Self {
        let mut report = Self {
            stack,
            region: aws.region.clone(),
            outcome,
            subscriptions: Subscriptions::NotChecked,
            dashboard_url: None,
        };
        if report.succeeded() {
            report.dashboard_url = dashboard_url(aws, &report.stack).await;
            report.subscriptions = match pending_confirmation(aws, &report.stack).await {
                Ok(Some(pending)) => Subscriptions::Pending(pending),
                Ok(None) => Subscriptions::Unreadable(format!(
                    "the stack {} has no {} resource",
                    report.stack,
                    ids::TOPIC
                )),
                Err(e) => Subscriptions::Unreadable(e.to_string()),
            };
        }
        report
    }

    fn succeeded(&self) -> bool {
        match &self.outcome {
            Outcome::NoChanges { .. } => true,
            Outcome::Cancelled { .. } => false,
            Outcome::Executed { finished, .. } => finished.succeeded(),
        }
    }

    /// The word for the outcome in the JSON document.
    fn result(&self) -> &'static str {
        match &self.outcome {
            Outcome::NoChanges { .. } => "no_changes",
            Outcome::Cancelled { .. } => "cancelled",
            Outcome::Executed { finished, .. } if finished.succeeded() => "applied",
            Outcome::Executed { .. } => "failed",
        }
    }
}

/// The addresses subscribed to the stack's alarm topic that have not confirmed yet, or None
/// when the stack has no topic.
pub async fn pending_confirmation(aws: &Aws, stack: &str) -> Result<Option<Vec<String>>, AwsError> {
    let resources = cloudformation::resources(aws, stack).await?;
    let Some(topic) = resources
        .iter()
        .find(|r| r.logical_id == ids::TOPIC && !r.physical_id.is_empty())
    else {
        return Ok(None);
    };
    let subscriptions = sns::subscriptions(aws, &topic.physical_id).await?;
    Ok(Some(sns::pending(&subscriptions)))
}

/// The console page of the stack's dashboard; None when it has none or the stack's resources
/// cannot be read (the subscriptions' check reports that).
async fn dashboard_url(aws: &Aws, stack: &str) -> Option<String> {
    let resources = cloudformation::resources(aws, stack).await.ok()?;
    let dashboard = resources.iter().find(|r| {
        r.logical_id == crate::model::monitoring::monitoring_ids::DASHBOARD
            && !r.physical_id.is_empty()
    })?;
    Some(crate::model::monitoring::dashboard_console_url(
        &aws.region,
        &dashboard.physical_id,
    ))
}

/// The reminder printed after a successful apply while someone has not confirmed.
fn confirm_line(f: &mut std::fmt::Formatter<'_>, pending: &[String]) -> std::fmt::Result {
    let noun = if pending.len() == 1 {
        "address"
    } else {
        "addresses"
    };
    writeln!(
        f,
        "Confirm the SNS subscription e-mail sent to {} ({} {noun}): alarms reach nobody there until it is confirmed.",
        pending.join(", "),
        pending.len()
    )
}

impl Serialize for ApplyReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Document<'a> {
            stack: &'a str,
            region: &'a str,
            result: &'static str,
            summary: Summary,
            /// Only once executed; `first_failure` is then null when nothing failed.
            #[serde(skip_serializing_if = "Option::is_none")]
            stack_status: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            first_failure: Option<Option<&'a Event>>,
            /// Only once the apply succeeded and the subscriptions could be read.
            #[serde(skip_serializing_if = "Option::is_none")]
            pending_confirmation: Option<&'a [String]>,
            /// Why the subscriptions could not be read, when they could not.
            #[serde(skip_serializing_if = "Option::is_none")]
            subscriptions_unreadable: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            dashboard_url: Option<&'a str>,
        }
        let (plan, finished) = match &self.outcome {
            Outcome::NoChanges { plan } | Outcome::Cancelled { plan } => (plan, None),
            Outcome::Executed { plan, finished } => (plan, Some(finished)),
        };
        Document {
            stack: &self.stack,
            region: &self.region,
            result: self.result(),
            summary: plan.summary,
            stack_status: finished.map(|f| f.status.as_str()),
            first_failure: finished.map(|f| f.first_failure.as_ref()),
            pending_confirmation: match &self.subscriptions {
                Subscriptions::Pending(p) => Some(p),
                _ => None,
            },
            subscriptions_unreadable: match &self.subscriptions {
                Subscriptions::Unreadable(why) => Some(why),
                _ => None,
            },
            dashboard_url: self.dashboard_url.as_deref(),
        }
        .serialize(s)
    }
}

impl std::fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (stack, region) = (&self.stack, &self.region);
        match &self.outcome {
            Outcome::NoChanges { .. } => {
                writeln!(f, "No changes. Stack {stack} in {region} is up to date.")
            }
            Outcome::Cancelled { .. } => writeln!(f, "Apply cancelled. Nothing was changed."),
            Outcome::Executed { plan, finished } if finished.succeeded() => writeln!(
                f,
                "Apply complete: {}{} added, {} changed, {} destroyed. Stack {stack} is {}.",
                match plan.summary.import {
                    0 => String::new(),
                    n => format!("{n} imported, "),
                },
                plan.summary.add,
                plan.summary.change,
                plan.summary.destroy,
                finished.status
            ),
            Outcome::Executed { finished, .. } => {
                writeln!(f, "error: {}", failure_report(stack, finished).join("\n"))
            }
        }?;
        match &self.subscriptions {
            Subscriptions::Pending(p) if !p.is_empty() => confirm_line(f, p),
            Subscriptions::Unreadable(why) => writeln!(
                f,
                "Could not check whether the alarm e-mail subscriptions are confirmed: {why}"
            ),
            _ => Ok(()),
        }?;
        match &self.dashboard_url {
            Some(url) => writeln!(f, "Dashboard: {url}"),
            None => Ok(()),
        }
    }
}

impl Report for ApplyReport {
    fn what(&self) -> &'static str {
        "apply result"
    }

    fn exit(&self) -> Exit {
        Exit::from_ok(self.succeeded())
    }

    fn text_on_err(&self) -> bool {
        !matches!(self.result(), "no_changes" | "applied")
    }
}
