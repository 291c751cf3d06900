//! Compaction of the raw JSON to Parquet, and what queries read: the Parquet table, the view
//! over both tables, the daily state machine that runs `sql/compact-day.sql` through Athena, its
//! schedule and its alarm. The SQL lives in `sql/` and is included here, so the template and the
//! SQL tests (`lambdas/tests/test_sql.py`, which read the rendered template) see the same text.

use super::names::{Names, Sub};
use serde::Serialize;
use serde_json::{Value, json};

/// The seed's first named query (3.1), over the view.
pub const AVERAGE_CPU_SQL: &str = include_str!("../../sql/average-cpu-by-instance.sql");
/// The seed's second named query (3.1), over the view, with `from_iso8601_timestamp`.
pub const PEAK_MEMORY_SQL: &str = include_str!("../../sql/peak-memory-trend.sql");
/// One day of raw JSON into the Parquet table; `?` are the year, month and day.
pub const COMPACT_DAY_SQL: &str = include_str!("../../sql/compact-day.sql");
/// The view: Parquet for every day before yesterday, the raw JSON for yesterday and today.
pub const VIEW_SQL: &str = include_str!("../../sql/metrics-view.sql");

/// Where the Parquet objects live in the raw bucket; the raw JSON lives under `year=`.
pub const COMPACTED_PREFIX: &str = "compacted/";
pub const RAW_JSON_PREFIX: &str = "year=";

/// Each state machine state's name, for tests and for `run --compaction`'s report.
pub const MAP_STATE: &str = "CompactEachDay";
pub const INSERT_STATE: &str = "InsertDay";

/// The table names `sql/` spells as placeholders, filled in.
pub fn fill(sql: &str, names: &Names) -> String {
    sql.replace("{raw}", &names.glue_table)
        .replace("{parquet}", &names.parquet_table)
        .replace("{metrics}", &names.metrics_view)
        .trim_end()
        .to_owned()
}

#[derive(Debug, Clone, Serialize)]
pub struct Compaction {
    pub state_machine_logical_id: &'static str,
    pub state_machine: String,
    pub role_logical_id: &'static str,
    pub schedule_logical_id: &'static str,
    pub schedule: String,
    /// `cron(...)`: once a day at the configured hour (UTC).
    pub schedule_expression: String,
    pub schedule_role_logical_id: &'static str,
    pub dead_letter_queue: &'static str,
    pub parquet_table_logical_id: &'static str,
    pub parquet_table: String,
    pub view_logical_id: &'static str,
    pub view: String,
    /// The view's SELECT, tables filled in.
    pub view_sql: String,
    /// The `INSERT INTO` one day runs, tables filled in.
    pub statement: String,
    /// Amazon States Language; the raw bucket's name is left for `Fn::Sub`.
    pub definition: Value,
    /// Days the raw JSON is kept (the lifecycle rule on `year=`).
    pub raw_json_days: u32,
}

