//! What `apply --revert-drift` will put back and what it cannot: a drift-aware change set
//! (`DeploymentMode=REVERT_DRIFT`) overwrites only the properties the deployed template sets,
//! so drift found by `infrapipe drift` splits into "overwritten" and "stays, remove it so".

use crate::drift::{self, Status};
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// One drifted property the drift-aware change set sets back to the template's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overwritten {
    pub logical_id: String,
    pub path: String,
    /// The value the template sets (what it will be again).
    pub deployed: Option<Value>,
    /// The live value it replaces.
    pub live: Option<Value>,
}

/// Drift that CloudFormation leaves in place, and how to remove it by hand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kept {
    pub logical_id: String,
    pub path: String,
    pub how_to_remove: String,
}

/// What reverting drift will and will not do, from a drift report of the deployed stack.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RevertPreview {
    pub overwritten: Vec<Overwritten>,
    pub kept: Vec<Kept>,
    /// Resources deleted out of band: CloudFormation's change set says whether it recreates them.
    pub deleted: Vec<String>,
    /// Resources that could not be read, so their drift is unknown.
    pub not_checked: Vec<String>,
}

impl RevertPreview {
    /// Splits each difference of `report`: a property the template sets is overwritten; one it
    /// does not set (an inline policy added to a role, an extra subscription) stays.
    pub fn from_report(report: &drift::Report) -> Self {
        let mut out = Self::default();
        for r in &report.resources {
            match r.status {
                Status::InSync => {}
                Status::Deleted => out.deleted.push(r.logical_id.clone()),
                Status::NotChecked => out.not_checked.push(r.logical_id.clone()),
                Status::Modified => {
                    for d in &r.differences {
                        if d.expected.is_some() {
                            out.overwritten.push(Overwritten {
                                logical_id: r.logical_id.clone(),
                                path: d.path.clone(),
                                deployed: d.expected.clone(),
                                live: d.actual.clone(),
                            });
                        } else {
                            let physical = r.physical_id.as_deref().unwrap_or("<physical id>");
                            out.kept.push(Kept {
                                logical_id: r.logical_id.clone(),
                                path: d.path.clone(),
                                how_to_remove: how_to_remove(
                                    &r.resource_type,
                                    physical,
                                    &d.path,
                                    d.actual.as_ref(),
                                ),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.overwritten.is_empty()
            && self.kept.is_empty()
            && self.deleted.is_empty()
            && self.not_checked.is_empty()
    }
}

/// The command that removes drift the template does not set, for the kinds we know; else
/// where to remove it.
fn how_to_remove(resource_type: &str, physical: &str, path: &str, live: Option<&Value>) -> String {
    let top = path.split(['.', '[']).next().unwrap_or(path);
    let key = path
        .strip_prefix(top)
        .and_then(|r| r.strip_prefix('['))
        .and_then(|r| r.split(']').next());
    match (resource_type, top, key) {
        ("AWS::IAM::Role", "Policies", Some(name)) => {
            format!("aws iam delete-role-policy --role-name {physical} --policy-name {name}")
        }
        ("AWS::IAM::Role", "ManagedPolicyArns", _) => {
            let arns: Vec<String> = live
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let arn = match arns.as_slice() {
                [one] => one.clone(),
                _ => "<policy arn>".to_owned(),
            };
            format!("aws iam detach-role-policy --role-name {physical} --policy-arn {arn}")
        }
        ("AWS::SNS::Topic", "UnmanagedSubscriptions", _) => format!(
            "aws sns list-subscriptions-by-topic --topic-arn {physical}, then aws sns unsubscribe --subscription-arn <arn> for each one the config does not name"
        ),
        _ => format!(
            "the template does not set {path}, so CloudFormation leaves it: remove it in the {resource_type}'s own console or API"
        ),
    }
}

impl fmt::Display for RevertPreview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "Drift to revert: none found by `infrapipe drift`.");
        }
        if !self.overwritten.is_empty() {
            writeln!(
                f,
                "Drift this apply reverts (the template's value overwrites the live one):"
            )?;
            for o in &self.overwritten {
                writeln!(
                    f,
                    "  ~ {}.{}: {} -> {}",
                    o.logical_id,
                    o.path,
                    shown(o.live.as_ref()),
                    shown(o.deployed.as_ref())
                )?;
            }
        }
        if !self.kept.is_empty() {
            writeln!(
                f,
                "Drift this apply cannot revert (the template does not set it):"
            )?;
            for k in &self.kept {
                writeln!(f, "  ! {}.{}: {}", k.logical_id, k.path, k.how_to_remove)?;
            }
        }
        if !self.deleted.is_empty() {
            writeln!(
                f,
                "Deleted out of band (CloudFormation's change set says whether it recreates them): {}",
                self.deleted.join(", ")
            )?;
        }
        if !self.not_checked.is_empty() {
            writeln!(
                f,
                "Not checked (their drift is unknown): {}",
                self.not_checked.join(", ")
            )?;
        }
        Ok(())
    }
}

/// A value on one line, cut at 60 characters.
fn shown(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".to_owned(),
        Some(Value::String(s)) => crate::style::cut(s, 60),
        Some(v) => crate::style::cut(&v.to_string(), 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{Difference, Report, ResourceDrift};
    use serde_json::json;

    fn report(resources: Vec<ResourceDrift>) -> Report {
        let mut r = Report {
            stack: "s".into(),
            region: "us-east-1".into(),
            resources,
            drifted: 0,
            ignored: Vec::new(),
            not_comparable: Vec::new(),
            cloudformation: None,
        };
        r.tally();
        r
    }

    fn modified(id: &str, ty: &str, physical: &str, d: Vec<Difference>) -> ResourceDrift {
        ResourceDrift {
            logical_id: id.into(),
            resource_type: ty.into(),
            physical_id: Some(physical.into()),
            status: Status::Modified,
            differences: d,
            reason: None,
        }
    }

    #[test]
    fn a_property_the_template_sets_is_overwritten() {
        let r = report(vec![modified(
            "CollectorFunction",
            "AWS::Lambda::Function",
            "f",
            vec![Difference::new("Timeout", Some(json!(30)), Some(json!(60)))],
        )]);
        let p = RevertPreview::from_report(&r);
        assert_eq!(p.overwritten.len(), 1);
        assert!(p.kept.is_empty());
    }

    #[test]
    fn an_inline_policy_added_to_a_role_stays_with_the_command_that_removes_it() {
        let r = report(vec![modified(
            "CollectorRole",
            "AWS::IAM::Role",
            "stack-CollectorRole-1",
            vec![Difference::new(
                "Policies[debug-access]",
                None,
                Some(json!({})),
            )],
        )]);
        let p = RevertPreview::from_report(&r);
        assert_eq!(
            p.kept[0].how_to_remove,
            "aws iam delete-role-policy --role-name stack-CollectorRole-1 --policy-name debug-access"
        );
    }

    #[test]
    fn an_extra_subscription_stays_with_how_to_unsubscribe() {
        let r = report(vec![modified(
            "AlertsTopic",
            "AWS::SNS::Topic",
            "arn:aws:sns:us-east-1:1:t",
            vec![Difference::new(
                "UnmanagedSubscriptions",
                None,
                Some(json!(["https://x"])),
            )],
        )]);
        let text = RevertPreview::from_report(&r).to_string();
        assert!(text.contains("cannot revert"), "{text}");
        assert!(text.contains("aws sns unsubscribe"), "{text}");
    }
}
