//! Live and expected properties in one canonical form, so that only real changes differ:
//! policy documents decoded (IAM returns them URL-encoded) and ordered, state machine
//! definitions parsed, and lists whose order AWS does not keep turned into maps by their key
//! (`Policies[least-privilege]`, `LifecycleConfiguration.Rules[TransitionToGlacier]`).

use serde_json::{Map, Value};

/// Lists compared by a key field rather than by position: (resource type, path, key field).
const KEYED_LISTS: &[(&str, &[&str], &str)] = &[
    ("AWS::IAM::Role", &["Policies"], "PolicyName"),
    (
        "AWS::S3::Bucket",
        &["LifecycleConfiguration", "Rules"],
        "Id",
    ),
    (
        "AWS::DynamoDB::Table",
        &["AttributeDefinitions"],
        "AttributeName",
    ),
    (
        "AWS::DynamoDB::Table",
        &["GlobalSecondaryIndexes"],
        "IndexName",
    ),
    ("AWS::CloudWatch::Alarm", &["Metrics"], "Id"),
    ("AWS::CloudWatch::Alarm", &["Dimensions"], "Name"),
];

/// Lists of values whose order means nothing: sorted.
const SETS: &[(&str, &[&str])] = &[
    ("AWS::Lambda::Function", &["Architectures"]),
    ("AWS::CloudWatch::Alarm", &["AlarmActions"]),
    ("AWS::CloudWatch::Alarm", &["OKActions"]),
    ("AWS::CloudWatch::Alarm", &["InsufficientDataActions"]),
    ("AWS::SNS::TopicPolicy", &["Topics"]),
    (
        "AWS::S3::Bucket",
        &["NotificationConfiguration", "LambdaConfigurations"],
    ),
    ("AWS::SNS::Topic", &["UnmanagedSubscriptions"]),
    ("AWS::IAM::Role", &["ManagedPolicyArns"]),
];

/// The canonical form of a resource's properties (expected or live).
pub fn resource(resource_type: &str, props: &Value) -> Value {
    let mut v = documents(props, None);
    for (ty, path, key) in KEYED_LISTS {
        if *ty == resource_type {
            at_path(&mut v, path, &|list| keyed(list, key));
        }
    }
    for (ty, path) in SETS {
        if *ty == resource_type {
            at_path(&mut v, path, &sorted);
        }
    }
    if resource_type == "AWS::CloudWatch::Alarm"
        && let Some(metrics) = v.get_mut("Metrics").and_then(Value::as_object_mut)
    {
        for m in metrics.values_mut() {
            at_path(m, &["MetricStat", "Metric", "Dimensions"], &|list| {
                keyed(list, "Name")
            });
        }
    }
    v
}

fn documents(v: &Value, key: Option<&str>) -> Value {
    match (key, v) {
        (Some("PolicyDocument" | "AssumeRolePolicyDocument"), _) => match v {
            Value::String(s) => decode_policy(s).map_or_else(|_| v.clone(), |d| policy(&d)),
            other => policy(other),
        },
        (Some("DefinitionString"), Value::String(s)) => {
            serde_json::from_str(s).unwrap_or_else(|_| v.clone())
        }
        (_, Value::Object(m)) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), documents(v, Some(k))))
                .collect(),
        ),
        (_, Value::Array(a)) => Value::Array(a.iter().map(|v| documents(v, None)).collect()),
        _ => v.clone(),
    }
}

