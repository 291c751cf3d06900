//! Import instead of collide: find the resources a plan would add that already exist outside
//! the stack (a bucket and table kept by an earlier destroy, or named in `adopt:`), and apply
//! such a plan in two steps: an IMPORT change set that adopts them, then the UPDATE.

use super::apply::{ApplyError, Interrupted, Outcome, Refusal, Request, Ui};
use super::wait::Finished;
use crate::aws::cloudformation::{self, DeployedStack, ResourceToImport, TemplateSource};
use crate::aws::existing::{self, Bucket};
use crate::aws::{Aws, AwsError, sts};
use crate::cfn::{ResourceType, resolve};
use crate::plan::import::{Blocked, Import, Why};
use crate::plan::{Action, Plan, saved::SavedPlan};
use serde_json::Value;
use std::collections::BTreeMap;

/// Types whose existence `plan` checks: those an earlier destroy keeps (DeletionPolicy Retain)
/// and `adopt:` can name. CloudFormation can import more, but no other resource of ours
/// outlives its stack.
const CHECKED: [ResourceType; 2] = [ResourceType::S3Bucket, ResourceType::DynamoDbTable];

/// Looks up every resource the plan would create whose type is checked, and marks the plan:
/// an existing one of ours becomes an import, one that cannot be imported is listed with why.
/// No call at all when the plan creates none of them.
pub async fn find(
    aws: &Aws,
    plan: &mut Plan,
    template: &Value,
    adopted: &[String],
) -> Result<(), AwsError> {
    let candidates: Vec<(String, ResourceType)> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .filter_map(|c| {
            let ty = ResourceType::parse(&c.resource_type)?;
            CHECKED.contains(&ty).then(|| (c.logical_id.clone(), ty))
        })
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let account = sts::account_id(aws).await?;
    let (mut imports, mut blocked) = (Vec::new(), Vec::new());
    for (id, ty) in candidates {
        let resource = &template["Resources"][&id];
        let Some(name) = physical_name(resource, ty, &account, &aws.region) else {
            continue;
        };
        let why = if adopted.contains(&name) {
            Why::Adopted
        } else {
            Why::KeptByDestroy
        };
        let found = match ty {
            ResourceType::S3Bucket => bucket(aws, &id, &name, &account, why).await?,
            _ => table(aws, &id, &name, resource, why).await?,
        };
        match found {
            Some(Ok(i)) => imports.push(i),
            Some(Err(b)) => blocked.push(b),
            None => {}
        }
    }
    crate::plan::import::mark(plan, imports, blocked);
    Ok(())
}

/// The resource's name as deployed here: its name property, with the pseudo parameters
/// resolved. None when the template leaves the name to CloudFormation.
fn physical_name(
    resource: &Value,
    ty: ResourceType,
    account: &str,
    region: &str,
) -> Option<String> {
    let path = ty.facts().name_property;
    let v = path.iter().fold(&resource["Properties"], |v, key| &v[*key]);
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.get("Fn::Sub")?.as_str()?.to_owned(),
    };
    let name = resolve::pseudo_parameters(&text, account, region);
    (!name.contains("${")).then_some(name)
}

type Found = Option<Result<Import, Blocked>>;

fn identifier(property: &str, name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(property.to_owned(), name.to_owned())])
}

async fn bucket(
    aws: &Aws,
    id: &str,
    name: &str,
    account: &str,
    why: Why,
) -> Result<Found, AwsError> {
    let blocked = |reason: String, remedy: String| Blocked {
        logical_id: id.to_owned(),
        resource_type: ResourceType::S3Bucket.name().to_owned(),
        name: name.to_owned(),
        reason,
        remedy,
    };
    Ok(match existing::bucket(aws, name, account).await? {
        Bucket::Missing => None,
        Bucket::NotOurs => Some(Err(blocked(
            format!(
                "a bucket named {name} exists but does not belong to account {account} (S3 refused HeadBucket with ExpectedBucketOwner={account}); it is never imported: the pipeline's metrics would go to a bucket whose owner can read, change or delete them"
            ),
            match why {
                Why::Adopted => "name a bucket of this account in adopt.raw_bucket, or use the credentials of the account that owns it".into(),
                Why::KeptByDestroy => "bucket names are global and this one is taken: change `name` or `environment` in the config so the pipeline derives another, or use the credentials of the account that owns it".into(),
            },
        ))),
        Bucket::Ours { region } => match region.filter(|r| *r != aws.region) {
            Some(other) => Some(Err(blocked(
                format!("bucket {name} is in {other}, and a stack in {} can import only resources of its own region", aws.region),
                format!("deploy the pipeline to {other} (regions: [{other}]), or name a bucket in {}", aws.region),
            ))),
            None => Some(Ok(Import {
                logical_id: id.to_owned(),
                resource_type: ResourceType::S3Bucket.name().to_owned(),
                identifier: identifier("BucketName", name),
                why,
                existing_indexes: Vec::new(),
            })),
        },
    })
}

