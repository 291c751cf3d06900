//! The steps of an apply that do not talk to the user: check the stack can be changed, plan,
//! guard the data, publish the code, make the change set, protect the stack afterwards.

use crate::aws::cloudformation::{self, DeployedStack, TemplateSource};
use crate::aws::{Aws, AwsError, lambda, s3};
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
        "the saved plan for stack {stack} is out of date: {what}. Make a new plan with `infrapipe plan --out FILE`"
    )]
    StalePlan {
        stack: String,
        /// What changed since planning, in plain words ("; " between two of them).
        what: String,
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
    #[error("{0}; nothing was changed")]
    CannotImport(String),
    #[error(
        "another operation started on stack {stack} while this apply prepared its change set ({status}); nothing of this apply was executed. Wait for it to finish (`infrapipe status`), then run `infrapipe plan` and apply again"
    )]
    Overtaken { stack: String, status: String },
    #[error(
        "another operation started on stack {stack} after this apply imported {imported} ({status}); the update after the import was not executed. Wait for it to finish (`infrapipe status`), then run `infrapipe plan` and apply again to make the rest of the changes"
    )]
    OvertakenAfterImport {
        stack: String,
        status: String,
        /// What the import adopted ("RawMetricsBucket and MetricsTable").
        imported: String,
    },
    #[error(
        "what stack {stack} would import changed since the plan was made (then {then}, now {now}); make a new plan with `infrapipe plan --out FILE`"
    )]
    ImportsChanged {
        stack: String,
        then: String,
        now: String,
    },
    #[error(
        "these credentials are for AWS account {account}, which allowed_account_ids ({allowed}) does not list; nothing was changed"
    )]
    OtherAccount { account: String, allowed: String },
    #[error(
        "{message}; nothing was changed. Pass --allow-cost-increase if that is intended (or lower the cost, or raise cost.max_monthly_usd)"
    )]
    CostCeiling { message: String },
    #[error(
        "the raw bucket in {region} would replicate to the central bucket {bucket}, {why}: deploy the aggregation region first (`infrapipe apply --region {central}`, or `infrapipe rollout`, which starts there); nothing was changed"
    )]
    NoCentralBucket {
        region: String,
        bucket: String,
        central: String,
        /// "which this account does not have yet", or why it cannot be seen.
        why: String,
    },
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

