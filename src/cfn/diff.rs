//! One path diff over two canonical property trees (see `normalize`): every path at which they
//! differ, with the value on each side. Plan and drift differ only in their [`Options`].

use super::normalize::same_scalar;
use serde_json::Value;
use std::collections::BTreeSet;

/// One path at which the two sides differ; None is a property absent on that side.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// How two trees are compared.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `null`, `[]` and `{}` are "not set", as an absent property is (services omit empty
    /// values); otherwise only `null` is.
    pub empty_is_unset: bool,
    /// An intrinsic function (`Ref`, `Fn::*`) is one value: its parts mean nothing alone.
    pub intrinsics_whole: bool,
    /// Lists of different lengths are compared item by item; otherwise as one value.
    pub uneven_lists_by_item: bool,
    /// A policy's `Statement` list is paired as a set: by `Sid`, then equal ones, then in order.
    pub statements_as_set: bool,
    /// Maps that `normalize` made of keyed lists (`{"[a]": .., "[b]": ..}`): their keys join a
    /// path with no dot (`Rules[a]`), and they show as lists again.
    pub keyed_lists: bool,
}

impl Options {
    /// Plan: two templates, intrinsics unresolved.
    pub const PLAN: Options = Options {
        empty_is_unset: false,
        intrinsics_whole: true,
        uneven_lists_by_item: false,
        statements_as_set: false,
        keyed_lists: false,
    };
    /// Drift: a resolved template against what the services return.
    pub const DRIFT: Options = Options {
        empty_is_unset: true,
        intrinsics_whole: false,
        uneven_lists_by_item: true,
        statements_as_set: true,
        keyed_lists: true,
    };
}

/// Every path at which `before` and `after` differ.
pub fn changes(before: &Value, after: &Value, options: &Options) -> Vec<Change> {
    let mut d = Diff {
        options,
        out: Vec::new(),
    };
    d.walk("", Some(before), Some(after));
    d.out
}

struct Diff<'a> {
    options: &'a Options,
    out: Vec<Change>,
}

fn is_container(v: &Value) -> bool {
    v.is_object() || v.is_array()
}

/// `{"Ref": ..}` or `{"Fn::…": ..}`.
fn is_intrinsic(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.len() == 1
            && m.keys()
                .next()
                .is_some_and(|k| k == "Ref" || k.starts_with("Fn::"))
    })
}

fn join(path: &str, key: &str, keyed_lists: bool) -> String {
    if path.is_empty() {
        key.to_owned()
    } else if keyed_lists && key.starts_with('[') {
        format!("{path}{key}")
    } else {
        format!("{path}.{key}")
    }
}

/// A value as people wrote it: keyed lists are lists again.
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

