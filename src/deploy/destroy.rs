//! Destroy: survey each region (what its stack deletes and what it keeps), ask once, then delete
//! the stack, emptying first the scratch results bucket (CloudFormation cannot delete a bucket
//! with objects), and with --purge-data remove the retained data too, also when the stack is
//! already gone.

use super::apply::{Answer, Ui};
use super::destroyed::{DestroyReport, Destroyed, Purged};
use super::wait;
use crate::aws::{Aws, AwsError, cloudformation, dynamodb, s3, sts};
use crate::error::{Error, Result};
use crate::model::names::{Names, PIPELINE_TAG};
use std::path::Path;

/// Physical names of the data resources, kept by DeletionPolicy Retain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
    pub raw_bucket: String,
    pub table: String,
}

pub fn retained(names: &Names, account: &str, region: &str) -> Retained {
    Retained {
        raw_bucket: names.raw_bucket.resolve(account, region),
        table: names.table.clone(),
    }
}

/// Everything one region's destroy needs.
pub struct Request<'a> {
    pub stack: &'a str,
    pub names: &'a Names,
    pub purge_data: bool,
    /// The stack name given with `--purge-data=<stack>` (unattended runs); without it the
    /// person types the name at the prompt.
    pub purge_name: Option<&'a str>,
    /// Take an on-demand backup of the table before purging (off with `--no-backup`).
    pub backup: bool,
    /// The config file, named in the advice when termination protection is on.
    pub config_path: &'a Path,
}

/// Asks `question`; Ok(false) when the person says no, an error when nobody can answer.
fn consent<U: Ui + ?Sized>(ui: &mut U, action: &str, question: &str) -> Result<bool> {
    match ui.ask(question) {
        Answer::Yes => Ok(true),
        Answer::No => Ok(false),
        Answer::NobodyToAsk => Err(Error::NoConsent {
            action: action.to_owned(),
        }),
    }
}

/// What destroying one region's stack deletes and keeps, read before anyone is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub region: String,
    pub account: String,
    pub kept: Retained,
    /// The artifact bucket of this account and region (never deleted by destroy).
    pub artifact_bucket: String,
    /// The stack and what it holds; None when no stack is deployed here.
    pub stack: Option<Doomed>,
}

/// A deployed stack about to be deleted: the resources it deletes and those it retains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doomed {
    pub stack_id: String,
    pub deletes: Vec<cloudformation::StackResource>,
    pub keeps: Vec<cloudformation::StackResource>,
}

/// Reads what destroying `req.stack` here would do. Termination protection refuses at once.
pub async fn survey(aws: &Aws, req: &Request<'_>) -> Result<Survey> {
    let deployed = cloudformation::deployed(aws, req.stack).await?;
    let account = sts::account_id(aws).await?;
    let kept = retained(req.names, &account, &aws.region);
    let artifact_bucket = super::assets::bucket_name(&account, &aws.region, req.names);
    let stack = match deployed {
        None => None,
        Some(d) => {
            if cloudformation::termination_protection(aws, req.stack).await? {
                return Err(Error::TerminationProtected {
                    stack: req.stack.to_owned(),
                    config: req.config_path.to_owned(),
                });
            }
            let (keeps, deletes) = cloudformation::resources(aws, &d.stack_id)
                .await?
                .into_iter()
                .partition(|r| retains(&d.template, &r.logical_id));
            Some(Doomed {
                stack_id: d.stack_id,
                deletes,
                keeps,
            })
        }
    };
    Ok(Survey {
        region: aws.region.clone(),
        account,
        kept,
        artifact_bucket,
        stack,
    })
}

/// Whether the template keeps `logical_id` when the stack is deleted (DeletionPolicy).
fn retains(template: &serde_json::Value, logical_id: &str) -> bool {
    matches!(
        template["Resources"][logical_id]["DeletionPolicy"].as_str(),
        Some("Retain" | "RetainExceptOnCreate")
    )
}

