//! Compaction in the rendered template: the Parquet table, the view, the state machine that
//! deletes a day's Parquet before its INSERT INTO, its daily schedule, its alarm, and the
//! lifecycle that expires the raw JSON while the Parquet moves to Glacier.

mod common;
use common::*;
use serde_json::{Value, json};

fn props<'a>(t: &'a Value, id: &str) -> &'a Value {
    &resource(t, id)["Properties"]
}

fn definition(t: &Value) -> Value {
    let text = props(t, "CompactionStateMachine")["DefinitionString"]["Fn::Sub"]
        .as_str()
        .expect("definition string");
    serde_json::from_str(text).expect("definition is JSON")
}

fn day_states(t: &Value) -> Value {
    definition(t)["States"]["CompactEachDay"]["ItemProcessor"]["States"].clone()
}

#[test]
fn parquet_table_is_partitioned_by_day_with_projection_under_the_compacted_prefix() {
    let t = example();
    let input = &props(&t, "MetricsParquetTable")["TableInput"];
    let keys: Vec<&str> = input["PartitionKeys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["Name"].as_str())
        .collect();
    assert_eq!(keys, ["year", "month", "day"]);
    assert_eq!(input["Parameters"]["projection.enabled"], "true");
    assert_eq!(
        input["Parameters"]["storage.location.template"],
        json!({ "Fn::Sub": "s3://infra-monitoring-prod-raw-${AWS::AccountId}-${AWS::Region}/compacted/year=${!year}/month=${!month}/day=${!day}/" })
    );
    assert_eq!(
        input["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"],
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    );
}

#[test]
fn named_queries_read_the_view_over_parquet_and_json() {
    let t = example();
    for (id, q) in of_type(&t, "AWS::Athena::NamedQuery") {
        let sql = q["Properties"]["QueryString"].as_str().unwrap_or_default();
        assert!(sql.contains("FROM infra_metrics_all\n"), "{id}: {sql}");
    }
}

#[test]
fn the_view_is_an_athena_view_of_both_tables() {
    let t = example();
    let input = &props(&t, "MetricsView")["TableInput"];
    assert_eq!(input["TableType"], "VIRTUAL_VIEW");
    assert_eq!(input["Parameters"]["presto_view"], "true");
    let text = input["ViewOriginalText"].as_str().expect("view text");
    assert!(text.starts_with("/* Presto View: ") && text.ends_with(" */"));
}

#[test]
fn a_day_is_deleted_before_its_insert_so_a_rerun_replaces_it() {
    let t = example();
    let states = day_states(&t);
    assert_eq!(states["ListDay"]["Next"], "AnyLeft");
    assert_eq!(states["AnyLeft"]["Choices"][0]["Next"], "DeleteDay");
    assert_eq!(states["AnyLeft"]["Default"], "InsertDay");
    // Deleting loops back to the listing until nothing of the day is left.
    assert_eq!(states["DeletedAll"]["Default"], "ListDay");
}

#[test]
fn the_insert_runs_through_athenas_sync_integration_in_the_workgroup() {
    let t = example();
    let insert = &day_states(&t)["InsertDay"];
    assert_eq!(
        insert["Resource"],
        "arn:${AWS::Partition}:states:::athena:startQueryExecution.sync"
    );
    assert_eq!(insert["Arguments"]["WorkGroup"], "infra-monitoring-prod");
    let sql = insert["Arguments"]["QueryString"]
        .as_str()
        .unwrap_or_default();
    assert!(
        sql.starts_with("INSERT INTO infra_metrics_parquet\n"),
        "{sql}"
    );
}

#[test]
fn days_are_compacted_one_at_a_time() {
    let t = example();
    assert_eq!(
        definition(&t)["States"]["CompactEachDay"]["MaxConcurrency"],
        1
    );
}

#[test]
fn compaction_runs_daily_at_the_configured_hour() {
    let t = render(
        "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1]\nnotifications:\n  emails: [ops@example.com]\nanalytics:\n  compaction_hour_utc: 4\n",
    );
    let s = props(&t, "CompactionSchedule");
    assert_eq!(s["ScheduleExpression"], "cron(15 4 * * ? *)");
    assert_eq!(
        s["Target"]["Arn"],
        json!({ "Ref": "CompactionStateMachine" })
    );
}

#[test]
fn a_failed_compaction_alarms_on_the_topic() {
    let t = example();
    let a = props(&t, "CompactionFailedAlarm");
    assert_eq!(a["Namespace"], "AWS/States");
    assert_eq!(a["MetricName"], "ExecutionsFailed");
    assert_eq!(a["AlarmActions"], json!([{ "Ref": "AlertsTopic" }]));
}

fn raw_rules(t: &Value) -> Vec<Value> {
    props(t, "RawMetricsBucket")["LifecycleConfiguration"]["Rules"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn the_raw_json_expires_after_the_configured_days() {
    let t = render(
        "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1]\nnotifications:\n  emails: [ops@example.com]\nanalytics:\n  raw_json_days: 21\n",
    );
    let rule = raw_rules(&t)
        .into_iter()
        .find(|r| r["Id"] == "ExpireRawJson")
        .expect("raw JSON rule");
    assert_eq!(rule["Prefix"], "year=");
    assert_eq!(rule["ExpirationInDays"], 21);
}

#[test]
fn the_seeds_glacier_transition_applies_to_the_parquet() {
    let t = example();
    let rule = raw_rules(&t)
        .into_iter()
        .find(|r| r["Transitions"].is_array())
        .expect("a transition");
    assert_eq!(rule["Prefix"], "compacted/");
    assert_eq!(
        rule["Transitions"],
        json!([{ "StorageClass": "GLACIER", "TransitionInDays": 90 }])
    );
}

const OWN_QUERY: &str = "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1]\nnotifications:\n  emails: [ops@example.com]\nanalytics:\n  named_queries:\n    - name: daily-disk-peaks\n      sql: SELECT day, MAX(value) FROM infra_metrics_all GROUP BY day\n";

#[test]
fn a_named_query_of_the_config_is_deployed_beside_the_seeds() {
    let t = render(OWN_QUERY);
    let q = props(&t, "DailyDiskPeaksQuery");
    assert_eq!(q["Name"], "daily-disk-peaks");
    assert_eq!(q["WorkGroup"], json!({ "Ref": "AnalyticsWorkGroup" }));
    assert_eq!(of_type(&t, "AWS::Athena::NamedQuery").len(), 3);
}

#[test]
fn a_named_query_may_not_take_a_seed_querys_name() {
    let f = config_file(&OWN_QUERY.replace("daily-disk-peaks", "peak-memory-trend"));
    let path = f.path().display().to_string();
    let (code, _, err) = run(&["validate", "-c", &path]);
    assert_eq!(code, 1);
    assert!(
        err.contains("peak-memory-trend is one of the seed's queries"),
        "{err}"
    );
}
