//! The diff engine: two templates in, a plan out.

use super::{Action, Plan, PropertyChange, ResourceChange, Summary, iam};
use crate::cfn::{self, ResourceType, replacement};
use crate::model::ids;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Resource attributes outside `Properties` that a plan reports (never replacing).
const ATTRIBUTES: &[&str] = &["DeletionPolicy", "UpdateReplacePolicy"];

/// Resources whose replacement or deletion loses the pipeline's data.
const DATA_RESOURCES: &[&str] = &[ids::RAW_BUCKET, ids::TABLE];

/// Diffs the deployed template (None: no stack) against the rendered one.
pub fn diff(
    stack: &str,
    region: &str,
    stack_status: Option<&str>,
    before: Option<&Value>,
    after: &Value,
) -> Plan {
    let empty = Map::new();
    let resources = |t: Option<&Value>| -> Map<String, Value> {
        t.and_then(|t| t["Resources"].as_object())
            .unwrap_or(&empty)
            .clone()
    };
    let (old, new) = (resources(before), resources(Some(after)));
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut changes = Vec::new();
    let mut iam_changes = Vec::new();
    for id in ids {
        let (b, a) = (old.get(id), new.get(id));
        let ty = a.or(b).and_then(|r| r["Type"].as_str()).unwrap_or("?");
        iam_changes.extend(iam::changes(
            id,
            ty,
            b.map(|r| &r["Properties"]),
            a.map(|r| &r["Properties"]),
        ));
        let change = match (b, a) {
            (None, Some(_)) => Some((Action::Create, Vec::new())),
            (Some(_), None) => Some((Action::Delete, Vec::new())),
            (Some(b), Some(a)) => resource_change(b, a),
            (None, None) => None,
        };
        if let Some((action, properties)) = change {
            changes.push(ResourceChange {
                logical_id: id.clone(),
                resource_type: ty.to_owned(),
                action,
                properties,
                data_loss: matches!(action, Action::Replace | Action::Delete)
                    && DATA_RESOURCES.contains(&id.as_str()),
            });
        }
    }
    let count = |f: &dyn Fn(Action) -> bool| changes.iter().filter(|c| f(c.action)).count();
    // As terraform counts: a replacement is one to add and one to destroy.
    let summary = Summary {
        import: 0,
        add: count(&|a| matches!(a, Action::Create | Action::Replace)),
        change: count(&|a| a == Action::Update),
        destroy: count(&|a| matches!(a, Action::Delete | Action::Replace)),
    };
    let broadens_access = iam_changes.iter().any(iam::StatementChange::broadens);
    let migrations = super::migration::needed(&changes);
    Plan {
        stack: stack.to_owned(),
        region: region.to_owned(),
        stack_status: stack_status.map(str::to_owned),
        changes,
        iam_changes,
        broadens_access,
        summary,
        imports: Vec::new(),
        cannot_import: Vec::new(),
        migrations,
    }
}

fn resource_change(before: &Value, after: &Value) -> Option<(Action, Vec<PropertyChange>)> {
    let ty = after["Type"].as_str().unwrap_or("?");
    if before["Type"] != after["Type"] {
        let change = PropertyChange {
            path: "Type".into(),
            before: Some(before["Type"].clone()),
            after: Some(after["Type"].clone()),
            replacement: true,
        };
        return Some((Action::Replace, vec![change]));
    }
    let norm = |r: &Value| {
        let options = cfn::normalize::Options::PLAN;
        cfn::normalize::properties(ResourceType::parse(ty), &r["Properties"], &options)
    };
    let raw = cfn::diff::changes(&norm(before), &norm(after), &cfn::diff::Options::PLAN);
    let mut props: Vec<PropertyChange> = raw
        .into_iter()
        .map(|c| PropertyChange {
            replacement: replacement::forces_replacement(ty, &c.path),
            path: c.path,
            before: c.before,
            after: c.after,
        })
        .collect();
    for attr in ATTRIBUTES {
        let (b, a) = (before.get(*attr), after.get(*attr));
        if b != a {
            props.push(PropertyChange {
                path: (*attr).to_owned(),
                before: b.cloned(),
                after: a.cloned(),
                replacement: false,
            });
        }
    }
    if props.is_empty() {
        return None;
    }
    let action = if props.iter().any(|p| p.replacement) {
        Action::Replace
    } else {
        Action::Update
    };
    Some((action, props))
}
