//! What destroy does beyond DeleteStack: empty the scratch results bucket (CloudFormation cannot
//! delete a bucket with objects), and with --purge-data remove the retained data.

use crate::aws::{Aws, AwsError, dynamodb, s3};
use crate::model::names::Names;

/// Physical names of the data resources, kept by DeletionPolicy Retain.
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

/// Empties the Athena results bucket so the stack can delete it.
pub async fn empty_results(aws: &Aws, names: &Names, account: &str) -> Result<u64, AwsError> {
    s3::empty_bucket(aws, &names.results_bucket.resolve(account, &aws.region)).await
}

/// Removes the retained data: every version of every raw object, the bucket, the table.
/// Returns (objects deleted, bucket deleted, table deleted).
pub async fn purge(aws: &Aws, r: &Retained) -> Result<(u64, bool, bool), AwsError> {
    // The bucket goes next; its policy must not stand between us and its objects.
    s3::delete_bucket_policy(aws, &r.raw_bucket).await?;
    let objects = s3::empty_bucket(aws, &r.raw_bucket).await?;
    let bucket = s3::delete_bucket(aws, &r.raw_bucket).await?;
    let table = dynamodb::delete_table(aws, &r.table).await?;
    Ok((objects, bucket, table))
}