/// A saved plan applies only to the stack, region and state it was made against, and only
/// while the config still renders the template it holds (`rendered`, when the caller has it).
pub fn check_saved(
    saved: &SavedPlan,
    stack: &str,
    region: &str,
    deployed: Option<&DeployedStack>,
    rendered: Option<&Value>,
) -> Result<(), Refusal> {
    if saved.stack != stack || saved.region != region {
        return Err(Refusal::OtherStack {
            plan_stack: saved.stack.clone(),
            plan_region: saved.region.clone(),
            stack: stack.into(),
            region: region.into(),
        });
    }
    let mut what = stack_changes_since(saved, stack, deployed);
    if let Some(rendered) = rendered {
        let differ = differing_resources(&saved.template, rendered);
        if !differ.is_empty() {
            what.push(format!(
                "the template rendered from the config differs from the planned one in {} ({})",
                count(differ.len(), "resource"),
                differ.join(", ")
            ));
        }
    }
    if !what.is_empty() {
        return Err(Refusal::StalePlan {
            stack: stack.into(),
            what: what.join("; "),
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

/// What happened to the stack since `saved` was made, one sentence each (none: nothing).
fn stack_changes_since(
    saved: &SavedPlan,
    stack: &str,
    deployed: Option<&DeployedStack>,
) -> Vec<String> {
    let at = |t: &Option<String>| t.as_deref().map(|t| format!(" at {t}")).unwrap_or_default();
    let Some(d) = deployed else {
        return match saved.stack_id {
            Some(_) => vec![format!(
                "stack {stack} was deleted after this plan was made"
            )],
            None => Vec::new(),
        };
    };
    let sentence = match &saved.stack_id {
        None => format!(
            "stack {stack} was created{} after this plan was made (it planned a new stack)",
            at(&d.last_change)
        ),
        Some(id) if *id != d.stack_id => format!(
            "stack {stack} was deleted and created again{} after this plan was made",
            at(&d.last_change)
        ),
        Some(_) if d.last_change != saved.last_change => format!(
            "stack {stack} was updated{} after this plan was made (the plan saw it as of {})",
            at(&d.last_change),
            saved.last_change.as_deref().unwrap_or("an unknown time")
        ),
        Some(_)
            if Some(plan::saved::template_sha256(&d.template))
                != saved.deployed_template_sha256 =>
        {
            format!(
                "stack {stack} was updated after this plan was made (its deployed template is not the one planned against)"
            )
        }
        Some(_) => return Vec::new(),
    };
    vec![sentence]
}

/// Logical ids whose resource differs between two templates (or is in only one), sorted.
fn differing_resources(a: &Value, b: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (ra, rb) = (
        a["Resources"].as_object().unwrap_or(&empty),
        b["Resources"].as_object().unwrap_or(&empty),
    );
    let ids: std::collections::BTreeSet<&String> = ra.keys().chain(rb.keys()).collect();
    ids.into_iter()
        .filter(|id| ra.get(*id) != rb.get(*id))
        .cloned()
        .collect()
}

/// "1 resource", "3 resources".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// CloudFormation takes at most this many bytes of template inline.
const MAX_BODY: usize = 51_200;

/// The template inline, or uploaded to the artifact bucket (`bucket`, owned by `owner`) when
/// it is too large for that.
pub async fn template_source(
    aws: &Aws,
    bucket: &str,
    owner: &str,
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
    let sha256 = super::assets::sha256_base64(body.as_bytes());
    s3::put_object(aws, bucket, &key, owner, body.into_bytes(), &sha256).await?;
    Ok(TemplateSource::Url(template_url(
        aws,
        bucket,
        &key,
        endpoint_url,
    )))
}

/// The URL CloudFormation reads an uploaded template from.
pub fn template_url(aws: &Aws, bucket: &str, key: &str, endpoint_url: Option<&str>) -> String {
    // CloudFormation reads the object itself, by the bucket and key in the URL; an endpoint
    // override is where *we* send requests. An emulator's CloudFormation (moto) finds the bucket
    // in S3's path-style URL on AWS's domain (its own host would be taken for a bucket name), so
    // with an endpoint the URL is path-style, and virtual-hosted on AWS.
    match endpoint_url {
        Some(_) => format!("https://s3.{}.amazonaws.com/{bucket}/{key}", aws.region),
        None => format!("https://{bucket}.s3.{}.amazonaws.com/{key}", aws.region),
    }
}

/// Whether the template fits CloudFormation's inline limit.
pub fn fits_inline(template: &Value) -> bool {
    crate::template::body(template).len() <= MAX_BODY
}

/// Stack tags: the config's plus infrapipe's own.
pub fn stack_tags(
    config_tags: &BTreeMap<String, String>,
    names: &Names,
) -> BTreeMap<String, String> {
    let mut tags = config_tags.clone();
    tags.insert(
        crate::model::names::PIPELINE_TAG.into(),
        names.prefix.clone(),
    );
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
    /// With a saved plan: the template the config renders now (a differing one makes the plan
    /// stale).
    pub rendered: Option<&'a Value>,
    /// `--revert-drift`: a drift-aware change set, which also puts back what was changed out of
    /// band in the properties the template sets.
    pub revert_drift: bool,
    /// What reverting will and will not do, when drift was read before the apply.
    pub drift: Option<&'a super::revert::RevertPreview>,
}

/// The prefix of every change set an apply makes: how the next apply recognises ours.
pub const CHANGE_SET_PREFIX: &str = "infrapipe-apply";

/// Change sets whose names start with one of these are ours (apply's, and plan's previews).
const OUR_CHANGE_SETS: [&str; 3] = [
    CHANGE_SET_PREFIX,
    "infrapipe-plan",
    super::import::IMPORT_CHANGE_SET_PREFIX,
];

#[derive(Debug)]
pub enum Outcome {
    /// Nothing to change (our plan or CloudFormation's change set said so).
    NoChanges { plan: Plan },
    /// The person said no: nothing was written (no bucket, object or change set).
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

/// Ctrl-C stopped the apply; `goes_on` says what continues without us and what was put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    pub goes_on: String,
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
    /// The plan is ready; true to go on (publish the code, make the change set, execute it).
    /// Nothing has been written before the answer.
    fn confirm(&mut self, plan: &Plan) -> bool;
    fn published(&mut self, uploaded: &super::assets::Uploaded);
    fn tick(&mut self, tick: super::wait::Tick<'_>, total: usize);
    /// The stack is left from a failed create and is deleted before creating it again.
    fn replacing_failed_create(&mut self, status: &str);
    /// Shows `prompt` and returns the line typed, or None when nobody can type (no terminal).
    fn type_in(&mut self, _prompt: &str) -> Option<String> {
        None
    }
    /// Change sets an earlier apply left behind were deleted (their names).
    fn removed_leftovers(&mut self, _change_sets: &[String]) {}
    /// What `--revert-drift` will and will not put back, shown before the plan.
    fn drift_to_revert(&mut self, _preview: &super::revert::RevertPreview) {}
}

/// One region's apply: check, plan, guard, publish, change set, ask, execute, wait, protect.
pub async fn apply<U: Ui + ?Sized>(
    aws: &Aws,
    req: &Request<'_>,
    ui: &mut U,
) -> Result<Outcome, ApplyError> {
    match apply_until(aws, req, ui, std::future::pending::<()>()).await {
        Ok(done) => done,
        // A pending future never completes, so this apply is never interrupted.
        Err(i) => Err(ApplyError::Aws(AwsError {
            doing: format!("applying stack {}", req.stack),
            region: aws.region.clone(),
            code: None,
            message: i.goes_on,
        })),
    }
}

/// `apply`, stopped when `interrupt` completes (Ctrl-C). Before anything is executed, an
/// interruption deletes the change sets this apply made; after, it puts the protective stack
/// policy back if the apply had lifted it, and says that CloudFormation goes on.
pub async fn apply_until<U: Ui + ?Sized, I: std::future::Future>(
    aws: &Aws,
    req: &Request<'_>,
    ui: &mut U,
    interrupt: I,
) -> Result<Result<Outcome, ApplyError>, Interrupted> {
    let mut interrupt = std::pin::pin!(interrupt);
    let prepared = tokio::select! {
        p = prepare(aws, req, ui) => p,
        _ = &mut interrupt => {
            let cleaned = remove_leftovers(aws, req.stack).await;
            let goes_on = match cleaned {
                Ok(_) => "Nothing was executed; the change sets of ours left AVAILABLE were deleted (one still being computed is deleted by the next apply).".to_owned(),
                Err(e) => format!("Nothing was executed; the change sets this apply made could not be deleted ({e}): the next apply deletes them."),
            };
            return Err(Interrupted { goes_on });
        }
    };
    let go = match prepared {
        Ok(Prepared::Done(outcome)) => return Ok(Ok(outcome)),
        Ok(Prepared::Import(go)) => {
            return super::import::execute_until(aws, req, ui, go, interrupt).await;
        }
        Ok(Prepared::Execute(go)) => go,
        Err(e) => return Ok(Err(e)),
    };
    let lifting = go.exists && req.allow_data_loss && go.plan.data_loss().next().is_some();
    let total = go.plan.changes.len();
    let run = async {
        let seen = super::wait::seen_events(aws, &go.stack_id).await?;
        if lifting {
            cloudformation::set_stack_policy(aws, req.stack, &permissive_stack_policy()).await?;
        }
        tracing::info!(change_set = %go.change_set, "executing the change set (cloudformation:ExecuteChangeSet)");
        let executed = match overtaken(aws, req.stack, &go.stack_id, go.exists).await? {
            Some(busy) => Err(busy),
            None => cloudformation::execute_change_set(aws, &go.change_set)
                .await
                .map_err(|e| overtaken_at_execution(req.stack, e)),
        };
        if let Err(e) = executed {
            // Our change set is stale beside the other operation's: leave no second one around.
            let _ = cloudformation::delete_change_set(aws, &go.change_set).await;
            return Err(e);
        }
        let waited = super::wait::wait(aws, &go.stack_id, seen, &mut |t| ui.tick(t, total)).await;
        waited.map_err(|e| ApplyError::Aws(unfinished(req.stack, e)))
    };
    let ran = tokio::select! {
        r = run => Some(r),
        _ = &mut interrupt => None,
    };
    // Whatever happened, the data is guarded again before we return.
    let restored = if lifting {
        cloudformation::set_stack_policy(aws, req.stack, &protective_stack_policy()).await
    } else {
        Ok(())
    };
    let Some(ran) = ran else {
        let region = &aws.region;
        let mut goes_on = format!(
            "CloudFormation goes on with what it started; watch it with `infrapipe status --region {region}`."
        );
        match restored {
            Ok(()) if lifting => {
                goes_on.push_str(" The stack policy that guards the data was restored.")
            }
            Ok(()) => {}
            Err(e) => goes_on.push_str(&format!(
                " The stack policy that guards the data could not be restored ({e}): run `infrapipe apply` again once the stack is idle, which reasserts it."
            )),
        }
        return Err(Interrupted { goes_on });
    };
    Ok(finish(aws, req, go.plan, &go.uploaded, ran, restored).await)
}

/// The result of an executed change set, once the stack policy was (or could not be) restored.
async fn finish(
    aws: &Aws,
    req: &Request<'_>,
    plan: Plan,
    uploaded: &super::assets::Uploaded,
    ran: Result<super::wait::Finished, ApplyError>,
    restored: Result<(), AwsError>,
) -> Result<Outcome, ApplyError> {
    let finished = match (ran, restored) {
        (Ok(f), Ok(())) => f,
        (Ok(_), Err(e)) => return Err(unfinished(req.stack, e).into()),
        (Err(e), Ok(())) => return Err(e),
        (Err(ApplyError::Aws(mut e)), Err(r)) => {
            e.message = format!(
                "{}; and the stack policy that guards the data could not be restored ({r}): run `infrapipe apply` again, which reasserts it",
                e.message
            );
            return Err(e.into());
        }
        (Err(e), Err(_)) => return Err(e),
    };
    if finished.succeeded() {
        protect(aws, req, true)
            .await
            .map_err(|e| unfinished(req.stack, e))?;
        tracing::info!("checking the deployed code (lambda:GetFunctionConfiguration)");
        check_deployed_code(aws, req.names, uploaded).await?;
    }
    Ok(Outcome::Executed { plan, finished })
}

/// What `prepare` leaves to execute.
struct Execute {
    plan: Plan,
    change_set: String,
    stack_id: String,
    /// The stack existed before this apply (an UPDATE).
    exists: bool,
    /// The code the change set deploys: checked against Lambda's CodeSha256 afterwards.
    uploaded: super::assets::Uploaded,
}

enum Prepared {
    Done(Outcome),
    Execute(Execute),
    /// A plan with imports: its IMPORT change set is made, then comes the UPDATE.
    Import(super::import::Execute),
}

/// Everything up to and including consent: read, guard, plan, publish, change set, ask.
async fn prepare<U: Ui + ?Sized>(
    aws: &Aws,
    req: &Request<'_>,
    ui: &mut U,
) -> Result<Prepared, ApplyError> {
    tracing::info!(stack = req.stack, region = %aws.region, "reading the deployed stack (cloudformation:DescribeStacks, GetTemplate)");
    let deployed = cloudformation::deployed(aws, req.stack).await?;
    // A failed create holds nothing and takes no change set: the plan is a create, and the old
    // stack is deleted only once the person has seen that plan and said yes.
    let failed_create = deployed
        .as_ref()
        .filter(|d| d.status == "ROLLBACK_COMPLETE")
        .map(|d| (d.stack_id.clone(), d.status.clone()));
    let current = deployed.as_ref().filter(|_| failed_create.is_none());
    check_state(req.stack, current)?;
    if let Some(saved) = req.saved {
        check_saved(
            saved,
            req.stack,
            &aws.region,
            deployed.as_ref(),
            req.rendered,
        )?;
    }
    let removed = remove_leftovers(aws, req.stack).await?;
    if !removed.is_empty() {
        ui.removed_leftovers(&removed);
    }
    if current.is_some() {
        // An earlier apply stopped before it could put the policy back: reassert it first.
        cloudformation::set_stack_policy(aws, req.stack, &protective_stack_policy()).await?;
    }
    let mut plan = plan::diff(
        req.stack,
        &aws.region,
        current.map(|d| d.status.as_str()),
        current.map(|d| &d.template),
        req.template,
    );
    super::import::find(aws, &mut plan, req.template, &req.names.adopted).await?;
    super::import::check(&plan)?;
    if let Some(saved) = req.saved {
        super::import::check_saved(saved, &plan)?;
    }
    check_data_loss(&plan, req.allow_data_loss)?;
    let revert = req.revert_drift && current.is_some();
    if let Some(preview) = req.drift.filter(|_| revert) {
        ui.drift_to_revert(preview);
    }
    if !plan.has_changes() && !revert {
        protect(aws, req, current.is_some()).await?;
        return Ok(Prepared::Done(Outcome::NoChanges { plan }));
    }
    // Consent first: a "no" leaves no bucket, no object and no change set behind.
    if !ui.confirm(&plan) {
        return Ok(Prepared::Done(Outcome::Cancelled { plan }));
    }
    if let Some((id, status)) = &failed_create {
        ui.replacing_failed_create(status);
        let seen = super::wait::seen_events(aws, id).await?;
        cloudformation::delete_stack(aws, id).await?;
        super::wait::wait(aws, id, seen, &mut |_| {}).await?;
    }
    tracing::info!(
        changes = plan.changes.len(),
        "publishing the Lambda code (sts:GetCallerIdentity, s3:HeadBucket, HeadObject, PutObject)"
    );
    let uploaded = super::assets::publish(aws, req.names).await?;
    ui.published(&uploaded);
    let source = template_source(
        aws,
        &uploaded.bucket,
        &uploaded.owner,
        req.stack,
        req.template,
        req.endpoint_url,
    )
    .await?;
    if !plan.imports.is_empty() {
        let go = super::import::prepare(aws, req, plan, current, uploaded, source).await?;
        return Ok(Prepared::Import(go));
    }
    tracing::info!(
        stack = req.stack,
        revert_drift = revert,
        "creating the change set (cloudformation:CreateChangeSet, DescribeChangeSet)"
    );
    let cs = cloudformation::create_change_set_in_mode(
        aws,
        req.stack,
        &source,
        current.is_some(),
        &req.tags,
        CHANGE_SET_PREFIX,
        &uploaded.code_version_parameters(),
        revert,
    )
    .await?;
    if cs.empty {
        return Ok(Prepared::Done(Outcome::NoChanges { plan }));
    }
    let stack_id = match &cs.stack_id {
        Some(id) => id.clone(),
        None => cloudformation::stack_id(aws, req.stack)
            .await?
            .unwrap_or_else(|| req.stack.to_owned()),
    };
    Ok(Prepared::Execute(Execute {
        plan,
        change_set: cs.id,
        stack_id,
        exists: current.is_some(),
        uploaded,
    }))
}

/// Deletes the change sets of ours that an interrupted, cancelled or killed apply (or plan)
/// left AVAILABLE, and the empty stack under review a CREATE change set of ours leaves; returns
/// the names of the change sets deleted.
pub async fn remove_leftovers(aws: &Aws, stack: &str) -> Result<Vec<String>, AwsError> {
    let all = cloudformation::change_sets(aws, stack).await?;
    let ours = |name: &str| OUR_CHANGE_SETS.iter().any(|p| name.starts_with(p));
    let mut removed = Vec::new();
    for cs in all
        .iter()
        .filter(|c| c.stack_name == stack && ours(&c.name) && c.execution_status == "AVAILABLE")
    {
        cloudformation::delete_change_set(aws, &cs.id).await?;
        removed.push(cs.name.clone());
    }
    let others = all.iter().any(|c| c.stack_name == stack && !ours(&c.name));
    if !removed.is_empty()
        && !others
        && let Some(id) = cloudformation::stack_id(aws, stack).await?
    {
        let (status, _) = cloudformation::status(aws, &id).await?;
        if status == "REVIEW_IN_PROGRESS" {
            cloudformation::delete_stack(aws, &id).await?;
        }
    }
    Ok(removed)
}

/// Another apply (or anyone) started an operation on the stack since this apply read it: the
/// stack is in progress again. None when the stack is as this apply left it to CloudFormation.
pub(super) async fn overtaken(
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
pub(super) fn overtaken_at_execution(stack: &str, e: AwsError) -> ApplyError {
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

/// Each function's `CodeSha256` after the change set ran must be the zip's: an object replaced
/// between our upload and Lambda's read is never deployed silently.
pub async fn check_deployed_code(
    aws: &Aws,
    names: &Names,
    uploaded: &super::assets::Uploaded,
) -> Result<(), AwsError> {
    for o in &uploaded.objects {
        let function = match o.kind {
            crate::model::FunctionKind::Collector => &names.collector_function,
            crate::model::FunctionKind::LogProcessor => &names.processor_function,
        };
        let deployed = lambda::code_sha256(aws, function).await?;
        if deployed.as_deref() != Some(o.sha256.as_str()) {
            return Err(AwsError {
                doing: format!("checking the code of function {function}"),
                region: aws.region.clone(),
                code: Some("CodeSha256Mismatch".into()),
                message: format!(
                    "the stack was updated, but Lambda reports CodeSha256 {} where the zip infrapipe uploaded (s3://{}/{}) has {}: the code that runs is not ours. Check the bucket's object versions and who can write to it, then apply again",
                    deployed.as_deref().unwrap_or("(none)"),
                    uploaded.bucket,
                    o.key,
                    o.sha256
                ),
            });
        }
    }
    Ok(())
}

/// The stack policy that guards the data, and termination protection as configured.
pub(super) async fn protect(aws: &Aws, req: &Request<'_>, exists: bool) -> Result<(), AwsError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(threshold: u32) -> Value {
        json!({ "Resources": {
            "Alarm": { "Type": "AWS::CloudWatch::Alarm", "Properties": { "Threshold": threshold } },
            "Topic": { "Type": "AWS::SNS::Topic", "Properties": {} },
        }})
    }

    fn deployed(last_change: &str) -> DeployedStack {
        DeployedStack {
            stack_id: "id-1".into(),
            status: "UPDATE_COMPLETE".into(),
            last_change: Some(last_change.into()),
            outputs: BTreeMap::new(),
            template: template(80),
        }
    }

    fn saved(stack: Option<&DeployedStack>, planned: Value) -> SavedPlan {
        SavedPlan {
            format: plan::saved::FORMAT,
            infrapipe_version: "test".into(),
            stack: "s".into(),
            region: "us-east-1".into(),
            stack_id: stack.map(|d| d.stack_id.clone()),
            last_change: stack.and_then(|d| d.last_change.clone()),
            deployed_template_sha256: stack.map(|d| plan::saved::template_sha256(&d.template)),
            plan: plan::diff("s", "us-east-1", None, None, &planned),
            template: planned,
            cost: None,
        }
    }

    /// Why `check_saved` refuses (each case here is stale, so the bundled-code check that
    /// follows never runs on these code-less templates).
    fn refusal(saved: &SavedPlan, now: Option<&DeployedStack>, rendered: &Value) -> String {
        match check_saved(saved, "s", "us-east-1", now, Some(rendered)) {
            Err(Refusal::StalePlan { what, .. }) => what,
            other => panic!("expected a stale plan, got {other:?}"),
        }
    }

    #[test]
    fn a_stack_updated_after_planning_is_said_with_its_time() {
        let then = deployed("2026-11-30T10:00:00Z");
        let now = deployed("2026-11-30T11:00:00Z");
        let s = saved(Some(&then), template(70));
        assert_eq!(
            refusal(&s, Some(&now), &template(70)),
            "stack s was updated at 2026-11-30T11:00:00Z after this plan was made (the plan saw it as of 2026-11-30T10:00:00Z)"
        );
    }

    #[test]
    fn a_config_that_renders_another_template_counts_the_resources() {
        let d = deployed("2026-11-30T10:00:00Z");
        let s = saved(Some(&d), template(70));
        assert_eq!(
            refusal(&s, Some(&d), &template(60)),
            "the template rendered from the config differs from the planned one in 1 resource (Alarm)"
        );
    }

    #[test]
    fn a_stack_created_after_a_plan_for_a_new_stack_is_said_so() {
        let now = deployed("2026-11-30T11:00:00Z");
        let s = saved(None, template(70));
        assert!(
            refusal(&s, Some(&now), &template(70)).starts_with(
                "stack s was created at 2026-11-30T11:00:00Z after this plan was made"
            )
        );
    }

    #[test]
    fn the_refusal_reads_as_one_plain_sentence() {
        let r = Refusal::StalePlan {
            stack: "s".into(),
            what: "stack s was deleted after this plan was made".into(),
        };
        assert_eq!(
            r.to_string(),
            "the saved plan for stack s is out of date: stack s was deleted after this plan was made. Make a new plan with `infrapipe plan --out FILE`"
        );
    }
}
