//! A read of a stack set that `status` shows beside `stack_sets`' calls: the set's most recent
//! operation. Plain values out.

use super::stack_sets::SetRef;
use super::{Aws, AwsError};
use aws_smithy_types::date_time::Format;

/// A stack set operation as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSummary {
    pub id: String,
    /// CREATE, UPDATE, DELETE or DETECT_DRIFT.
    pub action: String,
    pub status: String,
    pub created: Option<String>,
    pub ended: Option<String>,
}

/// The set's most recent operation (by creation time), None when it has had none.
pub async fn last_operation(aws: &Aws, set: &SetRef) -> Result<Option<OperationSummary>, AwsError> {
    let mut pages = aws
        .cloudformation()
        .list_stack_set_operations()
        .stack_set_name(&set.name)
        .set_call_as(set.call_as())
        .into_paginator()
        .send();
    let mut latest: Option<(i64, OperationSummary)> = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            AwsError::new(
                format!("listing the operations of stack set {}", set.name),
                &aws.region,
                &e,
            )
        })?;
        for s in page.summaries() {
            let when = s.creation_timestamp().map_or(i64::MIN, |t| t.secs());
            let fmt = |t: Option<&aws_smithy_types::DateTime>| {
                t.and_then(|t| t.fmt(Format::DateTime).ok())
            };
            let op = OperationSummary {
                id: s.operation_id().unwrap_or_default().to_owned(),
                action: s
                    .action()
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_default(),
                status: s
                    .status()
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_default(),
                created: fmt(s.creation_timestamp()),
                ended: fmt(s.end_timestamp()),
            };
            if latest.as_ref().is_none_or(|(t, _)| when >= *t) {
                latest = Some((when, op));
            }
        }
    }
    Ok(latest.map(|(_, op)| op))
}