fn at_path(v: &mut Value, path: &[&str], f: &dyn Fn(&Value) -> Value) {
    match path.split_first() {
        None => *v = f(v),
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

/// A policy document in canonical form: actions, resources and condition values in a fixed
/// order, lone values as lists of one, and the principal `"*"` written as `{"AWS": ["*"]}` (S3
/// returns the one for the other). Statements keep their order, so that a statement's position
/// (`Statement[#2]`) is the one people see in the document; `compare` pairs them as a set.
pub fn policy(doc: &Value) -> Value {
    let Some(m) = doc.as_object() else {
        return doc.clone();
    };
    let statement = |s: &Value| {
        let mut s = s.clone();
        for k in ["Principal", "NotPrincipal"] {
            if s.get(k) == Some(&Value::String("*".into())) {
                s[k] = serde_json::json!({ "AWS": "*" });
            }
        }
        let one = crate::plan::normalize::policy(&serde_json::json!({ "Statement": [s] }));
        one["Statement"][0].clone()
    };
    Value::Object(
        m.iter()
            .map(|(k, v)| {
                let v = match (k.as_str(), v) {
                    ("Statement", Value::Array(a)) => {
                        Value::Array(a.iter().map(statement).collect())
                    }
                    ("Statement", one) => Value::Array(vec![statement(one)]),
                    _ => v.clone(),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

/// A policy document as a service returns it: JSON, URL-encoded JSON (IAM), or the Python
/// literal an emulator writes (moto's CloudFormation stores inline role policies that way).
pub fn decode_policy(text: &str) -> Result<Value, String> {
    let text = text.trim();
    let decoded;
    let text = if text.starts_with('%') || (!text.starts_with('{') && text.contains('%')) {
        decoded = url_decode(text)?;
        decoded.as_str()
    } else {
        text
    };
    serde_json::from_str(text).or_else(|json_err| {
        python_literal(text)
            .map_err(|_| format!("the policy document is not JSON ({json_err}): {text}"))
    })
}

/// Percent-decoding as IAM encodes policy documents (`+` is left alone: IAM encodes spaces
/// as `%20`).
pub fn url_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-encoding at byte {i} of the document"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| format!("the decoded document is not UTF-8: {e}"))
}

/// Parses a Python literal (dicts, lists, tuples, quoted strings, numbers, True, False, None).
pub fn python_literal(s: &str) -> Result<Value, String> {
    let mut p = Py {
        s: s.as_bytes(),
        i: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected text at byte {}", p.i));
    }
    Ok(v)
}

struct Py<'a> {
    s: &'a [u8],
    i: usize,
}

impl Py<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", c as char, self.i))
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let mut m = Map::new();
                loop {
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                        return Ok(Value::Object(m));
                    }
                    let key = match self.value()? {
                        Value::String(k) => k,
                        other => other.to_string(),
                    };
                    self.expect(b':')?;
                    let v = self.value()?;
                    m.insert(key, v);
                    if self.peek() == Some(b',') {
                        self.i += 1;
                    }
                }
            }
            Some(open @ (b'[' | b'(')) => {
                self.i += 1;
                let close = if open == b'[' { b']' } else { b')' };
                let mut a = Vec::new();
                loop {
                    if self.peek() == Some(close) {
                        self.i += 1;
                        return Ok(Value::Array(a));
                    }
                    a.push(self.value()?);
                    if self.peek() == Some(b',') {
                        self.i += 1;
                    }
                }
            }
            Some(q @ (b'\'' | b'"')) => {
                self.i += 1;
                let mut out = Vec::new();
                while let Some(&c) = self.s.get(self.i) {
                    self.i += 1;
                    match c {
                        b'\\' => {
                            let e = self.s.get(self.i).copied().ok_or("unterminated string")?;
                            self.i += 1;
                            out.push(match e {
                                b'n' => b'\n',
                                b't' => b'\t',
                                b'r' => b'\r',
                                other => other,
                            });
                        }
                        c if c == q => {
                            return String::from_utf8(out)
                                .map(Value::String)
                                .map_err(|e| e.to_string());
                        }
                        c => out.push(c),
                    }
                }
                Err("unterminated string".into())
            }
            Some(_) => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || b"+-.".contains(c))
                {
                    self.i += 1;
                }
                let word = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
                match word {
                    "True" => Ok(Value::Bool(true)),
                    "False" => Ok(Value::Bool(false)),
                    "None" => Ok(Value::Null),
                    "" => Err(format!("unexpected character at byte {start}")),
                    w => serde_json::from_str(w).map_err(|_| format!("not a value: {w}")),
                }
            }
            None => Err("unexpected end".into()),
        }
    }
}
