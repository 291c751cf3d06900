//! `destroy --stack-set`: list the set's instances and what each keeps, ask once, delete every
//! instance (RetainStacks false) and wait, then delete the set. The data stays: a stack set has
//! no stack policy, so the raw bucket and the table are kept by their DeletionPolicy Retain
//! alone, in each account and region. A failed instance stops everything before DeleteStackSet;
//! running destroy again finishes what is left (the set's remaining instances, then the set).

use super::apply::{Answer, Ui};
use super::destroy::{Retained, retained};
use crate::aws::stack_sets::{
    self, Amount, Instance, OperationResult, Preferences, SetRef, Targets,
};
use crate::aws::{Aws, AwsError};
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use crate::model::names::Names;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How long one deletion operation is followed before we stop waiting (CloudFormation goes on).
const OPERATION_LIMIT: Duration = Duration::from_secs(3 * 3600);

/// Everything the stack-set destroy needs.
pub struct SetRequest<'a> {
    pub set: &'a SetRef,
    pub names: &'a Names,
}

/// The set and its instances, read before anyone is asked.
#[derive(Debug, Clone)]
pub struct SetSurvey {
    pub region: String,
    /// SELF_MANAGED or SERVICE_MANAGED; None when there is no set.
    pub permission_model: Option<String>,
    pub instances: Vec<Instance>,
}

pub async fn survey(aws: &Aws, set: &SetRef) -> std::result::Result<SetSurvey, AwsError> {
    let info = stack_sets::describe_stack_set(aws, set).await?;
    let instances = match &info {
        Some(_) => stack_sets::list_stack_instances(aws, set).await?,
        None => Vec::new(),
    };
    Ok(SetSurvey {
        region: aws.region.clone(),
        permission_model: info.map(|i| i.permission_model),
        instances,
    })
}

/// One DeleteStackInstances request: every instance of `targets` x `regions` exists, and
/// together the batches cover each instance exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub targets: Targets,
    pub regions: Vec<String>,
}

/// The requests that delete exactly `instances`: DeleteStackInstances deletes the cross product
/// of its accounts (or OUs) and regions, so targets with the same regions go together.
pub fn batches(instances: &[Instance], service_managed: bool) -> Vec<Batch> {
    let mut regions_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in instances {
        // A service-managed instance is addressed through its OU (DeleteStackInstances takes no
        // accounts for such a set).
        let target = match (&i.organizational_unit, service_managed) {
            (Some(ou), true) => ou.clone(),
            _ => i.account.clone(),
        };
        regions_of
            .entry(target)
            .or_default()
            .insert(i.region.clone());
    }
    let mut by_regions: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (target, regions) in regions_of {
        by_regions
            .entry(regions.into_iter().collect())
            .or_default()
            .push(target);
    }
    by_regions
        .into_iter()
        .map(|(regions, targets)| Batch {
            targets: if service_managed {
                Targets::OrganizationalUnits(targets)
            } else {
                Targets::Accounts(targets)
            },
            regions,
        })
        .collect()
}

/// Every region at once and every account at once, none stopping the others: a deletion that
/// fails in one account should not leave the rest standing (running destroy again retries it).
fn preferences() -> Preferences {
    Preferences {
        sequential: false,
        region_order: Vec::new(),
        failure_tolerance: Amount::Percent(100),
        max_concurrent: Amount::Percent(100),
        strict: false,
    }
}

/// The question: each instance and the data it keeps, then the set; None when there is no set.
pub fn question(set: &str, survey: &SetSurvey, names: &Names) -> Option<String> {
    let model = survey.permission_model.as_deref()?;
    let mut s = format!(
        "Stack set {set} (administered from {}, {model}) has {} instances; each stack is deleted (RetainStacks false) and keeps its data (DeletionPolicy Retain):\n",
        survey.region,
        survey.instances.len()
    );
    for i in &survey.instances {
        let kept = retained(names, &i.account, &i.region);
        s.push_str(&format!(
            "  - {} {}: keeps bucket {} and table {}\n",
            i.account, i.region, kept.raw_bucket, kept.table
        ));
    }
    s.push_str(&format!(
        "then the stack set {set} itself is deleted.\nDestroy stack set {set}, keeping the data?"
    ));
    Some(s)
}

