//! Bootstrap, idempotently, one artifact bucket per account and region (as `cdk bootstrap`
//! does), and upload each Lambda zip under its content hash, skipping what is already there.

use crate::aws::{Aws, AwsError, s3, sts};
use crate::model::FunctionKind;
use crate::model::names::{self, Names};
use crate::package;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub bucket: String,
    pub created_bucket: bool,
    /// False when the TLS-only bucket policy was left off (plain-HTTP emulator endpoint).
    pub tls_policy: bool,
    /// (key, uploaded now) for each function's zip.
    pub objects: Vec<(String, bool)>,
}

/// The artifact bucket's name in this account and region.
pub fn bucket_name(account: &str, region: &str, names: &Names) -> String {
    names.artifact_bucket.resolve(account, region)
}

/// The artifact bucket's TLS-only policy, as the JSON text S3 takes.
fn tls_only_policy(bucket: &str, region: &str) -> String {
    let arn = format!("arn:{}:s3:::{bucket}", names::partition(region));
    crate::model::iam::deny_insecure_transport(arn.clone().into(), format!("{arn}/*").into())
        .to_string()
}

pub async fn publish(aws: &Aws, names: &Names) -> Result<Uploaded, AwsError> {
    let account = sts::account_id(aws).await?;
    let bucket = bucket_name(&account, &aws.region, names);
    let (created_bucket, tls_policy) = if s3::bucket_exists(aws, &bucket).await? {
        (false, true)
    } else {
        let policy = tls_only_policy(&bucket, &aws.region);
        (
            true,
            s3::create_private_bucket(aws, &bucket, &policy).await?,
        )
    };
    let bundle = package::bundle().map_err(|e| AwsError {
        doing: "packaging the bundled Lambda code".into(),
        region: aws.region.clone(),
        code: None,
        message: e.to_string(),
    })?;
    let mut objects = Vec::new();
    for kind in FunctionKind::ALL {
        let pkg = bundle.get(kind);
        let key = pkg.key();
        let exists = !created_bucket && s3::object_exists(aws, &bucket, &key).await?;
        if !exists {
            s3::put_object(aws, &bucket, &key, pkg.zip.clone()).await?;
        }
        objects.push((key, !exists));
    }
    Ok(Uploaded {
        bucket,
        created_bucket,
        tls_policy,
        objects,
    })
}
