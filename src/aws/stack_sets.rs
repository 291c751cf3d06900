//! CloudFormation StackSets: one template deployed to accounts x regions by CloudFormation's own
//! engine. Plain values in and out (names, account ids, region names, template bodies or URLs);
//! every operation that changes instances returns its operation id, and `wait_operation` follows
//! one to its end through `backoff`, handing each poll's per-instance results to the caller.

use super::backoff::Backoff;
use super::cloudformation::TemplateSource;
use super::{Aws, AwsError};
use aws_sdk_cloudformation::types::{
    AutoDeployment, CallAs, Capability, ConcurrencyMode, DeploymentTargets, Parameter,
    PermissionModels, RegionConcurrencyType, StackSetOperationPreferences, Tag,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Which stack set, and as whom the caller acts: a delegated administrator of the organization
/// must say so on every call of a service-managed set (CallAs DELEGATED_ADMIN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetRef {
    pub name: String,
    pub delegated_admin: bool,
}

impl SetRef {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            delegated_admin: false,
        }
    }

    pub(super) fn call_as(&self) -> Option<CallAs> {
        self.delegated_admin.then_some(CallAs::DelegatedAdmin)
    }
}

/// Who deploys the instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permissions {
    /// SELF_MANAGED: the administering account's role assumes the execution role in each target.
    SelfManaged {
        administration_role_arn: String,
        execution_role_name: String,
    },
    /// SERVICE_MANAGED: StackSets' trusted access in Organizations. `auto_deployment` deploys to
    /// accounts that join a target OU; an account that leaves keeps its stack (and data):
    /// RetainStacksOnAccountRemoval is always true, the data-safe choice.
    ServiceManaged { auto_deployment: bool },
}

/// Where instances go: listed accounts (self-managed) or organizational units (service-managed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    Accounts(Vec<String>),
    OrganizationalUnits(Vec<String>),
}

/// A count or a percentage of accounts per region (CloudFormation takes one or the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Amount {
    Count(u32),
    Percent(u32),
}

/// `StackSetOperationPreferences`, as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// Regions one after another (true: SEQUENTIAL) or all at once (PARALLEL).
    pub sequential: bool,
    pub region_order: Vec<String>,
    /// Failed accounts per region before CloudFormation stops the operation in that region.
    pub failure_tolerance: Amount,
    /// Accounts per region at one time.
    pub max_concurrent: Amount,
    /// STRICT_FAILURE_TOLERANCE (true) caps concurrency at tolerance + 1; SOFT decouples them.
    pub strict: bool,
}

impl Preferences {
    fn to_sdk(&self) -> StackSetOperationPreferences {
        let mut b = StackSetOperationPreferences::builder()
            .region_concurrency_type(if self.sequential {
                RegionConcurrencyType::Sequential
            } else {
                RegionConcurrencyType::Parallel
            })
            // No order for an operation over no region (a template-only UpdateStackSet).
            .set_region_order((!self.region_order.is_empty()).then(|| self.region_order.clone()))
            .concurrency_mode(if self.strict {
                ConcurrencyMode::StrictFailureTolerance
            } else {
                ConcurrencyMode::SoftFailureTolerance
            });
        b = match self.failure_tolerance {
            Amount::Count(n) => b.failure_tolerance_count(to_i32(n)),
            Amount::Percent(n) => b.failure_tolerance_percentage(to_i32(n)),
        };
        b = match self.max_concurrent {
            Amount::Count(n) => b.max_concurrent_count(to_i32(n)),
            Amount::Percent(n) => b.max_concurrent_percentage(to_i32(n)),
        };
        b.build()
    }
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A stack set as deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackSetInfo {
    pub name: String,
    pub id: String,
    /// ACTIVE or DELETED.
    pub status: String,
    pub template_body: String,
    pub parameters: BTreeMap<String, String>,
    /// SELF_MANAGED or SERVICE_MANAGED.
    pub permission_model: String,
    pub administration_role_arn: Option<String>,
    pub execution_role_name: Option<String>,
    /// Service-managed only: whether new accounts of the target OUs get an instance.
    pub auto_deployment: Option<bool>,
    pub organizational_unit_ids: Vec<String>,
}

/// One stack instance (an account x region of the set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instance {
    pub account: String,
    pub region: String,
    /// CURRENT, OUTDATED or INOPERABLE.
    pub status: String,
    /// PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED, INOPERABLE, SKIPPED_SUSPENDED_ACCOUNT...
    pub detailed_status: String,
    pub status_reason: String,
    /// DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED.
    pub drift_status: String,
    /// When the instance was last checked for drift (RFC 3339), if ever.
    pub last_drift_check: Option<String>,
    pub stack_id: Option<String>,
    pub organizational_unit: Option<String>,
}

