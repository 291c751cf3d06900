//! `infrapipe query` and `infrapipe metrics`, the real binary against moto. Athena's rows are
//! canned through moto's API (moto runs no SQL: tests/../lambdas/tests/test_sql.py proves the
//! SQL); DynamoDB is moto's own, filled with items as the log processor writes them.

mod common;
use common::EXAMPLE;
use common::moto::Moto;
use serde_json::{Value, json};

/// The example's workgroup (moto's CloudFormation skips `AWS::Athena::WorkGroup`), and one
/// result queued for the next query moto's Athena runs.
fn canned(moto: &Moto) {
    moto.boto3(
        "import boto3\nboto3.client('athena').create_work_group(Name='infra-monitoring-prod', Configuration={'ResultConfiguration': {'OutputLocation': 's3://results/'}})\n",
        &[],
    );
    let body = json!({
        "account_id": "123456789012",
        "region": "us-east-1",
        "results": [{
            "rows": [
                { "Data": [{ "VarCharValue": "instance_id" }, { "VarCharValue": "avg_cpu" }] },
                { "Data": [{ "VarCharValue": "i-0000000000000001" }, { "VarCharValue": "41.5" }] },
                { "Data": [{ "VarCharValue": "i-0000000000000002" }, { "VarCharValue": "12,5" }] },
            ],
            "column_info": [
                { "CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": "instance_id", "Label": "instance_id", "Type": "varchar", "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": true },
                { "CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": "avg_cpu", "Label": "avg_cpu", "Type": "double", "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": false },
            ],
        }],
    });
    let reply = moto
        .request(
            "POST",
            "/moto-api/static/athena/query-results",
            &body.to_string(),
        )
        .expect("moto answers");
    assert!(reply.starts_with("HTTP/1.1 201"), "{reply}");
}

#[test]
fn a_named_query_prints_its_rows_as_a_table_with_bytes_scanned_and_cost() {
    let moto = Moto::start();
    canned(&moto);
    let (code, out, err) = moto.infrapipe(&["query", "average-cpu-by-instance", "-c", EXAMPLE]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("instance_id         avg_cpu\n"), "{out}");
    assert!(out.contains("i-0000000000000001  41.5\n"), "{out}");
    assert!(
        out.contains("2 rows; 0 bytes scanned (0 billed), $0.000000"),
        "{out}"
    );
    assert!(err.contains("in workgroup infra-monitoring-prod"), "{err}");
}

