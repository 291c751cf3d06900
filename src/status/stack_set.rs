//! What `infrapipe status --stack-set` reads of a stack set: its state, permission model and last
//! operation, and a table of its instances (account, region, status, detailed status, drift
//! status, last drift check, reason); the report for people and for `--json`.

use crate::aws::stack_sets::{self, SetRef};
use crate::aws::{Aws, AwsError};
use crate::console::Report;
use serde::Serialize;
use std::fmt;

/// The status of a stack set that does not exist in the administering region.
pub const NOT_FOUND: &str = "NOT_FOUND";

/// One stack instance as the tables of status, plan, drift and destroy show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceRow {
    pub account: String,
    pub region: String,
    /// CURRENT, OUTDATED or INOPERABLE.
    pub status: String,
    /// The last operation's outcome for this instance (PENDING, RUNNING, SUCCEEDED, FAILED,
    /// CANCELLED, INOPERABLE, SKIPPED_SUSPENDED_ACCOUNT...), when AWS gives one.
    pub detailed_status: Option<String>,
    /// DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED.
    pub drift_status: Option<String>,
    pub last_drift_check: Option<String>,
    pub reason: Option<String>,
    /// The instance's stack in the target account (None before one was created).
    pub stack_id: Option<String>,
}

impl InstanceRow {
    /// The row of `i`, with the time of its last drift check when AWS gave one.
    pub fn from_instance(i: &stack_sets::Instance) -> Self {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Self {
            account: i.account.clone(),
            region: i.region.clone(),
            status: i.status.clone(),
            detailed_status: some(&i.detailed_status),
            drift_status: some(&i.drift_status),
            last_drift_check: i.last_drift_check.clone(),
            reason: some(&i.status_reason),
            stack_id: i.stack_id.as_deref().and_then(some),
        }
    }
}

/// Every instance of the set as rows, sorted by account then region.
pub async fn instance_rows(aws: &Aws, set: &SetRef) -> Result<Vec<InstanceRow>, AwsError> {
    let mut rows: Vec<InstanceRow> = stack_sets::list_stack_instances(aws, set)
        .await?
        .iter()
        .map(InstanceRow::from_instance)
        .collect();
    rows.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    Ok(rows)
}

/// A stack set's last operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastOperation {
    pub id: String,
    pub action: String,
    pub status: String,
    pub ended: Option<String>,
}

/// `status --stack-set`: the set and each of its instances.
#[derive(Debug, Clone, Serialize)]
pub struct StackSetStatus {
    pub stack_set: String,
    /// The administering region, where the set lives.
    pub region: String,
    /// ACTIVE, or NOT_FOUND when no set of that name exists there.
    pub status: String,
    pub permission_model: Option<String>,
    pub last_operation: Option<LastOperation>,
    pub instances: Vec<InstanceRow>,
}

/// Reads the stack set `set` from `aws`'s region: the set, its last operation, its instances.
pub async fn read(aws: &Aws, set: &SetRef) -> Result<StackSetStatus, AwsError> {
    let mut s = StackSetStatus {
        stack_set: set.name.clone(),
        region: aws.region.clone(),
        status: NOT_FOUND.into(),
        permission_model: None,
        last_operation: None,
        instances: Vec::new(),
    };
    let Some(info) = stack_sets::describe_stack_set(aws, set).await? else {
        return Ok(s);
    };
    s.status = info.status;
    s.permission_model = Some(info.permission_model);
    let (instances, last) = tokio::join!(
        instance_rows(aws, set),
        crate::aws::stack_set_reads::last_operation(aws, set)
    );
    s.instances = instances?;
    s.last_operation = last?.map(|o| LastOperation {
        id: o.id,
        action: o.action,
        status: o.status,
        ended: o.ended,
    });
    Ok(s)
}

/// A cell for an optional value: the value, or `-`.
pub fn cell(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

impl fmt::Display for StackSetStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Stack set {} in {}: {}",
            self.stack_set, self.region, self.status
        )?;
        if self.status == NOT_FOUND {
            return writeln!(
                f,
                "No stack set of that name is administered from {}. Create it with `infrapipe rollout --accounts ...` (or `--organizational-units ...`), or pass --region for the region it was created from.",
                self.region
            );
        }
        if let Some(m) = &self.permission_model {
            writeln!(f, "Permission model: {m}")?;
        }
        if let Some(o) = &self.last_operation {
            let ended = o
                .ended
                .as_deref()
                .map(|e| format!(", ended {e}"))
                .unwrap_or_default();
            writeln!(
                f,
                "Last operation: {} {} ({}{ended})",
                o.action, o.status, o.id
            )?;
        }
        if self.instances.is_empty() {
            return writeln!(f, "\nNo instances.");
        }
        writeln!(f, "\nInstances ({}):", self.instances.len())?;
        let rows: Vec<Vec<String>> = self
            .instances
            .iter()
            .map(|i| {
                vec![
                    i.account.clone(),
                    i.region.clone(),
                    i.status.clone(),
                    cell(&i.detailed_status),
                    cell(&i.drift_status),
                    cell(&i.last_drift_check),
                    cell(&i.reason),
                ]
            })
            .collect();
        f.write_str(&crate::style::columns(
            &[
                "ACCOUNT",
                "REGION",
                "STATUS",
                "DETAILED",
                "DRIFT",
                "LAST DRIFT CHECK",
                "REASON",
            ],
            &rows,
        ))
    }
}

impl Report for StackSetStatus {
    fn what(&self) -> &'static str {
        "stack set status"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(account: &str, region: &str, status: &str, reason: Option<&str>) -> InstanceRow {
        InstanceRow {
            account: account.into(),
            region: region.into(),
            status: status.into(),
            detailed_status: Some("SUCCEEDED".into()),
            drift_status: None,
            last_drift_check: None,
            reason: reason.map(Into::into),
            stack_id: None,
        }
    }

    #[test]
    fn the_instance_table_has_one_line_per_instance_with_a_dash_for_what_aws_did_not_say() {
        let s = StackSetStatus {
            stack_set: "infra-monitoring-prod".into(),
            region: "us-east-1".into(),
            status: "ACTIVE".into(),
            permission_model: Some("SELF_MANAGED".into()),
            last_operation: None,
            instances: vec![
                row("111111111111", "eu-west-1", "CURRENT", None),
                row(
                    "222222222222",
                    "us-east-1",
                    "OUTDATED",
                    Some("bucket exists"),
                ),
            ],
        };
        let text = s.to_string();
        assert!(
            text.contains(
                "  ACCOUNT       REGION     STATUS    DETAILED   DRIFT  LAST DRIFT CHECK  REASON\n  111111111111  eu-west-1  CURRENT   SUCCEEDED  -      -                 -\n  222222222222  us-east-1  OUTDATED  SUCCEEDED  -      -                 bucket exists\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_missing_set_says_how_to_create_it() {
        let s = StackSetStatus {
            stack_set: "s".into(),
            region: "us-east-1".into(),
            status: NOT_FOUND.into(),
            permission_model: None,
            last_operation: None,
            instances: Vec::new(),
        };
        assert!(s.to_string().contains("infrapipe rollout --accounts"));
    }
}