/// A stack set operation's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operation {
    pub id: String,
    /// CREATE, UPDATE, DELETE or DETECT_DRIFT.
    pub action: String,
    /// RUNNING, SUCCEEDED, FAILED, STOPPING, STOPPED or QUEUED.
    pub status: String,
    pub status_reason: String,
}

impl Operation {
    /// The operation has ended (whatever its outcome).
    pub fn finished(&self) -> bool {
        matches!(self.status.as_str(), "SUCCEEDED" | "FAILED" | "STOPPED")
    }
}

/// What one operation did in one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationResult {
    pub account: String,
    pub region: String,
    /// PENDING, RUNNING, SUCCEEDED, FAILED or CANCELLED.
    pub status: String,
    pub status_reason: String,
}

/// What a new stack set is made of.
#[derive(Debug, Clone)]
pub struct NewStackSet<'a> {
    pub set: &'a SetRef,
    pub description: &'a str,
    pub template: &'a TemplateSource,
    pub parameters: &'a BTreeMap<String, String>,
    pub tags: &'a BTreeMap<String, String>,
    pub permissions: &'a Permissions,
}

fn sdk_parameters(p: &BTreeMap<String, String>) -> Vec<Parameter> {
    p.iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build()
        })
        .collect()
}

fn sdk_tags(t: &BTreeMap<String, String>) -> Vec<Tag> {
    t.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn auto_deployment(enabled: bool) -> AutoDeployment {
    AutoDeployment::builder()
        .enabled(enabled)
        .retain_stacks_on_account_removal(true)
        .build()
}

/// Self-managed targets go as `Accounts`, service-managed ones as `DeploymentTargets`.
fn split(targets: &Targets) -> (Option<Vec<String>>, Option<DeploymentTargets>) {
    match targets {
        // No accounts at all (an UpdateStackSet that only changes the template): none sent.
        Targets::Accounts(a) if a.is_empty() => (None, None),
        Targets::Accounts(a) => (Some(a.clone()), None),
        Targets::OrganizationalUnits(ous) => (
            None,
            Some(
                DeploymentTargets::builder()
                    .set_organizational_unit_ids(Some(ous.clone()))
                    .build(),
            ),
        ),
    }
}

fn is_missing_set(err: &AwsError) -> bool {
    err.is_code("StackSetNotFoundException") || err.message.contains("StackSetNotFound")
}

/// The stack set `set`, with its template and parameters; None when there is none (or it was
/// deleted).
pub async fn describe_stack_set(aws: &Aws, set: &SetRef) -> Result<Option<StackSetInfo>, AwsError> {
    let cf = aws.cloudformation();
    let sent = cf
        .describe_stack_set()
        .stack_set_name(&set.name)
        .set_call_as(set.call_as())
        .send()
        .await;
    let out = match sent {
        Ok(o) => o,
        Err(e) => {
            let err = AwsError::new(format!("reading stack set {}", set.name), &aws.region, &e);
            if e.as_service_error()
                .is_some_and(|s| s.is_stack_set_not_found_exception())
                || is_missing_set(&err)
            {
                return Ok(None);
            }
            return Err(err);
        }
    };
    let Some(s) = out.stack_set() else {
        return Ok(None);
    };
    let status = s
        .status()
        .map(|x| x.as_str().to_owned())
        .unwrap_or_default();
    if status == "DELETED" {
        return Ok(None);
    }
    Ok(Some(StackSetInfo {
        name: s.stack_set_name().unwrap_or(&set.name).to_owned(),
        id: s.stack_set_id().unwrap_or_default().to_owned(),
        status,
        template_body: s.template_body().unwrap_or_default().to_owned(),
        parameters: s
            .parameters()
            .iter()
            .filter_map(|p| {
                Some((
                    p.parameter_key()?.to_owned(),
                    p.parameter_value().unwrap_or_default().to_owned(),
                ))
            })
            .collect(),
        permission_model: s
            .permission_model()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "SELF_MANAGED".to_owned()),
        administration_role_arn: s.administration_role_arn().map(str::to_owned),
        execution_role_name: s.execution_role_name().map(str::to_owned),
        auto_deployment: s.auto_deployment().and_then(|a| a.enabled()),
        organizational_unit_ids: s.organizational_unit_ids().to_vec(),
    }))
}

