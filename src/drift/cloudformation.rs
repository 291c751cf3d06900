//! What drift asks CloudFormation: the stack's physical ids, and (with `--cloudformation`) its
//! own drift detection, whose findings are merged into ours.

use super::report::{CloudFormationCheck, Difference, ResourceDrift, Status};
use crate::aws::{Aws, AwsError};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::BTreeMap;
use std::time::Duration;

/// Logical id -> physical id of every resource the stack lists with both.
pub async fn physical_ids(aws: &Aws, stack: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let resources = crate::aws::cloudformation::resources(aws, stack)
        .await
        .map_err(|mut err| {
            if crate::aws::cloudformation::is_missing_stack(&err) {
                err.message = format!(
                    "stack {stack} is not deployed here, so there is nothing to compare (deploy it with `infrapipe apply`, or pass --region)"
                );
            }
            err
        })?;
    Ok(resources
        .into_iter()
        .filter(|r| !r.logical_id.is_empty() && !r.physical_id.is_empty())
        .map(|r| (r.logical_id, r.physical_id))
        .collect())
}

/// One resource's drift as CloudFormation reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct CfnDrift {
    pub logical_id: String,
    pub status: String,
    pub differences: Vec<Difference>,
}

/// Runs DetectStackDrift and waits for it; Err says why it is not available.
pub async fn detect(aws: &Aws, stack: &str) -> Result<(String, Vec<CfnDrift>), String> {
    let cf = aws.cloudformation();
    let doing = format!("detecting drift of stack {stack} with CloudFormation");
    let say = |e: &dyn ErrorLine| e.line(&doing, &aws.region);
    // One retry, not five: an endpoint without drift detection (moto answers HTTP 500) would
    // otherwise keep the whole report waiting for the back-off.
    let once = aws_sdk_cloudformation::config::Builder::default()
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2));
    let id = cf
        .detect_stack_drift()
        .stack_name(stack)
        .customize()
        .config_override(once)
        .send()
        .await
        .map_err(|e| match e.raw_response().map(|r| r.status().as_u16()) {
            Some(status) if e.code().is_none() => format!("{} (HTTP {status})", say(&e)),
            _ => say(&e),
        })?
        .stack_drift_detection_id()
        .unwrap_or_default()
        .to_owned();
    let mut backoff =
        crate::aws::backoff::Backoff::new(Duration::from_millis(250), Duration::from_secs(5))
            .within(Duration::from_secs(300));
    let status = loop {
        let s = cf
            .describe_stack_drift_detection_status()
            .stack_drift_detection_id(&id)
            .send()
            .await
            .map_err(|e| say(&e))?;
        match s.detection_status().map_or("", |d| d.as_str()) {
            "DETECTION_IN_PROGRESS" => {
                if !backoff.pause().await {
                    return Err(format!("{doing}: still running after 5 minutes"));
                }
            }
            "DETECTION_FAILED" if s.stack_drift_status().is_none() => {
                return Err(format!(
                    "{doing}: {}",
                    s.detection_status_reason().unwrap_or("it failed")
                ));
            }
            _ => {
                let drift = s
                    .stack_drift_status()
                    .map_or("UNKNOWN", |d| d.as_str())
                    .to_owned();
                let reason = s.detection_status_reason().unwrap_or_default();
                break if reason.is_empty() {
                    drift
                } else {
                    format!("{drift} ({reason})")
                };
            }
        }
    };
    let pages = cf
        .describe_stack_resource_drifts()
        .stack_name(stack)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| say(&e))?;
    let found = pages
        .iter()
        .flat_map(|p| p.stack_resource_drifts())
        .map(|d| CfnDrift {
            logical_id: d.logical_resource_id().unwrap_or_default().to_owned(),
            status: d
                .stack_resource_drift_status()
                .map_or("", |s| s.as_str())
                .to_owned(),
            differences: d
                .property_differences()
                .iter()
                .map(|p| Difference {
                    path: path(p.property_path().unwrap_or_default()),
                    expected: p.expected_value().map(parse),
                    actual: p.actual_value().map(parse),
                    source: Some("cloudformation"),
                })
                .collect(),
        })
        .collect();
    Ok((status, found))
}

/// `/Properties/Environment/Variables/X` or `/Timeout` -> `Environment.Variables.X`.
pub fn path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer
        .trim_start_matches('/')
        .trim_start_matches("Properties/")
        .split('/')
        .filter(|s| !s.is_empty())
    {
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

fn parse(v: &str) -> serde_json::Value {
    serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.to_owned()))
}

/// Adds what CloudFormation found and we did not; says how it went.
pub fn merge(
    resources: &mut [ResourceDrift],
    outcome: Result<(String, Vec<CfnDrift>), String>,
) -> CloudFormationCheck {
    let (status, drifts) = match outcome {
        Ok(x) => x,
        Err(why) => {
            return CloudFormationCheck {
                available: false,
                message: format!(
                    "not available: {why}; infrapipe's own reading above does not depend on it"
                ),
                added: 0,
            };
        }
    };
    let mut added = 0;
    for d in drifts {
        let Some(r) = resources.iter_mut().find(|r| r.logical_id == d.logical_id) else {
            continue;
        };
        match d.status.as_str() {
            "MODIFIED" => {
                for diff in d.differences {
                    if !r.differences.iter().any(|x| x.path == diff.path) {
                        r.differences.push(diff);
                        added += 1;
                    }
                }
                if r.status == Status::InSync && !r.differences.is_empty() {
                    r.status = Status::Modified;
                }
            }
            "DELETED" if r.status == Status::InSync => {
                r.status = Status::Deleted;
                r.reason = Some("CloudFormation reports it deleted".into());
                added += 1;
            }
            _ => {}
        }
    }
    CloudFormationCheck {
        available: true,
        message: format!("stack drift status {status}"),
        added,
    }
}

/// Lets one closure turn any SDK error into a line.
trait ErrorLine {
    fn line(&self, doing: &str, region: &str) -> String;
}

impl<E: crate::aws::SdkFailure> ErrorLine for E {
    fn line(&self, doing: &str, region: &str) -> String {
        AwsError::new(doing, region, self).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_paths_become_drift_paths() {
        assert_eq!(path("/Timeout"), "Timeout");
        assert_eq!(
            path("/Properties/Environment/Variables/X"),
            "Environment.Variables.X"
        );
        assert_eq!(
            path("/Policies/0/PolicyDocument"),
            "Policies[0].PolicyDocument"
        );
    }
}
