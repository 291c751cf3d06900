//! S3: the artifact bucket the Lambda zips are uploaded to, and emptying buckets. Every call on a
//! bucket that accepts `ExpectedBucketOwner` passes the caller's account: bucket names are
//! global, and ours are predictable.

use super::{Aws, AwsError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, ChecksumAlgorithm, ChecksumMode,
    CreateBucketConfiguration, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};

/// Whether a bucket of a given name is there, and whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketState {
    Missing,
    /// There, and owned by the expected account.
    Ours,
    /// There, but S3 refused it with the owner condition (403): another account's bucket, or
    /// one this identity may not even look at. Either way nothing of ours goes into it.
    NotOurs,
}

/// HeadBucket with `ExpectedBucketOwner = owner`: S3 answers 403 when the bucket belongs to
/// another account, so a bucket named like ours that someone else created first is never used.
pub async fn bucket_state(aws: &Aws, bucket: &str, owner: &str) -> Result<BucketState, AwsError> {
    let head = aws
        .s3()
        .head_bucket()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .send()
        .await;
    match head {
        Ok(_) => Ok(BucketState::Ours),
        Err(e) => {
            let err = AwsError::new(format!("checking bucket {bucket}"), &aws.region, &e);
            let status = e.raw_response().map(|r| r.status().as_u16());
            let not_found = e.as_service_error().is_some_and(|s| s.is_not_found())
                || err.is_code("NotFound")
                || err.is_code("NoSuchBucket");
            if not_found {
                Ok(BucketState::Missing)
            } else if status == Some(403) || err.is_code("AccessDenied") || err.is_code("Forbidden")
            {
                Ok(BucketState::NotOurs)
            } else {
                Err(err)
            }
        }
    }
}

/// The error for a bucket of our name that is not ours: what it means and what to do.
pub fn not_ours(aws: &Aws, bucket: &str, owner: &str) -> AwsError {
    AwsError {
        doing: format!("using bucket {bucket}"),
        region: aws.region.clone(),
        code: Some("BucketNotOurs".into()),
        message: format!(
            "the bucket exists but S3 refused it with ExpectedBucketOwner={owner}: it belongs to another account (or this identity may not read it). Nothing was uploaded: code put in a bucket someone else created under our predictable name would run as your Lambdas (\"bucket sniping\"). Check who owns it; if it is not yours, report it and deploy from another account or region"
        ),
    }
}

/// Creates a private bucket: versioned, encrypted, public access blocked, and with
/// `tls_only_policy` (the bucket policy document, as JSON text) as its policy. Returns whether
/// that policy was set: not over a plain-HTTP emulator endpoint, where it would lock every
/// request out.
pub async fn create_private_bucket(
    aws: &Aws,
    bucket: &str,
    owner: &str,
    tls_only_policy: &str,
) -> Result<bool, AwsError> {
    let s3 = aws.s3();
    let doing = format!("creating bucket {bucket}");
    let e = |err: &dyn std::error::Error| AwsError {
        doing: doing.clone(),
        region: aws.region.clone(),
        code: None,
        message: aws_smithy_types::error::display::DisplayErrorContext(err).to_string(),
    };
    let mut create = s3.create_bucket().bucket(bucket);
    if aws.region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                .build(),
        );
    }
    if let Err(err) = create.send().await {
        let service = err.as_service_error();
        if service.is_some_and(|s| s.is_bucket_already_exists()) {
            // Someone else took the name between our HeadBucket and CreateBucket.
            return Err(not_ours(aws, bucket, owner));
        }
        if !service.is_some_and(|s| s.is_bucket_already_owned_by_you()) {
            return Err(AwsError::new(&doing, &aws.region, &err));
        }
    }
    s3.put_public_access_block()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|x| AwsError::new(&doing, &aws.region, &x))?;
    let sse = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(|x| e(&x))?;
    let rules = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(sse)
                .build(),
        )
        .build()
        .map_err(|x| e(&x))?;
    s3.put_bucket_encryption()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .server_side_encryption_configuration(rules)
        .send()
        .await
        .map_err(|x| AwsError::new(&doing, &aws.region, &x))?;
    s3.put_bucket_versioning()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|x| AwsError::new(&doing, &aws.region, &x))?;
    if aws.plain_http {
        return Ok(false);
    }
    s3.put_bucket_policy()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .policy(tls_only_policy)
        .send()
        .await
        .map_err(|x| AwsError::new(&doing, &aws.region, &x))?;
    Ok(true)
}