#[test]
fn query_json_gives_each_row_as_an_object_keyed_by_column() {
    let moto = Moto::start();
    canned(&moto);
    let (code, out, err) =
        moto.infrapipe(&["query", "average-cpu-by-instance", "-c", EXAMPLE, "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["state"], "SUCCEEDED");
    assert_eq!(
        doc["rows"][0],
        json!({ "instance_id": "i-0000000000000001", "avg_cpu": "41.5" })
    );
}

#[test]
fn query_csv_quotes_a_value_with_a_comma() {
    let moto = Moto::start();
    canned(&moto);
    let (code, out, err) = moto.infrapipe(&[
        "query", "--sql", "SELECT 1", "-c", EXAMPLE, "--format", "csv",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "instance_id,avg_cpu\ni-0000000000000001,41.5\ni-0000000000000002,\"12,5\"\n"
    );
}

#[test]
fn an_unknown_named_query_is_refused_with_the_names_there_are() {
    let moto = Moto::start();
    let (code, _, err) = moto.infrapipe(&["query", "nope", "-c", EXAMPLE]);
    assert_eq!(code, 1);
    assert!(
        err.contains("average-cpu-by-instance, peak-memory-trend"),
        "{err}"
    );
}

/// The example's table with items as the log processor writes them: three instances, cpu and
/// memory, two runs three hours apart (epochs 1795629600 and 1795640400).
fn table_with_items(moto: &Moto) {
    moto.boto3(
        r#"
import boto3
ddb = boto3.client("dynamodb")
ddb.create_table(
    TableName="infra-monitoring-prod-metrics",
    BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[
        {"AttributeName": "instance_id", "AttributeType": "S"},
        {"AttributeName": "metric_key", "AttributeType": "S"},
        {"AttributeName": "metric_type", "AttributeType": "S"},
        {"AttributeName": "timestamp", "AttributeType": "N"},
    ],
    KeySchema=[{"AttributeName": "instance_id", "KeyType": "HASH"}, {"AttributeName": "metric_key", "KeyType": "RANGE"}],
    GlobalSecondaryIndexes=[{
        "IndexName": "MetricTypeIndex",
        "KeySchema": [{"AttributeName": "metric_type", "KeyType": "HASH"}, {"AttributeName": "timestamp", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"},
    }],
)
for epoch in (1795629600, 1795640400):
    for n in (1, 2, 3):
        for metric, unit in (("cpu", "percent"), ("memory", "percent")):
            ddb.put_item(TableName="infra-monitoring-prod-metrics", Item={
                "instance_id": {"S": f"i-000000000000000{n}"},
                "metric_key": {"S": f"{epoch}#{metric}"},
                "timestamp": {"N": str(epoch)},
                "metric_type": {"S": metric},
                "value": {"N": str(n * 10 + (epoch % 7))},
                "unit": {"S": unit},
            })
"#,
        &[],
    );
}

fn metrics_json(moto: &Moto, extra: &[&str]) -> Value {
    let mut args = vec!["metrics", "-c", EXAMPLE, "--json"];
    args.extend_from_slice(extra);
    let (code, out, err) = moto.infrapipe(&args);
    assert_eq!(code, 0, "{out}{err}");
    serde_json::from_str(&out).expect("one JSON document")
}

#[test]
fn latest_gives_each_instance_and_type_its_newest_value() {
    let moto = Moto::start();
    table_with_items(&moto);
    let doc = metrics_json(&moto, &[]);
    let rows = doc["rows"].as_array().expect("rows");
    // Three instances, cpu and memory (disk and network have no items), all of the later run.
    assert_eq!(rows.len(), 6, "{doc}");
    assert!(
        rows.iter().all(|r| r["time"] == "2026-11-25T21:00:00Z"),
        "{doc}"
    );
}

#[test]
fn one_instance_over_a_range_reads_only_that_instance_in_time_order() {
    let moto = Moto::start();
    table_with_items(&moto);
    let doc = metrics_json(
        &moto,
        &[
            "--instance",
            "i-0000000000000002",
            "--from",
            "2026-11-25T00:00:00Z",
            "--to",
            "2026-11-26T00:00:00Z",
        ],
    );
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 4, "{doc}");
    assert!(
        rows.iter()
            .all(|r| r["instance_id"] == "i-0000000000000002")
    );
    assert_eq!(rows[0]["time"], "2026-11-25T18:00:00Z");
}

#[test]
fn one_type_over_a_range_reads_through_the_index() {
    let moto = Moto::start();
    table_with_items(&moto);
    let doc = metrics_json(
        &moto,
        &[
            "--type",
            "memory",
            "--from",
            "1795629600",
            "--to",
            "1795629600",
        ],
    );
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{doc}");
    assert!(rows.iter().all(|r| r["metric_type"] == "memory"));
}

#[test]
fn a_limit_smaller_than_the_matches_says_more_were_left() {
    let moto = Moto::start();
    table_with_items(&moto);
    let doc = metrics_json(
        &moto,
        &[
            "--type",
            "cpu",
            "--from",
            "0",
            "--to",
            "1895629600",
            "--limit",
            "2",
        ],
    );
    assert_eq!(doc["rows"].as_array().map(Vec::len), Some(2));
    assert_eq!(doc["truncated"], true);
}

#[test]
fn metrics_prints_a_table_for_people() {
    let moto = Moto::start();
    table_with_items(&moto);
    let (code, out, err) = moto.infrapipe(&[
        "metrics",
        "-c",
        EXAMPLE,
        "--type",
        "cpu",
        "--from",
        "1795629600",
        "--to",
        "1795629600",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("3 rows from infra-monitoring-prod-metrics (us-east-1)"),
        "{out}"
    );
}
