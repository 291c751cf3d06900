//! Athena: start a query in a workgroup, follow it, read its rows page by page, stop it.

use super::{Aws, AwsError};

/// Where a query stands, and what it scanned so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryState {
    /// QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED.
    pub state: String,
    /// Why it failed or was cancelled, as Athena says it.
    pub reason: Option<String>,
    pub bytes_scanned: u64,
    pub engine_ms: u64,
}

impl QueryState {
    pub fn ended(&self) -> bool {
        matches!(self.state.as_str(), "SUCCEEDED" | "FAILED" | "CANCELLED")
    }
}

/// Starts `sql` in `workgroup` (which enforces its result location and scan cutoff) with
/// `database` as the default schema; the query execution id.
pub async fn start(
    aws: &Aws,
    workgroup: &str,
    database: &str,
    sql: &str,
) -> Result<String, AwsError> {
    let out = aws
        .athena()
        .start_query_execution()
        .query_string(sql)
        .work_group(workgroup)
        .query_execution_context(
            aws_sdk_athena::types::QueryExecutionContext::builder()
                .database(database)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("starting a query in workgroup {workgroup}"),
                &aws.region,
                &e,
            )
        })?;
    Ok(out.query_execution_id().unwrap_or_default().to_owned())
}

pub async fn state(aws: &Aws, id: &str) -> Result<QueryState, AwsError> {
    let out = aws
        .athena()
        .get_query_execution()
        .query_execution_id(id)
        .send()
        .await
        .map_err(|e| AwsError::new(format!("following query {id}"), &aws.region, &e))?;
    let q = out.query_execution();
    let status = q.and_then(|q| q.status());
    let stats = q.and_then(|q| q.statistics());
    Ok(QueryState {
        state: status
            .and_then(|s| s.state())
            .map_or("UNKNOWN", |s| s.as_str())
            .to_owned(),
        reason: status
            .and_then(|s| s.state_change_reason())
            .map(str::to_owned),
        bytes_scanned: stats
            .and_then(|s| s.data_scanned_in_bytes())
            .unwrap_or(0)
            .max(0) as u64,
        engine_ms: stats
            .and_then(|s| s.engine_execution_time_in_millis())
            .unwrap_or(0)
            .max(0) as u64,
    })
}

/// Asks Athena to stop the query (it bills what was scanned until then).
pub async fn stop(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.athena()
        .stop_query_execution()
        .query_execution_id(id)
        .send()
        .await
        .map_err(|e| AwsError::new(format!("stopping query {id}"), &aws.region, &e))?;
    Ok(())
}

/// The column names and every row, all pages; Athena repeats the column names as the first
/// row of the first page, which is dropped here.
pub async fn results(aws: &Aws, id: &str) -> Result<(Vec<String>, Vec<Vec<String>>), AwsError> {
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    let mut token: Option<String> = None;
    let mut first = true;
    loop {
        let out = aws
            .athena()
            .get_query_results()
            .query_execution_id(id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| {
                AwsError::new(format!("reading the rows of query {id}"), &aws.region, &e)
            })?;
        let Some(set) = out.result_set() else { break };
        if first {
            columns = set
                .result_set_metadata()
                .map(|m| {
                    m.column_info()
                        .iter()
                        .map(|c| c.name().to_owned())
                        .collect()
                })
                .unwrap_or_default();
        }
        let mut page: Vec<Vec<String>> = set
            .rows()
            .iter()
            .map(|r| {
                r.data()
                    .iter()
                    .map(|d| d.var_char_value().unwrap_or_default().to_owned())
                    .collect()
            })
            .collect();
        if first && !columns.is_empty() && page.first() == Some(&columns) {
            page.remove(0);
        }
        first = false;
        rows.extend(page);
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok((columns, rows))
}
