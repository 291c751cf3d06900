//! Validated scalar values of the config. Each parses once, at the edge, and is valid everywhere
//! after; its error message is what the user reads after `file:line:column: field`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A name segment (pipeline `name` or `environment`) that is safe in every AWS name we derive:
/// S3 buckets (lowercase, digits, hyphens), DynamoDB tables, Lambda functions, Glue (after `-` -> `_`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NameSegment(String);

/// Longest `name`: with the environment, account id and the longest region it keeps every bucket
/// name within S3's 63 characters (see `model::names`).
pub const NAME_MAX: usize = 16;
/// Longest `environment`.
pub const ENVIRONMENT_MAX: usize = 10;

impl NameSegment {
    pub fn parse(s: &str, max: usize) -> Result<Self, String> {
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if s.is_empty() || s.len() > max {
            return Err(format!(
                "must be 1 to {max} characters so that derived S3 bucket names stay within 63 (got {:?}, {} characters)",
                s,
                s.len()
            ));
        }
        if !ok_chars {
            return Err(format!(
                "must use only lowercase letters, digits and hyphens, as S3 bucket names require (got {s:?})"
            ));
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) || s.ends_with('-') || s.contains("--")
        {
            return Err(format!(
                "must start with a lowercase letter, not end with a hyphen and not contain \"--\" (got {s:?})"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NameSegment {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        // The tighter of the two limits is applied per field in `Config::check`; here the wider.
        Self::parse(&s, NAME_MAX)
    }
}

impl From<NameSegment> for String {
    fn from(n: NameSegment) -> String {
        n.0
    }
}

impl fmt::Display for NameSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every region of the AWS partitions this build knows (see `partitions`).
pub const KNOWN_REGIONS: &[&str] = &{
    let mut names = [""; super::partitions::REGIONS.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = super::partitions::REGIONS[i].0;
        i += 1;
    }
    names
};

/// Longest region name accepted, known or not: it bounds derived names (S3's 63 characters).
pub const REGION_MAX_LEN: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < KNOWN_REGIONS.len() {
        if KNOWN_REGIONS[i].len() > max {
            max = KNOWN_REGIONS[i].len();
        }
        i += 1;
    }
    max
};

/// An AWS region: one this build knows, or one shaped like a region of a known partition
/// (`<prefix>-<name>-<number>`) that AWS may have opened since, which the config accepts with
/// a warning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    pub fn parse(s: &str) -> Result<Self, String> {
        if Self::known(s) {
            return Ok(Self(s.to_owned()));
        }
        let suggestion =
            super::suggest::closest(&s.to_ascii_lowercase(), KNOWN_REGIONS.iter().copied())
                .or_else(|| {
                    KNOWN_REGIONS
                        .iter()
                        .copied()
                        .find(|r| r.replace('-', "") == s.replace('-', "").to_ascii_lowercase())
                });
        // `us-east-3` next to `us-east-1` may be a region opened since; `eu-wset-1` is a typo.
        let stem = |r: &str| r.trim_end_matches(|c: char| c.is_ascii_digit()).to_owned();
        let misspelt = suggestion.is_some_and(|k| stem(k) != stem(s));
        if Self::shaped(s) && !misspelt {
            return Ok(Self(s.to_owned()));
        }
        let hint = match suggestion {
            Some(k) => format!("; did you mean {k}?"),
            None => {
                "; a region is written like eu-west-1 (see `aws ec2 describe-regions`)".to_owned()
            }
        };
        Err(format!("is not a known AWS region (got {s:?}){hint}"))
    }

    fn known(s: &str) -> bool {
        super::partitions::REGIONS
            .binary_search_by_key(&s, |(r, _)| r)
            .is_ok()
    }

    /// `<area>-<name>[-<name>...]-<number>` in lowercase letters, such as `xx-name-3`, no
    /// longer than the longest known region (which bounds derived names).
    fn shaped(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        let words = |p: &[&str]| {
            p.iter()
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        };
        s.len() <= REGION_MAX_LEN
            && parts.len() >= 3
            && parts[0].len() >= 2
            && words(&parts[..parts.len() - 1])
            && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && !parts[parts.len() - 1].is_empty()
    }

    /// True for a region of this build's list; false for one accepted by its shape alone.
    pub fn is_known(&self) -> bool {
        Self::known(&self.0)
    }

    /// The ARN partition: `aws`, `aws-cn`, `aws-us-gov`...
    pub fn partition(&self) -> &'static str {
        Self::partition_of(&self.0)
    }

