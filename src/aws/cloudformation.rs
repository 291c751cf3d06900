//! CloudFormation: read what is deployed.

use super::{Aws, AwsError};
use aws_sdk_cloudformation::types::TemplateStage;
use aws_smithy_types::date_time::Format;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The deployed stack, as far as a plan needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployedStack {
    pub stack_id: String,
    pub status: String,
    /// Last update, or creation when never updated (RFC 3339): what `apply PLANFILE` checks.
    pub last_change: Option<String>,
    pub outputs: BTreeMap<String, String>,
    pub template: serde_json::Value,
}

/// Reads the stack `name`, or None when there is none. A stack that holds only a change set
/// under review has no resources and counts as none.
pub async fn deployed(aws: &Aws, name: &str) -> Result<Option<DeployedStack>, AwsError> {
    let cf = aws.cloudformation();
    let doing = format!("reading stack {name}");
    let (described, template) = tokio::join!(
        cf.describe_stacks().stack_name(name).send(),
        cf.get_template()
            .stack_name(name)
            .template_stage(TemplateStage::Original)
            .send()
    );
    let described = match described {
        Ok(d) => d,
        Err(e) => {
            let err = AwsError::new(&doing, &aws.region, &e);
            if is_missing_stack(&err) {
                return Ok(None);
            }
            return Err(err);
        }
    };
    let Some(stack) = described.stacks().first() else {
        return Ok(None);
    };
    let status = stack
        .stack_status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    if status == "REVIEW_IN_PROGRESS" || status == "DELETE_COMPLETE" {
        return Ok(None);
    }
    let template = template.map_err(|e| AwsError::new(&doing, &aws.region, &e))?;
    let body = template.template_body().unwrap_or("{}");
    let template = parse_template(body).map_err(|m| AwsError {
        doing: doing.clone(),
        region: aws.region.clone(),
        code: None,
        message: m,
    })?;
    let last_change = stack
        .last_updated_time()
        .or(stack.creation_time())
        .and_then(|t| t.fmt(Format::DateTime).ok());
    let outputs = stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
        .collect();
    Ok(Some(DeployedStack {
        stack_id: stack.stack_id().unwrap_or(name).to_owned(),
        status,
        last_change,
        outputs,
        template,
    }))
}

/// CloudFormation answers a missing stack with a ValidationError that says so.
pub fn is_missing_stack(err: &AwsError) -> bool {
    err.is_code("ValidationError") && err.message.contains("does not exist")
}

/// A deployed template body: JSON (what infrapipe deploys) or plain YAML.
pub fn parse_template(body: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(body).or_else(|_| {
        serde_yaml_ng::from_str(body).map_err(|e| {
            format!("the deployed template is neither JSON nor plain YAML ({e}); was the stack deployed by another tool?")
        })
    })
}

/// CloudFormation's own view of one change in a change set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSetEntry {
    pub action: String,
    pub logical_id: String,
    pub resource_type: String,
    /// True, False or Conditional; empty where CloudFormation (or an emulator) gives none.
    pub replacement: String,
}

/// Where the template goes: inline when it fits CloudFormation's 51,200-byte body limit,
/// otherwise an S3 URL of the uploaded template.
#[derive(Debug, Clone)]
pub enum TemplateSource {
    Body(String),
    Url(String),
}

/// A change set created and ready (or empty).
#[derive(Debug, Clone)]
pub struct ChangeSet {
    pub id: String,
    /// The stack the change set belongs to (a CREATE change set makes it).
    pub stack_id: Option<String>,
    pub changes: Vec<ChangeSetEntry>,
    /// CloudFormation found nothing to change (the change set was deleted).
    pub empty: bool,
}

/// Creates a change set (CREATE for a new stack, UPDATE otherwise: always explicit) and waits
/// until CloudFormation has computed it. An empty one is deleted and reported as empty.
pub async fn create_change_set(
    aws: &Aws,
    stack: &str,
    template: &TemplateSource,
    stack_exists: bool,
    tags: &BTreeMap<String, String>,
    name_prefix: &str,
) -> Result<ChangeSet, AwsError> {
    let none = BTreeMap::new();
    create_change_set_with(aws, stack, template, stack_exists, tags, name_prefix, &none).await
}