impl Diff<'_> {
    fn is_unset(&self, v: Option<&Value>) -> bool {
        match v {
            None | Some(Value::Null) => true,
            Some(Value::Array(a)) => self.options.empty_is_unset && a.is_empty(),
            Some(Value::Object(m)) => self.options.empty_is_unset && m.is_empty(),
            _ => false,
        }
    }

    fn push(&mut self, path: &str, before: Option<&Value>, after: Option<&Value>) {
        let side = |v: Option<&Value>| -> Option<Value> {
            if !self.options.empty_is_unset {
                return v.cloned();
            }
            let v = v.filter(|v| !self.is_unset(Some(v)))?;
            Some(if self.options.keyed_lists {
                shown(v)
            } else {
                v.clone()
            })
        };
        let change = Change {
            path: path.to_owned(),
            before: side(before),
            after: side(after),
        };
        self.out.push(change);
    }

    fn walk(&mut self, path: &str, b: Option<&Value>, a: Option<&Value>) {
        if self.is_unset(b) && self.is_unset(a) {
            return;
        }
        let (Some(bv), Some(av)) = (b, a) else {
            return self.push(path, b, a);
        };
        let whole = self.options.intrinsics_whole && (is_intrinsic(bv) || is_intrinsic(av));
        match (bv, av) {
            (Value::Object(bm), Value::Object(am)) if !whole => {
                let keys: BTreeSet<&String> = bm.keys().chain(am.keys()).collect();
                for k in keys {
                    self.walk(
                        &join(path, k, self.options.keyed_lists),
                        bm.get(k),
                        am.get(k),
                    );
                }
            }
            (Value::Array(ba), Value::Array(aa))
                if self.options.statements_as_set && path.ends_with("Statement") =>
            {
                self.statements(path, ba, aa);
            }
            (Value::Array(ba), Value::Array(aa))
                if ba.len() == aa.len() || self.options.uneven_lists_by_item =>
            {
                for i in 0..ba.len().max(aa.len()) {
                    self.walk(&format!("{path}[{i}]"), ba.get(i), aa.get(i));
                }
            }
            _ if !is_container(bv) && !is_container(av) => {
                if !same_scalar(bv, av) {
                    self.out.push(Change {
                        path: path.to_owned(),
                        before: Some(bv.clone()),
                        after: Some(av.clone()),
                    });
                }
            }
            // Equal intrinsics, or equal lists of a length the options compare whole.
            _ if bv == av => {}
            _ => self.push(path, b, a),
        }
    }

    /// Policy statements as a set: paired by `Sid`, then identical ones dropped, then the
    /// unnamed rest paired in order. A statement is named by its Sid, else by its position
    /// (`[#2]`).
    fn statements(&mut self, path: &str, before: &[Value], after: &[Value]) {
        let sid = |s: &Value| s.get("Sid").and_then(Value::as_str).map(str::to_owned);
        let mut b_left: Vec<(usize, &Value)> = Vec::new();
        let mut a_used = vec![false; after.len()];
        for (i, s) in before.iter().enumerate() {
            let named = sid(s).and_then(|id| {
                after
                    .iter()
                    .enumerate()
                    .find(|(j, a)| !a_used[*j] && sid(a).as_deref() == Some(&id))
                    .map(|(j, a)| (id, j, a))
            });
            match named {
                Some((id, j, a)) => {
                    a_used[j] = true;
                    self.walk(&format!("{path}[{id}]"), Some(s), Some(a));
                }
                None => b_left.push((i, s)),
            }
        }
        // Identical statements, wherever they are.
        b_left.retain(|(_, s)| {
            match after
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
        let a_left: Vec<(usize, &Value)> = after
            .iter()
            .enumerate()
            .filter(|(j, _)| !a_used[*j])
            .collect();
        let label = |i: usize, s: &Value| sid(s).unwrap_or_else(|| format!("#{}", i + 1));
        for k in 0..b_left.len().max(a_left.len()) {
            match (b_left.get(k), a_left.get(k)) {
                (Some((_, b)), Some((j, a))) if sid(b).is_none() && sid(a).is_none() => {
                    self.walk(&format!("{path}[{}]", label(*j, a)), Some(b), Some(a));
                }
                (b, a) => {
                    if let Some((i, b)) = b {
                        self.walk(&format!("{path}[{}]", label(*i, b)), Some(b), None);
                    }
                    if let Some((j, a)) = a {
                        self.walk(&format!("{path}[{}]", label(*j, a)), None, Some(a));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(b: Value, a: Value, options: &Options) -> Vec<String> {
        changes(&b, &a, options)
            .into_iter()
            .map(|c| c.path)
            .collect()
    }

    #[test]
    fn plan_compares_an_intrinsic_as_one_value() {
        let b = json!({"Role": {"Fn::GetAtt": ["R", "Arn"]}});
        let a = json!({"Role": {"Fn::GetAtt": ["S", "Arn"]}});
        assert_eq!(paths(b, a, &Options::PLAN), ["Role"]);
    }

    #[test]
    fn plan_compares_lists_of_different_lengths_as_one_value() {
        assert_eq!(
            paths(json!({"L": [1]}), json!({"L": [1, 2]}), &Options::PLAN),
            ["L"]
        );
    }

    #[test]
    fn drift_compares_lists_of_different_lengths_item_by_item() {
        assert_eq!(
            paths(json!({"L": [1]}), json!({"L": [1, 2]}), &Options::DRIFT),
            ["L[1]"]
        );
    }

    #[test]
    fn drift_treats_an_empty_list_as_absent() {
        assert!(paths(json!({"L": []}), json!({}), &Options::DRIFT).is_empty());
    }

    #[test]
    fn plan_reports_an_empty_list_that_appeared() {
        assert_eq!(paths(json!({}), json!({"L": []}), &Options::PLAN), ["L"]);
    }

    #[test]
    fn drift_joins_a_keyed_entry_to_its_path_without_a_dot() {
        let b = json!({"Rules": {"[a]": {"Days": 1}}});
        let a = json!({"Rules": {"[a]": {"Days": 2}}});
        assert_eq!(paths(b, a, &Options::DRIFT), ["Rules[a].Days"]);
    }

    #[test]
    fn plan_joins_every_key_with_a_dot() {
        let b = json!({"Parameters": {"[a]": 1}});
        let a = json!({"Parameters": {"[a]": 2}});
        assert_eq!(paths(b, a, &Options::PLAN), ["Parameters.[a]"]);
    }
}