    /// The ARN partition of a region name: its own for a known region, else that of the
    /// partition whose region prefix it has, else `aws`.
    pub fn partition_of(region: &str) -> &'static str {
        let regions = super::partitions::REGIONS;
        if let Ok(i) = regions.binary_search_by_key(&region, |(r, _)| r) {
            return regions[i].1;
        }
        super::partitions::PREFIXES
            .iter()
            .find(|(p, _)| region.starts_with(p))
            .map_or("aws", |(_, partition)| partition)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Region {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        r.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An EventBridge Scheduler `rate(value unit)` expression, as AWS accepts it: a positive integer,
/// singular unit for 1 and plural otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RateExpression {
    pub value: u32,
    pub unit: RateUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    Minute,
    Hour,
    Day,
}

impl RateUnit {
    fn seconds(self) -> u64 {
        match self {
            RateUnit::Minute => 60,
            RateUnit::Hour => 3_600,
            RateUnit::Day => 86_400,
        }
    }
    fn word(self) -> &'static str {
        match self {
            RateUnit::Minute => "minute",
            RateUnit::Hour => "hour",
            RateUnit::Day => "day",
        }
    }
}

impl RateExpression {
    pub fn parse(s: &str) -> Result<Self, String> {
        let usage = "must be a rate expression such as \"rate(3 hours)\" (unit minute(s), hour(s) or day(s); singular for 1)";
        let inner = s
            .trim()
            .strip_prefix("rate(")
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(|| {
                if s.trim_start().starts_with("cron(") || s.trim_start().starts_with("at(") {
                    format!("{usage}; cron and at expressions are not supported because alarm periods follow the interval (got {s:?})")
                } else {
                    format!("{usage} (got {s:?})")
                }
            })?;
        let mut parts = inner.split_whitespace();
        let (Some(n), Some(u), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("{usage} (got {s:?})"));
        };
        let value: u32 =
            n.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
                format!("{usage}; the value must be a positive integer (got {s:?})")
            })?;
        let (unit, plural) = match u {
            "minute" => (RateUnit::Minute, false),
            "minutes" => (RateUnit::Minute, true),
            "hour" => (RateUnit::Hour, false),
            "hours" => (RateUnit::Hour, true),
            "day" => (RateUnit::Day, false),
            "days" => (RateUnit::Day, true),
            _ => return Err(format!("{usage} (got {s:?})")),
        };
        if plural != (value != 1) {
            let want = if value == 1 {
                unit.word().to_string()
            } else {
                format!("{}s", unit.word())
            };
            return Err(format!(
                "{usage}; AWS refuses {s:?}: write \"rate({value} {want})\""
            ));
        }
        Ok(Self { value, unit })
    }

    /// The interval between runs, in seconds.
    pub fn seconds(&self) -> u64 {
        u64::from(self.value) * self.unit.seconds()
    }
}

impl Default for RateExpression {
    fn default() -> Self {
        Self {
            value: 3,
            unit: RateUnit::Hour,
        }
    }
}

impl TryFrom<String> for RateExpression {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<RateExpression> for String {
    fn from(r: RateExpression) -> String {
        r.to_string()
    }
}

impl fmt::Display for RateExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.value == 1 { "" } else { "s" };
        write!(f, "rate({} {}{s})", self.value, self.unit.word())
    }
}

