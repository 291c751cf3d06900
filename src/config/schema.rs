//! The config's JSON Schema, generated from the Rust types so editors complete and check
//! `infrapipe.yaml`. The validated values parse from strings and numbers; their schemas here
//! state the same rules (range, pattern, allowed values) that their parsers enforce, and a test
//! holds each pattern against its parser.

use super::Config;
use super::drift::IgnorePath;
use super::values::*;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;
use std::borrow::Cow;

/// The JSON Schema (draft-07, which editors support most widely) of `infrapipe.yaml`.
pub fn json_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<Config>().to_value();
    if let Some(root) = schema.as_object_mut() {
        root.insert("title".into(), "infrapipe.yaml".into());
        root.insert(
            "description".into(),
            "Configuration of one infrapipe monitoring pipeline; see README.md, Configuration."
                .into(),
        );
    }
    whole_numbers_as_integers(&mut schema);
    schema
}

/// Defaults of numeric fields serialize as f64 (`128.0`); editors should offer `128`.
fn whole_numbers_as_integers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                && n.is_f64()
            {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// A string value checked by a pattern, described for the editor's hover.
fn pattern(pattern: &str, description: &str) -> Schema {
    json_schema!({ "type": "string", "pattern": pattern, "description": description })
}

impl JsonSchema for NameSegment {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "NameSegment".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": NAME_MAX,
            "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
            "description": "Lowercase letters, digits and single hyphens, starting with a letter (S3 bucket names derive from it)"
        })
    }
}

impl JsonSchema for Region {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Region".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "enum": KNOWN_REGIONS,
            "description": "An AWS region offering every service of the pipeline"
        })
    }
}

impl JsonSchema for RateExpression {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "RateExpression".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        pattern(
            r"^\s*rate\(\s*(\+?0*1\s+(minute|hour|day)|\+?0*([2-9]|[1-9][0-9]+)\s+(minutes|hours|days))\s*\)\s*$",
            "EventBridge Scheduler rate, e.g. rate(3 hours): unit minute(s), hour(s) or day(s), singular for 1; the alarm period follows it",
        )
    }
}

impl JsonSchema for Email {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Email".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let local = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{0,62}[A-Za-z0-9!#$%&'*+/=?^_`{|}~-])?";
        let label = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        let mut s = pattern(
            &format!(r"^{local}@{label}(\.{label})+$"),
            "An e-mail address; SNS sends it a subscription confirmation",
        );
        s.insert("maxLength".into(), 254.into());
        s
    }
}

impl JsonSchema for QueryName {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "QueryName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut s = pattern(
            r"^[a-z][a-z0-9-]*$",
            "A named query's name: a lowercase letter, then lowercase letters, digits and dashes",
        );
        s.insert("maxLength".into(), 64.into());
        s
    }
}

impl JsonSchema for InstanceId {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "InstanceId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        pattern(
            "^i-([0-9a-fA-F]{8}|[0-9a-fA-F]{17})$",
            "An EC2 instance id: i- and 8 or 17 hexadecimal digits",
        )
    }
}

impl JsonSchema for AccountId {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "AccountId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        pattern(
            "^[0-9]{12}$",
            "An AWS account id: 12 digits, in quotes (a bare number loses a leading zero)",
        )
    }
}

impl JsonSchema for RoleArn {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "RoleArn".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        pattern(
            "^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$",
            "An IAM role ARN, which CloudFormation assumes to change the stack",
        )
    }
}

impl JsonSchema for PrincipalArn {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "PrincipalArn".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        pattern(
            "^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(root|(role|user)/[A-Za-z0-9+=,.@_/-]+)$",
            "An IAM principal ARN: an account root, a role or a user",
        )
    }
}

impl JsonSchema for Namespace {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Namespace".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[A-Za-z0-9._/#-][A-Za-z0-9._/#:-]*$",
            "not": { "pattern": "^AWS/" },
            "description": "A CloudWatch namespace of your own (not AWS/...)"
        })
    }
}

impl JsonSchema for LogRetentionDays {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "LogRetentionDays".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "enum": LOG_RETENTION_DAYS,
            "description": "One of the retention periods CloudWatch Logs accepts"
        })
    }
}

impl<const MIN: i64, const MAX: i64, const FRACTIONAL: bool> JsonSchema
    for Bounded<MIN, MAX, FRACTIONAL>
{
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Bounded_{MIN}_{MAX}_{FRACTIONAL}").into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": if FRACTIONAL { "number" } else { "integer" },
            "minimum": MIN,
            "maximum": MAX
        })
    }
}

impl JsonSchema for IgnorePath {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "IgnorePath".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        pattern(
            r"^(\*|[A-Za-z0-9]{1,255})\.[^.\[\s]\S*$",
            "LogicalId.Property as `infrapipe drift` prints it, e.g. CollectorFunction.Timeout or *.Tags",
        )
    }
}