/// `create_change_set` with stack parameters (the rest take their defaults). With a deploy
/// role (`Aws::deploy_role_arn`), CloudFormation acts as that role (RoleARN).
pub async fn create_change_set_with(
    aws: &Aws,
    stack: &str,
    template: &TemplateSource,
    stack_exists: bool,
    tags: &BTreeMap<String, String>,
    name_prefix: &str,
    parameters: &BTreeMap<String, String>,
) -> Result<ChangeSet, AwsError> {
    let (exists, prefix) = (stack_exists, name_prefix);
    create_change_set_full(aws, stack, template, exists, tags, prefix, parameters, None).await
}

#[allow(clippy::too_many_arguments)]
async fn create_change_set_full(
    aws: &Aws,
    stack: &str,
    template: &TemplateSource,
    stack_exists: bool,
    tags: &BTreeMap<String, String>,
    name_prefix: &str,
    parameters: &BTreeMap<String, String>,
    mode: Option<aws_sdk_cloudformation::types::DeploymentMode>,
) -> Result<ChangeSet, AwsError> {
    use aws_sdk_cloudformation::types::ChangeSetType;
    let kind = if stack_exists {
        ChangeSetType::Update
    } else {
        ChangeSetType::Create
    };
    let spec = ChangeSetSpec {
        stack,
        template,
        kind,
        tags,
        name_prefix,
        parameters,
        mode,
        imports: &[],
    };
    let cs = create_and_wait(aws, &spec, &format!("creating a change set for {stack}")).await?;
    if cs.empty {
        let _ = aws
            .cloudformation()
            .delete_change_set()
            .change_set_name(&cs.id)
            .send()
            .await;
    }
    Ok(cs)
}

/// Everything a CreateChangeSet request carries. Every kind of change set (CREATE, UPDATE,
/// IMPORT, drift-reverting) is sent by `create_and_wait` from one of these, so a property
/// added there (RoleARN, tags, capabilities) reaches all of them.
struct ChangeSetSpec<'a> {
    stack: &'a str,
    template: &'a TemplateSource,
    kind: aws_sdk_cloudformation::types::ChangeSetType,
    tags: &'a BTreeMap<String, String>,
    name_prefix: &'a str,
    parameters: &'a BTreeMap<String, String>,
    mode: Option<aws_sdk_cloudformation::types::DeploymentMode>,
    imports: &'a [ResourceToImport],
}

/// Sends the CreateChangeSet request `spec` describes and waits until CloudFormation has
/// computed it (`empty`: it found nothing to change; the change set is left for the caller).
async fn create_and_wait(
    aws: &Aws,
    spec: &ChangeSetSpec<'_>,
    doing: &str,
) -> Result<ChangeSet, AwsError> {
    use aws_sdk_cloudformation::types::{Capability, Parameter, ResourceToImport as Sdk, Tag};
    let name = format!(
        "{}-{}",
        spec.name_prefix,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default()
    );
    let mut req = aws
        .cloudformation()
        .create_change_set()
        .stack_name(spec.stack)
        .change_set_name(&name)
        .change_set_type(spec.kind.clone())
        .capabilities(Capability::CapabilityIam)
        .set_role_arn(aws.deploy_role_arn.clone())
        .set_deployment_mode(spec.mode.clone());
    for (k, v) in spec.parameters {
        req = req.parameters(
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build(),
        );
    }
    req = match spec.template {
        TemplateSource::Body(b) => req.template_body(b),
        TemplateSource::Url(u) => req.template_url(u),
    };
    for r in spec.imports {
        let built = Sdk::builder()
            .resource_type(&r.resource_type)
            .logical_resource_id(&r.logical_id)
            .set_resource_identifier(Some(r.identifier.clone().into_iter().collect()))
            .build();
        req = req.resources_to_import(built);
    }
    for (k, v) in spec.tags {
        req = req.tags(Tag::builder().key(k).value(v).build());
    }
    let created = req
        .send()
        .await
        .map_err(|e| AwsError::new(doing, &aws.region, &e))?;
    let id = created.id().unwrap_or(&name).to_owned();
    let stack_id = created.stack_id().map(str::to_owned);
    let changes = wait_for_change_set(aws, &id, doing).await?;
    Ok(ChangeSet {
        id,
        stack_id,
        empty: changes.is_none(),
        changes: changes.unwrap_or_default(),
    })
}

/// One existing resource an IMPORT change set adopts: its type, the logical id it takes in the
/// template, and its primary identifier (`BucketName` -> name, `TableName` -> name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceToImport {
    pub resource_type: String,
    pub logical_id: String,
    pub identifier: BTreeMap<String, String>,
}

