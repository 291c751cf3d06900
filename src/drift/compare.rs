//! Expected against live, property by property, after both are in canonical form
//! (`normalize`). A property absent on one side, `null`, `[]` and `{}` are all "not set".

use super::report::Difference;
use crate::plan::normalize::same_scalar;
use serde_json::Value;
use std::collections::BTreeSet;

/// Every path at which `expected` and `actual` differ.
pub fn differences(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk("", Some(expected), Some(actual), &mut out);
    out
}

fn is_unset(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        _ => false,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else if key.starts_with('[') {
        format!("{path}{key}")
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, e: Option<&Value>, a: Option<&Value>, out: &mut Vec<Difference>) {
    if is_unset(e) && is_unset(a) {
        return;
    }
    match (e, a) {
        (Some(Value::Object(em)), Some(Value::Object(am))) => {
            let keys: BTreeSet<&String> = em.keys().chain(am.keys()).collect();
            for k in keys {
                walk(&join(path, k), em.get(k), am.get(k), out);
            }
        }
        (Some(Value::Array(ea)), Some(Value::Array(aa))) if path.ends_with("Statement") => {
            statements(path, ea, aa, out);
        }
        (Some(Value::Array(ea)), Some(Value::Array(aa))) => {
            for i in 0..ea.len().max(aa.len()) {
                walk(&format!("{path}[{i}]"), ea.get(i), aa.get(i), out);
            }
        }
        (Some(x), Some(y))
            if !x.is_object() && !x.is_array() && !y.is_object() && !y.is_array() =>
        {
            if !same_scalar(x, y) {
                out.push(Difference::new(path, Some(x.clone()), Some(y.clone())));
            }
        }
        _ => out.push(Difference::new(
            path,
            e.filter(|v| !is_unset(Some(v))).map(shown),
            a.filter(|v| !is_unset(Some(v))).map(shown),
        )),
    }
}

/// A value as people wrote it: lists that `normalize` keyed (`{"[a]": .., "[b]": ..}`) are
/// lists again.
fn shown(v: &Value) -> Value {
    match v {
        Value::Object(m) if !m.is_empty() && m.keys().all(|k| k.starts_with('[')) => {
            Value::Array(m.values().map(shown).collect())
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shown(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(shown).collect()),
        other => other.clone(),
    }
}

/// Policy statements as a set: paired by `Sid`, then identical ones dropped, then the unnamed
/// rest paired in order. A statement is named by its Sid, else by its position (`[#2]`).
fn statements(path: &str, expected: &[Value], actual: &[Value], out: &mut Vec<Difference>) {
    let sid = |s: &Value| s.get("Sid").and_then(Value::as_str).map(str::to_owned);
    let mut e_left: Vec<(usize, &Value)> = Vec::new();
    let mut a_used = vec![false; actual.len()];
    for (i, s) in expected.iter().enumerate() {
        let named = sid(s).and_then(|id| {
            actual
                .iter()
                .enumerate()
                .find(|(j, a)| !a_used[*j] && sid(a).as_deref() == Some(&id))
                .map(|(j, a)| (id, j, a))
        });
        match named {
            Some((id, j, a)) => {
                a_used[j] = true;
                walk(&format!("{path}[{id}]"), Some(s), Some(a), out);
            }
            None => e_left.push((i, s)),
        }
    }
    // Identical statements, wherever they are.
    e_left.retain(|(_, s)| {
        match actual
            .iter()
            .enumerate()
            .find(|(j, a)| !a_used[*j] && *a == *s)
        {
            Some((j, _)) => {
                a_used[j] = true;
                false
            }
            None => true,
        }
    });
    let a_left: Vec<(usize, &Value)> = actual
        .iter()
        .enumerate()
        .filter(|(j, _)| !a_used[*j])
        .collect();
    let label = |i: usize, s: &Value| sid(s).unwrap_or_else(|| format!("#{}", i + 1));
    for k in 0..e_left.len().max(a_left.len()) {
        match (e_left.get(k), a_left.get(k)) {
            (Some((_, e)), Some((j, a))) if sid(e).is_none() && sid(a).is_none() => {
                walk(&format!("{path}[{}]", label(*j, a)), Some(e), Some(a), out);
            }
            (e, a) => {
                if let Some((i, e)) = e {
                    walk(&format!("{path}[{}]", label(*i, e)), Some(e), None, out);
                }
                if let Some((j, a)) = a {
                    walk(&format!("{path}[{}]", label(*j, a)), None, Some(a), out);
                }
            }
        }
    }
}
