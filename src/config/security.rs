//! The `security:` section: which KMS key encrypts the pipeline's data (none, one the stack
//! creates, or one of yours by ARN) and whether S3 server access logs are kept.

use super::values::{Days, Region};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    /// The KMS key of the buckets, the table, the queues, the log groups and the topic:
    /// `none` (AWS-owned and AWS-managed keys), `create` (one customer-managed key per region,
    /// made by the stack, rotated yearly) or the ARN of a key of yours in the pipeline's region.
    pub kms: KmsKey,
    /// Keep S3 server access logs of the raw and results buckets in a log bucket of their own.
    pub access_logs: bool,
    /// Days an access log object is kept before the lifecycle deletes it.
    pub access_log_retention_days: Days,
}

impl Default for Security {
    fn default() -> Self {
        Self {
            kms: KmsKey::None,
            access_logs: false,
            access_log_retention_days: Days::new_unchecked(90.0),
        }
    }
}

impl Security {
    /// Rules that span fields: a key of yours lives in one region, so it can serve only a
    /// pipeline deployed there.
    pub fn check(&self, regions: &[Region]) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if let KmsKey::Existing(arn) = &self.kms {
            let others: Vec<&str> = regions
                .iter()
                .map(Region::as_str)
                .filter(|r| *r != arn.region())
                .collect();
            if !others.is_empty() {
                problems.push((
                    "security.kms".to_owned(),
                    format!(
                        "is a key in {}, but the pipeline also deploys to {}: a KMS key serves only its own region; use `create` for one key per region (got {arn})",
                        arn.region(),
                        others.join(", ")
                    ),
                ));
            }
        }
        problems
    }
}

/// Which key encrypts the pipeline's data.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum KmsKey {
    /// AWS-owned or AWS-managed keys (SSE-S3, DynamoDB's and SQS's own, unencrypted topic).
    #[default]
    None,
    /// A customer-managed key the stack creates.
    Create,
    /// A customer-managed key of yours.
    Existing(KeyArn),
}

impl KmsKey {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Self::None),
            "create" => Ok(Self::Create),
            _ => KeyArn::parse(s).map(Self::Existing).ok_or_else(|| {
                format!(
                    "must be none, create or a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (an alias is not accepted: log groups need the key's ARN) (got {s:?})"
                )
            }),
        }
    }
}

impl TryFrom<String> for KmsKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<KmsKey> for String {
    fn from(k: KmsKey) -> String {
        match k {
            KmsKey::None => "none".to_owned(),
            KmsKey::Create => "create".to_owned(),
            KmsKey::Existing(arn) => arn.0,
        }
    }
}

/// The ARN of a KMS key (not of an alias): `arn:<partition>:kms:<region>:<account>:key/<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyArn(String);

/// What the schema's pattern says of a key ARN; `KeyArn::parse` enforces the same.
pub const KEY_ARN_PATTERN: &str =
    "^arn:aws(-cn|-us-gov)?:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/(mrk-)?[0-9a-fA-F-]{32,36}$";

impl KeyArn {
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("kms"), Some(region), Some(account), Some(rest)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let partition_ok = ["aws", "aws-cn", "aws-us-gov"].contains(&partition);
        let region_ok = region_shaped(region);
        let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        let id = rest.strip_prefix("key/")?;
        let id = id.strip_prefix("mrk-").unwrap_or(id);
        let id_ok =
            (32..=36).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        (partition_ok && region_ok && account_ok && id_ok).then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region the key lives in (the ARN's fourth field).
    pub fn region(&self) -> &str {
        self.0.split(':').nth(3).unwrap_or_default()
    }
}

/// `xx-name-9` or `xx-name-name-9`: the shape of a region in an ARN (as the schema's pattern).
fn region_shaped(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].len() == 1
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

impl fmt::Display for KeyArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl JsonSchema for KmsKey {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "KmsKey".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "anyOf": [
                { "enum": ["none", "create"] },
                { "pattern": KEY_ARN_PATTERN }
            ],
            "description": "none, create, or the ARN of a KMS key of yours in the pipeline's region (not an alias)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_arn_gives_its_region() {
        let arn = KeyArn::parse(
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        )
        .expect("valid");
        assert_eq!(arn.region(), "eu-west-1");
    }

    #[test]
    fn an_alias_arn_is_not_a_key_arn() {
        assert!(KmsKey::parse("arn:aws:kms:eu-west-1:123456789012:alias/mine").is_err());
    }

    #[test]
    fn none_and_create_are_words() {
        assert_eq!(KmsKey::parse("none"), Ok(KmsKey::None));
        assert_eq!(KmsKey::parse("create"), Ok(KmsKey::Create));
        assert!(KmsKey::parse("Create").is_err());
    }
}