/// What happened to one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    Deleted,
    Failed,
    /// The operation stopped before it reached this instance, or was never started for it.
    NotAttempted,
}

/// One instance's outcome and the data it keeps, by name in its account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceOutcome {
    pub account: String,
    pub region: String,
    pub fate: Fate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub kept_bucket: String,
    pub kept_table: String,
}

impl InstanceOutcome {
    fn new(account: &str, region: &str, fate: Fate, reason: Option<String>, k: Retained) -> Self {
        Self {
            account: account.to_owned(),
            region: region.to_owned(),
            fate,
            reason,
            kept_bucket: k.raw_bucket,
            kept_table: k.table,
        }
    }
}

/// How the stack-set destroy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetResult {
    /// Every instance and then the set are gone.
    Destroyed,
    /// No stack set of that name in the administering region.
    NotFound,
    /// The person said no; nothing was changed.
    Cancelled,
    /// An instance could not be deleted: the set is left, with what remains.
    Stopped,
}

/// The report of `destroy --stack-set`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetDestroyReport {
    pub stack_set: String,
    pub region: String,
    pub result: SetResult,
    pub instances: Vec<InstanceOutcome>,
    /// What to do next: how to finish after a stop, how to purge the kept data after success.
    pub next: Option<String>,
}

/// How to remove the data the instances kept: in each account, with that account's credentials.
fn purge_advice(instances: &[InstanceOutcome]) -> Option<String> {
    let accounts: BTreeSet<&str> = instances
        .iter()
        .filter(|i| i.fate == Fate::Deleted)
        .map(|i| i.account.as_str())
        .collect();
    if accounts.is_empty() {
        return None;
    }
    Some(format!(
        "The data is kept. To remove it for good, in each account ({}) with that account's credentials run `infrapipe destroy --purge-data --region R` for each of its regions (listed in the config's `regions`): with the stack gone it purges the bucket and table left there (only if tagged as this pipeline's).",
        accounts.into_iter().collect::<Vec<_>>().join(", ")
    ))
}

/// The outcome of every instance of `batch` from its operation's results (an instance the
/// results do not name was not attempted).
fn outcomes(
    batch_instances: &[&Instance],
    results: &[OperationResult],
    names: &Names,
) -> Vec<InstanceOutcome> {
    batch_instances
        .iter()
        .map(|i| {
            let kept = retained(names, &i.account, &i.region);
            let found = results
                .iter()
                .find(|r| r.account == i.account && r.region == i.region);
            let (fate, reason) = match found.map(|r| (r.status.as_str(), &r.status_reason)) {
                Some(("SUCCEEDED", _)) => (Fate::Deleted, None),
                Some(("FAILED", why)) => (Fate::Failed, Some(why.clone())),
                Some((other, why)) => (
                    Fate::NotAttempted,
                    Some(if why.is_empty() {
                        other.to_owned()
                    } else {
                        format!("{other}: {why}")
                    }),
                ),
                None => (Fate::NotAttempted, None),
            };
            InstanceOutcome::new(&i.account, &i.region, fate, reason, kept)
        })
        .collect()
}

fn in_batch(i: &Instance, b: &Batch) -> bool {
    let target = match &b.targets {
        Targets::Accounts(a) => a.contains(&i.account),
        Targets::OrganizationalUnits(ous) => i
            .organizational_unit
            .as_ref()
            .is_some_and(|ou| ous.contains(ou)),
    };
    target && b.regions.contains(&i.region)
}

