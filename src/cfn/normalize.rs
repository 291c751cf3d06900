//! One canonical form for a resource's properties, so that what CloudFormation and AWS treat
//! alike never shows as a change: policy documents ordered (and decoded from the strings
//! services return), a state machine definition parsed out of its string, numbers written as
//! strings, and, per resource type, lists whose order AWS does not keep. Plan and drift differ
//! only in their [`Options`].

use super::{ResourceType, policy};
use serde_json::{Map, Value};

/// How a policy document's statements are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statements {
    /// Sorted and deduplicated: order means nothing to IAM.
    Sorted,
    /// As written (a statement keeps the position people see); the diff pairs them as a set.
    InOrder,
}

/// What a caller normalises for.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub statements: Statements,
    /// Policy documents given as strings (IAM's URL-encoded JSON) are decoded first.
    pub decode_documents: bool,
    /// The resource type's keyed lists become maps and its sets are sorted.
    pub type_rules: bool,
}

impl Options {
    /// Plan: two templates, as CloudFormation reads them.
    pub const PLAN: Options = Options {
        statements: Statements::Sorted,
        decode_documents: false,
        type_rules: false,
    };
    /// Drift: a resolved template against what each service returns.
    pub const DRIFT: Options = Options {
        statements: Statements::InOrder,
        decode_documents: true,
        type_rules: true,
    };
}

/// The canonical form of a resource's properties; `ty` None: a type infrapipe does not know
/// (only the type-independent rules apply).
pub fn properties(ty: Option<ResourceType>, props: &Value, options: &Options) -> Value {
    let mut v = documents(props, None, options);
    if let (Some(ty), true) = (ty, options.type_rules) {
        let facts = ty.facts();
        for (path, key) in facts.keyed_lists {
            at_path(&mut v, path, &|list| keyed(list, key));
        }
        for path in facts.sets {
            at_path(&mut v, path, &sorted);
        }
    }
    v
}

fn documents(v: &Value, key: Option<&str>, options: &Options) -> Value {
    match (key, v) {
        // As services return them: decoded from a string, anything else left as it is.
        (Some("PolicyDocument" | "AssumeRolePolicyDocument"), _) if options.decode_documents => {
            match v {
                Value::String(s) => {
                    policy::decode_policy(s).map_or_else(|_| v.clone(), |d| document(&d, options))
                }
                other => document(other, options),
            }
        }
        (Some("PolicyDocument" | "AssumeRolePolicyDocument"), Value::Object(_)) => {
            document(v, options)
        }
        (Some("DefinitionString"), _) => definition(v),
        (_, Value::Object(m)) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), documents(v, Some(k), options)))
                .collect(),
        ),
        (_, Value::Array(a)) => {
            Value::Array(a.iter().map(|v| documents(v, None, options)).collect())
        }
        _ => v.clone(),
    }
}

fn document(doc: &Value, options: &Options) -> Value {
    match options.statements {
        Statements::Sorted => policy::sorted(doc),
        Statements::InOrder => policy::in_order(doc),
    }
}