/// Creates an IMPORT change set (which also creates the stack when there is none) adopting
/// `resources`, and waits until CloudFormation has computed it. `template` must declare exactly
/// the stack's resources plus the imported ones, each of those with a DeletionPolicy.
pub async fn create_import_change_set(
    aws: &Aws,
    stack: &str,
    template: &TemplateSource,
    resources: &[ResourceToImport],
    tags: &BTreeMap<String, String>,
    name_prefix: &str,
) -> Result<ChangeSet, AwsError> {
    let spec = ChangeSetSpec {
        stack,
        template,
        kind: aws_sdk_cloudformation::types::ChangeSetType::Import,
        tags,
        name_prefix,
        parameters: &BTreeMap::new(),
        mode: None,
        imports: resources,
    };
    create_and_wait(
        aws,
        &spec,
        &format!("creating the import change set for {stack}"),
    )
    .await
}

/// Creates a change set for the template `body` (its JSON text), waits for it, returns
/// CloudFormation's view and deletes it again (and the empty stack a CREATE change set leaves
/// behind). Nothing is executed.
pub async fn preview_change_set(
    aws: &Aws,
    stack: &str,
    source: &TemplateSource,
    stack_exists: bool,
) -> Result<Vec<ChangeSetEntry>, AwsError> {
    let cf = aws.cloudformation();
    let cs = create_change_set(
        aws,
        stack,
        source,
        stack_exists,
        &BTreeMap::new(),
        "infrapipe-plan",
    )
    .await;
    if let Ok(cs) = &cs
        && !cs.empty
    {
        let _ = cf.delete_change_set().change_set_name(&cs.id).send().await;
    }
    if !stack_exists {
        let _ = cf
            .delete_stack()
            .stack_name(stack)
            .set_role_arn(aws.deploy_role_arn.clone())
            .send()
            .await;
    }
    cs.map(|c| c.changes)
}

pub async fn delete_change_set(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.cloudformation()
        .delete_change_set()
        .change_set_name(id)
        .send()
        .await
        .map_err(|e| AwsError::new("deleting the change set", &aws.region, &e))?;
    Ok(())
}

pub async fn execute_change_set(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.cloudformation()
        .execute_change_set()
        .change_set_name(id)
        .send()
        .await
        .map_err(|e| AwsError::new("executing the change set", &aws.region, &e))?;
    Ok(())
}

/// The stack's id after a change set created it (a CREATE change set makes the stack).
pub async fn stack_id(aws: &Aws, stack: &str) -> Result<Option<String>, AwsError> {
    match aws
        .cloudformation()
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
    {
        Ok(d) => Ok(d
            .stacks()
            .first()
            .and_then(|s| s.stack_id())
            .map(str::to_owned)),
        Err(e) => {
            let err = AwsError::new(format!("reading stack {stack}"), &aws.region, &e);
            if is_missing_stack(&err) {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Status and reason of a stack, by id (by name a deleted stack "does not exist").
pub async fn status(aws: &Aws, stack_id: &str) -> Result<(String, String), AwsError> {
    let d = aws
        .cloudformation()
        .describe_stacks()
        .stack_name(stack_id)
        .send()
        .await
        .map_err(|e| AwsError::new("watching the stack", &aws.region, &e))?;
    let s = d.stacks().first();
    Ok((
        s.and_then(|s| s.stack_status())
            .map(|x| x.as_str().to_owned())
            .unwrap_or_default(),
        s.and_then(|s| s.stack_status_reason())
            .unwrap_or_default()
            .to_owned(),
    ))
}

/// One stack event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: String,
    pub time: String,
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: String,
}

/// The newest page of events (newest first), as CloudFormation returns them.
pub async fn recent_events(aws: &Aws, stack_id: &str) -> Result<Vec<Event>, AwsError> {
    let d = aws
        .cloudformation()
        .describe_stack_events()
        .stack_name(stack_id)
        .send()
        .await
        .map_err(|e| AwsError::new("reading stack events", &aws.region, &e))?;
    Ok(d.stack_events()
        .iter()
        .map(|e| Event {
            id: e.event_id().unwrap_or_default().to_owned(),
            time: e
                .timestamp()
                .and_then(|t| t.fmt(Format::DateTime).ok())
                .unwrap_or_default(),
            logical_id: e.logical_resource_id().unwrap_or_default().to_owned(),
            resource_type: e.resource_type().unwrap_or_default().to_owned(),
            status: e
                .resource_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            reason: e.resource_status_reason().unwrap_or_default().to_owned(),
        })
        .collect())
}

pub async fn set_stack_policy(
    aws: &Aws,
    stack: &str,
    policy: &serde_json::Value,
) -> Result<(), AwsError> {
    aws.cloudformation()
        .set_stack_policy()
        .stack_name(stack)
        .stack_policy_body(policy.to_string())
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("setting the stack policy of {stack}"),
                &aws.region,
                &e,
            )
        })?;
    Ok(())
}