/// Creates the stack set (no instances yet). CAPABILITY_NAMED_IAM: the template names its roles.
pub async fn create_stack_set(aws: &Aws, new: &NewStackSet<'_>) -> Result<String, AwsError> {
    let cf = aws.cloudformation();
    let mut req = cf
        .create_stack_set()
        .stack_set_name(&new.set.name)
        .description(new.description)
        .set_parameters(Some(sdk_parameters(new.parameters)))
        .set_tags(Some(sdk_tags(new.tags)))
        .capabilities(Capability::CapabilityNamedIam)
        .set_call_as(new.set.call_as());
    req = match new.template {
        TemplateSource::Body(b) => req.template_body(b),
        TemplateSource::Url(u) => req.template_url(u),
    };
    req = match new.permissions {
        Permissions::SelfManaged {
            administration_role_arn,
            execution_role_name,
        } => req
            .permission_model(PermissionModels::SelfManaged)
            .administration_role_arn(administration_role_arn)
            .execution_role_name(execution_role_name),
        Permissions::ServiceManaged { auto_deployment: a } => req
            .permission_model(PermissionModels::ServiceManaged)
            .auto_deployment(auto_deployment(*a)),
    };
    let out = req.send().await.map_err(|e| {
        AwsError::new(
            format!("creating stack set {}", new.set.name),
            &aws.region,
            &e,
        )
    })?;
    Ok(out.stack_set_id().unwrap_or_default().to_owned())
}

/// A change to the whole set: its template, parameters, tags and permissions, rolled out to
/// `targets` x `regions` (the instances that exist) with `prefs`.
#[derive(Debug, Clone)]
pub struct SetUpdate<'a> {
    pub set: &'a SetRef,
    pub template: &'a TemplateSource,
    pub parameters: &'a BTreeMap<String, String>,
    pub tags: &'a BTreeMap<String, String>,
    pub permissions: &'a Permissions,
    pub targets: &'a Targets,
    pub regions: &'a [String],
    pub prefs: &'a Preferences,
}

/// UpdateStackSet; returns the operation id.
pub async fn update_stack_set(aws: &Aws, u: &SetUpdate<'_>) -> Result<String, AwsError> {
    let cf = aws.cloudformation();
    let (accounts, deployment) = split(u.targets);
    let mut req = cf
        .update_stack_set()
        .stack_set_name(&u.set.name)
        .set_parameters(Some(sdk_parameters(u.parameters)))
        .set_tags(Some(sdk_tags(u.tags)))
        .capabilities(Capability::CapabilityNamedIam)
        .operation_preferences(u.prefs.to_sdk())
        .set_accounts(accounts)
        .set_deployment_targets(deployment)
        .set_regions((!u.regions.is_empty()).then(|| u.regions.to_vec()))
        .set_call_as(u.set.call_as());
    req = match u.template {
        TemplateSource::Body(b) => req.template_body(b),
        TemplateSource::Url(url) => req.template_url(url),
    };
    req = match u.permissions {
        Permissions::SelfManaged {
            administration_role_arn,
            execution_role_name,
        } => req
            .administration_role_arn(administration_role_arn)
            .execution_role_name(execution_role_name),
        Permissions::ServiceManaged { auto_deployment: a } => {
            req.auto_deployment(auto_deployment(*a))
        }
    };
    let out = req.send().await.map_err(|e| {
        AwsError::new(
            format!("updating stack set {}", u.set.name),
            &aws.region,
            &e,
        )
    })?;
    Ok(out.operation_id().unwrap_or_default().to_owned())
}

/// CreateStackInstances for `targets` x `regions`; returns the operation id.
pub async fn create_stack_instances(
    aws: &Aws,
    set: &SetRef,
    targets: &Targets,
    regions: &[String],
    prefs: &Preferences,
) -> Result<String, AwsError> {
    let cf = aws.cloudformation();
    let (accounts, deployment) = split(targets);
    let out = cf
        .create_stack_instances()
        .stack_set_name(&set.name)
        .set_accounts(accounts)
        .set_deployment_targets(deployment)
        .set_regions(Some(regions.to_vec()))
        .operation_preferences(prefs.to_sdk())
        .set_call_as(set.call_as())
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("creating instances of stack set {}", set.name),
                &aws.region,
                &e,
            )
        })?;
    Ok(out.operation_id().unwrap_or_default().to_owned())
}