/// Removes the bucket policy (before purging a bucket we are about to delete).
pub async fn delete_bucket_policy(aws: &Aws, bucket: &str, owner: &str) -> Result<(), AwsError> {
    let deleted = aws
        .s3()
        .delete_bucket_policy()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .send()
        .await;
    match deleted {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsError::new(
                format!("removing the policy of bucket {bucket}"),
                &aws.region,
                &e,
            );
            if err.is_code("NoSuchBucket") {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

/// The bucket's tags (owner-checked); None when there is no bucket, empty when it has none.
pub async fn bucket_tags(
    aws: &Aws,
    bucket: &str,
    owner: &str,
) -> Result<Option<std::collections::BTreeMap<String, String>>, AwsError> {
    let got = aws
        .s3()
        .get_bucket_tagging()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .send()
        .await;
    match got {
        Ok(t) => Ok(Some(
            t.tag_set()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        )),
        Err(e) => {
            let err = AwsError::new(
                format!("reading the tags of bucket {bucket}"),
                &aws.region,
                &e,
            );
            if err.is_code("NoSuchBucket") {
                Ok(None)
            } else if err.is_code("NoSuchTagSet") {
                Ok(Some(std::collections::BTreeMap::new()))
            } else {
                Err(err)
            }
        }
    }
}

/// What HeadObject says of an object: its SHA-256 checksum (base64, when it was uploaded with
/// one) and its version id (in a versioned bucket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    pub sha256: Option<String>,
    pub version_id: Option<String>,
}

/// HeadObject with the checksum asked for and the owner condition; None when there is no object.
pub async fn head_object(
    aws: &Aws,
    bucket: &str,
    key: &str,
    owner: &str,
) -> Result<Option<ObjectHead>, AwsError> {
    let head = aws
        .s3()
        .head_object()
        .bucket(bucket)
        .key(key)
        .expected_bucket_owner(owner)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await;
    match head {
        Ok(h) => Ok(Some(ObjectHead {
            sha256: h.checksum_sha256().map(str::to_owned),
            version_id: h.version_id().map(str::to_owned),
        })),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
        Err(e) => Err(AwsError::new(
            format!("checking s3://{bucket}/{key}"),
            &aws.region,
            &e,
        )),
    }
}

/// Uploads `bytes` with their SHA-256 (`sha256_base64`) as the object's checksum, which S3
/// verifies and keeps; returns the new version's id (in a versioned bucket).
pub async fn put_object(
    aws: &Aws,
    bucket: &str,
    key: &str,
    owner: &str,
    bytes: Vec<u8>,
    sha256_base64: &str,
) -> Result<Option<String>, AwsError> {
    let out = aws
        .s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .expected_bucket_owner(owner)
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .checksum_sha256(sha256_base64)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| AwsError::new(format!("uploading s3://{bucket}/{key}"), &aws.region, &e))?;
    Ok(out.version_id().map(str::to_owned))
}

/// Deletes every object version and delete marker (every object when unversioned), in batches
/// of 1,000 (DeleteObjects' limit). Returns how many were deleted; a missing bucket is empty.
pub async fn empty_bucket(aws: &Aws, bucket: &str, owner: &str) -> Result<u64, AwsError> {
    use aws_sdk_s3::types::ObjectIdentifier;
    let s3 = aws.s3();
    let doing = format!("emptying bucket {bucket}");
    let mut deleted = 0u64;
    let mut batch: Vec<ObjectIdentifier> = Vec::new();
    let (mut key_marker, mut version_marker): (Option<String>, Option<String>) = (None, None);
    loop {
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                let err = AwsError::new(&doing, &aws.region, &e);
                if err.is_code("NoSuchBucket") {
                    return Ok(deleted);
                }
                return Err(err);
            }
        };
        let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = page
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        for (key, version) in versions.chain(markers) {
            let Some(key) = key else { continue };
            let mut id = ObjectIdentifier::builder().key(key);
            if let Some(v) = version.filter(|v| *v != "null") {
                id = id.version_id(v);
            }
            batch.push(id.build().map_err(|e| AwsError {
                doing: doing.clone(),
                region: aws.region.clone(),
                code: None,
                message: e.to_string(),
            })?);
            if batch.len() == 1000 {
                deleted +=
                    delete_batch(aws, bucket, owner, std::mem::take(&mut batch), &doing).await?;
            }
        }
        if page.is_truncated() != Some(true) {
            break;
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        version_marker = page.next_version_id_marker().map(str::to_owned);
    }
    if !batch.is_empty() {
        deleted += delete_batch(aws, bucket, owner, batch, &doing).await?;
    }
    Ok(deleted)
}

async fn delete_batch(
    aws: &Aws,
    bucket: &str,
    owner: &str,
    objects: Vec<aws_sdk_s3::types::ObjectIdentifier>,
    doing: &str,
) -> Result<u64, AwsError> {
    let n = objects.len() as u64;
    let delete = aws_sdk_s3::types::Delete::builder()
        .set_objects(Some(objects))
        .quiet(true)
        .build()
        .map_err(|e| AwsError {
            doing: doing.to_owned(),
            region: aws.region.clone(),
            code: None,
            message: e.to_string(),
        })?;
    let out = aws
        .s3()
        .delete_objects()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .delete(delete)
        .send()
        .await
        .map_err(|e| AwsError::new(doing, &aws.region, &e))?;
    if let Some(first) = out.errors().first() {
        return Err(AwsError {
            doing: doing.to_owned(),
            region: aws.region.clone(),
            code: first.code().map(str::to_owned),
            message: format!(
                "{} of {n} objects could not be deleted, first {}: {}",
                out.errors().len(),
                first.key().unwrap_or_default(),
                first.message().unwrap_or_default()
            ),
        });
    }
    Ok(n)
}

/// Deletes an (empty) bucket; a missing bucket is already gone (false).
pub async fn delete_bucket(aws: &Aws, bucket: &str, owner: &str) -> Result<bool, AwsError> {
    let deleted = aws
        .s3()
        .delete_bucket()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .send()
        .await;
    match deleted {
        Ok(_) => Ok(true),
        Err(e) => {
            let err = AwsError::new(format!("deleting bucket {bucket}"), &aws.region, &e);
            if err.is_code("NoSuchBucket") {
                Ok(false)
            } else {
                Err(err)
            }
        }
    }
}

/// Sets `policy` (a bucket policy document, as JSON text) on `bucket`, owned by `owner`.
pub async fn put_bucket_policy(
    aws: &Aws,
    bucket: &str,
    owner: &str,
    policy: &str,
) -> Result<(), AwsError> {
    aws.s3()
        .put_bucket_policy()
        .bucket(bucket)
        .expected_bucket_owner(owner)
        .policy(policy)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("setting the policy of bucket {bucket}"),
                &aws.region,
                &e,
            )
        })?;
    Ok(())
}
