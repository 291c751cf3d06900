//! The `adopt:` section: existing resources, built by hand or by another tool, that the
//! pipeline takes over instead of creating its own. The model then uses these names, and `plan`
//! shows the resources as imports (CloudFormation's resource import) instead of additions.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Adopt {
    /// An existing S3 bucket of this account (in the pipeline's one region) to use as the raw
    /// bucket, for example the seed's `raw-metrics-bucket`; imported, never re-created.
    pub raw_bucket: Option<BucketName>,
    /// An existing DynamoDB table to use as the metrics table; imported when its key schema is
    /// the pipeline's (`instance_id` HASH, `metric_key` RANGE), refused with what to do when not.
    pub table: Option<TableName>,
}

impl Adopt {
    pub fn is_empty(&self) -> bool {
        self.raw_bucket.is_none() && self.table.is_none()
    }
}

/// An S3 bucket name under S3's naming rules (3 to 63 lowercase letters, digits, dots and
/// hyphens, starting and ending with a letter or digit, not shaped like an IP address).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BucketName(String);

/// The pattern the schema states; `BucketName::parse` also refuses `..`, IP shapes and the
/// reserved prefixes and suffixes, which a pattern says badly.
const BUCKET_PATTERN: &str = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";

impl BucketName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let rules = "must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit";
        let chars_ok = (3..=63).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !chars_ok {
            return Err(format!("{rules} (got {s:?})"));
        }
        if s.contains("..") || s.parse::<std::net::Ipv4Addr>().is_ok() {
            return Err(format!(
                "{rules}, with no two dots in a row and not shaped like an IP address (got {s:?})"
            ));
        }
        if s.starts_with("xn--") || s.starts_with("sthree-") || s.ends_with("-s3alias") {
            return Err(format!(
                "must not use the prefixes xn-- or sthree- or the suffix -s3alias, which S3 reserves (got {s:?})"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A DynamoDB table name: 3 to 255 letters, digits, `_`, `-` and `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TableName(String);

const TABLE_PATTERN: &str = r"^[A-Za-z0-9_.-]{3,255}$";

impl TableName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = (3..=255).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "must be a DynamoDB table name: 3 to 255 letters, digits, '_', '-' and '.' (got {s:?})"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_value {
    ($t:ident, $pattern:expr, $description:expr) => {
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s)
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl JsonSchema for $t {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "pattern": $pattern, "description": $description })
            }
        }
    };
}

string_value!(
    BucketName,
    BUCKET_PATTERN,
    "An existing S3 bucket's name (S3's naming rules)"
);
string_value!(
    TableName,
    TABLE_PATTERN,
    "An existing DynamoDB table's name"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_bucket_and_table_names_are_accepted() {
        assert!(BucketName::parse("raw-metrics-bucket").is_ok());
        assert!(TableName::parse("InfraMetrics").is_ok());
    }

    #[test]
    fn bucket_names_s3_refuses_are_refused_with_the_rule() {
        for bad in [
            "Raw-Metrics",
            "ab",
            "-raw",
            "raw..metrics",
            "192.168.1.1",
            "xn--raw",
            "raw-s3alias",
            "raw_metrics",
        ] {
            let e = BucketName::parse(bad).expect_err(bad);
            assert!(e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn table_names_dynamodb_refuses_are_refused() {
        for bad in ["ab", "Infra Metrics", "metrics/table"] {
            assert!(TableName::parse(bad).is_err(), "{bad}");
        }
    }
}