/// UpdateStackInstances for `targets` x `regions` (no parameter overrides: re-deploys the set's
/// current template to instances that are OUTDATED or failed); returns the operation id.
pub async fn update_stack_instances(
    aws: &Aws,
    set: &SetRef,
    targets: &Targets,
    regions: &[String],
    prefs: &Preferences,
) -> Result<String, AwsError> {
    let cf = aws.cloudformation();
    let (accounts, deployment) = split(targets);
    let out = cf
        .update_stack_instances()
        .stack_set_name(&set.name)
        .set_accounts(accounts)
        .set_deployment_targets(deployment)
        .set_regions(Some(regions.to_vec()))
        .operation_preferences(prefs.to_sdk())
        .set_call_as(set.call_as())
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("updating instances of stack set {}", set.name),
                &aws.region,
                &e,
            )
        })?;
    Ok(out.operation_id().unwrap_or_default().to_owned())
}

/// DeleteStackInstances with RetainStacks false: the stacks go; the data resources stay, as
/// their DeletionPolicy Retain says. Returns the operation id.
pub async fn delete_stack_instances(
    aws: &Aws,
    set: &SetRef,
    targets: &Targets,
    regions: &[String],
    prefs: &Preferences,
) -> Result<String, AwsError> {
    let cf = aws.cloudformation();
    let (accounts, deployment) = split(targets);
    let out = cf
        .delete_stack_instances()
        .stack_set_name(&set.name)
        .set_accounts(accounts)
        .set_deployment_targets(deployment)
        .set_regions(Some(regions.to_vec()))
        .operation_preferences(prefs.to_sdk())
        .retain_stacks(false)
        .set_call_as(set.call_as())
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("deleting instances of stack set {}", set.name),
                &aws.region,
                &e,
            )
        })?;
    Ok(out.operation_id().unwrap_or_default().to_owned())
}

/// DeleteStackSet (it must hold no instances).
pub async fn delete_stack_set(aws: &Aws, set: &SetRef) -> Result<(), AwsError> {
    let cf = aws.cloudformation();
    cf.delete_stack_set()
        .stack_set_name(&set.name)
        .set_call_as(set.call_as())
        .send()
        .await
        .map_err(|e| AwsError::new(format!("deleting stack set {}", set.name), &aws.region, &e))?;
    Ok(())
}

/// Every instance of the set, all pages, sorted by account then region.
pub async fn list_stack_instances(aws: &Aws, set: &SetRef) -> Result<Vec<Instance>, AwsError> {
    let cf = aws.cloudformation();
    let mut pages = cf
        .list_stack_instances()
        .stack_set_name(&set.name)
        .set_call_as(set.call_as())
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            AwsError::new(
                format!("listing the instances of stack set {}", set.name),
                &aws.region,
                &e,
            )
        })?;
        for s in page.summaries() {
            out.push(Instance {
                account: s.account().unwrap_or_default().to_owned(),
                region: s.region().unwrap_or_default().to_owned(),
                status: s
                    .status()
                    .map(|x| x.as_str().to_owned())
                    .unwrap_or_default(),
                detailed_status: s
                    .stack_instance_status()
                    .and_then(|c| c.detailed_status())
                    .map(|d| d.as_str().to_owned())
                    .unwrap_or_default(),
                status_reason: s.status_reason().unwrap_or_default().to_owned(),
                drift_status: s
                    .drift_status()
                    .map(|d| d.as_str().to_owned())
                    .unwrap_or_else(|| "NOT_CHECKED".to_owned()),
                last_drift_check: s
                    .last_drift_check_timestamp()
                    .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
                stack_id: s.stack_id().map(str::to_owned),
                organizational_unit: s.organizational_unit_id().map(str::to_owned),
            });
        }
    }
    out.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    Ok(out)
}