/// Destroys the stack set after one question: its instances batch by batch (each operation
/// waited for, until `interrupt` fires), then the set. A batch that does not fully succeed
/// stops before the next batch and before DeleteStackSet.
pub async fn destroy<U: Ui + ?Sized>(
    aws: &Aws,
    req: &SetRequest<'_>,
    ui: &mut U,
    interrupt: impl std::future::Future,
) -> Result<SetDestroyReport> {
    let set = req.set;
    let survey = survey(aws, set).await?;
    let mut report = SetDestroyReport {
        stack_set: set.name.clone(),
        region: aws.region.clone(),
        result: SetResult::NotFound,
        instances: Vec::new(),
        next: None,
    };
    let Some(q) = question(&set.name, &survey, req.names) else {
        return Ok(report);
    };
    match ui.ask(&q) {
        Answer::Yes => {}
        Answer::No => {
            report.result = SetResult::Cancelled;
            return Ok(report);
        }
        Answer::NobodyToAsk => {
            return Err(Error::NoConsent {
                action: format!("destroy stack set {}", set.name),
            });
        }
    }
    let service_managed = survey.permission_model.as_deref() == Some("SERVICE_MANAGED");
    let mut interrupt = std::pin::pin!(interrupt);
    let plan = batches(&survey.instances, service_managed);
    for (n, batch) in plan.iter().enumerate() {
        let members: Vec<&Instance> = survey
            .instances
            .iter()
            .filter(|i| in_batch(i, batch))
            .collect();
        tracing::info!(stack_set = %set.name, regions = ?batch.regions, "deleting stack instances (cloudformation:DeleteStackInstances)");
        let op = stack_sets::delete_stack_instances(
            aws,
            set,
            &batch.targets,
            &batch.regions,
            &preferences(),
        )
        .await
        .map_err(|e| e.then(&finish_hint(&set.name)))?;
        let waited = tokio::select! {
            w = stack_sets::wait_operation(aws, set, &op, OPERATION_LIMIT, |_| {}) => w.map_err(|e| e.then(&finish_hint(&set.name)))?,
            _ = interrupt.as_mut() => return Err(Error::Interrupted {
                goes_on: format!(
                    "CloudFormation goes on deleting the instances of stack set {} (operation {op}); watch it with `infrapipe status --stack-set`, then run `infrapipe destroy --stack-set` again to delete the set.",
                    set.name
                ),
            }),
        };
        let (operation, results) = waited;
        let done = outcomes(&members, &results, req.names);
        let failed =
            operation.status != "SUCCEEDED" || done.iter().any(|o| o.fate != Fate::Deleted);
        report.instances.extend(done);
        if failed {
            // The batches never started: their instances stand, untouched.
            for later in &plan[n + 1..] {
                for i in survey.instances.iter().filter(|i| in_batch(i, later)) {
                    let kept = retained(req.names, &i.account, &i.region);
                    let why = "not attempted: an earlier deletion failed".to_owned();
                    report.instances.push(InstanceOutcome::new(
                        &i.account,
                        &i.region,
                        Fate::NotAttempted,
                        Some(why),
                        kept,
                    ));
                }
            }
            report.result = SetResult::Stopped;
            let op_reason = if operation.status_reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", operation.status_reason)
            };
            report.next = Some(format!(
                "Operation {op} ended {}{op_reason}; the stack set {} is kept with the instances that remain. Fix the reason shown for each failed instance in its account and region (a bucket CloudFormation cannot delete because it holds objects must be emptied first), then run `infrapipe destroy --stack-set` again: it deletes what is left, then the set.",
                operation.status, set.name
            ));
            report
                .instances
                .sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
            return Ok(report);
        }
    }
    tracing::info!(stack_set = %set.name, "deleting the stack set (cloudformation:DeleteStackSet)");
    stack_sets::delete_stack_set(aws, set)
        .await
        .map_err(|e| e.then(&finish_hint(&set.name)))?;
    report
        .instances
        .sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    report.result = SetResult::Destroyed;
    report.next = purge_advice(&report.instances);
    Ok(report)
}

fn finish_hint(set: &str) -> String {
    format!(
        "Stack set {set} may be partly destroyed: see it with `infrapipe status --stack-set`, then run `infrapipe destroy --stack-set` again to finish"
    )
}