pub async fn set_termination_protection(aws: &Aws, stack: &str, on: bool) -> Result<(), AwsError> {
    aws.cloudformation()
        .update_termination_protection()
        .stack_name(stack)
        .enable_termination_protection(on)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("setting termination protection of {stack}"),
                &aws.region,
                &e,
            )
        })?;
    Ok(())
}

pub async fn termination_protection(aws: &Aws, stack: &str) -> Result<bool, AwsError> {
    let d = aws
        .cloudformation()
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| AwsError::new(format!("reading stack {stack}"), &aws.region, &e))?;
    Ok(d.stacks()
        .first()
        .and_then(|s| s.enable_termination_protection())
        .unwrap_or(false))
}

pub async fn delete_stack(aws: &Aws, stack_id: &str) -> Result<(), AwsError> {
    aws.cloudformation()
        .delete_stack()
        .stack_name(stack_id)
        .set_role_arn(aws.deploy_role_arn.clone())
        .send()
        .await
        .map_err(|e| AwsError::new("deleting the stack", &aws.region, &e))?;
    Ok(())
}

/// A stack resource: logical id, type, physical id, status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackResource {
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: String,
    pub status: String,
}

pub async fn resources(aws: &Aws, stack: &str) -> Result<Vec<StackResource>, AwsError> {
    let mut out = Vec::new();
    let mut pages = aws
        .cloudformation()
        .list_stack_resources()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            AwsError::new(format!("listing the resources of {stack}"), &aws.region, &e)
        })?;
        for r in page.stack_resource_summaries() {
            out.push(StackResource {
                logical_id: r.logical_resource_id().unwrap_or_default().to_owned(),
                resource_type: r.resource_type().unwrap_or_default().to_owned(),
                physical_id: r.physical_resource_id().unwrap_or_default().to_owned(),
                status: r
                    .resource_status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// Waits for a change set: Some(changes) when ready, None when it holds no changes.
async fn wait_for_change_set(
    aws: &Aws,
    id: &str,
    doing: &str,
) -> Result<Option<Vec<ChangeSetEntry>>, AwsError> {
    let cf = aws.cloudformation();
    let mut delay = std::time::Duration::from_millis(200);
    tracing::info!(
        change_set = id,
        "waiting for CloudFormation to compute the change set (cloudformation:DescribeChangeSet)"
    );
    for _ in 0..60 {
        let d = cf
            .describe_change_set()
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| AwsError::new(doing, &aws.region, &e))?;
        let status = d.status().map(|s| s.as_str()).unwrap_or_default();
        match status {
            "CREATE_COMPLETE" => {
                return Ok(Some(
                    d.changes()
                        .iter()
                        .filter_map(|c| c.resource_change())
                        .map(|r| ChangeSetEntry {
                            action: r
                                .action()
                                .map(|a| a.as_str().to_owned())
                                .unwrap_or_default(),
                            logical_id: r.logical_resource_id().unwrap_or_default().to_owned(),
                            resource_type: r.resource_type().unwrap_or_default().to_owned(),
                            replacement: r
                                .replacement()
                                .map(|x| x.as_str().to_owned())
                                .unwrap_or_default(),
                        })
                        .collect(),
                ));
            }
            "FAILED" => {
                let reason = d.status_reason().unwrap_or_default();
                if reason.contains("didn't contain changes") || reason.contains("No updates") {
                    return Ok(None);
                }
                return Err(AwsError {
                    doing: doing.to_owned(),
                    region: aws.region.clone(),
                    code: None,
                    message: format!("the change set failed: {reason}"),
                });
            }
            _ => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(5));
            }
        }
    }
    Err(AwsError {
        doing: doing.to_owned(),
        region: aws.region.clone(),
        code: None,
        message: "the change set was not ready after several minutes".into(),
    })
}

