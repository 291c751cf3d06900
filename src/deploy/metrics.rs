//! `infrapipe metrics`: the seed's DynamoDB access patterns (2.4.2) on the hot path. The latest
//! value per instance and type (the newest run of each type, through `MetricTypeIndex`), one
//! instance over a time range (the table's key), one metric type over a time range (the index).
//! Names of the table, index and attributes come from the model.

use crate::aws::Aws;
use crate::aws::dynamodb::{self, KeyValue, Query};
use crate::config::MetricType;
use crate::console::Report;
use crate::error::Result;
use crate::model::Pipeline;
use crate::model::contract::field;
use aws_smithy_types::date_time::{DateTime, Format};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Which access pattern, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Latest value per instance, for each of these metric types.
    Latest(Vec<MetricType>),
    /// One instance, epoch seconds from..=to, optionally one type.
    Instance {
        id: String,
        from: i64,
        to: i64,
        metric: Option<MetricType>,
    },
    /// One metric type, epoch seconds from..=to.
    Type {
        metric: MetricType,
        from: i64,
        to: i64,
    },
}

/// Epoch seconds from `2026-11-30T00:00:00Z` or from a number of seconds.
pub fn parse_time(s: &str) -> std::result::Result<i64, String> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    DateTime::from_str(s, Format::DateTime)
        .map(|t| t.secs())
        .map_err(|_| {
            format!("{s:?} is not a time: give RFC 3339 (2026-11-30T00:00:00Z) or epoch seconds")
        })
}

/// Runs the pattern, at most `limit` items (page after page).
pub async fn read(
    aws: &Aws,
    pipeline: &Pipeline,
    pattern: &Pattern,
    limit: usize,
) -> Result<MetricsReport> {
    let t = &pipeline.table;
    let mut rows = Vec::new();
    let mut truncated = false;
    let names = vec![("#k", t.gsi_partition_key), ("#t", t.gsi_sort_key)];
    match pattern {
        Pattern::Latest(metrics) => {
            for m in metrics {
                let q = Query {
                    table: &t.name,
                    index: Some(t.gsi_name),
                    key_condition: "#k = :k",
                    names: vec![("#k", t.gsi_partition_key)],
                    values: vec![(":k", KeyValue::S(m.as_str().to_owned()))],
                    newest_first: true,
                    limit,
                };
                let (items, more) = dynamodb::query(aws, &q).await?;
                // The newest run's items: one per instance that run collected.
                let newest = items.first().and_then(|i| i.get(t.gsi_sort_key)).cloned();
                let latest: Vec<_> = items
                    .into_iter()
                    .take_while(|i| i.get(t.gsi_sort_key) == newest.as_ref())
                    .collect();
                truncated |= more && latest.len() == limit;
                rows.extend(latest.iter().map(|i| row(i, t.gsi_sort_key)));
            }
        }
        Pattern::Instance {
            id,
            from,
            to,
            metric,
        } => {
            // The sort key is "<epoch>#<type>": "~" sorts after every type name.
            let q = Query {
                table: &t.name,
                index: None,
                key_condition: "#p = :p AND #s BETWEEN :from AND :to",
                names: vec![("#p", t.partition_key), ("#s", t.sort_key)],
                values: vec![
                    (":p", KeyValue::S(id.clone())),
                    (":from", KeyValue::S(format!("{from}#"))),
                    (":to", KeyValue::S(format!("{to}#~"))),
                ],
                newest_first: false,
                limit,
            };
            let (items, more) = dynamodb::query(aws, &q).await?;
            truncated = more;
            rows.extend(
                items
                    .iter()
                    .filter(|i| {
                        metric.is_none_or(|m| {
                            i.get(field::METRIC_TYPE).map(String::as_str) == Some(m.as_str())
                        })
                    })
                    .map(|i| row(i, t.gsi_sort_key)),
            );
        }
        Pattern::Type { metric, from, to } => {
            let q = Query {
                table: &t.name,
                index: Some(t.gsi_name),
                key_condition: "#k = :k AND #t BETWEEN :from AND :to",
                names,
                values: vec![
                    (":k", KeyValue::S(metric.as_str().to_owned())),
                    (":from", KeyValue::N(from.to_string())),
                    (":to", KeyValue::N(to.to_string())),
                ],
                newest_first: false,
                limit,
            };
            let (items, more) = dynamodb::query(aws, &q).await?;
            truncated = more;
            rows.extend(items.iter().map(|i| row(i, t.gsi_sort_key)));
        }
    }
    Ok(MetricsReport {
        pattern: match pattern {
            Pattern::Latest(_) => "latest",
            Pattern::Instance { .. } => "instance",
            Pattern::Type { .. } => "type",
        },
        table: t.name.clone(),
        region: aws.region.clone(),
        rows,
        truncated,
    })
}

fn row(item: &BTreeMap<String, String>, timestamp_attribute: &str) -> MetricRow {
    let get = |k: &str| item.get(k).cloned().unwrap_or_default();
    let epoch = get(timestamp_attribute).parse::<i64>().unwrap_or(0);
    MetricRow {
        instance_id: get(field::INSTANCE_ID),
        metric_type: get(field::METRIC_TYPE),
        time: DateTime::from_secs(epoch)
            .fmt(Format::DateTime)
            .unwrap_or_default(),
        value: get(field::VALUE).parse().unwrap_or(f64::NAN),
        unit: get(field::UNIT),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub instance_id: String,
    pub metric_type: String,
    pub time: String,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricsReport {
    pub pattern: &'static str,
    pub table: String,
    pub region: String,
    pub rows: Vec<MetricRow>,
    /// More items matched than `--limit` allowed.
    pub truncated: bool,
}

impl fmt::Display for MetricsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rows.is_empty() {
            return writeln!(
                f,
                "No metrics in {} ({}) for this {} query.",
                self.table, self.region, self.pattern
            );
        }
        writeln!(
            f,
            "{:<20}  {:<8}  {:<20}  {:>16}  unit",
            "instance", "type", "time", "value"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<20}  {:<8}  {:<20}  {:>16}  {}",
                r.instance_id, r.metric_type, r.time, r.value, r.unit
            )?;
        }
        writeln!(f)?;
        let more = if self.truncated {
            " (more matched: raise --limit)"
        } else {
            ""
        };
        writeln!(
            f,
            "{} rows from {} ({}){more}",
            self.rows.len(),
            self.table,
            self.region
        )
    }
}

impl Report for MetricsReport {
    fn what(&self) -> &'static str {
        "metrics"
    }

    fn exit(&self) -> crate::error::Exit {
        crate::error::Exit::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_is_read_as_rfc_3339_or_epoch_seconds() {
        assert_eq!(parse_time("2026-11-25T17:50:08Z"), Ok(1_795_629_008));
        assert_eq!(parse_time("1795629008"), Ok(1_795_629_008));
    }

    #[test]
    fn a_time_that_is_neither_is_refused_with_the_forms_it_takes() {
        assert!(parse_time("yesterday").unwrap_err().contains("RFC 3339"));
    }
}
