//! Expected against live, property by property: both put in the core's canonical form with
//! drift's options (documents decoded, the type's keyed lists and sets), then the core's path
//! diff with drift's options (a property absent on one side, `null`, `[]` and `{}` are all
//! "not set"; policy statements paired as a set).

use super::report::Difference;
use crate::cfn::{self, ResourceType};
use serde_json::Value;

/// The canonical form of a resource's properties (expected or live).
pub fn resource(resource_type: &str, props: &Value) -> Value {
    let ty = ResourceType::parse(resource_type);
    cfn::normalize::properties(ty, props, &cfn::normalize::Options::DRIFT)
}

/// Every path at which `expected` and `actual` (both canonical) differ.
pub fn differences(expected: &Value, actual: &Value) -> Vec<Difference> {
    cfn::diff::changes(expected, actual, &cfn::diff::Options::DRIFT)
        .into_iter()
        .map(|c| Difference::new(c.path, c.before, c.after))
        .collect()
}