/// Step Functions' Athena integration waits for the query (`.sync`); throttling is retried, a
/// failed query is not (the day is re-run whole, its Parquet deleted first).
pub fn definition(names: &Names, statement: &str) -> Value {
    let bucket = &names.raw_bucket.0;
    let s3 = |api: &str| format!("arn:${{AWS::Partition}}:states:::aws-sdk:s3:{api}");
    let throttled = json!([{
        "ErrorEquals": ["S3.SdkClientException", "S3.S3Exception", "Athena.TooManyRequestsException"],
        "IntervalSeconds": 5,
        "MaxAttempts": 3,
        "BackoffRate": 2.0,
        "JitterStrategy": "FULL"
    }]);
    let day_states = json!({
        "NameDay": {
            "Type": "Pass",
            "Assign": {
                "year": "{% $substring($states.input, 0, 4) %}",
                "month": "{% $substring($states.input, 5, 2) %}",
                "day": "{% $substring($states.input, 8, 2) %}"
            },
            "Next": "ListDay"
        },
        // INSERT INTO appends: the day's Parquet goes first, so a re-run replaces it.
        "ListDay": {
            "Type": "Task",
            "Resource": s3("listObjectsV2"),
            "Arguments": {
                "Bucket": bucket,
                "Prefix": format!("{{% '{COMPACTED_PREFIX}year=' & $year & '/month=' & $month & '/day=' & $day & '/' %}}")
            },
            "Retry": throttled,
            "Next": "AnyLeft"
        },
        "AnyLeft": {
            "Type": "Choice",
            "Choices": [{ "Condition": "{% $states.input.KeyCount > 0 %}", "Next": "DeleteDay" }],
            "Default": INSERT_STATE
        },
        "DeleteDay": {
            "Type": "Task",
            "Resource": s3("deleteObjects"),
            "Arguments": {
                "Bucket": bucket,
                "Delete": {
                    "Objects": "{% [$states.input.Contents.{'Key': Key}] %}",
                    "Quiet": true
                }
            },
            "Retry": throttled,
            "Next": "DeletedAll"
        },
        // An object that cannot be deleted would be listed again for ever: stop instead.
        "DeletedAll": {
            "Type": "Choice",
            "Choices": [{ "Condition": "{% $count($states.input.Errors) > 0 %}", "Next": "DeleteFailed" }],
            "Default": "ListDay"
        },
        "DeleteFailed": {
            "Type": "Fail",
            "Error": "CompactionDeleteFailed",
            "Cause": "some of the day's Parquet objects could not be deleted, so its INSERT INTO would duplicate rows"
        },
        INSERT_STATE: {
            "Type": "Task",
            "Resource": "arn:${AWS::Partition}:states:::athena:startQueryExecution.sync",
            "Arguments": {
                "QueryString": statement,
                "QueryExecutionContext": { "Database": names.glue_database },
                "WorkGroup": names.workgroup,
                "ExecutionParameters": "{% [\"'\" & $year & \"'\", \"'\" & $month & \"'\", \"'\" & $day & \"'\"] %}"
            },
            "Retry": [{
                "ErrorEquals": ["Athena.TooManyRequestsException"],
                "IntervalSeconds": 10,
                "MaxAttempts": 3,
                "BackoffRate": 2.0,
                "JitterStrategy": "FULL"
            }],
            "Output": "{% {'day': $year & '-' & $month & '-' & $day, 'query_execution_id': $states.result.QueryExecution.QueryExecutionId, 'bytes_scanned': $states.result.QueryExecution.Statistics.DataScannedInBytes} %}",
            "End": true
        }
    });
    json!({
        "Comment": "Compaction: each day's raw JSON rewritten as Parquet through Athena, replacing that day's Parquet",
        "QueryLanguage": "JSONata",
        "StartAt": "ChooseDays",
        "States": {
            // `{"days": [...]}` from `infrapipe run --compaction`; else the day before the
            // scheduled time (the schedule's input), or before the start.
            "ChooseDays": {
                "Type": "Pass",
                "Output": {
                    "days": "{% $exists($states.input.days) ? $states.input.days : [$fromMillis($toMillis($exists($states.input.scheduled_time) ? $states.input.scheduled_time : $states.context.Execution.StartTime) - 86400000, '[Y0001]-[M01]-[D01]')] %}"
                },
                "Next": MAP_STATE
            },
            // One day at a time: one INSERT writes one partition, far below Athena's 100.
            MAP_STATE: {
                "Type": "Map",
                "Items": "{% $states.input.days %}",
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": { "Mode": "INLINE" },
                    "StartAt": "NameDay",
                    "States": day_states
                },
                "End": true
            }
        }
    })
}

/// The day-of columns of a Presto view's definition, in Presto's types.
fn presto_type(hive: &str) -> String {
    match hive {
        "string" => "varchar".to_owned(),
        "double" => "double".to_owned(),
        other => match other
            .strip_prefix("struct<")
            .and_then(|s| s.strip_suffix('>'))
        {
            Some(fields) => {
                let fields: Vec<String> = fields
                    .split(',')
                    .map(|f| {
                        let (name, ty) = f.split_once(':').unwrap_or((f, "string"));
                        format!("{name} {}", presto_type(ty))
                    })
                    .collect();
                format!("row({})", fields.join(","))
            }
            None => other.to_owned(),
        },
    }
}

/// Athena's form of a view in the Glue catalog: `/* Presto View: <base64 of JSON> */`, the JSON
/// holding the SQL, the catalog and database it resolves names in, and its columns.
pub fn presto_view_text(sql: &str, database: &str, columns: &[(&str, &str)]) -> String {
    let columns: Vec<Value> = columns
        .iter()
        .map(|(name, hive)| json!({ "name": name, "type": presto_type(hive) }))
        .collect();
    let view = json!({
        "originalSql": sql,
        "catalog": "awsdatacatalog",
        "schema": database,
        "columns": columns,
    });
    format!(
        "/* Presto View: {} */",
        base64(crate::cfn::canonical(&view).to_string().as_bytes())
    )
}

/// Standard base64 with padding (RFC 4648): the view's text must be known at synth time, so
/// that plan and drift compare literals.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `cron(15 H * * ? *)`: a quarter past the hour, so the last run of the day before has
/// written its objects.
pub fn daily_at(hour_utc: u32) -> String {
    format!("cron(15 {hour_utc} * * ? *)")
}

/// The raw bucket's objects of one kind, for lifecycle rules.
pub fn compacted_objects_arn(names: &Names) -> Sub {
    Names::objects_arn(&names.raw_bucket, &format!("{COMPACTED_PREFIX}*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn a_struct_column_becomes_a_presto_row() {
        assert_eq!(
            presto_type("struct<collection_method:string,pipeline_version:string>"),
            "row(collection_method varchar,pipeline_version varchar)"
        );
    }
}
