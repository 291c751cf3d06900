//! `drift --stack-set`: CloudFormation's DetectStackSetDrift over every instance (an operation:
//! started, waited for, its results read), each instance's drift status, and infrapipe's own
//! deep check (`drift::detect`) of the instances whose stacks live in the caller's account. The
//! other instances cannot be read with the caller's credentials; the report says so for each.

use super::{DetectError, Options, Report};
use crate::aws::Aws;
use crate::aws::stack_sets::{self, Amount, Instance, Preferences, SetRef};
use crate::config::IgnorePath;
use crate::console;
use crate::error::Exit;
use crate::style::Style;
use serde::Serialize;
use std::time::Duration;

/// How long the detection operation is followed before we stop waiting.
const OPERATION_LIMIT: Duration = Duration::from_secs(3600);

/// Every region and account at once; one instance that cannot be checked stops no other.
fn preferences() -> Preferences {
    Preferences {
        sequential: false,
        region_order: Vec::new(),
        failure_tolerance: Amount::Percent(100),
        max_concurrent: Amount::Percent(100),
        strict: false,
    }
}

/// How the detection operation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    pub operation_id: String,
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Whether infrapipe's own check ran for an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "deep_check", rename_all = "snake_case")]
pub enum Deep {
    /// Read through each service's API: the stack checked and how many resources drifted.
    Checked {
        stack: String,
        drifted: usize,
        incomplete: bool,
    },
    NotChecked {
        reason: String,
    },
}

/// One instance's drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceDrift {
    pub account: String,
    pub region: String,
    /// CloudFormation's verdict: DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED.
    pub drift_status: String,
    pub last_check: Option<String>,
    #[serde(flatten)]
    pub deep: Deep,
}

/// The report of `drift --stack-set`.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    pub stack_set: String,
    /// The administering region.
    pub region: String,
    pub caller_account: String,
    pub detection: Detection,
    pub instances: Vec<InstanceDrift>,
    /// Instances CloudFormation or infrapipe found drifted.
    pub drifted: usize,
    /// infrapipe's own reports of the instances in the caller's account.
    pub deep_reports: Vec<Report>,
    #[serde(skip)]
    pub style: Style,
    #[serde(skip)]
    pub detailed_exitcode: bool,
}

impl SetReport {
    fn any_drift(&self) -> bool {
        self.drifted > 0
    }

    /// The detection failed, an instance could not be checked by CloudFormation, or a deep
    /// check could not read everything: the report cannot say "in sync".
    fn incomplete(&self) -> bool {
        self.detection.status != "SUCCEEDED"
            || self.instances.iter().any(|i| {
                !matches!(i.drift_status.as_str(), "IN_SYNC" | "DRIFTED")
                    || matches!(
                        i.deep,
                        Deep::Checked {
                            incomplete: true,
                            ..
                        }
                    )
            })
    }
}

/// The stack's name from its id (`arn:aws:cloudformation:R:A:stack/NAME/UUID`).
pub fn stack_name(stack_id: &str) -> Option<&str> {
    let rest = stack_id.split_once(":stack/")?.1;
    let name = rest.split('/').next()?;
    (!name.is_empty()).then_some(name)
}

/// Which instances infrapipe can read itself: those in the caller's account with a stack; for
/// every other, why not.
pub fn deep_targets(instances: &[Instance], caller: &str) -> Vec<Result<String, String>> {
    instances
        .iter()
        .map(|i| {
            if i.account != caller {
                return Err(format!(
                    "account {} is not the caller's ({caller}): infrapipe reads live resources only with the credentials it runs with; CloudFormation's status stands for it",
                    i.account
                ));
            }
            match i.stack_id.as_deref().and_then(stack_name) {
                Some(name) => Ok(name.to_owned()),
                None => Err(format!(
                    "the instance has no stack (status {}{})",
                    i.status,
                    if i.status_reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", i.status_reason)
                    }
                )),
            }
        })
        .collect()
}

