//! Bootstrap, idempotently, one artifact bucket per account and region (as `cdk bootstrap`
//! does), and upload each Lambda zip under its content hash. The bucket must be ours (every call
//! carries `ExpectedBucketOwner`), and an object already there is reused only when its SHA-256
//! checksum is the zip's: a name anyone can predict proves nothing about what it holds.

use crate::aws::s3::{self, BucketState};
use crate::aws::{Aws, AwsError, sts};
use crate::model::FunctionKind;
use crate::model::names::{self, Names};
use crate::package;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub bucket: String,
    /// The account that owns the bucket (the caller's): every later call on it names it.
    pub owner: String,
    pub created_bucket: bool,
    /// False when the TLS-only bucket policy was left off (plain-HTTP emulator endpoint).
    pub tls_policy: bool,
    /// Each function's zip, in `FunctionKind::ALL` order.
    pub objects: Vec<CodeObject>,
}

/// One function's zip in the artifact bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeObject {
    pub kind: FunctionKind,
    pub key: String,
    /// The zip's SHA-256, base64 (what S3's checksum and Lambda's `CodeSha256` say).
    pub sha256: String,
    /// The object version the stack deploys (None in an unversioned bucket).
    pub version_id: Option<String>,
    pub how: Upload,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// Already there with the zip's checksum.
    Reused,
    /// Not there: uploaded now.
    Uploaded,
    /// There, but without the zip's checksum: uploaded again over it.
    Replaced,
}

impl Uploaded {
    /// The stack parameters that pin each function's code to the object version just checked.
    pub fn code_version_parameters(&self) -> BTreeMap<String, String> {
        self.objects
            .iter()
            .filter_map(|o| {
                let v = o.version_id.clone()?;
                Some((
                    crate::template::code_version_parameter(o.kind).to_owned(),
                    v,
                ))
            })
            .collect()
    }
}

/// SHA-256 of `bytes`, base64: the form S3 checksums and Lambda's `CodeSha256` take.
pub fn sha256_base64(bytes: &[u8]) -> String {
    aws_smithy_types::base64::encode(Sha256::digest(bytes))
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

/// The artifact bucket of this account and region with its owner (the caller's account), when
/// it exists and is ours; an error when a bucket of its name belongs to someone else. Reads
/// only (for `plan --change-set`).
pub async fn existing_bucket(
    aws: &Aws,
    names: &Names,
) -> Result<Option<(String, String)>, AwsError> {
    let account = sts::account_id(aws).await?;
    let bucket = bucket_name(&account, &aws.region, names);
    match s3::bucket_state(aws, &bucket, &account).await? {
        BucketState::Ours => Ok(Some((bucket, account))),
        BucketState::Missing => Ok(None),
        BucketState::NotOurs => Err(s3::not_ours(aws, &bucket, &account)),
    }
}

/// Makes sure the artifact bucket is ours (creating it when missing) and holds each zip with its
/// checksum; refuses, before any upload, a bucket of our name that another account owns.
pub async fn publish(aws: &Aws, names: &Names) -> Result<Uploaded, AwsError> {
    let account = sts::account_id(aws).await?;
    let bucket = bucket_name(&account, &aws.region, names);
    let (created_bucket, tls_policy) = match s3::bucket_state(aws, &bucket, &account).await? {
        BucketState::Ours => (false, true),
        BucketState::NotOurs => return Err(s3::not_ours(aws, &bucket, &account)),
        BucketState::Missing => {
            let policy = tls_only_policy(&bucket, &aws.region);
            (
                true,
                s3::create_private_bucket(aws, &bucket, &account, &policy).await?,
            )
        }
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
        let sha256 = sha256_base64(&pkg.zip);
        let head = if created_bucket {
            None
        } else {
            s3::head_object(aws, &bucket, &key, &account).await?
        };
        let (how, version_id) = match head {
            Some(h) if h.sha256.as_deref() == Some(sha256.as_str()) => {
                (Upload::Reused, h.version_id)
            }
            found => {
                let how = if found.is_some() {
                    Upload::Replaced
                } else {
                    Upload::Uploaded
                };
                let v =
                    s3::put_object(aws, &bucket, &key, &account, pkg.zip.clone(), &sha256).await?;
                (how, v)
            }
        };
        objects.push(CodeObject {
            kind,
            key,
            sha256,
            version_id,
            how,
        });
    }
    Ok(Uploaded {
        bucket,
        owner: account,
        created_bucket,
        tls_policy,
        objects,
    })
}
