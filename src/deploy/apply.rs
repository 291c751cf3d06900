//! The steps of an apply that do not talk to the user: check the stack can be changed, plan,
//! guard the data, publish the code, make the change set, protect the stack afterwards.

use crate::aws::cloudformation::{self, DeployedStack, TemplateSource};
use crate::aws::{Aws, AwsError, s3};
use crate::model::ids;
use crate::model::names::Names;
use crate::plan::{self, Plan, saved::SavedPlan};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Why an apply refuses to start: each says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "stack {stack} is busy ({status}); wait for it to finish (watch it with `infrapipe status`) and apply again"
    )]
    Busy { stack: String, status: String },
    #[error(
        "stack {stack} is in ROLLBACK_COMPLETE after a failed create and cannot be updated; run `infrapipe destroy` and apply again"
    )]
    FailedCreate { stack: String },
    #[error(
        "stack {stack} is in {status}: CloudFormation must finish the rollback first (`aws cloudformation continue-update-rollback --stack-name {stack}`), then apply again"
    )]
    RollbackFailed { stack: String, status: String },
    #[error(
        "the plan would {what} {ids}, which hold the pipeline's data; pass --allow-data-loss if that is really intended"
    )]
    DataLoss { what: String, ids: String },
    #[error(
        "stack {stack} changed since the plan was made ({then} -> {now}); make a new plan with `infrapipe plan --out FILE`"
    )]
    StalePlan {
        stack: String,
        then: String,
        now: String,
    },
    #[error(
        "the plan is for {plan_stack} in {plan_region}, but the config is for {stack} in {region}"
    )]
    OtherStack {
        plan_stack: String,
        plan_region: String,
        stack: String,
        region: String,
    },
    #[error(
        "the plan was made with other bundled Lambda code ({key}); make a new plan with this infrapipe"
    )]
    OtherCode { key: String },
    #[error(
        "another operation started on stack {stack} while this apply prepared its change set ({status}); nothing of this apply was executed. Wait for it to finish (`infrapipe status`), then run `infrapipe plan` and apply again"
    )]
    Overtaken { stack: String, status: String },
    #[error(
        "these credentials are for AWS account {account}, which allowed_account_ids ({allowed}) does not list; nothing was changed"
    )]
    OtherAccount { account: String, allowed: String },
}

/// The stack policy: replacing or deleting the data resources needs --allow-data-loss.
pub fn protective_stack_policy() -> Value {
    json!({
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["Update:Replace", "Update:Delete"],
                "Resource": [
                    format!("LogicalResourceId/{}", ids::RAW_BUCKET),
                    format!("LogicalResourceId/{}", ids::TABLE),
                ]
            },
            { "Effect": "Allow", "Principal": "*", "Action": "Update:*", "Resource": "*" }
        ]
    })
}

pub fn permissive_stack_policy() -> Value {
    json!({ "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": "Update:*", "Resource": "*" }] })
}

/// Refuses stacks CloudFormation cannot update now.
pub fn check_state(stack: &str, deployed: Option<&DeployedStack>) -> Result<(), Refusal> {
    let Some(d) = deployed else { return Ok(()) };
    let status = d.status.as_str();
    if status == "ROLLBACK_COMPLETE" {
        return Err(Refusal::FailedCreate {
            stack: stack.into(),
        });
    }
    if status.ends_with("_FAILED") && status.contains("ROLLBACK") {
        return Err(Refusal::RollbackFailed {
            stack: stack.into(),
            status: status.into(),
        });
    }
    if status.ends_with("_IN_PROGRESS") {
        return Err(Refusal::Busy {
            stack: stack.into(),
            status: status.into(),
        });
    }
    Ok(())
}

/// Refuses a plan that replaces or deletes the data, unless allowed.
pub fn check_data_loss(plan: &Plan, allow: bool) -> Result<(), Refusal> {
    let lost: Vec<&plan::ResourceChange> = plan.data_loss().collect();
    if lost.is_empty() || allow {
        return Ok(());
    }
    let what = if lost.iter().all(|c| c.action == plan::Action::Delete) {
        "delete"
    } else {
        "replace or delete"
    };
    let ids: Vec<&str> = lost.iter().map(|c| c.logical_id.as_str()).collect();
    Err(Refusal::DataLoss {
        what: what.into(),
        ids: ids.join(" and "),
    })
}