/// What one region's destroy deletes and keeps, as the prompt lists it.
pub fn listing(stack: &str, survey: &Survey, purge_data: bool) -> String {
    let region = &survey.region;
    let Some(doomed) = &survey.stack else {
        let what = if purge_data {
            format!(
                "PURGES what is left of its data: every version in bucket {} and table {}",
                survey.kept.raw_bucket, survey.kept.table
            )
        } else {
            "nothing to delete".to_owned()
        };
        return format!("Stack {stack} in {region}: not deployed; {what}.\n");
    };
    let mut s = format!(
        "Stack {stack} in {region} deletes {} resources:\n",
        doomed.deletes.len()
    );
    for r in &doomed.deletes {
        s.push_str(&format!(
            "  - {} {} {}\n",
            r.resource_type, r.logical_id, r.physical_id
        ));
    }
    if purge_data {
        s.push_str(&format!(
            "  and PURGES the data: every version in bucket {} and table {}\n",
            survey.kept.raw_bucket, survey.kept.table
        ));
    } else {
        for r in &doomed.keeps {
            s.push_str(&format!(
                "  keeps (DeletionPolicy Retain): {} {} {}\n",
                r.resource_type, r.logical_id, r.physical_id
            ));
        }
    }
    s.push_str(&format!(
        "  keeps: artifact bucket {} (`infrapipe destroy --artifacts` removes it once no stack of ours is left in {region})\n",
        survey.artifact_bucket
    ));
    s
}

/// The one question for every region surveyed, each region's listing first; None when there
/// is nothing to do anywhere.
pub fn question(stack: &str, surveys: &[Survey], purge_data: bool) -> Option<String> {
    let deployed = surveys.iter().filter(|s| s.stack.is_some()).count();
    if deployed == 0 && !purge_data {
        return None;
    }
    let listings: String = surveys
        .iter()
        .map(|s| listing(stack, s, purge_data))
        .collect();
    let data = if purge_data {
        "and PURGE the data"
    } else {
        "keeping the data"
    };
    let ask = match surveys {
        [one] if one.stack.is_some() => format!(
            "Destroy stack {stack} in {}, {}?",
            one.region,
            if purge_data {
                format!(
                    "and PURGE the data: every version in {} and the table {}",
                    one.kept.raw_bucket, one.kept.table
                )
            } else {
                format!(
                    "keeping the data ({} and {})",
                    one.kept.raw_bucket, one.kept.table
                )
            }
        ),
        [one] => format!(
            "Stack {stack} is not deployed. PURGE the retained data ({} and {})?",
            one.kept.raw_bucket, one.kept.table
        ),
        all => format!("Destroy stack {stack} in {} regions, {data}?", all.len()),
    };
    Some(format!("{listings}{ask}"))
}

/// One region's destroy once consent is given: empty the results bucket, delete the stack
/// and wait (until `interrupt` fires, when CloudFormation goes on without us), then purge if
/// asked.
pub async fn destroy_surveyed<U: Ui + ?Sized>(
    aws: &Aws,
    req: &Request<'_>,
    survey: Survey,
    ui: &mut U,
    interrupt: impl std::future::Future,
) -> Result<DestroyReport> {
    let (stack, region) = (req.stack, aws.region.as_str());
    let report = |result| DestroyReport {
        stack: stack.to_owned(),
        region: region.to_owned(),
        result,
    };
    let Survey {
        account,
        kept,
        stack: doomed,
        ..
    } = survey;
    let Some(doomed) = doomed else {
        if !req.purge_data {
            return Ok(report(Destroyed::NotDeployed { purged: None }));
        }
        // The stack is gone but its retained data may not be: purge what is left.
        check_ours(aws, req.names, &kept, &account).await?;
        let purged = purge(aws, &kept, &account, req.backup).await?;
        return Ok(report(Destroyed::NotDeployed {
            purged: Some((kept, purged)),
        }));
    };
    if req.purge_data {
        // Before the stack goes: a data resource not tagged as ours stops everything.
        check_ours(aws, req.names, &kept, &account).await?;
    }
    tracing::info!(
        stack,
        "emptying the Athena results bucket (s3:ListObjectVersions, DeleteObjects)"
    );
    let emptied = empty_results(aws, req.names, &account).await?;
    let total = doomed.deletes.len() + doomed.keeps.len();
    let seen = wait::seen_events(aws, &doomed.stack_id).await?;
    tracing::info!(stack, "deleting the stack (cloudformation:DeleteStack)");
    cloudformation::delete_stack(aws, stack).await?;
    let mut on_tick = |t: wait::Tick<'_>| ui.tick(t, total);
    let finished = tokio::select! {
        f = wait::wait(aws, &doomed.stack_id, seen, &mut on_tick) => f.map_err(|e| e.then(&format!(
            "The deletion was started, so stack {stack} may be half deleted: see it with `infrapipe status`, then run `infrapipe destroy` again to finish"
        )))?,
        _ = interrupt => return Err(Error::Interrupted {
            goes_on: format!("CloudFormation goes on deleting; watch it with `infrapipe status --region {region}`."),
        }),
    };
    if !finished.succeeded() {
        let cause = finished
            .first_failure
            .as_ref()
            .map_or(finished.reason.clone(), |f| {
                format!("{} ({}): {}", f.logical_id, f.resource_type, f.reason)
            });
        return Err(Error::StackFailed {
            doing: "deleting",
            stack: stack.to_owned(),
            status: finished.status,
            cause,
        });
    }
    let purged = if req.purge_data {
        Some(purge(aws, &kept, &account, req.backup).await?)
    } else {
        None
    };
    Ok(report(Destroyed::Destroyed {
        results_objects_deleted: emptied,
        kept,
        purged,
    }))
}

