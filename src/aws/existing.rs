//! Reads whether a named resource already exists outside the stack (what `plan` and `apply`
//! turn into a CloudFormation import): an S3 bucket, checked to belong to the caller's
//! account, and a DynamoDB table with the key schema and indexes an import must match.

use super::{Aws, AwsError};
use serde::Serialize;
use std::collections::BTreeMap;

/// What HeadBucket says of a bucket name, asked with `ExpectedBucketOwner` = our account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bucket {
    /// No bucket of that name exists anywhere.
    Missing,
    /// It exists, belongs to our account, and lives in `region` (as S3 reports it).
    Ours { region: Option<String> },
    /// It exists and is not ours, or these credentials may not read it (S3 answers 403 to both).
    NotOurs,
}

/// Whether `bucket` exists and whose it is. S3 answers a HeadBucket whose
/// `ExpectedBucketOwner` is not the bucket's owner with 403, as it answers a bucket of another
/// account that we may not read: both mean "never import it".
pub async fn bucket(aws: &Aws, bucket: &str, account: &str) -> Result<Bucket, AwsError> {
    let doing = format!("checking whether bucket {bucket} exists (s3:HeadBucket)");
    match aws
        .s3()
        .head_bucket()
        .bucket(bucket)
        .expected_bucket_owner(account)
        .send()
        .await
    {
        Ok(out) => Ok(Bucket::Ours {
            region: out.bucket_region().map(str::to_owned),
        }),
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16());
            let not_found = e.as_service_error().is_some_and(|s| s.is_not_found());
            match status {
                _ if not_found => Ok(Bucket::Missing),
                Some(404) => Ok(Bucket::Missing),
                Some(403) => Ok(Bucket::NotOurs),
                // HeadBucket on another region's endpoint: the bucket is ours but elsewhere.
                Some(301) => Ok(Bucket::Ours {
                    region: e
                        .raw_response()
                        .and_then(|r| r.headers().get("x-amz-bucket-region"))
                        .map(str::to_owned),
                }),
                _ => Err(AwsError::new(doing, &aws.region, &e)),
            }
        }
    }
}

/// The parts of an existing table an import depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// `(attribute, HASH|RANGE)` in the table's order.
    pub key_schema: Vec<(String, String)>,
    /// Attribute name to type (`S`, `N`, `B`) for the attributes the keys use.
    pub attributes: BTreeMap<String, String>,
    /// Names of the table's global secondary indexes.
    pub indexes: Vec<String>,
    pub status: String,
}

/// The table named `table`, or None when there is none in this region.
pub async fn table(aws: &Aws, table: &str) -> Result<Option<Table>, AwsError> {
    let doing = format!("checking whether table {table} exists (dynamodb:DescribeTable)");
    let out = match aws
        .dynamodb()
        .describe_table()
        .table_name(table)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception())
            {
                return Ok(None);
            }
            return Err(AwsError::new(doing, &aws.region, &e));
        }
    };
    let Some(t) = out.table() else {
        return Ok(None);
    };
    Ok(Some(Table {
        key_schema: t
            .key_schema()
            .iter()
            .map(|k| {
                (
                    k.attribute_name().to_owned(),
                    k.key_type().as_str().to_owned(),
                )
            })
            .collect(),
        attributes: t
            .attribute_definitions()
            .iter()
            .map(|a| {
                (
                    a.attribute_name().to_owned(),
                    a.attribute_type().as_str().to_owned(),
                )
            })
            .collect(),
        indexes: t
            .global_secondary_indexes()
            .iter()
            .filter_map(|i| i.index_name().map(str::to_owned))
            .collect(),
        status: t
            .table_status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    }))
}
