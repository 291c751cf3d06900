//! The Lambda code every target account can read, and only those: one artifact bucket per
//! region in the administering account (Lambda reads code only from its own region), made and
//! checked as single-account apply does (`assets::publish`: ExpectedBucketOwner on every call),
//! whose policy lets the listed accounts, or the organization (`aws:PrincipalOrgID`), do one thing:
//! s3:GetObject on the code's zips. Keys are content hashes, so the instances take the latest
//! version of a key (no per-region version pin: that would need per-region parameter overrides).

use crate::aws::{Aws, AwsError, Options, s3};
use crate::deploy::assets::{self, Uploaded};
use crate::model::names::{self, Names};
use serde_json::{Value, json};

/// Who may read the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    Accounts(Vec<String>),
    /// An organization id (`o-...`): every account in it.
    Organization(String),
}

impl std::fmt::Display for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Readers::Accounts(a) => write!(f, "account(s) {}", a.join(", ")),
            Readers::Organization(o) => write!(f, "the accounts of organization {o}"),
        }
    }
}

/// The artifact bucket's policy: TLS only (unless `tls_only` is false, over a plain-HTTP
/// emulator that no request could satisfy it on), and s3:GetObject on the code's zips for
/// `readers` alone.
pub fn code_policy(bucket: &str, region: &str, readers: &Readers, tls_only: bool) -> Value {
    let arn = format!("arn:{}:s3:::{bucket}", names::partition(region));
    let mut statements: Vec<Value> = if tls_only {
        crate::model::iam::deny_insecure_transport(arn.clone().into(), format!("{arn}/*").into())
            ["Statement"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let code = format!("{arn}/{}/*.zip", names::ARTIFACT_PREFIX);
    statements.push(match readers {
        Readers::Accounts(accounts) => json!({
            "Sid": "StackSetAccountsReadTheCode",
            "Effect": "Allow",
            "Principal": { "AWS": accounts
                .iter()
                .map(|a| format!("arn:{}:iam::{a}:root", names::partition(region)))
                .collect::<Vec<_>>() },
            "Action": "s3:GetObject",
            "Resource": code,
        }),
        Readers::Organization(org) => json!({
            "Sid": "OrganizationReadsTheCode",
            "Effect": "Allow",
            "Principal": { "AWS": "*" },
            "Action": "s3:GetObject",
            "Resource": code,
            "Condition": { "StringEquals": { "aws:PrincipalOrgID": org } },
        }),
    });
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// One region's bucket, with the code in it and the readers' policy set.
#[derive(Debug, Clone)]
pub struct Published {
    pub region: String,
    pub uploaded: Uploaded,
    pub policy: Value,
}

/// Publishes the code in every region of `regions`, one after another, in the caller's account.
pub async fn publish(
    options: &Options,
    regions: &[String],
    names: &Names,
    readers: &Readers,
) -> Result<Vec<Published>, AwsError> {
    let mut out = Vec::new();
    for region in regions {
        let aws = Aws::connect(options, region).await;
        out.push(publish_in(&aws, names, readers).await?);
    }
    Ok(out)
}

/// `publish` in `aws`'s region.
pub async fn publish_in(
    aws: &Aws,
    names: &Names,
    readers: &Readers,
) -> Result<Published, AwsError> {
    let uploaded = assets::publish(aws, names).await?;
    let policy = code_policy(&uploaded.bucket, &aws.region, readers, !aws.plain_http);
    s3::put_bucket_policy(aws, &uploaded.bucket, &uploaded.owner, &policy.to_string()).await?;
    Ok(Published {
        region: aws.region.clone(),
        uploaded,
        policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listed_accounts_may_only_get_the_code_zips() {
        let p = code_policy(
            "infrapipe-assets-123456789012-eu-west-1",
            "eu-west-1",
            &Readers::Accounts(vec!["111111111111".into(), "222222222222".into()]),
            true,
        );
        let grant = &p["Statement"][1];
        assert_eq!(
            (
                &grant["Principal"]["AWS"],
                &grant["Action"],
                &grant["Resource"],
                &p["Statement"][0]["Sid"]
            ),
            (
                &json!([
                    "arn:aws:iam::111111111111:root",
                    "arn:aws:iam::222222222222:root"
                ]),
                &json!("s3:GetObject"),
                &json!("arn:aws:s3:::infrapipe-assets-123456789012-eu-west-1/infrapipe/*.zip"),
                &json!("DenyInsecureTransport")
            )
        );
    }

    #[test]
    fn an_organization_reads_through_its_principal_org_id_only() {
        let p = code_policy(
            "b",
            "us-east-1",
            &Readers::Organization("o-abc123def4".into()),
            true,
        );
        assert_eq!(
            p["Statement"][1]["Condition"],
            json!({ "StringEquals": { "aws:PrincipalOrgID": "o-abc123def4" } })
        );
    }
}
