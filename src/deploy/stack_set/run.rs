//! Runs a stack-set plan: creates the set when new, then its operations one after another (the
//! canary first), each followed to its end with every instance reported as its result arrives;
//! a failed operation stops the rest, whose instances the table shows as not attempted.

use super::flags::Flags;
use super::plan::{Cell, SetPlan, Step, StepKind};
use super::report::{Outcome, Row, SetReport, kept_resource_hint};
use crate::aws::cloudformation::TemplateSource;
use crate::aws::stack_sets::{
    self, Instance, NewStackSet, OperationResult, Permissions, SetRef, SetUpdate, StackSetInfo,
};
use crate::aws::{Aws, AwsError};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The hooks a command gives the run: an operation started, an instance ended.
pub trait SetUi {
    fn started(&mut self, index: usize, step: &Step, operation_id: &str);
    fn instance(&mut self, result: &OperationResult);
}

/// Everything the operations need besides the plan.
pub struct Rollout<'a> {
    pub set: &'a SetRef,
    pub flags: &'a Flags,
    pub description: &'a str,
    pub template: &'a TemplateSource,
    pub parameters: &'a BTreeMap<String, String>,
    pub tags: &'a BTreeMap<String, String>,
    pub permissions: &'a Permissions,
    /// How long one operation may run before we stop waiting (CloudFormation goes on).
    pub limit: Duration,
}

/// The set as deployed and its instances (none when there is no set).
pub async fn read(
    aws: &Aws,
    set: &SetRef,
) -> Result<(Option<StackSetInfo>, Vec<Instance>), AwsError> {
    let Some(info) = stack_sets::describe_stack_set(aws, set).await? else {
        return Ok((None, Vec::new()));
    };
    let instances = stack_sets::list_stack_instances(aws, set).await?;
    Ok((Some(info), instances))
}

/// Starts the operation of `step`; returns its id.
async fn start(aws: &Aws, r: &Rollout<'_>, step: &Step) -> Result<String, AwsError> {
    let targets = step.targets(r.flags);
    let prefs = r.flags.preferences(&step.regions);
    match step.kind {
        StepKind::CreateInstances => {
            stack_sets::create_stack_instances(aws, r.set, &targets, &step.regions, &prefs).await
        }
        StepKind::UpdateInstances => {
            stack_sets::update_stack_instances(aws, r.set, &targets, &step.regions, &prefs).await
        }
        StepKind::UpdateSet => {
            let update = SetUpdate {
                set: r.set,
                template: r.template,
                parameters: r.parameters,
                tags: r.tags,
                permissions: r.permissions,
                targets: &targets,
                regions: &step.regions,
                prefs: &prefs,
            };
            stack_sets::update_stack_set(aws, &update).await
        }
    }
}

/// What one result says of its instance.
fn outcome(res: &OperationResult, set: &str) -> Outcome {
    match res.status.as_str() {
        "SUCCEEDED" => Outcome::Succeeded,
        "FAILED" => Outcome::Failed {
            reason: if res.status_reason.is_empty() {
                "failed (CloudFormation gave no reason; see the stack's events in that account)"
                    .into()
            } else {
                res.status_reason.clone()
            },
            hint: kept_resource_hint(&res.status_reason, set, &res.account, &res.region),
        },
        _ => Outcome::NotAttempted {
            why: "the operation stopped before it (failure tolerance exceeded in this or an earlier region)".into(),
        },
    }
}