/// Runs CloudFormation's detection over the set administered from `aws`'s region, then deep
/// checks the caller's own instances, each in its region through `connect`.
pub async fn detect<C, F>(
    aws: &Aws,
    set: &SetRef,
    ignore: &[IgnorePath],
    options: Options,
    connect: C,
) -> Result<SetReport, DetectError>
where
    C: Fn(String) -> F,
    F: std::future::Future<Output = Aws>,
{
    if stack_sets::describe_stack_set(aws, set).await?.is_none() {
        return Err(DetectError::NoStackSet {
            name: set.name.clone(),
            region: aws.region.clone(),
        });
    }
    let caller = crate::aws::sts::account_id(aws).await?;
    tracing::info!(stack_set = %set.name, "detecting drift (cloudformation:DetectStackSetDrift)");
    let op = stack_sets::detect_stack_set_drift(aws, set, &preferences()).await?;
    let (operation, _) = stack_sets::wait_operation(aws, set, &op, OPERATION_LIMIT, |_| {}).await?;
    let instances = stack_sets::list_stack_instances(aws, set).await?;
    let mut rows = Vec::new();
    let mut deep_reports = Vec::new();
    for (i, target) in instances.iter().zip(deep_targets(&instances, &caller)) {
        let deep = match target {
            Err(reason) => Deep::NotChecked { reason },
            Ok(stack) => {
                let regional = connect(i.region.clone()).await;
                match super::detect(&regional, &stack, ignore, options).await {
                    Ok(r) => {
                        let deep = Deep::Checked {
                            stack,
                            drifted: r.drifted,
                            incomplete: r.incomplete(),
                        };
                        deep_reports.push(r);
                        deep
                    }
                    Err(e) => Deep::NotChecked {
                        reason: e.to_string(),
                    },
                }
            }
        };
        rows.push(InstanceDrift {
            account: i.account.clone(),
            region: i.region.clone(),
            drift_status: i.drift_status.clone(),
            last_check: i.last_drift_check.clone(),
            deep,
        });
    }
    let drifted = rows
        .iter()
        .filter(|r| {
            r.drift_status == "DRIFTED"
                || matches!(r.deep, Deep::Checked { drifted, .. } if drifted > 0)
        })
        .count();
    Ok(SetReport {
        stack_set: set.name.clone(),
        region: aws.region.clone(),
        caller_account: caller,
        detection: Detection {
            operation_id: op,
            status: operation.status,
            reason: operation.status_reason,
        },
        instances: rows,
        drifted,
        deep_reports,
        style: Style::PLAIN,
        detailed_exitcode: false,
    })
}

impl std::fmt::Display for SetReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = &self.detection;
        writeln!(
            f,
            "Stack set {} in {}: CloudFormation's drift detection {} (operation {}){}",
            self.stack_set,
            self.region,
            d.status,
            d.operation_id,
            if d.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", d.reason)
            }
        )?;
        let rows: Vec<Vec<String>> = self
            .instances
            .iter()
            .map(|i| {
                let deep = match &i.deep {
                    Deep::Checked {
                        drifted,
                        incomplete,
                        ..
                    } => format!(
                        "{drifted} drifted{}",
                        if *incomplete {
                            ", some not checked"
                        } else {
                            ""
                        }
                    ),
                    Deep::NotChecked { reason } => format!("not checked: {reason}"),
                };
                vec![
                    i.account.clone(),
                    i.region.clone(),
                    i.drift_status.clone(),
                    i.last_check.clone().unwrap_or_else(|| "-".into()),
                    deep,
                ]
            })
            .collect();
        writeln!(f)?;
        f.write_str(&crate::style::columns(
            &[
                "ACCOUNT",
                "REGION",
                "CLOUDFORMATION",
                "LAST CHECK",
                "INFRAPIPE",
            ],
            &rows,
        ))?;
        for r in &self.deep_reports {
            writeln!(f)?;
            f.write_str(&super::render::text(r, self.style))?;
        }
        writeln!(
            f,
            "\n{} of {} instances have drifted.",
            self.drifted,
            self.instances.len()
        )
    }
}

impl console::Report for SetReport {
    fn what(&self) -> &'static str {
        "stack set drift report"
    }

    /// As `drift`'s: with --detailed-exitcode, changes on drift, else a failure when something
    /// could not be checked; a detection that did not succeed is a failure either way.
    fn exit(&self) -> Exit {
        if self.detection.status != "SUCCEEDED" {
            Exit::Failure
        } else if !self.detailed_exitcode {
            Exit::Success
        } else if self.any_drift() {
            Exit::Changes
        } else {
            Exit::from_ok(!self.incomplete())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(account: &str, stack_id: Option<&str>) -> Instance {
        Instance {
            account: account.into(),
            region: "us-east-1".into(),
            status: "CURRENT".into(),
            detailed_status: "SUCCEEDED".into(),
            status_reason: String::new(),
            drift_status: "IN_SYNC".into(),
            last_drift_check: None,
            stack_id: stack_id.map(Into::into),
            organizational_unit: None,
        }
    }

    #[test]
    fn the_stack_name_is_read_from_its_id() {
        assert_eq!(
            stack_name("arn:aws:cloudformation:us-east-1:123456789012:stack/StackSet-s-1a2b/5f6e"),
            Some("StackSet-s-1a2b")
        );
    }

    #[test]
    fn only_the_callers_instances_with_a_stack_are_deep_checked() {
        let id = "arn:aws:cloudformation:us-east-1:123456789012:stack/StackSet-s-1/x";
        let targets = deep_targets(
            &[
                instance("123456789012", Some(id)),
                instance("111111111111", Some(id)),
                instance("123456789012", None),
            ],
            "123456789012",
        );
        let checked: Vec<bool> = targets.iter().map(Result::is_ok).collect();
        assert_eq!(checked, vec![true, false, false]);
    }
}
