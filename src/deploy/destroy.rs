//! Destroy: delete the stack after asking, emptying first the scratch results bucket
//! (CloudFormation cannot delete a bucket with objects), and with --purge-data remove the
//! retained data too, also when the stack is already gone.

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

/// One region's destroy: ask, empty the results bucket, delete the stack and wait (until
/// `interrupt` fires, when CloudFormation goes on without us), then purge if asked.
pub async fn destroy<U: Ui + ?Sized>(
    aws: &Aws,
    req: &Request<'_>,
    ui: &mut U,
    interrupt: impl std::future::Future,
) -> Result<DestroyReport> {
    let (stack, region) = (req.stack, aws.region.as_str());
    let report = |result| DestroyReport {
        stack: stack.to_owned(),
        region: region.to_owned(),
        result,
    };
    let Some(deployed) = cloudformation::deployed(aws, stack).await? else {
        if !req.purge_data {
            return Ok(report(Destroyed::NotDeployed { purged: None }));
        }
        // The stack is gone but its retained data may not be: purge what is left.
        let account = sts::account_id(aws).await?;
        let kept = retained(req.names, &account, region);
        check_purge_name(req)?;
        let q = format!(
            "Stack {stack} is not deployed. PURGE the retained data ({} and {})?",
            kept.raw_bucket, kept.table
        );
        if !consent(ui, "purge data", &q)? || !purge_confirmed(ui, req)? {
            return Ok(report(Destroyed::Cancelled { purge: true }));
        }
        check_ours(aws, req.names, &kept, &account).await?;
        let purged = purge(aws, &kept, &account, req.backup).await?;
        return Ok(report(Destroyed::NotDeployed {
            purged: Some((kept, purged)),
        }));
    };
    if cloudformation::termination_protection(aws, stack).await? {
        return Err(Error::TerminationProtected {
            stack: stack.to_owned(),
            config: req.config_path.to_owned(),
        });
    }
    if req.purge_data {
        check_purge_name(req)?;
    }
    let account = sts::account_id(aws).await?;
    let kept = retained(req.names, &account, region);
    let what = if req.purge_data {
        format!(
            "and PURGE the data: every version in {} and the table {}",
            kept.raw_bucket, kept.table
        )
    } else {
        format!("keeping the data ({} and {})", kept.raw_bucket, kept.table)
    };
    let q = format!("Destroy stack {stack} in {region}, {what}?");
    if !consent(ui, "destroy", &q)? {
        return Ok(report(Destroyed::Cancelled { purge: false }));
    }
    if req.purge_data {
        if !purge_confirmed(ui, req)? {
            return Ok(report(Destroyed::Cancelled { purge: true }));
        }
        // Before the stack goes: a data resource not tagged as ours stops everything.
        check_ours(aws, req.names, &kept, &account).await?;
    }
    tracing::info!(
        stack,
        "emptying the Athena results bucket (s3:ListObjectVersions, DeleteObjects)"
    );
    let emptied = empty_results(aws, req.names, &account).await?;
    let total = cloudformation::resources(aws, &deployed.stack_id)
        .await?
        .len();
    let seen = wait::seen_events(aws, &deployed.stack_id).await?;
    tracing::info!(stack, "deleting the stack (cloudformation:DeleteStack)");
    cloudformation::delete_stack(aws, stack).await?;
    let mut on_tick = |t: wait::Tick<'_>| ui.tick(t, total);
    let finished = tokio::select! {
        f = wait::wait(aws, &deployed.stack_id, seen, &mut on_tick) => f?,
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