/// Empties the Athena results bucket so the stack can delete it.
pub async fn empty_results(
    aws: &Aws,
    names: &Names,
    account: &str,
) -> std::result::Result<u64, AwsError> {
    s3::empty_bucket(
        aws,
        &names.results_bucket.resolve(account, &aws.region),
        account,
    )
    .await
}

/// `--purge-data=<name>` must name the stack; checked before anything is read or deleted.
pub fn check_purge_name(req: &Request<'_>) -> Result<()> {
    match req.purge_name {
        Some(n) if n != req.stack => Err(Error::Usage(format!(
            "--purge-data={n} does not name the stack {}: nothing was deleted",
            req.stack
        ))),
        _ => Ok(()),
    }
}

/// The person types the stack name (or gave it with `--purge-data=<stack>`): a purge cannot be
/// undone, so a y/--yes is not enough. Ok(false) when the name typed is not the stack's.
fn purge_confirmed<U: Ui + ?Sized>(ui: &mut U, req: &Request<'_>) -> Result<bool> {
    if req.purge_name == Some(req.stack) {
        return Ok(true);
    }
    let prompt = format!(
        "This deletes every object version and every item for good. Type the stack name ({}) to purge: ",
        req.stack
    );
    match ui.type_in(&prompt) {
        Some(typed) => Ok(typed.trim() == req.stack),
        None => Err(Error::Usage(format!(
            "--purge-data asks for the stack name at a terminal and stdin is not one: pass --purge-data={} (--yes does not stand in for it); nothing was deleted",
            req.stack
        ))),
    }
}

/// Refuses to purge a bucket or table that is there but not tagged as this pipeline's: names
/// are derived, and a name proves nothing about who made the resource.
pub async fn check_ours(aws: &Aws, names: &Names, kept: &Retained, account: &str) -> Result<()> {
    let ours = |tags: &std::collections::BTreeMap<String, String>| {
        tags.get(PIPELINE_TAG) == Some(&names.prefix)
    };
    let not_ours = |what: String| {
        Error::Aws(AwsError {
            doing: "checking the data to purge".into(),
            region: aws.region.clone(),
            code: Some("NotTaggedAsOurs".into()),
            message: format!(
                "{what} is not tagged {PIPELINE_TAG}={}: infrapipe did not make it, so it does not delete it; nothing was deleted",
                names.prefix
            ),
        })
    };
    if let Some(tags) = s3::bucket_tags(aws, &kept.raw_bucket, account).await?
        && !ours(&tags)
    {
        return Err(not_ours(format!("bucket {}", kept.raw_bucket)));
    }
    if let Some(tags) = dynamodb::table_tags(aws, &kept.table).await?
        && !ours(&tags)
    {
        return Err(not_ours(format!("table {}", kept.table)));
    }
    Ok(())
}

/// Removes the retained data: first an on-demand backup of the table (unless `backup` is
/// false), then every version of every raw object, the bucket, and the table (its deletion
/// protection lifted only now, after the confirmation).
pub async fn purge(
    aws: &Aws,
    r: &Retained,
    account: &str,
    backup: bool,
) -> std::result::Result<Purged, AwsError> {
    let table_there = dynamodb::table_tags(aws, &r.table).await?.is_some();
    let backup_arn = if backup && table_there {
        tracing::info!(table = %r.table, "backing up the table (dynamodb:CreateBackup)");
        Some(dynamodb::create_backup(aws, &r.table, &format!("{}-purge", r.table)).await?)
    } else {
        None
    };
    // The bucket goes next; its policy must not stand between us and its objects.
    s3::delete_bucket_policy(aws, &r.raw_bucket, account).await?;
    let objects = s3::empty_bucket(aws, &r.raw_bucket, account).await?;
    let bucket = s3::delete_bucket(aws, &r.raw_bucket, account).await?;
    let table = if table_there {
        dynamodb::set_deletion_protection(aws, &r.table, false).await?;
        dynamodb::delete_table(aws, &r.table).await?
    } else {
        false
    };
    Ok(Purged {
        objects,
        bucket,
        table,
        backup_arn,
    })
}