/// An e-mail address SNS will accept for an `email` subscription.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("must be an e-mail address such as ops@example.com (got {s:?})");
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let valid_local = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let valid_domain = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if valid_local && valid_domain && s.len() <= 254 {
            Ok(Self(s.to_owned()))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// The name of a named query the config adds: lowercase letters, digits and dashes, as the
/// seed's (`average-cpu-by-instance`); `infrapipe query NAME` runs it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QueryName(String);

impl QueryName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = (1..=64).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "must be a query name such as daily-disk-peaks: a lowercase letter, then lowercase letters, digits and dashes, at most 64 (got {s:?})"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for QueryName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<QueryName> for String {
    fn from(q: QueryName) -> String {
        q.0
    }
}

/// An EC2 instance id (`i-` and 8 or 17 hexadecimal digits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstanceId(String);

impl InstanceId {
    pub fn parse(s: &str) -> Result<Self, String> {
        let hex = s.strip_prefix("i-").unwrap_or("");
        if (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(format!(
                "must be an EC2 instance id: \"i-\" and 8 or 17 hexadecimal digits (got {s:?})"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InstanceId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<InstanceId> for String {
    fn from(i: InstanceId) -> String {
        i.0
    }
}

/// An AWS account id: exactly 12 decimal digits, kept as text (a leading zero is part of it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "AccountIdText", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "must be an AWS account id: exactly 12 digits (got {s:?})"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What YAML gives for an account id: text, or a number when it was written without quotes.
/// A number is refused with its own message, because YAML has already lost any leading zero.
#[derive(Deserialize)]
#[serde(untagged)]
enum AccountIdText {
    Text(String),
    Number(u64),
}

impl TryFrom<AccountIdText> for AccountId {
    type Error = String;
    fn try_from(v: AccountIdText) -> Result<Self, String> {
        match v {
            AccountIdText::Text(s) => Self::parse(&s),
            AccountIdText::Number(n) => Err(format!(
                "must be an AWS account id in quotes (\"{n:012}\"?): as a bare number YAML drops a leading zero"
            )),
        }
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}

/// An IAM principal ARN allowed to assume the analytics query role (account root, role or user).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PrincipalArn(String);

impl PrincipalArn {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "must be an IAM principal ARN such as arn:aws:iam::123456789012:root or arn:aws:iam::123456789012:role/Analysts (got {s:?})"
            )
        };
        let rest = s
            .strip_prefix("arn:aws:iam::")
            .or_else(|| s.strip_prefix("arn:aws-cn:iam::"))
            .or_else(|| s.strip_prefix("arn:aws-us-gov:iam::"))
            .ok_or_else(bad)?;
        let (account, resource) = rest.split_once(':').ok_or_else(bad)?;
        let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
        let resource_ok = resource == "root"
            || ["role/", "user/"].iter().any(|p| {
                resource.strip_prefix(p).is_some_and(|n| {
                    !n.is_empty()
                        && !n.contains('*')
                        && n.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
                })
            });
        if account_ok && resource_ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(bad())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PrincipalArn {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<PrincipalArn> for String {
    fn from(p: PrincipalArn) -> String {
        p.0
    }
}

/// An IAM role ARN (`deploy_role_arn`: the role CloudFormation acts as).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleArn(String);

impl RoleArn {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "must be an IAM role ARN such as arn:aws:iam::123456789012:role/InfrapipeDeploy (got {s:?})"
            )
        };
        let rest = ["arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::"]
            .iter()
            .find_map(|p| s.strip_prefix(p))
            .ok_or_else(bad)?;
        let (account, resource) = rest.split_once(':').ok_or_else(bad)?;
        let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        // IAM role names: up to 64 characters of [\w+=,.@-], under an optional path.
        let name_ok = resource.strip_prefix("role/").is_some_and(|path_and_name| {
            let name = path_and_name.rsplit('/').next().unwrap_or_default();
            !name.is_empty()
                && name.len() <= 64
                && path_and_name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        });
        if account_ok && name_ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(bad())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RoleArn {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<RoleArn> for String {
    fn from(r: RoleArn) -> String {
        r.0
    }
}

#[cfg(test)]
mod role_arn_tests {
    use super::RoleArn;

    #[test]
    fn a_role_arn_with_a_path_is_accepted() {
        assert!(RoleArn::parse("arn:aws:iam::123456789012:role/deploy/InfrapipeDeploy").is_ok());
    }

    #[test]
    fn a_user_arn_is_refused_as_a_deploy_role() {
        let err = RoleArn::parse("arn:aws:iam::123456789012:user/alice").unwrap_err();
        assert!(err.starts_with("must be an IAM role ARN"), "{err}");
    }
}

/// A number that must lie in an inclusive range; the range is part of the type so the error can
/// say it. `MIN`/`MAX` are integers; the value may be fractional where `FRACTIONAL` is true.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Bounded<const MIN: i64, const MAX: i64, const FRACTIONAL: bool>(f64);

impl<const MIN: i64, const MAX: i64, const FRACTIONAL: bool> Bounded<MIN, MAX, FRACTIONAL> {
    pub const fn new_unchecked(v: f64) -> Self {
        Self(v)
    }
    pub fn get(self) -> f64 {
        self.0
    }
    /// The value as an integer; only meaningful for non-fractional types, where it is exact.
    pub fn int(self) -> i64 {
        self.0 as i64
    }
}

impl<const MIN: i64, const MAX: i64, const FRACTIONAL: bool> TryFrom<f64>
    for Bounded<MIN, MAX, FRACTIONAL>
{
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        let shown = if v.fract() == 0.0 && v.is_finite() {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        };
        if !v.is_finite() || v < MIN as f64 || v > MAX as f64 {
            return Err(format!("must be between {MIN} and {MAX} (got {shown})"));
        }
        if !FRACTIONAL && v.fract() != 0.0 {
            return Err(format!(
                "must be a whole number between {MIN} and {MAX} (got {shown})"
            ));
        }
        Ok(Self(v))
    }
}

impl<const MIN: i64, const MAX: i64, const FRACTIONAL: bool> From<Bounded<MIN, MAX, FRACTIONAL>>
    for f64
{
    fn from(b: Bounded<MIN, MAX, FRACTIONAL>) -> f64 {
        b.0
    }
}

impl<const MIN: i64, const MAX: i64, const FRACTIONAL: bool> fmt::Display
    for Bounded<MIN, MAX, FRACTIONAL>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// A percentage threshold, 1 to 100, fractions allowed.
pub type Percent = Bounded<1, 100, true>;
/// A whole number of days.
pub type Days = Bounded<1, 3650, false>;
/// CloudWatch alarm evaluation periods.
pub type EvaluationPeriods = Bounded<1, 100, false>;

/// CloudWatch Logs accepts only these retention periods.
pub const LOG_RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct LogRetentionDays(u32);

impl LogRetentionDays {
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for LogRetentionDays {
    type Error = String;
    fn try_from(v: u32) -> Result<Self, String> {
        if LOG_RETENTION_DAYS.contains(&v) {
            Ok(Self(v))
        } else {
            let allowed: Vec<String> = LOG_RETENTION_DAYS.iter().map(u32::to_string).collect();
            Err(format!(
                "must be one of the periods CloudWatch Logs accepts: {} (got {v})",
                allowed.join(", ")
            ))
        }
    }
}

impl From<LogRetentionDays> for u32 {
    fn from(d: LogRetentionDays) -> u32 {
        d.0
    }
}

impl Default for LogRetentionDays {
    fn default() -> Self {
        Self(30)
    }
}

/// A CloudWatch namespace for the custom metrics: not `AWS/`-prefixed, 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Namespace(String);

impl Namespace {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 255
            && !s.starts_with("AWS/")
            && !s.starts_with(':')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_/#:".contains(c));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "must be a CloudWatch namespace: 1 to 255 letters, digits or . - _ / # :, not starting with \"AWS/\" (got {s:?})"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Namespace {
    fn default() -> Self {
        Self("InfraMonitoring".to_owned())
    }
}

impl TryFrom<String> for Namespace {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<Namespace> for String {
    fn from(n: Namespace) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_expression_accepts_the_seed_default() {
        assert_eq!(
            RateExpression::parse("rate(3 hours)").map(|r| r.seconds()),
            Ok(10_800)
        );
    }

    #[test]
    fn rate_expression_refuses_plural_unit_for_one() {
        let err = RateExpression::parse("rate(1 hours)").unwrap_err();
        assert!(err.contains("rate(1 hour)"), "{err}");
    }

    #[test]
    fn rate_expression_refuses_zero() {
        assert!(RateExpression::parse("rate(0 minutes)").is_err());
    }

    #[test]
    fn rate_expression_round_trips_through_display() {
        let r = RateExpression::parse("rate(1 day)").unwrap();
        assert_eq!(r.to_string(), "rate(1 day)");
    }

    #[test]
    fn email_refuses_missing_domain_dot() {
        assert!(Email::parse("ops@localhost").is_err());
        assert!(Email::parse("ops@example.com").is_ok());
    }

    #[test]
    fn regions_of_every_partition_are_known() {
        for r in [
            "mx-central-1",
            "ap-southeast-7",
            "cn-north-1",
            "us-gov-west-1",
        ] {
            assert!(Region::parse(r).is_ok_and(|r| r.is_known()), "{r}");
        }
    }

    #[test]
    fn china_and_govcloud_regions_map_to_their_partitions() {
        assert_eq!(Region::partition_of("cn-northwest-1"), "aws-cn");
        assert_eq!(Region::partition_of("us-gov-east-1"), "aws-us-gov");
        assert_eq!(Region::partition_of("eu-west-1"), "aws");
    }

    #[test]
    fn an_unknown_region_shaped_like_one_is_accepted_as_unknown() {
        let r = Region::parse("us-gov-north-7").expect("shaped like a region");
        assert!(!r.is_known());
        assert_eq!(r.partition(), "aws-us-gov");
    }

    #[test]
    fn a_misspelt_known_region_is_refused_with_a_suggestion() {
        let err = Region::parse("eu-wset-1").unwrap_err();
        assert!(err.contains("did you mean eu-west-1?"), "{err}");
    }

    #[test]
    fn a_region_longer_than_any_known_is_refused() {
        assert!(Region::parse("eu-verylongname-1").is_err());
    }

    #[test]
    fn region_suggests_the_closest_known_name() {
        let err = Region::parse("useast1").unwrap_err();
        assert!(err.contains("did you mean us-east-1"), "{err}");
    }

    #[test]
    fn bounded_reports_range_and_value() {
        let err = Percent::try_from(180.0).unwrap_err();
        assert_eq!(err, "must be between 1 and 100 (got 180)");
    }

    #[test]
    fn days_refuse_fractions() {
        assert!(Days::try_from(1.5).is_err());
    }
}