/// Runs `plan`'s operations in order until one fails, or `interrupt` fires.
pub async fn execute(
    aws: &Aws,
    r: &Rollout<'_>,
    plan: &SetPlan,
    ui: &mut impl SetUi,
    interrupt: impl std::future::Future,
) -> SetReport {
    let name = r.set.name.clone();
    let mut outcomes: BTreeMap<Cell, Outcome> = plan
        .current
        .iter()
        .map(|c| (c.clone(), Outcome::Current))
        .collect();
    let mut operations = Vec::new();
    let mut stop: Option<String> = None;
    let mut interrupted = false;
    tokio::pin!(interrupt);
    if !plan.exists && !plan.steps.is_empty() {
        let new = NewStackSet {
            set: r.set,
            description: r.description,
            template: r.template,
            parameters: r.parameters,
            tags: r.tags,
            permissions: r.permissions,
        };
        if let Err(e) = stack_sets::create_stack_set(aws, &new).await {
            stop = Some(format!("the stack set could not be created: {e}"));
        }
    }
    for (i, step) in plan.steps.iter().enumerate() {
        let cells = step.cells();
        if let Some(why) = &stop {
            for c in cells {
                outcomes.insert(c, Outcome::NotAttempted { why: why.clone() });
            }
            continue;
        }
        let id = match start(aws, r, step).await {
            Ok(id) => id,
            Err(e) => {
                for c in cells {
                    outcomes.insert(
                        c,
                        Outcome::Failed {
                            reason: e.to_string(),
                            hint: None,
                        },
                    );
                }
                stop = Some(format!("operation {} could not start", i + 1));
                continue;
            }
        };
        ui.started(i, step, &id);
        operations.push(id.clone());
        let mut reported: BTreeSet<(String, String, String)> = BTreeSet::new();
        let waited = {
            let seen = |results: &[OperationResult]| {
                for res in results {
                    let ended = matches!(res.status.as_str(), "SUCCEEDED" | "FAILED" | "CANCELLED");
                    let key = (res.account.clone(), res.region.clone(), res.status.clone());
                    if ended && reported.insert(key) {
                        ui.instance(res);
                    }
                }
            };
            let wait = stack_sets::wait_operation(aws, r.set, &id, r.limit, seen);
            tokio::select! {
                w = wait => Some(w),
                _ = interrupt.as_mut() => None,
            }
        };
        let Some(waited) = waited else {
            for c in cells {
                outcomes.insert(c, Outcome::Interrupted);
            }
            interrupted = true;
            stop = Some("interrupted before it started".into());
            continue;
        };
        match waited {
            Err(e) => {
                for c in cells {
                    outcomes.insert(
                        c,
                        Outcome::Failed {
                            reason: e.to_string(),
                            hint: None,
                        },
                    );
                }
                stop = Some(format!("operation {} did not end in time", i + 1));
            }
            Ok((op, results)) => {
                let mut any_failed = false;
                let mut reached: BTreeSet<Cell> = BTreeSet::new();
                for res in &results {
                    let o = outcome(res, &name);
                    any_failed |= matches!(o, Outcome::Failed { .. });
                    reached.insert((res.account.clone(), res.region.clone()));
                    // In OU mode a region's placeholder cell gives way to its real accounts.
                    reached.insert((String::new(), res.region.clone()));
                    outcomes.insert((res.account.clone(), res.region.clone()), o);
                }
                let unreached: Vec<Cell> =
                    cells.into_iter().filter(|c| !reached.contains(c)).collect();
                // Organizational units: a region whose results name no account (an emulator
                // lists results only for `Accounts`) is read from the set's instances there.
                let mut unreached_left = Vec::new();
                let placeholders = unreached.iter().any(|c| c.0.is_empty());
                let listed = if placeholders && op.status == "SUCCEEDED" {
                    stack_sets::list_stack_instances(aws, r.set).await.ok()
                } else {
                    None
                };
                for c in unreached {
                    let found: Vec<&Instance> = listed
                        .iter()
                        .flatten()
                        .filter(|x| c.0.is_empty() && x.region == c.1)
                        .collect();
                    if found.is_empty() {
                        unreached_left.push(c);
                    }
                    for x in found {
                        let o = if x.status == "CURRENT" {
                            Outcome::Succeeded
                        } else {
                            any_failed = true;
                            Outcome::Failed {
                                reason: format!("{} {}", x.status, x.status_reason)
                                    .trim()
                                    .to_owned(),
                                hint: kept_resource_hint(
                                    &x.status_reason,
                                    &name,
                                    &x.account,
                                    &x.region,
                                ),
                            }
                        };
                        outcomes.insert((x.account.clone(), x.region.clone()), o);
                    }
                }
                for c in unreached_left {
                    outcomes.insert(
                        c,
                        Outcome::NotAttempted {
                            why: format!(
                                "operation {} ({}) gave no result for it",
                                i + 1,
                                op.status
                            ),
                        },
                    );
                }
                if any_failed || op.status != "SUCCEEDED" {
                    let reason = if op.status_reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", op.status_reason)
                    };
                    stop = Some(if step.canary {
                        format!("the canary operation {}{reason}", op.status.to_lowercase())
                    } else {
                        format!("operation {} {}{reason}", i + 1, op.status.to_lowercase())
                    });
                }
            }
        }
    }
    let order = |region: &str| {
        r.flags
            .regions
            .iter()
            .position(|x| x == region)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<Row> = outcomes
        .into_iter()
        .map(|((account, region), outcome)| Row {
            account,
            region,
            outcome,
        })
        .collect();
    rows.sort_by(|a, b| (&a.account, order(&a.region)).cmp(&(&b.account, order(&b.region))));
    SetReport {
        stack_set: name,
        operations,
        rows,
        interrupted,
        nothing_to_do: plan.nothing_to_do(),
    }
}
