//! IAM policy documents in canonical form, and decoded from the forms services return them in
//! (URL-encoded JSON from IAM, a Python literal from an emulator). Two canonical forms: with
//! statements sorted (`sorted`: templates against templates, where order means nothing) and
//! with statements in their written order (`in_order`: so a position people see stays put).

use serde_json::{Map, Value};

/// An IAM policy document with statement order, list order and list-or-string forms removed.
pub fn sorted(doc: &Value) -> Value {
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
        .map(|x| {
            super::normalize::scalar_text(&x)
                .map(Value::String)
                .unwrap_or(x)
        })
        .collect();
    items.sort_by_key(canonical);
    items.dedup();
    Value::Array(items)
}

/// Sort key: the value's JSON with sorted keys, whatever map serde_json was built with.
fn canonical(v: &Value) -> String {
    super::canonical(v).to_string()
}

/// A policy document in canonical form: actions, resources and condition values in a fixed
/// order, lone values as lists of one, and the principal `"*"` written as `{"AWS": ["*"]}` (S3
/// returns the one for the other). Statements keep their order, so that a statement's position
/// (`Statement[#2]`) is the one people see in the document; the diff pairs them as a set.
pub fn in_order(doc: &Value) -> Value {
    let Some(m) = doc.as_object() else {
        return doc.clone();
    };
    let one = |s: &Value| {
        let mut s = s.clone();
        for k in ["Principal", "NotPrincipal"] {
            if s.get(k) == Some(&Value::String("*".into())) {
                s[k] = serde_json::json!({ "AWS": "*" });
            }
        }
        statement(&s)
    };
    Value::Object(
        m.iter()
            .map(|(k, v)| {
                let v = match (k.as_str(), v) {
                    ("Statement", Value::Array(a)) => Value::Array(a.iter().map(one).collect()),
                    ("Statement", lone) => Value::Array(vec![one(lone)]),
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