/// A saved plan applies only to the stack, region and state it was made against.
pub fn check_saved(
    saved: &SavedPlan,
    stack: &str,
    region: &str,
    deployed: Option<&DeployedStack>,
) -> Result<(), Refusal> {
    if saved.stack != stack || saved.region != region {
        return Err(Refusal::OtherStack {
            plan_stack: saved.stack.clone(),
            plan_region: saved.region.clone(),
            stack: stack.into(),
            region: region.into(),
        });
    }
    let now_id = deployed.map(|d| d.stack_id.clone());
    let now_change = deployed.and_then(|d| d.last_change.clone());
    let now_sha = deployed.map(|d| plan::saved::template_sha256(&d.template));
    if now_id != saved.stack_id
        || now_change != saved.last_change
        || now_sha != saved.deployed_template_sha256
    {
        let show = |id: &Option<String>, t: &Option<String>| match (id, t) {
            (None, _) => "no stack".to_owned(),
            (Some(_), Some(t)) => format!("last changed {t}"),
            (Some(_), None) => "deployed".to_owned(),
        };
        let (then, now) = match (
            show(&saved.stack_id, &saved.last_change),
            show(&now_id, &now_change),
        ) {
            (a, b) if a == b => (
                format!("{a}, template as planned"),
                format!("{b}, template changed"),
            ),
            other => other,
        };
        return Err(Refusal::StalePlan {
            stack: stack.into(),
            then,
            now,
        });
    }
    for kind in crate::model::FunctionKind::ALL {
        let want = crate::package::bundle()
            .map(|b| b.get(kind).key())
            .unwrap_or_default();
        let text = saved.template.to_string();
        if !text.contains(&want) {
            return Err(Refusal::OtherCode { key: want });
        }
    }
    Ok(())
}

/// CloudFormation takes at most this many bytes of template inline.
const MAX_BODY: usize = 51_200;

/// The template inline, or uploaded to the artifact bucket when it is too large for that.
pub async fn template_source(
    aws: &Aws,
    bucket: &str,
    stack: &str,
    template: &Value,
    endpoint_url: Option<&str>,
) -> Result<TemplateSource, AwsError> {
    let body = crate::template::body(template);
    if body.len() <= MAX_BODY {
        return Ok(TemplateSource::Body(body));
    }
    let key = format!(
        "{}/templates/{stack}-{}.json",
        crate::model::names::ARTIFACT_PREFIX,
        body.len()
    );
    s3::put_object(aws, bucket, &key, body.into_bytes()).await?;
    let url = match endpoint_url {
        Some(e) => format!("{}/{bucket}/{key}", e.trim_end_matches('/')),
        None => format!("https://{bucket}.s3.{}.amazonaws.com/{key}", aws.region),
    };
    Ok(TemplateSource::Url(url))
}

/// Stack tags: the config's plus infrapipe's own.
pub fn stack_tags(
    config_tags: &BTreeMap<String, String>,
    names: &Names,
) -> BTreeMap<String, String> {
    let mut tags = config_tags.clone();
    tags.insert("infrapipe:pipeline".into(), names.prefix.clone());
    tags
}

/// Everything one region's apply needs.
pub struct Request<'a> {
    pub stack: &'a str,
    pub names: &'a Names,
    pub template: &'a Value,
    pub saved: Option<&'a SavedPlan>,
    pub allow_data_loss: bool,
    pub termination_protection: bool,
    pub tags: BTreeMap<String, String>,
    pub endpoint_url: Option<&'a str>,
}

#[derive(Debug)]
pub enum Outcome {
    /// Nothing to change (our plan or CloudFormation's change set said so).
    NoChanges { plan: Plan },
    /// The person said no: the change set was deleted, nothing changed.
    Cancelled { plan: Plan },
    /// Executed; `finished` says whether CloudFormation succeeded.
    Executed {
        plan: Plan,
        finished: super::wait::Finished,
    },
}

/// Error of an apply step: AWS said no, or we refused.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// A person's answer to a yes/no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// Nobody can answer (input is not a terminal) and --yes was not given.
    NobodyToAsk,
}

