//! `infrapipe query`: one named query of the model (or ad-hoc SQL) run in the pipeline's
//! workgroup, followed until it ends, its rows read page by page, priced from the bytes Athena
//! scanned. The workgroup enforces its result location and its per-query scan cutoff.

use crate::aws::Aws;
use crate::aws::athena::{self, QueryState};
use crate::aws::backoff::Backoff;
use crate::console::Report;
use crate::cost::PriceBook;
use crate::cost::prices::PriceKey;
use crate::cost::usage::{ATHENA_MIN_BYTES, MIB, TIB};
use crate::error::{Error, Exit, Result};
use crate::model::Pipeline;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// How the rows are printed when not `--json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Table,
    Csv,
}

/// What runs: a named query's name and SQL, or `ad hoc` and the SQL given.
#[derive(Debug, Clone)]
pub struct Sql {
    pub label: String,
    pub text: String,
}

/// The named query `name` of the model, or a usage error that lists the names there are.
pub fn named(pipeline: &Pipeline, name: &str) -> Result<Sql> {
    let queries = &pipeline.analytics.named_queries;
    match queries.iter().find(|q| q.name == name) {
        Some(q) => Ok(Sql {
            label: q.name.clone(),
            text: q.sql.clone(),
        }),
        None => Err(Error::Usage(format!(
            "no named query {name:?}; the pipeline has {} (or give --sql \"...\")",
            queries
                .iter()
                .map(|q| q.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

pub fn ad_hoc(sql: &str) -> Sql {
    Sql {
        label: "ad hoc".to_owned(),
        text: sql.to_owned(),
    }
}

/// Starts the query; its execution id.
pub async fn start(aws: &Aws, pipeline: &Pipeline, sql: &Sql) -> Result<String> {
    let a = &pipeline.analytics;
    tracing::info!(workgroup = %a.workgroup, query = %sql.label, "athena:StartQueryExecution");
    Ok(athena::start(aws, &a.workgroup, &a.database, &sql.text).await?)
}

/// Polls until the query ends, telling `progress` each state; then reads its rows.
pub async fn finish(
    aws: &Aws,
    sql: &Sql,
    id: &str,
    mut progress: impl FnMut(&QueryState),
) -> Result<QueryReport> {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
    let state = loop {
        let state = athena::state(aws, id).await?;
        progress(&state);
        if state.ended() {
            break state;
        }
        backoff.pause().await;
    };
    let (columns, rows) = if state.state == "SUCCEEDED" {
        athena::results(aws, id).await?
    } else {
        (Vec::new(), Vec::new())
    };
    let billed = billed_bytes(state.bytes_scanned);
    let records = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .zip(r)
                .map(|(c, v)| (c.clone(), serde_json::Value::from(v.as_str())))
                .collect()
        })
        .collect();
    Ok(QueryReport {
        query: sql.label.clone(),
        query_execution_id: id.to_owned(),
        region: aws.region.clone(),
        state: state.state,
        reason: state.reason,
        columns,
        records,
        rows,
        bytes_scanned: state.bytes_scanned,
        bytes_billed: billed,
        cost_usd: cost_usd(&aws.region, billed),
        format: Format::Table,
    })
}

/// Stops the query after Ctrl-C; Athena bills what it scanned until then.
pub async fn stop(aws: &Aws, id: &str) -> Result<()> {
    tracing::info!(query = %id, "athena:StopQueryExecution");
    Ok(athena::stop(aws, id).await?)
}

/// Athena bills at least 10 MB a query, rounded up to the MB; a query that scanned nothing
/// (failed before reading, or DDL) costs nothing.
pub fn billed_bytes(scanned: u64) -> u64 {
    if scanned == 0 {
        return 0;
    }
    let mb = (scanned as f64 / MIB).ceil() * MIB;
    mb.max(ATHENA_MIN_BYTES) as u64
}

/// The region's bundled Athena price; None for a region this build has no prices for.
fn cost_usd(region: &str, billed: u64) -> Option<f64> {
    let book = PriceBook::load().ok()?;
    let price = book.region(region).ok()?.get(PriceKey::AthenaScanned)?;
    Some(billed as f64 / TIB * price.unit_price(price.usd))
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryReport {
    pub query: String,
    pub query_execution_id: String,
    pub region: String,
    pub state: String,
    pub reason: Option<String>,
    pub columns: Vec<String>,
    /// `--json`: each row an object keyed by column, in the columns' order.
    #[serde(rename = "rows")]
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip)]
    pub rows: Vec<Vec<String>>,
    pub bytes_scanned: u64,
    pub bytes_billed: u64,
    pub cost_usd: Option<f64>,
    #[serde(skip)]
    pub format: Format,
}

fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

impl QueryReport {
    fn summary(&self) -> String {
        let cost = self
            .cost_usd
            .map(|c| format!(", ${c:.6}"))
            .unwrap_or_else(|| ", no bundled price for this region".to_owned());
        format!(
            "{} rows; {} bytes scanned ({} billed){cost}",
            self.rows.len(),
            self.bytes_scanned,
            self.bytes_billed
        )
    }
}

impl fmt::Display for QueryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.state != "SUCCEEDED" {
            let reason = self.reason.as_deref().unwrap_or("no reason given");
            writeln!(
                f,
                "Query {} {}: {reason}",
                self.query_execution_id, self.state
            )?;
            return writeln!(f, "{}", self.summary());
        }
        match self.format {
            Format::Csv => {
                let line = |cells: &[String]| -> String {
                    cells
                        .iter()
                        .map(|c| csv_field(c))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                writeln!(f, "{}", line(&self.columns))?;
                for r in &self.rows {
                    writeln!(f, "{}", line(r))?;
                }
                Ok(())
            }
            Format::Table => {
                let mut widths: Vec<usize> =
                    self.columns.iter().map(|c| c.chars().count()).collect();
                for r in &self.rows {
                    for (i, cell) in r.iter().enumerate() {
                        if let Some(w) = widths.get_mut(i) {
                            *w = (*w).max(cell.chars().count());
                        }
                    }
                }
                let line = |cells: &[String]| -> String {
                    cells
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| format!("{c:<w$}"))
                        .collect::<Vec<_>>()
                        .join("  ")
                        .trim_end()
                        .to_owned()
                };
                writeln!(f, "{}", line(&self.columns))?;
                let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                writeln!(f, "{}", line(&rule))?;
                for r in &self.rows {
                    writeln!(f, "{}", line(r))?;
                }
                writeln!(f)?;
                writeln!(f, "{} ({})", self.summary(), self.query)
            }
        }
    }
}

impl Report for QueryReport {
    fn what(&self) -> &'static str {
        "query"
    }

    fn exit(&self) -> Exit {
        Exit::from_ok(self.state == "SUCCEEDED")
    }

    fn text_on_err(&self) -> bool {
        self.state != "SUCCEEDED"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_scan_is_billed_as_ten_megabytes() {
        assert_eq!(billed_bytes(1), 10 * 1_048_576);
    }

    #[test]
    fn a_scan_is_billed_by_the_megabyte_rounded_up() {
        assert_eq!(billed_bytes(20 * 1_048_576 + 1), 21 * 1_048_576);
    }

    #[test]
    fn a_query_that_scanned_nothing_costs_nothing() {
        assert_eq!(billed_bytes(0), 0);
    }

    #[test]
    fn csv_quotes_fields_with_commas_and_doubles_quotes() {
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
