//! Plan: the rendered template against the deployed one, resource by resource and property by
//! property, with CloudFormation's replacement rules, IAM changes and data-loss warnings. Pure:
//! no AWS calls here (the command fetches the deployed template). Normalisation, the path diff
//! and the replacement rules are the shared core's (`crate::cfn`).

pub mod diff;
pub mod iam;
pub mod import;
pub mod migration;
pub mod render;
pub mod saved;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use diff::diff;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    /// An existing resource adopted into the stack (CloudFormation's resource import).
    Import,
}

impl Action {
    /// The terraform / cdk diff marker.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Import => "<=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub replacement: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    pub logical_id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub action: Action,
    pub properties: Vec<PropertyChange>,
    /// Replacing or deleting this resource loses the pipeline's data (raw bucket, table).
    pub data_loss: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Present only when something is imported, so a plan without imports reads as before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub import: usize,
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub stack: String,
    pub region: String,
    /// The deployed stack's status, or None when there is no stack.
    pub stack_status: Option<String>,
    pub changes: Vec<ResourceChange>,
    pub iam_changes: Vec<iam::StatementChange>,
    pub broadens_access: bool,
    pub summary: Summary,
    /// Resources that exist outside the stack and are adopted by an IMPORT change set first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<import::Import>,
    /// Resources that exist but cannot be imported as they are: apply refuses until resolved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cannot_import: Vec<import::Blocked>,
    /// Changes to the data that need more than CloudFormation does: why, and how to migrate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migrations: Vec<migration::Migration>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    pub fn data_loss(&self) -> impl Iterator<Item = &ResourceChange> {
        self.changes.iter().filter(|c| c.data_loss)
    }
}