/// Hooks for the parts that talk to people: showing the plan and asking, and progress. Apply,
/// destroy and rollout's regions all go through it.
pub trait Ui {
    /// Puts `question` to the person.
    fn ask(&mut self, question: &str) -> Answer;
    /// The plan is ready and a change set holds it; true to execute.
    fn confirm(&mut self, plan: &Plan) -> bool;
    fn published(&mut self, uploaded: &super::assets::Uploaded);
    fn tick(&mut self, tick: super::wait::Tick<'_>, total: usize);
    /// The stack is left from a failed create and is deleted before creating it again.
    fn replacing_failed_create(&mut self, status: &str);
}

/// One region's apply: check, plan, guard, publish, change set, ask, execute, wait, protect.
pub async fn apply<U: Ui + ?Sized>(
    aws: &Aws,
    req: &Request<'_>,
    ui: &mut U,
) -> Result<Outcome, ApplyError> {
    tracing::info!(stack = req.stack, region = %aws.region, "reading the deployed stack (cloudformation:DescribeStacks, GetTemplate)");
    let mut deployed = cloudformation::deployed(aws, req.stack).await?;
    if let Some(d) = deployed
        .as_ref()
        .filter(|d| d.status == "ROLLBACK_COMPLETE")
    {
        // A failed create leaves a stack that holds nothing and can only be deleted: delete it
        // and create afresh, as `cdk deploy` does.
        ui.replacing_failed_create(&d.status);
        let seen = super::wait::seen_events(aws, &d.stack_id).await?;
        cloudformation::delete_stack(aws, req.stack).await?;
        super::wait::wait(aws, &d.stack_id, seen, &mut |_| {}).await?;
        deployed = None;
    }
    check_state(req.stack, deployed.as_ref())?;
    if let Some(saved) = req.saved {
        check_saved(saved, req.stack, &aws.region, deployed.as_ref())?;
    }
    let plan = plan::diff(
        req.stack,
        &aws.region,
        deployed.as_ref().map(|d| d.status.as_str()),
        deployed.as_ref().map(|d| &d.template),
        req.template,
    );
    check_data_loss(&plan, req.allow_data_loss)?;
    tracing::info!(
        changes = plan.changes.len(),
        "publishing the Lambda code (sts:GetCallerIdentity, s3:HeadBucket, HeadObject, PutObject)"
    );
    let uploaded = super::assets::publish(aws, req.names).await?;
    ui.published(&uploaded);
    if !plan.has_changes() {
        protect(aws, req, deployed.is_some()).await?;
        return Ok(Outcome::NoChanges { plan });
    }
    let source = template_source(
        aws,
        &uploaded.bucket,
        req.stack,
        req.template,
        req.endpoint_url,
    )
    .await?;
    tracing::info!(
        stack = req.stack,
        "creating the change set (cloudformation:CreateChangeSet, DescribeChangeSet)"
    );
    let cs = cloudformation::create_change_set(
        aws,
        req.stack,
        &source,
        deployed.is_some(),
        &req.tags,
        "infrapipe-apply",
    )
    .await?;
    if cs.empty {
        return Ok(Outcome::NoChanges { plan });
    }
    if !ui.confirm(&plan) {
        cloudformation::delete_change_set(aws, &cs.id).await?;
        if deployed.is_none() {
            // A CREATE change set left an empty stack under review; remove it too.
            if let Some(id) = &cs.stack_id {
                cloudformation::delete_stack(aws, id).await?;
            }
        }
        return Ok(Outcome::Cancelled { plan });
    }
    let stack_id = match &cs.stack_id {
        Some(id) => id.clone(),
        None => cloudformation::stack_id(aws, req.stack)
            .await?
            .unwrap_or_else(|| req.stack.to_owned()),
    };
    let seen = super::wait::seen_events(aws, &stack_id).await?;
    let lifting_policy =
        deployed.is_some() && req.allow_data_loss && plan.data_loss().next().is_some();
    if lifting_policy {
        cloudformation::set_stack_policy(aws, req.stack, &permissive_stack_policy()).await?;
    }
    tracing::info!(change_set = %cs.id, "executing the change set (cloudformation:ExecuteChangeSet)");
    let executed = match overtaken(aws, req.stack, &stack_id, deployed.is_some()).await? {
        Some(busy) => Err(busy),
        None => cloudformation::execute_change_set(aws, &cs.id)
            .await
            .map_err(|e| overtaken_at_execution(req.stack, e)),
    };
    if let Err(e) = executed {
        // Our change set is stale beside the other operation's: leave no second one around.
        let _ = cloudformation::delete_change_set(aws, &cs.id).await;
        if lifting_policy {
            protect(aws, req, true).await?;
        }
        return Err(e);
    }
    let total = plan.changes.len();
    let finished = super::wait::wait(aws, &stack_id, seen, &mut |t| ui.tick(t, total)).await;
    let finished = finished.map_err(|e| unfinished(req.stack, e))?;
    if finished.succeeded() || lifting_policy {
        protect(aws, req, true)
            .await
            .map_err(|e| unfinished(req.stack, e))?;
    }
    Ok(Outcome::Executed { plan, finished })
}

/// Another apply (or anyone) started an operation on the stack since this apply read it: the
/// stack is in progress again. None when the stack is as this apply left it to CloudFormation.
async fn overtaken(
    aws: &Aws,
    stack: &str,
    stack_id: &str,
    existed: bool,
) -> Result<Option<ApplyError>, AwsError> {
    let (status, _) = cloudformation::status(aws, stack_id).await?;
    let ours = !existed && status == "REVIEW_IN_PROGRESS";
    Ok((status.ends_with("_IN_PROGRESS") && !ours).then(|| {
        ApplyError::Refused(Refusal::Overtaken {
            stack: stack.to_owned(),
            status,
        })
    }))
}

/// CloudFormation refuses to execute a change set when another operation got there first (the
/// stack is in progress, or executing another change set deleted ours): said as such.
fn overtaken_at_execution(stack: &str, e: AwsError) -> ApplyError {
    let raced = e.is_code("ChangeSetNotFound")
        || e.is_code("InvalidChangeSetStatus")
        || (e.is_code("ValidationError") && e.message.contains("_IN_PROGRESS"));
    if raced {
        ApplyError::Refused(Refusal::Overtaken {
            stack: stack.to_owned(),
            status: e.code.clone().unwrap_or_default(),
        })
    } else {
        ApplyError::Aws(e)
    }
}

/// An error after the change set was executed: the stack may be mid-way, so the message says
/// how to see it and how to finish.
fn unfinished(stack: &str, e: AwsError) -> AwsError {
    e.then(&format!(
        "The change set was executed, so stack {stack} may be mid-way: see it with `infrapipe status`, then run `infrapipe apply` again to finish (it also restores the protective stack policy)"
    ))
}

/// The stack policy that guards the data, and termination protection as configured.
async fn protect(aws: &Aws, req: &Request<'_>, exists: bool) -> Result<(), AwsError> {
    if !exists {
        return Ok(());
    }
    cloudformation::set_stack_policy(aws, req.stack, &protective_stack_policy()).await?;
    if cloudformation::termination_protection(aws, req.stack).await? != req.termination_protection {
        cloudformation::set_termination_protection(aws, req.stack, req.termination_protection)
            .await?;
    }
    Ok(())
}

/// What a failed execution tells the user: the first failed resource and why, then what
/// became of the rollback. One line each.
pub fn failure_report(stack: &str, finished: &super::wait::Finished) -> Vec<String> {
    let cause = match &finished.first_failure {
        Some(f) => format!(
            "{} ({}) failed: {}",
            f.logical_id, f.resource_type, f.reason
        ),
        None => format!("the stack update failed: {}", finished.reason),
    };
    let rollback = if finished.status.contains("ROLLBACK_COMPLETE") {
        "CloudFormation rolled back: the stack is as it was before this apply."
    } else if finished.status.contains("ROLLBACK_FAILED") {
        "The rollback failed too: see `infrapipe status` and CloudFormation's events before trying again."
    } else {
        "See `infrapipe status` for the stack's state."
    };
    vec![
        cause,
        format!("Stack {stack} is {}. {rollback}", finished.status),
    ]
}
