//! IAM and resource-policy changes, statement by statement, and whether they broaden access
//! (as `cdk diff` reports them): an added Allow or a removed Deny broadens.

use crate::cfn;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StatementChange {
    pub change: Change,
    /// The resource that holds the policy, and which of its documents (`trust`, a policy name).
    pub logical_id: String,
    pub document: String,
    pub effect: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    /// `Service:lambda.amazonaws.com`, `AWS:*`, one entry a principal.
    pub principal: Vec<String>,
    /// `StringEquals aws:SourceAccount=${AWS::AccountId}`, one entry a key.
    pub condition: Vec<String>,
}

impl StatementChange {
    pub fn broadens(&self) -> bool {
        matches!(
            (self.change, self.effect.as_str()),
            (Change::Added, "Allow") | (Change::Removed, "Deny")
        )
    }
}

/// The statements a resource holds, keyed by (document name, canonical JSON).
fn statements(resource_type: &str, props: &Value) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    let mut doc = |name: &str, d: &Value| {
        if let Some(list) = cfn::policy::sorted(d)["Statement"].as_array() {
            for s in list {
                out.insert((name.to_owned(), cfn::canonical(s).to_string()), s.clone());
            }
        }
    };
    match resource_type {
        "AWS::IAM::Role" => {
            doc("trust", &props["AssumeRolePolicyDocument"]);
            for p in props["Policies"].as_array().into_iter().flatten() {
                let name = p["PolicyName"].as_str().unwrap_or("inline");
                doc(name, &p["PolicyDocument"]);
            }
        }
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => doc("policy", &props["PolicyDocument"]),
        "AWS::S3::BucketPolicy" | "AWS::SNS::TopicPolicy" | "AWS::SQS::QueuePolicy" => {
            doc("resource policy", &props["PolicyDocument"])
        }
        "AWS::Lambda::Permission" if props.get("Action").is_some() => {
            // A permission is one statement of the function's resource policy.
            let mut condition = serde_json::Map::new();
            if !props["SourceArn"].is_null() {
                condition.insert(
                    "ArnLike".into(),
                    json!({ "aws:SourceArn": props["SourceArn"] }),
                );
            }
            if !props["SourceAccount"].is_null() {
                condition.insert(
                    "StringEquals".into(),
                    json!({ "aws:SourceAccount": props["SourceAccount"] }),
                );
            }
            let s = json!({
                "Effect": "Allow",
                "Principal": { "Service": props["Principal"] },
                "Action": props["Action"],
                "Resource": props["FunctionName"],
                "Condition": condition,
            });
            doc("resource policy", &json!({ "Statement": [s] }));
        }
        _ => {}
    }
    out
}

/// Statements added and removed between two versions of a resource (None: absent).
pub fn changes(
    logical_id: &str,
    resource_type: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Vec<StatementChange> {
    let empty = Value::Null;
    let b = statements(resource_type, before.unwrap_or(&empty));
    let a = statements(resource_type, after.unwrap_or(&empty));
    let only =
        |x: &BTreeMap<(String, String), Value>, y: &BTreeMap<(String, String), Value>, change| {
            x.iter()
                .filter(|(k, _)| !y.contains_key(*k))
                .map(|((doc, _), s)| row(change, logical_id, doc, s))
                .collect::<Vec<_>>()
        };
    let mut out = only(&a, &b, Change::Added);
    out.extend(only(&b, &a, Change::Removed));
    out.sort();
    out
}

fn row(change: Change, logical_id: &str, document: &str, s: &Value) -> StatementChange {
    let list = |k: &str| -> Vec<String> {
        s[k].as_array()
            .map(|a| a.iter().map(short).collect())
            .unwrap_or_default()
    };
    let mut actions = list("Action");
    actions.extend(list("NotAction").into_iter().map(|a| format!("NOT {a}")));
    let mut resources = list("Resource");
    resources.extend(list("NotResource").into_iter().map(|r| format!("NOT {r}")));
    StatementChange {
        change,
        logical_id: logical_id.to_owned(),
        document: document.to_owned(),
        effect: s["Effect"].as_str().unwrap_or("Allow").to_owned(),
        actions,
        resources,
        principal: principals(&s["Principal"]),
        condition: conditions(&s["Condition"]),
    }
}

fn values(v: &Value) -> String {
    match v {
        Value::Array(a) => a.iter().map(short).collect::<Vec<_>>().join(","),
        other => short(other),
    }
}

fn principals(p: &Value) -> Vec<String> {
    match p {
        Value::Null => Vec::new(),
        Value::Object(m) => m
            .iter()
            .flat_map(|(kind, v)| match v {
                Value::Array(a) => a.iter().map(|x| format!("{kind}:{}", short(x))).collect(),
                other => vec![format!("{kind}:{}", short(other))],
            })
            .collect(),
        other => vec![short(other)],
    }
}

fn conditions(c: &Value) -> Vec<String> {
    c.as_object()
        .into_iter()
        .flatten()
        .flat_map(|(op, kv)| {
            kv.as_object()
                .into_iter()
                .flatten()
                .map(move |(k, v)| format!("{op} {k}={}", values(v)))
        })
        .collect()
}

/// A value as people read it: strings bare, `Fn::Sub` as its template, the rest as JSON.
pub fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() == 1 => match m.iter().next() {
            Some((k, Value::String(s))) if k == "Fn::Sub" => s.clone(),
            Some((k, Value::String(s))) if k == "Ref" => format!("${{{s}}}"),
            Some((k, Value::Array(a))) if k == "Fn::GetAtt" => {
                let parts: Vec<String> = a.iter().map(short).collect();
                format!("${{{}}}", parts.join("."))
            }
            _ => v.to_string(),
        },
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(actions: &[&str]) -> Value {
        json!({
            "AssumeRolePolicyDocument": { "Statement": [{ "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" }] },
            "Policies": [{ "PolicyName": "p", "PolicyDocument": { "Statement": [{ "Effect": "Allow", "Action": actions, "Resource": "arn:x" }] } }]
        })
    }

    #[test]
    fn an_added_action_broadens_access() {
        let c = changes(
            "R",
            "AWS::IAM::Role",
            Some(&role(&["s3:GetObject"])),
            Some(&role(&["s3:GetObject", "s3:PutObject"])),
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c.iter().any(|s| s.change == Change::Added && s.broadens()));
    }

    #[test]
    fn reordered_actions_are_no_change() {
        let c = changes(
            "R",
            "AWS::IAM::Role",
            Some(&role(&["a:A", "b:B"])),
            Some(&role(&["b:B", "a:A"])),
        );
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn removing_a_deny_broadens_access() {
        let doc = |stmts: Value| json!({ "PolicyDocument": { "Statement": stmts } });
        let deny =
            json!([{ "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*" }]);
        let c = changes(
            "P",
            "AWS::S3::BucketPolicy",
            Some(&doc(deny)),
            Some(&doc(json!([]))),
        );
        assert!(c[0].broadens());
    }
}
