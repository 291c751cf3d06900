//! Destroy: delete the stack after asking, emptying first the scratch results bucket
//! (CloudFormation cannot delete a bucket with objects), and with --purge-data remove the
//! retained data too, also when the stack is already gone.

use super::apply::{Answer, Ui};
use super::destroyed::{DestroyReport, Destroyed, Purged};
use super::wait;
use crate::aws::{Aws, AwsError, cloudformation, dynamodb, s3, sts};
use crate::error::{Error, Result};
use crate::model::names::Names;
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
        let q = format!(
            "Stack {stack} is not deployed. PURGE the retained data ({} and {})?",
            kept.raw_bucket, kept.table
        );
        if !consent(ui, "purge data", &q)? {
            return Ok(report(Destroyed::Cancelled { purge: true }));
        }
        let purged = purge(aws, &kept).await?;
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
        f = wait::wait(aws, &deployed.stack_id, seen, &mut on_tick) => f.map_err(|e| e.then(&format!(
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
        Some(purge(aws, &kept).await?)
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
    s3::empty_bucket(aws, &names.results_bucket.resolve(account, &aws.region)).await
}

/// Removes the retained data: every version of every raw object, the bucket, the table.
pub async fn purge(aws: &Aws, r: &Retained) -> std::result::Result<Purged, AwsError> {
    // The bucket goes next; its policy must not stand between us and its objects.
    s3::delete_bucket_policy(aws, &r.raw_bucket).await?;
    let objects = s3::empty_bucket(aws, &r.raw_bucket).await?;
    let bucket = s3::delete_bucket(aws, &r.raw_bucket).await?;
    let table = dynamodb::delete_table(aws, &r.table).await?;
    Ok(Purged {
        objects,
        bucket,
        table,
    })
}