/// True when two scalars are the same to CloudFormation (`30` and `"30"`, `true` and `"true"`).
pub fn same_scalar(a: &Value, b: &Value) -> bool {
    match (scalar_text(a), scalar_text(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// A state machine definition parsed out of its string (and out of `Fn::Sub`), so that a change
/// shows as the states that changed rather than one long string.
fn definition(v: &Value) -> Value {
    let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
    match v {
        Value::String(s) => parse(s).unwrap_or_else(|| v.clone()),
        Value::Object(m) => match m.get("Fn::Sub") {
            Some(Value::String(s)) => parse(s).unwrap_or_else(|| v.clone()),
            Some(Value::Array(a)) => {
                match (a.first().and_then(Value::as_str).and_then(parse), a.get(1)) {
                    (Some(def), vars) => {
                        let mut out = Map::new();
                        out.insert("Definition".into(), def);
                        if let Some(vars) = vars {
                            out.insert("Fn::Sub variables".into(), vars.clone());
                        }
                        Value::Object(out)
                    }
                    _ => v.clone(),
                }
            }
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

/// Applies `f` at `path`; a `*` step applies it under every entry of the map or list there.
fn at_path(v: &mut Value, path: &[&str], f: &dyn Fn(&Value) -> Value) {
    match path.split_first() {
        None => *v = f(v),
        Some((&"*", rest)) => match v {
            Value::Object(m) => m.values_mut().for_each(|e| at_path(e, rest, f)),
            Value::Array(a) => a.iter_mut().for_each(|e| at_path(e, rest, f)),
            _ => {}
        },
        Some((first, rest)) => {
            if let Some(next) = v.get_mut(*first) {
                at_path(next, rest, f);
            }
        }
    }
}

/// `[{"Id": "a", ...}]` -> `{"[a]": {"Id": "a", ...}}`; entries without the key keep their
/// position (`[#1]`).
fn keyed(list: &Value, key: &str) -> Value {
    let Some(items) = list.as_array() else {
        return list.clone();
    };
    let mut out = Map::new();
    for (i, item) in items.iter().enumerate() {
        let k = match item.get(key) {
            Some(Value::String(s)) => format!("[{s}]"),
            _ => format!("[#{}]", i + 1),
        };
        out.insert(k, item.clone());
    }
    Value::Object(out)
}

fn sorted(list: &Value) -> Value {
    match list {
        Value::Array(a) => {
            let mut items = a.clone();
            items.sort_by_key(|v| v.to_string());
            Value::Array(items)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(props: &Value) -> Value {
        properties(None, props, &Options::PLAN)
    }

    #[test]
    fn statement_and_action_order_do_not_matter() {
        let a = json!({"Statement": [
            {"Effect": "Allow", "Action": ["b:B", "a:A"], "Resource": "*"},
            {"Effect": "Deny", "Action": "c:C", "Resource": "x"}
        ]});
        let b = json!({"Statement": [
            {"Effect": "Deny", "Action": ["c:C"], "Resource": ["x"]},
            {"Effect": "Allow", "Action": ["a:A", "b:B"], "Resource": ["*"]}
        ]});
        assert_eq!(policy::sorted(&a), policy::sorted(&b));
    }

    #[test]
    fn numbers_written_as_strings_are_the_same() {
        assert!(same_scalar(&json!(30), &json!("30")));
        assert!(same_scalar(&json!(2.0), &json!("2")));
        assert!(same_scalar(&json!(true), &json!("true")));
        assert!(!same_scalar(&json!(30), &json!("31")));
    }

    #[test]
    fn definition_formatting_does_not_matter() {
        let a = json!({"DefinitionString": {"Fn::Sub": ["{\"StartAt\": \"A\"}", {"X": 1}]}});
        let b = json!({"DefinitionString": {"Fn::Sub": ["{\n  \"StartAt\":\"A\"\n}", {"X": 1}]}});
        assert_eq!(plan(&a), plan(&b));
    }

    #[test]
    fn plan_leaves_keyed_lists_as_lists() {
        let rules = json!({"LifecycleConfiguration": {"Rules": [{"Id": "a"}]}});
        let v = properties(Some(ResourceType::S3Bucket), &rules, &Options::PLAN);
        assert!(v["LifecycleConfiguration"]["Rules"].is_array());
    }

    #[test]
    fn drift_keys_a_nested_list_under_every_entry_of_a_keyed_one() {
        let alarm = json!({"Metrics": [{"Id": "m", "MetricStat": {"Metric": {"Dimensions": [
            {"Name": "TableName", "Value": "t"}
        ]}}}]});
        let v = properties(Some(ResourceType::CloudWatchAlarm), &alarm, &Options::DRIFT);
        assert_eq!(
            v["Metrics"]["[m]"]["MetricStat"]["Metric"]["Dimensions"]["[TableName]"]["Value"],
            "t"
        );
    }
}
