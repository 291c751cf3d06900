//! Imports in a plan: resources the template names that already exist outside the stack, adopted
//! by an IMPORT change set before the rest is applied, and those that cannot be adopted as they
//! are. Pure: finding them is `deploy::import`'s; this holds what a plan says of them, how it
//! reads, and the IMPORT step's template.

use super::{Action, Plan};
use crate::cfn::ResourceType;
use crate::style::Style;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Why an existing resource is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// It has the name the pipeline derives, so an earlier destroy kept it (DeletionPolicy).
    KeptByDestroy,
    /// The config's `adopt:` section names it.
    Adopted,
}

impl Why {
    pub fn text(self) -> &'static str {
        match self {
            Why::KeptByDestroy => "exists, kept by an earlier destroy",
            Why::Adopted => "named in adopt:",
        }
    }
}

/// One resource the IMPORT change set adopts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub logical_id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    /// CloudFormation's primary identifier: `{"BucketName": ...}` or `{"TableName": ...}`.
    pub identifier: BTreeMap<String, String>,
    pub why: Why,
    /// A table's global secondary indexes as they exist: the import declares only these, and
    /// the UPDATE step creates the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub existing_indexes: Vec<String>,
}

/// A resource that exists but cannot be imported as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    pub logical_id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    /// Why CloudFormation cannot (or we will not) import it.
    pub reason: String,
    /// What the user can do about it.
    pub remedy: String,
}

/// Marks the plan's additions that are imports, and records what cannot be imported; the
/// summary counts imports apart from additions.
pub fn mark(plan: &mut Plan, imports: Vec<Import>, blocked: Vec<Blocked>) {
    let ids: BTreeSet<&str> = imports.iter().map(|i| i.logical_id.as_str()).collect();
    let mut n = 0;
    for c in &mut plan.changes {
        if c.action == Action::Create && ids.contains(c.logical_id.as_str()) {
            c.action = Action::Import;
            n += 1;
        }
    }
    plan.summary.import = n;
    plan.summary.add -= n;
    plan.imports = imports;
    plan.cannot_import = blocked;
}

/// The IMPORT step's template. For a new stack: exactly the imported resources, each with
/// `DeletionPolicy` and `UpdateReplacePolicy` Retain (import requires the first), no Outputs,
/// and no `Ref`, `Fn::GetAtt`, `Fn::Sub` or `DependsOn` to a resource outside it. For a
/// deployed stack: its deployed template with the imported resources added (CloudFormation's
/// import may add the imported resources and change nothing else).
///
/// A bucket is declared by its name alone, so that the UPDATE which follows applies every
/// property the pipeline sets (encryption, versioning, lifecycle, notifications: S3 accepts
/// them again on a bucket that has them). A table is declared as the pipeline renders it, less
/// the indexes it does not have yet, because DynamoDB refuses an index created twice.
pub fn template(deployed: Option<&Value>, rendered: &Value, imports: &[Import]) -> Value {
    let mut out = match deployed {
        Some(d) => d.clone(),
        None => {
            let mut t = json!({ "AWSTemplateFormatVersion": "2010-09-09", "Resources": {} });
            if let Some(d) = rendered.get("Description") {
                t["Description"] = d.clone();
            }
            t
        }
    };
    let mut inside: BTreeSet<String> = out["Resources"]
        .as_object()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(p) = out.get("Parameters").and_then(Value::as_object) {
        inside.extend(p.keys().cloned());
    }
    inside.extend(imports.iter().map(|i| i.logical_id.clone()));
    for i in imports {
        let from = &rendered["Resources"][&i.logical_id];
        let properties = imported_properties(i, &from["Properties"], &inside);
        out["Resources"][&i.logical_id] = json!({
            "Type": i.resource_type,
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": properties,
        });
    }
    out
}