/// `(attribute, HASH|RANGE)` pairs of a rendered `KeySchema`.
fn key_schema(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|ks| {
            ks.iter()
                .map(|k| {
                    let s = |f: &str| k[f].as_str().unwrap_or_default().to_owned();
                    (s("AttributeName"), s("KeyType"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn show_keys(keys: &[(String, String)]) -> String {
    let parts: Vec<String> = keys.iter().map(|(a, t)| format!("{a} {t}")).collect();
    format!("({})", parts.join(", "))
}

async fn table(
    aws: &Aws,
    id: &str,
    name: &str,
    resource: &Value,
    why: Why,
) -> Result<Found, AwsError> {
    let Some(live) = existing::table(aws, name).await? else {
        return Ok(None);
    };
    let blocked = |reason: String, remedy: String| Blocked {
        logical_id: id.to_owned(),
        resource_type: ResourceType::DynamoDbTable.name().to_owned(),
        name: name.to_owned(),
        reason,
        remedy,
    };
    let props = &resource["Properties"];
    let want = key_schema(&props["KeySchema"]);
    let types = |keys: &[(String, String)], of: &dyn Fn(&str) -> Option<String>| -> Vec<String> {
        keys.iter()
            .map(|(a, _)| of(a).unwrap_or_default())
            .collect()
    };
    let rendered_type = |a: &str| {
        props["AttributeDefinitions"].as_array().and_then(|d| {
            d.iter()
                .find(|x| x["AttributeName"] == a)
                .and_then(|x| x["AttributeType"].as_str().map(str::to_owned))
        })
    };
    let same_types = types(&want, &rendered_type)
        == types(&live.key_schema, &|a| live.attributes.get(a).cloned());
    if live.key_schema != want || !same_types {
        let remedy = match why {
            Why::Adopted => format!(
                "remove adopt.table so that apply creates the pipeline's own table beside it ({name} stays as it is), then copy the items you want to keep into the new table, each with metric_key = \"<metric_type>#<timestamp>\"; delete {name} yourself when done"
            ),
            Why::KeptByDestroy => format!(
                "copy what you want to keep out of {name}, delete it (`infrapipe destroy --purge-data` does), and apply again; or name another table with adopt.table"
            ),
        };
        return Ok(Some(Err(blocked(
            format!(
                "table {name} exists keyed on {}, but the pipeline's table is keyed on {}; a table's key schema cannot change, so CloudFormation cannot import it as the pipeline's table",
                show_keys(&live.key_schema),
                show_keys(&want)
            ),
            remedy,
        ))));
    }
    if live.status != "ACTIVE" {
        return Ok(Some(Err(blocked(
            format!(
                "table {name} is {}, and only an ACTIVE table can be imported",
                live.status
            ),
            "wait until DynamoDB reports it ACTIVE, then plan again".into(),
        ))));
    }
    Ok(Some(Ok(Import {
        logical_id: id.to_owned(),
        resource_type: ResourceType::DynamoDbTable.name().to_owned(),
        identifier: identifier("TableName", name),
        why,
        existing_indexes: live.indexes,
    })))
}

/// Refuses a plan with a resource that exists and cannot be imported: apply changes nothing.
pub fn check(plan: &Plan) -> Result<(), Refusal> {
    if plan.cannot_import.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> = plan
        .cannot_import
        .iter()
        .map(|b| {
            format!(
                "cannot import {}: {}. What you can do: {}",
                b.logical_id, b.reason, b.remedy
            )
        })
        .collect();
    Err(Refusal::CannotImport(reasons.join("; ")))
}

/// A saved plan applies only if it imports what applying now would import.
pub fn check_saved(saved: &SavedPlan, plan: &Plan) -> Result<(), Refusal> {
    let ids =
        |p: &Plan| -> Vec<String> { p.imports.iter().map(|i| i.logical_id.clone()).collect() };
    let (then, now) = (ids(&saved.plan), ids(plan));
    if then == now {
        return Ok(());
    }
    let say = |v: &[String]| match v {
        [] => "nothing to import".to_owned(),
        v => format!("{} to import", v.join(" and ")),
    };
    Err(Refusal::ImportsChanged {
        stack: plan.stack.clone(),
        then: say(&then),
        now: say(&now),
    })
}

/// What `prepare` leaves to execute for a plan with imports: the IMPORT change set (made after
/// the consent, not yet executed), then the UPDATE of `update` (the rendered template).
pub(super) struct Execute {
    pub plan: Plan,
    pub change_set: String,
    pub stack_id: String,
    /// The stack existed before this apply (otherwise the IMPORT change set created it).
    pub exists: bool,
    pub uploaded: super::assets::Uploaded,
    pub update: TemplateSource,
}

/// Makes the IMPORT change set of a plan with imports: its template holds the deployed
/// resources (if any) plus the imported ones, and nothing is executed yet.
pub(super) async fn prepare(
    aws: &Aws,
    req: &Request<'_>,
    plan: Plan,
    deployed: Option<&DeployedStack>,
    uploaded: super::assets::Uploaded,
    update: TemplateSource,
) -> Result<Execute, ApplyError> {
    let template =
        crate::plan::import::template(deployed.map(|d| &d.template), req.template, &plan.imports);
    let source = super::apply::template_source(
        aws,
        &uploaded.bucket,
        &uploaded.owner,
        req.stack,
        &template,
        req.endpoint_url,
    )
    .await?;
    let resources: Vec<ResourceToImport> = plan
        .imports
        .iter()
        .map(|i| ResourceToImport {
            resource_type: i.resource_type.clone(),
            logical_id: i.logical_id.clone(),
            identifier: i.identifier.clone(),
        })
        .collect();
    tracing::info!(
        stack = req.stack,
        imports = resources.len(),
        "creating the import change set (cloudformation:CreateChangeSet IMPORT)"
    );
    let cs = cloudformation::create_import_change_set(
        aws,
        req.stack,
        &source,
        &resources,
        &req.tags,
        IMPORT_CHANGE_SET_PREFIX,
    )
    .await?;
    let stack_id = match &cs.stack_id {
        Some(id) => id.clone(),
        None => cloudformation::stack_id(aws, req.stack)
            .await?
            .unwrap_or_else(|| req.stack.to_owned()),
    };
    if cs.empty {
        return Err(AwsError {
            doing: format!("importing into {}", req.stack),
            region: aws.region.clone(),
            code: None,
            message: "CloudFormation found nothing to import; make the plan again".into(),
        }
        .into());
    }
    Ok(Execute {
        plan,
        change_set: cs.id,
        stack_id,
        exists: deployed.is_some(),
        uploaded,
        update,
    })
}

/// The prefix of the IMPORT change set's name (the next apply deletes one left behind).
pub const IMPORT_CHANGE_SET_PREFIX: &str = "infrapipe-import";

/// How far the two change sets of an import got: what an interruption says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Nothing executed yet.
    Ready,
    /// The IMPORT change set was sent to be executed.
    Importing,
    /// The import completed; the UPDATE was not executed yet.
    Imported,
    /// The UPDATE change set was sent to be executed.
    Updating,
}

/// Executes the import, then the update, each after re-reading the stack for a concurrent
/// operation (as a plain apply does before its execute). Stopped when `interrupt` completes,
/// it says which of the two ran and how to finish.
pub(super) async fn execute_until<U: Ui + ?Sized, I: std::future::Future>(
    aws: &Aws,
    req: &Request<'_>,
    ui: &mut U,
    go: Execute,
    interrupt: std::pin::Pin<&mut I>,
) -> Result<Result<Outcome, ApplyError>, Interrupted> {
    let mut step = Step::Ready;
    let ran = tokio::select! {
        r = execute(aws, req, ui, &go, &mut step) => Some(r),
        _ = interrupt => None,
    };
    match ran {
        Some(finished) => Ok(finished.map(|finished| Outcome::Executed {
            plan: go.plan,
            finished,
        })),
        None => Err(Interrupted {
            goes_on: interrupted_at(aws, req, &go, step).await,
        }),
    }
}

async fn execute<U: Ui + ?Sized>(
    aws: &Aws,
    req: &Request<'_>,
    ui: &mut U,
    go: &Execute,
    step: &mut Step,
) -> Result<Finished, ApplyError> {
    let seen = super::wait::seen_events(aws, &go.stack_id).await?;
    tracing::info!(change_set = %go.change_set, "executing the import change set (cloudformation:ExecuteChangeSet)");
    let import = (go.change_set.as_str(), go.exists);
    execute_unless_overtaken(
        aws,
        req.stack,
        &go.stack_id,
        import,
        (step, Step::Importing),
    )
    .await?;
    let total = go.plan.imports.len();
    let imported = super::wait::wait(aws, &go.stack_id, seen, &mut |t| ui.tick(t, total))
        .await
        .map_err(|e| unfinished(req.stack, &go.plan, e))?;
    if !imported.succeeded() {
        return Ok(imported);
    }
    *step = Step::Imported;
    tracing::info!(
        stack = req.stack,
        "creating the change set for the rest (cloudformation:CreateChangeSet UPDATE)"
    );
    let after_import = |e: AwsError| ApplyError::Aws(unfinished(req.stack, &go.plan, e));
    let cs = cloudformation::create_change_set_with(
        aws,
        req.stack,
        &go.update,
        true,
        &req.tags,
        super::apply::CHANGE_SET_PREFIX,
        &go.uploaded.code_version_parameters(),
    )
    .await
    .map_err(after_import)?;
    let finished = if cs.empty {
        // Everything was imported and nothing else changes: the stack is as the import left it.
        imported
    } else {
        let seen = super::wait::seen_events(aws, &go.stack_id)
            .await
            .map_err(after_import)?;
        tracing::info!(change_set = %cs.id, "executing the change set (cloudformation:ExecuteChangeSet)");
        execute_unless_overtaken(
            aws,
            req.stack,
            &go.stack_id,
            (cs.id.as_str(), true),
            (step, Step::Updating),
        )
        .await
        .map_err(|e| match e {
            ApplyError::Refused(Refusal::Overtaken { stack, status }) => {
                ApplyError::Refused(Refusal::OvertakenAfterImport {
                    stack,
                    status,
                    imported: imported_ids(&go.plan),
                })
            }
            ApplyError::Aws(e) => after_import(e),
            other => other,
        })?;
        let total = go.plan.changes.len();
        super::wait::wait(aws, &go.stack_id, seen, &mut |t| ui.tick(t, total))
            .await
            .map_err(after_import)?
    };
    if finished.succeeded() {
        super::apply::protect(aws, req, true)
            .await
            .map_err(after_import)?;
        super::apply::check_deployed_code(aws, req.names, &go.uploaded).await?;
    }
    Ok(finished)
}

/// Executes `change_set` (of a stack that `existed` before it) unless another operation
/// started on the stack since it was made, moving `step` on just before the request; a change
/// set not executed is deleted (it is stale beside the other operation's).
async fn execute_unless_overtaken(
    aws: &Aws,
    stack: &str,
    stack_id: &str,
    (change_set, existed): (&str, bool),
    (step, next): (&mut Step, Step),
) -> Result<(), ApplyError> {
    let executed = match super::apply::overtaken(aws, stack, stack_id, existed).await? {
        Some(busy) => Err(busy),
        None => {
            *step = next;
            cloudformation::execute_change_set(aws, change_set)
                .await
                .map_err(|e| super::apply::overtaken_at_execution(stack, e))
        }
    };
    if executed.is_err() {
        let _ = cloudformation::delete_change_set(aws, change_set).await;
    }
    executed
}

/// "RawMetricsBucket and MetricsTable": what the import adopts, as the plan lists it.
fn imported_ids(plan: &Plan) -> String {
    let ids: Vec<&str> = plan.imports.iter().map(|i| i.logical_id.as_str()).collect();
    ids.join(" and ")
}

/// An error once the import was executed: the stack holds the imported resources, and may be
/// mid-way; the message says how to see it and finish.
fn unfinished(stack: &str, plan: &Plan, e: AwsError) -> AwsError {
    e.then(&format!(
        "The import of {} into stack {stack} was executed, so the stack may be mid-way: see it with `infrapipe status`, then run `infrapipe apply` again to finish (it plans the rest as an update)",
        imported_ids(plan)
    ))
}

/// What an interruption at `step` leaves, in plain words: what ran, what goes on, how to finish.
async fn interrupted_at(aws: &Aws, req: &Request<'_>, go: &Execute, step: Step) -> String {
    let (stack, region) = (req.stack, &aws.region);
    let imported = imported_ids(&go.plan);
    let watch = format!("watch it with `infrapipe status --region {region}`");
    match step {
        Step::Ready | Step::Imported => {
            let cleaned = match super::apply::remove_leftovers(aws, stack).await {
                Ok(_) => "the change sets of ours left AVAILABLE were deleted".to_owned(),
                Err(e) => format!(
                    "the change sets this apply made could not be deleted ({e}): the next apply deletes them"
                ),
            };
            if step == Step::Ready {
                format!("Nothing was executed; {cleaned}.")
            } else {
                format!(
                    "The import ran: {imported} are now in stack {stack}. The update after it was not executed; {cleaned}. Run `infrapipe apply` again to make the rest of the changes."
                )
            }
        }
        Step::Importing => format!(
            "The IMPORT change set was executed: CloudFormation goes on importing {imported} into stack {stack}; {watch}. The update after it was not made: once the stack is IMPORT_COMPLETE, run `infrapipe apply` again to make the rest of the changes."
        ),
        Step::Updating => format!(
            "The import ran ({imported} are in stack {stack}), and CloudFormation goes on with the update after it; {watch}."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan_importing(ids: &[&str]) -> Plan {
        let mut p = crate::plan::diff("s", "us-east-1", None, None, &json!({"Resources": {}}));
        p.imports = ids
            .iter()
            .map(|id| Import {
                logical_id: (*id).to_owned(),
                resource_type: "AWS::S3::Bucket".into(),
                identifier: identifier("BucketName", "b"),
                why: Why::KeptByDestroy,
                existing_indexes: Vec::new(),
            })
            .collect();
        p
    }

    fn saved(plan: Plan) -> SavedPlan {
        SavedPlan {
            format: crate::plan::saved::FORMAT,
            infrapipe_version: String::new(),
            stack: "s".into(),
            region: "us-east-1".into(),
            stack_id: None,
            last_change: None,
            deployed_template_sha256: None,
            template: json!({}),
            plan,
            cost: None,
        }
    }

    #[test]
    fn a_saved_plan_made_before_the_data_was_kept_is_refused_as_stale() {
        let err = check_saved(
            &saved(plan_importing(&[])),
            &plan_importing(&["RawMetricsBucket"]),
        )
        .expect_err("stale");
        assert_eq!(
            err.to_string(),
            "what stack s would import changed since the plan was made (then nothing to import, now RawMetricsBucket to import); make a new plan with `infrapipe plan --out FILE`"
        );
    }

    #[test]
    fn a_saved_plan_importing_the_same_resources_applies() {
        let p = plan_importing(&["MetricsTable", "RawMetricsBucket"]);
        assert!(check_saved(&saved(p.clone()), &p).is_ok());
    }

    #[test]
    fn a_name_with_pseudo_parameters_resolves_and_one_left_to_cloudformation_is_none() {
        let bucket = json!({"Properties": {"BucketName": {"Fn::Sub": "x-${AWS::AccountId}-${AWS::Region}"}}});
        assert_eq!(
            physical_name(&bucket, ResourceType::S3Bucket, "123456789012", "eu-west-1").as_deref(),
            Some("x-123456789012-eu-west-1")
        );
        let unnamed = json!({"Properties": {}});
        assert_eq!(
            physical_name(&unnamed, ResourceType::S3Bucket, "1", "r"),
            None
        );
    }
}