impl std::fmt::Display for SetDestroyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (set, region) = (&self.stack_set, &self.region);
        match self.result {
            SetResult::NotFound => {
                return writeln!(
                    f,
                    "Nothing to destroy: no stack set {set} is administered from {region}. (Kept data, if any, stays in each account; pass --region for the region the set was created from.)"
                );
            }
            SetResult::Cancelled => {
                return writeln!(f, "Destroy cancelled. Nothing was changed.");
            }
            SetResult::Destroyed => writeln!(
                f,
                "Destroyed stack set {set} ({} instances, then the set) from {region}.",
                self.instances.len()
            )?,
            SetResult::Stopped => writeln!(
                f,
                "Stack set {set} was NOT destroyed: an instance could not be deleted."
            )?,
        }
        if !self.instances.is_empty() {
            let rows: Vec<Vec<String>> = self
                .instances
                .iter()
                .map(|i| {
                    let fate = match i.fate {
                        Fate::Deleted => "deleted",
                        Fate::Failed => "FAILED",
                        Fate::NotAttempted => "not attempted",
                    };
                    vec![
                        i.account.clone(),
                        i.region.clone(),
                        fate.to_owned(),
                        format!("bucket {}, table {}", i.kept_bucket, i.kept_table),
                        i.reason.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            writeln!(f)?;
            f.write_str(&crate::style::columns(
                &[
                    "ACCOUNT",
                    "REGION",
                    "INSTANCE",
                    "KEPT (DeletionPolicy Retain)",
                    "REASON",
                ],
                &rows,
            ))?;
        }
        if let Some(next) = &self.next {
            writeln!(f, "\n{next}")?;
        }
        Ok(())
    }
}

impl Report for SetDestroyReport {
    fn what(&self) -> &'static str {
        "stack set destroy result"
    }

    fn exit(&self) -> Exit {
        Exit::from_ok(matches!(
            self.result,
            SetResult::Destroyed | SetResult::NotFound
        ))
    }

    fn text_on_err(&self) -> bool {
        self.result == SetResult::Cancelled
    }
}

/// Why `--purge-data` is refused with `--stack-set`.
pub const PURGE_REFUSED: &str = "--purge-data does not work with --stack-set: the data sits in each target account, where the administering account's credentials cannot reach it (and destroy never reaches into another account to delete data). Run `infrapipe destroy --stack-set` (the data is kept), then in each account, with that account's credentials, `infrapipe destroy --purge-data --region R` for each region (listed in the config's `regions`): with the stack gone it purges the bucket and table left there. Nothing was deleted.";

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(account: &str, region: &str) -> Instance {
        Instance {
            account: account.into(),
            region: region.into(),
            status: "CURRENT".into(),
            detailed_status: "SUCCEEDED".into(),
            status_reason: String::new(),
            drift_status: "NOT_CHECKED".into(),
            last_drift_check: None,
            stack_id: None,
            organizational_unit: None,
        }
    }

    #[test]
    fn a_full_grid_of_instances_is_one_deletion() {
        let all = [
            instance("111111111111", "eu-west-1"),
            instance("111111111111", "us-east-1"),
            instance("222222222222", "eu-west-1"),
            instance("222222222222", "us-east-1"),
        ];
        assert_eq!(
            batches(&all, false),
            vec![Batch {
                targets: Targets::Accounts(vec!["111111111111".into(), "222222222222".into()]),
                regions: vec!["eu-west-1".into(), "us-east-1".into()],
            }]
        );
    }

    #[test]
    fn accounts_in_different_regions_are_deleted_apart_so_no_other_pair_is_named() {
        let some = [
            instance("111111111111", "us-east-1"),
            instance("222222222222", "eu-west-1"),
        ];
        assert_eq!(batches(&some, false).len(), 2);
    }

    #[test]
    fn the_question_names_each_instances_kept_data_for_its_account_and_region() {
        let config = crate::config::Config::parse(
            include_str!("../../examples/infrapipe.yaml"),
            std::path::Path::new("examples/infrapipe.yaml"),
        )
        .expect("the example config");
        let names = Names::new(&config);
        let survey = SetSurvey {
            region: "us-east-1".into(),
            permission_model: Some("SELF_MANAGED".into()),
            instances: vec![instance("111111111111", "eu-west-1")],
        };
        let q = question("infra-monitoring-prod", &survey, &names).expect("a question");
        let kept = retained(&names, "111111111111", "eu-west-1");
        assert!(
            q.contains(&format!(
                "  - 111111111111 eu-west-1: keeps bucket {} and table {}\n",
                kept.raw_bucket, kept.table
            )) && kept.raw_bucket.contains("111111111111"),
            "{q}"
        );
    }

    #[test]
    fn no_set_asks_nothing() {
        let config = crate::config::Config::parse(
            include_str!("../../examples/infrapipe.yaml"),
            std::path::Path::new("examples/infrapipe.yaml"),
        )
        .expect("the example config");
        let survey = SetSurvey {
            region: "us-east-1".into(),
            permission_model: None,
            instances: Vec::new(),
        };
        assert_eq!(question("s", &survey, &Names::new(&config)), None);
    }
}