/// One operation's state.
pub async fn describe_stack_set_operation(
    aws: &Aws,
    set: &SetRef,
    operation_id: &str,
) -> Result<Operation, AwsError> {
    let cf = aws.cloudformation();
    let out = cf
        .describe_stack_set_operation()
        .stack_set_name(&set.name)
        .operation_id(operation_id)
        .set_call_as(set.call_as())
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("reading operation {operation_id} of stack set {}", set.name),
                &aws.region,
                &e,
            )
        })?;
    let op = out.stack_set_operation();
    Ok(Operation {
        id: operation_id.to_owned(),
        action: op
            .and_then(|o| o.action())
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
        status: op
            .and_then(|o| o.status())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        status_reason: op
            .and_then(|o| o.status_reason())
            .unwrap_or_default()
            .to_owned(),
    })
}

/// What the operation did per account and region so far, all pages.
pub async fn list_stack_set_operation_results(
    aws: &Aws,
    set: &SetRef,
    operation_id: &str,
) -> Result<Vec<OperationResult>, AwsError> {
    let cf = aws.cloudformation();
    let mut pages = cf
        .list_stack_set_operation_results()
        .stack_set_name(&set.name)
        .operation_id(operation_id)
        .set_call_as(set.call_as())
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            AwsError::new(
                format!(
                    "listing the results of operation {operation_id} of stack set {}",
                    set.name
                ),
                &aws.region,
                &e,
            )
        })?;
        for s in page.summaries() {
            out.push(OperationResult {
                account: s.account().unwrap_or_default().to_owned(),
                region: s.region().unwrap_or_default().to_owned(),
                status: s
                    .status()
                    .map(|x| x.as_str().to_owned())
                    .unwrap_or_default(),
                status_reason: s.status_reason().unwrap_or_default().to_owned(),
            });
        }
    }
    Ok(out)
}

/// Polls the operation until it ends (or `limit` passes: an error that says the operation goes
/// on), handing every poll's results to `seen` so the caller can report instances as they end.
pub async fn wait_operation(
    aws: &Aws,
    set: &SetRef,
    operation_id: &str,
    limit: Duration,
    mut seen: impl FnMut(&[OperationResult]),
) -> Result<(Operation, Vec<OperationResult>), AwsError> {
    let mut backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(30)).within(limit);
    loop {
        let op = describe_stack_set_operation(aws, set, operation_id).await?;
        let results = list_stack_set_operation_results(aws, set, operation_id).await?;
        seen(&results);
        if op.finished() {
            return Ok((op, results));
        }
        if !backoff.pause().await {
            return Err(AwsError {
                doing: format!(
                    "waiting for operation {operation_id} of stack set {}",
                    set.name
                ),
                region: aws.region.clone(),
                code: None,
                message: format!(
                    "still {} after {} s; CloudFormation goes on: run the rollout again to see where it stands",
                    op.status,
                    backoff.elapsed().as_secs()
                ),
            });
        }
    }
}

/// DetectStackSetDrift over every instance; returns the operation id (wait for it, then read
/// the instances' drift status).
pub async fn detect_stack_set_drift(
    aws: &Aws,
    set: &SetRef,
    prefs: &Preferences,
) -> Result<String, AwsError> {
    let cf = aws.cloudformation();
    let out = cf
        .detect_stack_set_drift()
        .stack_set_name(&set.name)
        .operation_preferences(prefs.to_sdk())
        .set_call_as(set.call_as())
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("detecting drift of stack set {}", set.name),
                &aws.region,
                &e,
            )
        })?;
    Ok(out.operation_id().unwrap_or_default().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_go_out_as_counts_in_strict_sequential_mode() {
        let p = Preferences {
            sequential: true,
            region_order: vec!["us-east-1".into(), "eu-west-1".into()],
            failure_tolerance: Amount::Count(0),
            max_concurrent: Amount::Count(1),
            strict: true,
        }
        .to_sdk();
        assert_eq!(
            (
                p.region_concurrency_type().map(|r| r.as_str()),
                p.region_order(),
                p.failure_tolerance_count(),
                p.max_concurrent_count(),
                p.concurrency_mode().map(|c| c.as_str()),
                p.failure_tolerance_percentage(),
            ),
            (
                Some("SEQUENTIAL"),
                &["us-east-1".to_owned(), "eu-west-1".to_owned()][..],
                Some(0),
                Some(1),
                Some("STRICT_FAILURE_TOLERANCE"),
                None
            )
        );
    }

    #[test]
    fn service_managed_sets_keep_the_stacks_of_accounts_that_leave() {
        assert_eq!(
            auto_deployment(true).retain_stacks_on_account_removal(),
            Some(true)
        );
    }
}
