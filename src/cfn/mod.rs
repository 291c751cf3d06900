//! The CloudFormation core shared by the model, the template, plan and drift: each resource
//! type's facts (`resource_type`), one canonical form for properties (`normalize`, `policy`),
//! one path diff (`diff`), replacement rules (`replacement`) and the resolution of a
//! template's intrinsics (`resolve`). It imports nothing else of the crate.

pub mod diff;
pub mod normalize;
pub mod policy;
pub mod replacement;
pub mod resolve;
pub mod resource_type;

pub use resource_type::{Arn, Facts, Reference, ResourceType, Shape};

use serde_json::Value;

/// The ARN partition of a region.
pub fn partition(region: &str) -> &'static str {
    crate::config::Region::partition_of(region)
}

/// The value with every object's keys in sorted order, whatever map serde_json was built with
/// (a dependency turning on its `preserve_order` feature must not change our bytes).
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}
