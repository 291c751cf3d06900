//! The stack-set rollout's final table: one row per account and region with how its instance
//! ended (succeeded, already current, failed with CloudFormation's reason, or not attempted),
//! and for an instance that failed on a kept resource, what to do about it.

use crate::console::Report;
use crate::error::Exit;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    /// Already current: no operation touched it.
    Current,
    Failed {
        reason: String,
        /// What to do next, when the reason is one we recognise (a kept resource exists).
        #[serde(skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
    },
    /// The operation never reached it (stopped by the failure tolerance, a failed canary, or a
    /// failed earlier operation).
    NotAttempted {
        why: String,
    },
    /// Ctrl-C while its operation ran: CloudFormation goes on.
    Interrupted,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        matches!(self, Outcome::Succeeded | Outcome::Current)
    }

    fn label(&self) -> String {
        match self {
            Outcome::Succeeded => "succeeded".into(),
            Outcome::Current => "current (nothing to do)".into(),
            Outcome::Failed { reason, .. } => format!("failed: {reason}"),
            Outcome::NotAttempted { why } => format!("not attempted: {why}"),
            Outcome::Interrupted => {
                "interrupted: CloudFormation goes on; run the rollout again".into()
            }
        }
    }
}

/// One account x region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Empty in organizational-unit mode for a region no operation reached.
    pub account: String,
    pub region: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The result of `rollout --accounts` / `--organizational-units`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetReport {
    pub stack_set: String,
    /// The operation ids, in the order they ran.
    pub operations: Vec<String>,
    pub rows: Vec<Row>,
    pub interrupted: bool,
    /// Nothing needed doing: the set and every instance were current.
    pub nothing_to_do: bool,
}

impl SetReport {
    pub fn succeeded(&self) -> bool {
        !self.interrupted && self.rows.iter().all(|r| r.outcome.ok())
    }
}

impl Serialize for SetReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Document<'a> {
            stack_set: &'a str,
            operations: &'a [String],
            instances: &'a [Row],
            succeeded: bool,
            interrupted: bool,
            nothing_to_do: bool,
        }
        Document {
            stack_set: &self.stack_set,
            operations: &self.operations,
            instances: &self.rows,
            succeeded: self.succeeded(),
            interrupted: self.interrupted,
            nothing_to_do: self.nothing_to_do,
        }
        .serialize(s)
    }
}

impl std::fmt::Display for SetReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.nothing_to_do {
            return writeln!(
                f,
                "Nothing to do: stack set {} and its {} instance(s) are current.",
                self.stack_set,
                self.rows.len()
            );
        }
        writeln!(f, "\n{:<14} {:<16} result", "account", "region")?;
        for r in &self.rows {
            let account = if r.account.is_empty() {
                "(the units)"
            } else {
                &r.account
            };
            writeln!(f, "{account:<14} {:<16} {}", r.region, r.outcome.label())?;
            if let Outcome::Failed {
                hint: Some(hint), ..
            } = &r.outcome
            {
                writeln!(f, "{:<31} -> {hint}", "")?;
            }
        }
        let ok = self.rows.iter().filter(|r| r.outcome.ok()).count();
        writeln!(
            f,
            "\n{ok} of {} instances of stack set {} succeeded or are current.",
            self.rows.len(),
            self.stack_set
        )
    }
}

impl Report for SetReport {
    fn what(&self) -> &'static str {
        "stack set rollout result"
    }

    fn exit(&self) -> Exit {
        if self.interrupted {
            Exit::Interrupted
        } else {
            Exit::from_ok(self.succeeded())
        }
    }
}

/// The report when there is nothing to do: every instance current.
pub fn nothing_to_do(plan: &super::SetPlan) -> SetReport {
    SetReport {
        stack_set: plan.stack_set.clone(),
        operations: Vec::new(),
        rows: plan
            .current
            .iter()
            .map(|(account, region)| Row {
                account: account.clone(),
                region: region.clone(),
                outcome: Outcome::Current,
            })
            .collect(),
        interrupted: false,
        nothing_to_do: true,
    }
}

/// For a failure on a resource kept from an earlier deployment (CloudFormation's reason says it
/// "already exists"), which resource and the two ways out, in that account and region.
pub fn kept_resource_hint(reason: &str, set: &str, account: &str, region: &str) -> Option<String> {
    if !reason.contains("already exists") {
        return None;
    }
    let what = reason
        .split_whitespace()
        .find(|w| w.contains(set) || w.starts_with("arn:"))
        .map(|w| w.trim_matches(|c: char| c == '\'' || c == '"' || c == '.' || c == ','))
        .unwrap_or("a resource this stack names");
    Some(format!(
        "{what} already exists in account {account}, {region} (data kept by an earlier deployment: a stack set has no stack policy, DeletionPolicy Retain kept it). Either purge it: with that account's credentials, `infrapipe destroy --purge-data --region {region}`; or adopt it: with that account's credentials, `infrapipe apply --region {region}` imports it into a stack of its own (the lifecycle's import), then `aws cloudformation import-stacks-to-stack-set --stack-set-name {set} --stack-ids <that stack's id>` from this account brings that stack into the set. Then run the rollout again"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_bucket_failure_names_the_bucket_and_both_ways_out() {
        let h = kept_resource_hint(
            "Resource handler returned message: \"infra-monitoring-prod-raw-111111111111-eu-west-1 already exists\"",
            "infra-monitoring-prod",
            "111111111111",
            "eu-west-1",
        )
        .unwrap_or_default();
        assert!(
            h.starts_with("infra-monitoring-prod-raw-111111111111-eu-west-1 already exists")
                && h.contains("--purge-data")
                && h.contains("import-stacks-to-stack-set"),
            "{h}"
        );
    }

    #[test]
    fn a_not_attempted_instance_fails_the_rollout() {
        let report = SetReport {
            stack_set: "s".into(),
            operations: Vec::new(),
            rows: vec![Row {
                account: "111111111111".into(),
                region: "eu-west-1".into(),
                outcome: Outcome::NotAttempted { why: "x".into() },
            }],
            interrupted: false,
            nothing_to_do: false,
        };
        assert_eq!(report.exit(), Exit::Failure);
    }
}