/// The properties an imported resource is declared with (see `template`).
fn imported_properties(i: &Import, rendered: &Value, inside: &BTreeSet<String>) -> Value {
    let empty = Map::new();
    let all = rendered.as_object().unwrap_or(&empty);
    let ty = ResourceType::parse(&i.resource_type);
    let mut kept: Map<String, Value> = match ty {
        Some(ResourceType::S3Bucket) => all
            .iter()
            .filter(|(k, _)| i.identifier.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Some(ResourceType::DynamoDbTable) => table_as_it_exists(all, &i.existing_indexes),
        _ => all.clone(),
    };
    kept.retain(|_, v| references(v).is_subset(inside));
    Value::Object(kept)
}

/// A table's properties with only the indexes it has, and only the attribute definitions
/// those keys use (DynamoDB refuses a definition no key uses).
fn table_as_it_exists(all: &Map<String, Value>, existing: &[String]) -> Map<String, Value> {
    let mut kept = all.clone();
    let indexes: Vec<Value> = all
        .get("GlobalSecondaryIndexes")
        .and_then(Value::as_array)
        .map(|gsis| {
            gsis.iter()
                .filter(|g| {
                    g["IndexName"]
                        .as_str()
                        .is_some_and(|n| existing.iter().any(|e| e == n))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let key_names = |ks: &Value| -> Vec<String> {
        ks.as_array()
            .map(|k| {
                k.iter()
                    .filter_map(|e| e["AttributeName"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut used: BTreeSet<String> = key_names(&all["KeySchema"]).into_iter().collect();
    for g in &indexes {
        used.extend(key_names(&g["KeySchema"]));
    }
    if indexes.is_empty() {
        kept.remove("GlobalSecondaryIndexes");
    } else {
        kept.insert("GlobalSecondaryIndexes".into(), Value::Array(indexes));
    }
    if let Some(defs) = all.get("AttributeDefinitions").and_then(Value::as_array) {
        let defs: Vec<Value> = defs
            .iter()
            .filter(|d| {
                d["AttributeName"]
                    .as_str()
                    .is_some_and(|n| used.contains(n))
            })
            .cloned()
            .collect();
        kept.insert("AttributeDefinitions".into(), Value::Array(defs));
    }
    kept
}

/// The logical ids (and parameters) a value refers to through `Ref`, `Fn::GetAtt` and
/// `Fn::Sub`; pseudo parameters (`AWS::...`) are not references to resources.
pub fn references(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect(v, &mut out);
    out.retain(|r| !r.starts_with("AWS::"));
    out
}

fn collect(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("Ref", Value::String(s)) => {
                        out.insert(s.clone());
                    }
                    ("Fn::GetAtt", Value::Array(a)) => {
                        if let Some(s) = a.first().and_then(Value::as_str) {
                            out.insert(s.to_owned());
                        }
                    }
                    ("Fn::GetAtt", Value::String(s)) => {
                        out.insert(s.split('.').next().unwrap_or_default().to_owned());
                    }
                    ("Fn::Sub", sub) => {
                        let (text, vars) = match sub {
                            Value::Array(a) => (a.first(), a.get(1)),
                            other => (Some(other), None),
                        };
                        let defined: BTreeSet<String> = vars
                            .and_then(Value::as_object)
                            .map(|m| m.keys().cloned().collect())
                            .unwrap_or_default();
                        if let Some(t) = text.and_then(Value::as_str) {
                            for name in sub_variables(t) {
                                if !defined.contains(&name) {
                                    out.insert(name);
                                }
                            }
                        }
                        if let Some(vars) = vars {
                            collect(vars, out);
                        }
                    }
                    _ => collect(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}

/// The names `${Name}` and `${Name.Attribute}` in a `Fn::Sub` string (`${!Literal}` is text).
fn sub_variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        if !inner.starts_with('!') {
            out.push(inner.split('.').next().unwrap_or_default().to_owned());
        }
        rest = &rest[end + 1..];
    }
    out
}

/// What the plan says of its imports: the two steps apply takes, and what cannot be imported.
pub fn text(plan: &Plan, style: Style) -> String {
    let mut s = String::new();
    if !plan.imports.is_empty() {
        let sum = &plan.summary;
        let adopted: Vec<String> = plan
            .imports
            .iter()
            .map(|i| {
                let name = i.identifier.values().next().map_or("", String::as_str);
                format!("{} ({name})", i.logical_id)
            })
            .collect();
        let _ = writeln!(s, "\nApply takes two steps:");
        let _ = writeln!(
            s,
            "  1. an IMPORT change set adopts {} into the stack as they are (DeletionPolicy Retain); nothing else changes",
            adopted.join(", ")
        );
        let _ = writeln!(
            s,
            "  2. an UPDATE change set applies the rest: {} to add, {} to change, {} to destroy, and the imported resources' remaining properties",
            sum.add, sum.change, sum.destroy
        );
    }
    if !plan.cannot_import.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            style.red("Cannot import (apply refuses and changes nothing until this is resolved):")
        );
        for b in &plan.cannot_import {
            let _ = writeln!(s, "  {} ({}): {}", b.logical_id, b.resource_type, b.reason);
            let _ = writeln!(s, "    What you can do: {}", b.remedy);
        }
    }
    s
}

/// The note beside an imported resource's line in the plan.
pub fn note(plan: &Plan, logical_id: &str) -> Option<String> {
    plan.imports
        .iter()
        .find(|i| i.logical_id == logical_id)
        .map(|i| format!("import: {}", i.why.text()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_variables_skip_literals_and_keep_the_resource_of_an_attribute() {
        assert_eq!(
            sub_variables("arn:${AWS::Partition}:x:${Fn.Arn}/${!Literal}"),
            vec!["AWS::Partition".to_owned(), "Fn".to_owned()]
        );
    }

    #[test]
    fn references_find_ref_getatt_and_sub_but_not_pseudo_parameters() {
        let v = json!({"a": {"Ref": "Topic"}, "b": {"Fn::GetAtt": ["Fn", "Arn"]},
            "c": {"Fn::Sub": "${Queue.Arn}-${AWS::Region}"},
            "d": {"Fn::Sub": ["${X}", {"X": {"Ref": "Role"}}]}});
        let want: BTreeSet<String> = ["Topic", "Fn", "Queue", "Role"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(references(&v), want);
    }
}
