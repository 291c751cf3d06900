//! What an apply reports: its outcome as a sentence (or, on failure, the first failed resource
//! and the rollback), and as the `--json` document.

use super::apply::{Outcome, failure_report};
use crate::aws::cloudformation::Event;
use crate::console::Report;
use crate::error::Exit;
use crate::plan::Summary;
use serde::{Serialize, Serializer};

pub struct ApplyReport {
    pub stack: String,
    pub region: String,
    pub outcome: Outcome,
}

impl ApplyReport {
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
                "Apply complete: {} added, {} changed, {} destroyed. Stack {stack} is {}.",
                plan.summary.add, plan.summary.change, plan.summary.destroy, finished.status
            ),
            Outcome::Executed { finished, .. } => {
                writeln!(f, "error: {}", failure_report(stack, finished).join("\n"))
            }
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
