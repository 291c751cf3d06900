//! S3 calls on a bucket this run did not create, each with `ExpectedBucketOwner`: a bucket named
//! like ours that another account owns answers 403 and nothing of it is read or deleted.

use super::{Aws, AwsError};

/// Whether `bucket` exists and belongs to `owner` (false: there is no such bucket). A bucket of
/// another account is an error that says so.
pub async fn exists(aws: &Aws, bucket: &str, owner: &str) -> Result<bool, AwsError> {
    let sent = aws
        .s3()
        .head_bucket()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .send()
        .await;
    match sent {
        Ok(_) => Ok(true),
        Err(e) => {
            let mut err = AwsError::new(format!("checking bucket {bucket}"), &aws.region, &e);
            if e.as_service_error().is_some_and(|s| s.is_not_found())
                || err.is_code("NotFound")
                || err.is_code("NoSuchBucket")
            {
                return Ok(false);
            }
            let status = e.raw_response().map(|r| r.status().as_u16());
            if status == Some(403) || err.is_code("AccessDenied") || err.is_code("Forbidden") {
                err.message = format!(
                    "bucket {bucket} is not owned by account {owner} (ExpectedBucketOwner refused): it is someone else's, and infrapipe leaves it alone"
                );
            }
            Err(err)
        }
    }
}

/// Deletes every object version and delete marker of `bucket` (owned by `owner`), then the
/// bucket. Returns how many versions were deleted.
pub async fn empty_and_delete(aws: &Aws, bucket: &str, owner: &str) -> Result<u64, AwsError> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let s3 = aws.s3();
    let doing = format!("removing bucket {bucket}");
    let fail = |e: &dyn std::fmt::Display| AwsError {
        doing: doing.clone(),
        region: aws.region.clone(),
        code: None,
        message: e.to_string(),
    };
    let mut deleted = 0u64;
    // Deleting changes what is listed: list from the start again until nothing is left.
    loop {
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .max_keys(1000)
            .send()
            .await
            .map_err(|e| AwsError::new(&doing, &aws.region, &e))?;
        let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = page
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        let mut batch = Vec::new();
        for (key, version) in versions.chain(markers) {
            let Some(key) = key else { continue };
            let mut id = ObjectIdentifier::builder().key(key);
            if let Some(v) = version.filter(|v| *v != "null") {
                id = id.version_id(v);
            }
            batch.push(id.build().map_err(|e| fail(&e))?);
        }
        if batch.is_empty() {
            break;
        }
        let n = batch.len() as u64;
        let delete = Delete::builder()
            .set_objects(Some(batch))
            .quiet(true)
            .build()
            .map_err(|e| fail(&e))?;
        let out = s3
            .delete_objects()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .delete(delete)
            .send()
            .await
            .map_err(|e| AwsError::new(&doing, &aws.region, &e))?;
        if let Some(first) = out.errors().first() {
            return Err(fail(&format!(
                "{} objects could not be deleted, first {}: {}",
                out.errors().len(),
                first.key().unwrap_or_default(),
                first.message().unwrap_or_default()
            )));
        }
        deleted += n;
    }
    s3.delete_bucket()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .send()
        .await
        .map_err(|e| AwsError::new(&doing, &aws.region, &e))?;
    Ok(deleted)
}
