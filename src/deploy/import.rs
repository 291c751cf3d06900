//! Import instead of collide: find the resources a plan would add that already exist outside
//! the stack (a bucket and table kept by an earlier destroy, or named in `adopt:`), and apply
//! such a plan in two steps: an IMPORT change set that adopts them, then the UPDATE.

use super::apply::{ApplyError, Outcome, Refusal, Request, Ui};
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

/// Applies a plan with imports: the IMPORT change set (made after the consent, executed, waited on),
/// then the UPDATE change set of `update` (the rendered template) without asking again: the
/// person consented to the plan, which shows both steps.
pub async fn apply<U: Ui + ?Sized>(
    aws: &Aws,
    req: &Request<'_>,
    plan: Plan,
    deployed: Option<&DeployedStack>,
    uploaded: &super::assets::Uploaded,
    update: &TemplateSource,
    ui: &mut U,
) -> Result<Outcome, ApplyError> {
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
        "infrapipe-import",
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
    let seen = super::wait::seen_events(aws, &stack_id).await?;
    tracing::info!(change_set = %cs.id, "executing the import change set (cloudformation:ExecuteChangeSet)");
    cloudformation::execute_change_set(aws, &cs.id).await?;
    let total = plan.imports.len();
    let imported = super::wait::wait(aws, &stack_id, seen, &mut |t| ui.tick(t, total)).await?;
    if !imported.succeeded() {
        return Ok(Outcome::Executed {
            plan,
            finished: imported,
        });
    }
    tracing::info!(
        stack = req.stack,
        "creating the change set for the rest (cloudformation:CreateChangeSet UPDATE)"
    );
    let cs = cloudformation::create_change_set_with(
        aws,
        req.stack,
        update,
        true,
        &req.tags,
        "infrapipe-apply",
        &uploaded.code_version_parameters(),
    )
    .await?;
    let seen = super::wait::seen_events(aws, &stack_id).await?;
    let finished = if cs.empty {
        // Everything was imported and nothing else changes: the stack is as the import left it.
        imported
    } else {
        tracing::info!(change_set = %cs.id, "executing the change set (cloudformation:ExecuteChangeSet)");
        cloudformation::execute_change_set(aws, &cs.id).await?;
        let total = plan.changes.len();
        super::wait::wait(aws, &stack_id, seen, &mut |t| ui.tick(t, total)).await?
    };
    if finished.succeeded() {
        super::apply::protect(aws, req, true).await?;
        super::apply::check_deployed_code(aws, req.names, uploaded).await?;
    }
    Ok(Outcome::Executed { plan, finished })
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