/// Destroys the stack in every region of `regions` after one question that lists, region by
/// region, what is deleted and what is kept.
pub async fn destroy_all<U: Ui + ?Sized>(
    regions: &[Aws],
    req: &Request<'_>,
    ui: &mut U,
    interrupt: impl std::future::Future,
) -> Result<super::destroyed::AllDestroyed> {
    let mut surveys = Vec::new();
    for aws in regions {
        surveys.push(survey(aws, req).await?);
    }
    let any_stack = surveys.iter().any(|s| s.stack.is_some());
    let asked = match question(req.stack, &surveys, req.purge_data) {
        None => true,
        Some(q) => {
            let action = if any_stack { "destroy" } else { "purge data" };
            consent(ui, action, &q)?
        }
    };
    // With --purge-data, the person also types the stack name (or gave it as the flag's value).
    let asked = asked && (!req.purge_data || purge_confirmed(ui, req)?);
    let mut reports = Vec::new();
    if !asked {
        for s in &surveys {
            reports.push(DestroyReport {
                stack: req.stack.to_owned(),
                region: s.region.clone(),
                result: Destroyed::Cancelled { purge: !any_stack },
            });
        }
        return Ok(super::destroyed::AllDestroyed { reports });
    }
    let mut interrupt = std::pin::pin!(interrupt);
    for (aws, s) in regions.iter().zip(surveys) {
        reports.push(destroy_surveyed(aws, req, s, ui, interrupt.as_mut()).await?);
    }
    Ok(super::destroyed::AllDestroyed { reports })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudformation::StackResource;

    fn resource(id: &str, ty: &str, physical: &str) -> StackResource {
        StackResource {
            logical_id: id.into(),
            resource_type: ty.into(),
            physical_id: physical.into(),
            status: "CREATE_COMPLETE".into(),
        }
    }

    fn survey(region: &str, deployed: bool) -> Survey {
        Survey {
            region: region.into(),
            account: "123456789012".into(),
            kept: Retained {
                raw_bucket: format!("raw-{region}"),
                table: "metrics".into(),
            },
            artifact_bucket: format!("assets-{region}"),
            stack: deployed.then(|| Doomed {
                stack_id: "id".into(),
                deletes: vec![resource(
                    "CollectorFunction",
                    "AWS::Lambda::Function",
                    "s-collector",
                )],
                keeps: vec![
                    resource("MetricsTable", "AWS::DynamoDB::Table", "metrics"),
                    resource(
                        "RawMetricsBucket",
                        "AWS::S3::Bucket",
                        &format!("raw-{region}"),
                    ),
                ],
            }),
        }
    }

    #[test]
    fn the_question_lists_per_region_what_is_deleted_and_what_is_kept() {
        let q = question(
            "s",
            &[survey("us-east-1", true), survey("eu-west-1", true)],
            false,
        )
        .expect("a question");
        assert!(
            q.contains("Stack s in us-east-1 deletes 1 resources:\n  - AWS::Lambda::Function CollectorFunction s-collector\n"),
            "{q}"
        );
        assert!(
            q.contains(
                "  keeps (DeletionPolicy Retain): AWS::S3::Bucket RawMetricsBucket raw-eu-west-1\n"
            ),
            "{q}"
        );
        assert!(
            q.contains("  keeps: artifact bucket assets-eu-west-1"),
            "{q}"
        );
        assert!(
            q.ends_with("Destroy stack s in 2 regions, keeping the data?"),
            "{q}"
        );
    }

    #[test]
    fn with_purge_data_the_question_says_the_data_goes() {
        let q = question("s", &[survey("us-east-1", true)], true).expect("a question");
        assert!(
            q.contains(
                "and PURGES the data: every version in bucket raw-us-east-1 and table metrics"
            ),
            "{q}"
        );
        assert!(!q.contains("keeps (DeletionPolicy Retain)"), "{q}");
    }

    #[test]
    fn nothing_deployed_anywhere_and_no_purge_asks_nothing() {
        assert_eq!(question("s", &[survey("us-east-1", false)], false), None);
    }

    #[test]
    fn retain_is_read_from_the_deployed_template() {
        let t = serde_json::json!({ "Resources": {
            "B": { "Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain" },
            "F": { "Type": "AWS::Lambda::Function" },
        }});
        assert!(retains(&t, "B"));
        assert!(!retains(&t, "F"));
    }
}
