//! What CloudFormation treats alike must not show as a change: IAM documents in any order,
//! a single string versus a one-element list in a policy, numbers written as strings, JSON key
//! order (serde_json's maps are sorted), and a state machine definition's formatting.

use serde_json::{Map, Value};

/// Properties of a resource, normalised for comparison.
pub fn properties(props: &Value) -> Value {
    normalize(props, None)
}

fn normalize(v: &Value, key: Option<&str>) -> Value {
    match (key, v) {
        (Some("PolicyDocument" | "AssumeRolePolicyDocument"), Value::Object(_)) => policy(v),
        (Some("DefinitionString"), _) => definition(v),
        (_, Value::Object(m)) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize(v, Some(k))))
                .collect(),
        ),
        (_, Value::Array(a)) => Value::Array(a.iter().map(|v| normalize(v, None)).collect()),
        _ => v.clone(),
    }
}

/// True when two scalars are the same to CloudFormation (`30` and `"30"`, `true` and `"true"`).
pub fn same_scalar(a: &Value, b: &Value) -> bool {
    match (scalar_text(a), scalar_text(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
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

/// An IAM policy document with statement order, list order and list-or-string forms removed.
pub fn policy(doc: &Value) -> Value {
    let mut out = Map::new();
    if let Some(m) = doc.as_object() {
        for (k, v) in m {
            if k == "Statement" {
                let mut statements: Vec<Value> = as_list(v).iter().map(statement).collect();
                statements.sort_by_key(canonical);
                statements.dedup();
                out.insert(k.clone(), Value::Array(statements));
            } else {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn statement(s: &Value) -> Value {
    let Some(m) = s.as_object() else {
        return s.clone();
    };
    let mut out = Map::new();
    for (k, v) in m {
        let v = match k.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => sorted_list(v),
            "Principal" | "NotPrincipal" => match v {
                Value::Object(p) => {
                    Value::Object(p.iter().map(|(k, v)| (k.clone(), sorted_list(v))).collect())
                }
                other => other.clone(),
            },
            "Condition" => match v {
                Value::Object(ops) => Value::Object(
                    ops.iter()
                        .map(|(op, kv)| {
                            let kv = match kv {
                                Value::Object(kv) => Value::Object(
                                    kv.iter()
                                        .map(|(k, v)| (k.clone(), sorted_list(v)))
                                        .collect(),
                                ),
                                other => other.clone(),
                            };
                            (op.clone(), kv)
                        })
                        .collect(),
                ),
                other => other.clone(),
            },
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

/// A list in a canonical order, scalars as their text; a lone value becomes a list of one.
fn sorted_list(v: &Value) -> Value {
    let mut items: Vec<Value> = as_list(v)
        .into_iter()
        .map(|x| scalar_text(&x).map(Value::String).unwrap_or(x))
        .collect();
    items.sort_by_key(canonical);
    items.dedup();
    Value::Array(items)
}

/// Sort key: the value's JSON with sorted keys, whatever map serde_json was built with.
fn canonical(v: &Value) -> String {
    crate::template::canonical(v).to_string()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        assert_eq!(policy(&a), policy(&b));
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
        assert_eq!(properties(&a), properties(&b));
    }
}
