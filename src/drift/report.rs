//! The drift report: each resource's status and differences, for people (`render`) and for
//! machines (`Serialize`, the `--json` document).

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    InSync,
    Modified,
    Deleted,
    NotChecked,
}

/// One property that differs; `None` (JSON `null`) is a property that is absent on that side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub path: String,
    pub expected: Option<Value>,
    pub actual: Option<Value>,
    /// Who found it, when not infrapipe's own reading (`cloudformation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
}

impl Difference {
    pub fn new(path: impl Into<String>, expected: Option<Value>, actual: Option<Value>) -> Self {
        Self {
            path: path.into(),
            expected,
            actual,
            source: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceDrift {
    pub logical_id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The stack's physical id, else the name the model gives the resource, else null.
    pub physical_id: Option<String>,
    pub status: Status,
    pub differences: Vec<Difference>,
    /// Why a resource is DELETED or NOT_CHECKED.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A difference that `drift.ignore` accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ignored {
    pub logical_id: String,
    /// The `drift.ignore` entry that covers it.
    pub rule: String,
    #[serde(flatten)]
    pub difference: Difference,
}

/// What CloudFormation's own drift detection said, when asked for (`--cloudformation`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudFormationCheck {
    pub available: bool,
    /// CloudFormation's stack drift status, or why it could not run.
    pub message: String,
    /// Differences it found that infrapipe's own reading had not (merged into `resources`).
    pub added: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub stack: String,
    pub region: String,
    pub resources: Vec<ResourceDrift>,
    /// Resources MODIFIED or DELETED.
    pub drifted: usize,
    pub ignored: Vec<Ignored>,
    /// Template properties AWS never returns, so nobody can compare them (`LogicalId.Path: why`).
    pub not_comparable: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudformation: Option<CloudFormationCheck>,
}

impl Report {
    pub fn count(&self, status: Status) -> usize {
        self.resources.iter().filter(|r| r.status == status).count()
    }

    pub fn has_drift(&self) -> bool {
        self.drifted > 0
    }

    /// Resources that could not be checked: the report is then incomplete.
    pub fn incomplete(&self) -> bool {
        self.count(Status::NotChecked) > 0
    }

    /// Sets `drifted` from the statuses.
    pub fn tally(&mut self) {
        self.drifted = self
            .resources
            .iter()
            .filter(|r| matches!(r.status, Status::Modified | Status::Deleted))
            .count();
    }
}
