//! S3: the artifact bucket the Lambda zips are uploaded to, and emptying buckets.

use super::{Aws, AwsError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};

/// True when the bucket exists and is ours to use.
pub async fn bucket_exists(aws: &Aws, bucket: &str) -> Result<bool, AwsError> {
    match aws.s3().head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(e) => {
            let err = AwsError::new(format!("checking bucket {bucket}"), &aws.region, &e);
            let not_found = e.as_service_error().is_some_and(|s| s.is_not_found())
                || err.is_code("NotFound")
                || err.is_code("NoSuchBucket");
            if not_found { Ok(false) } else { Err(err) }
        }
    }
}

/// Creates a private bucket: versioned, encrypted, public access blocked, TLS only.
pub async fn create_private_bucket(aws: &Aws, bucket: &str) -> Result<(), AwsError> {
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
        let owned = err
            .as_service_error()
            .is_some_and(|s| s.is_bucket_already_owned_by_you());
        if !owned {
            return Err(AwsError::new(&doing, &aws.region, &err));
        }
    }
    s3.put_public_access_block()
        .bucket(bucket)
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
        .server_side_encryption_configuration(rules)
        .send()
        .await
        .map_err(|x| AwsError::new(&doing, &aws.region, &x))?;
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|x| AwsError::new(&doing, &aws.region, &x))?;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": { "AWS": "*" },
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } }
        }]
    });
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .map_err(|x| AwsError::new(&doing, &aws.region, &x))?;
    Ok(())
}

/// True when the object exists.
pub async fn object_exists(aws: &Aws, bucket: &str, key: &str) -> Result<bool, AwsError> {
    match aws.s3().head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(e) => {
            if e.as_service_error().is_some_and(|s| s.is_not_found()) {
                Ok(false)
            } else {
                Err(AwsError::new(
                    format!("checking s3://{bucket}/{key}"),
                    &aws.region,
                    &e,
                ))
            }
        }
    }
}

pub async fn put_object(
    aws: &Aws,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> Result<(), AwsError> {
    aws.s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| AwsError::new(format!("uploading s3://{bucket}/{key}"), &aws.region, &e))?;
    Ok(())
}