/// The parameter values stack `stack` was deployed with (key -> value).
pub async fn parameters(aws: &Aws, stack: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let d = aws
        .cloudformation()
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| AwsError::new(format!("reading stack {stack}"), &aws.region, &e))?;
    Ok(d.stacks()
        .first()
        .map(|s| {
            s.parameters()
                .iter()
                .filter_map(|p| {
                    Some((
                        p.parameter_key()?.to_owned(),
                        p.parameter_value()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// One change set of a stack, as ListChangeSets summarises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetSummary {
    pub id: String,
    pub name: String,
    pub stack_name: String,
    /// AVAILABLE (can be executed), EXECUTE_COMPLETE, UNAVAILABLE...
    pub execution_status: String,
}

/// The change sets of stack `stack` (none when there is no such stack).
pub async fn change_sets(aws: &Aws, stack: &str) -> Result<Vec<ChangeSetSummary>, AwsError> {
    let doing = format!("listing the change sets of {stack}");
    let pages = aws
        .cloudformation()
        .list_change_sets()
        .stack_name(stack)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let mut out = Vec::new();
    for page in pages {
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                let err = AwsError::new(&doing, &aws.region, &e);
                if is_missing_stack(&err) {
                    return Ok(Vec::new());
                }
                return Err(err);
            }
        };
        out.extend(page.summaries().iter().map(|s| {
            ChangeSetSummary {
                id: s.change_set_id().unwrap_or_default().to_owned(),
                name: s.change_set_name().unwrap_or_default().to_owned(),
                stack_name: s.stack_name().unwrap_or_default().to_owned(),
                execution_status: s
                    .execution_status()
                    .map(|x| x.as_str().to_owned())
                    .unwrap_or_default(),
            }
        }));
    }
    Ok(out)
}

/// Like `create_change_set`, and with `revert_drift` a drift-aware change set
/// (`DeploymentMode=REVERT_DRIFT`: CloudFormation also puts back what was changed out of band
/// in the properties the template sets). Only an UPDATE can revert drift.
#[allow(clippy::too_many_arguments)]
pub async fn create_change_set_in_mode(
    aws: &Aws,
    stack: &str,
    template: &TemplateSource,
    stack_exists: bool,
    tags: &BTreeMap<String, String>,
    name_prefix: &str,
    parameters: &BTreeMap<String, String>,
    revert_drift: bool,
) -> Result<ChangeSet, AwsError> {
    create_change_set_full(
        aws,
        stack,
        template,
        stack_exists,
        tags,
        name_prefix,
        parameters,
        (revert_drift && stack_exists)
            .then_some(aws_sdk_cloudformation::types::DeploymentMode::RevertDrift),
    )
    .await
}

/// The stack's last drift detection by CloudFormation (DetectStackDrift), when it ran one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastDrift {
    /// DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED.
    pub status: String,
    /// When it was checked (RFC 3339).
    pub checked: Option<String>,
}

/// What CloudFormation's last drift detection found of stack `stack` (None: no such stack).
pub async fn last_drift(aws: &Aws, stack: &str) -> Result<Option<LastDrift>, AwsError> {
    let d = match aws
        .cloudformation()
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
    {
        Ok(d) => d,
        Err(e) => {
            let err = AwsError::new(format!("reading stack {stack}"), &aws.region, &e);
            return if is_missing_stack(&err) {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    Ok(d.stacks()
        .first()
        .and_then(|s| s.drift_information())
        .map(|i| LastDrift {
            status: i
                .stack_drift_status()
                .map_or("NOT_CHECKED", |x| x.as_str())
                .to_owned(),
            checked: i
                .last_check_timestamp()
                .and_then(|t| t.fmt(Format::DateTime).ok()),
        }))
}

/// Names of the stacks here (not deleted) that carry tag `key`.
pub async fn stacks_tagged(aws: &Aws, key: &str) -> Result<Vec<String>, AwsError> {
    let pages = aws
        .cloudformation()
        .describe_stacks()
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| AwsError::new("listing the stacks", &aws.region, &e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.stacks())
        .filter(|s| {
            s.stack_status()
                .is_none_or(|x| x.as_str() != "DELETE_COMPLETE")
        })
        .filter(|s| s.tags().iter().any(|t| t.key() == Some(key)))
        .filter_map(|s| s.stack_name().map(str::to_owned))
        .collect())
}
