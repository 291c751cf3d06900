//! One query across regions, the real binary against moto: rollout deploys the aggregation
//! region first, `apply` elsewhere refuses while the central bucket is missing, and `query
//! --aggregated` runs in the central workgroup. moto stores replication configurations but
//! never replicates an object, and its CloudFormation drops a bucket's
//! `ReplicationConfiguration`: the test reads it from the deployed template and puts the
//! objects into the central bucket itself.

mod common;
use common::moto::Moto;
use serde_json::json;

/// us-east-1 listed first, so only the aggregation order puts eu-west-1 first.
const CONFIG: &str = "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1, eu-west-1]\naggregation:\n  region: eu-west-1\nnotifications:\n  emails: [ops@example.com]\n";
const CENTRAL: &str = "infra-monitoring-prod-agg-123456789012-eu-west-1";

#[test]
fn rollout_deploys_the_aggregation_region_first_and_replicates_to_its_central_bucket() {
    let moto = Moto::start();
    let file = common::config_file(CONFIG);
    let path = file.path().to_str().expect("utf-8 path");
    let (code, out, err) = moto.infrapipe(&["rollout", "-c", path, "--yes", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let order: Vec<&str> = doc["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .filter_map(|r| r["region"].as_str())
        .collect();
    assert_eq!(order, ["eu-west-1", "us-east-1"], "{out}");
    let seen = moto.boto3(
        &format!(
            "import boto3, json\n\
             boto3.client('s3', region_name='eu-west-1').head_bucket(Bucket='{CENTRAL}')\n\
             print('central bucket exists')\n\
             body = boto3.client('cloudformation', region_name='us-east-1').get_template(StackName='infra-monitoring-prod')['TemplateBody']\n\
             body = body if isinstance(body, dict) else json.loads(body)\n\
             rule = body['Resources']['RawMetricsBucket']['Properties']['ReplicationConfiguration']['Rules'][0]\n\
             print(rule['Filter']['Prefix'], rule['DeleteMarkerReplication']['Status'], rule['Destination']['Bucket']['Fn::Sub'])\n"
        ),
        &[],
    );
    assert!(seen.contains("central bucket exists"), "{seen}");
    assert!(
        seen.contains(
            "year= Disabled arn:${AWS::Partition}:s3:::infra-monitoring-prod-agg-${AWS::AccountId}-eu-west-1"
        ),
        "{seen}"
    );
}

#[test]
fn apply_in_another_region_before_the_central_bucket_exists_refuses_and_says_what_to_do() {
    let moto = Moto::start();
    let file = common::config_file(CONFIG);
    let path = file.path().to_str().expect("utf-8 path");
    let (code, out, err) = moto.infrapipe(&["apply", "-c", path, "--region", "us-east-1", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(&format!("central bucket {CENTRAL}"))
            && err.contains("infrapipe apply --region eu-west-1"),
        "{err}"
    );
    let stacks = moto.boto3(
        "import boto3\nprint(len(boto3.client('cloudformation', region_name='us-east-1').list_stacks()['StackSummaries']))",
        &[],
    );
    assert_eq!(stacks.trim(), "0", "no stack was started");
}

#[test]
fn query_aggregated_runs_the_seed_query_over_the_central_table_in_the_central_workgroup() {
    let moto = Moto::start();
    let file = common::config_file(CONFIG);
    let path = file.path().to_str().expect("utf-8 path");
    let (code, out, err) = moto.infrapipe(&["rollout", "-c", path, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    // What replication would have copied from both regions (moto copies nothing), and the
    // workgroup moto's CloudFormation skips.
    moto.boto3(
        &format!(
            "import boto3\n\
             s3 = boto3.client('s3', region_name='eu-west-1')\n\
             for r in ['us-east-1', 'eu-west-1']:\n\
             \x20 s3.put_object(Bucket='{CENTRAL}', Key=f'year=2026/month=02/day=14/hour=03/123456789012-{{r}}-cpu-metrics-20260214T030000Z.json', Body=b'{{}}')\n\
             boto3.client('athena', region_name='eu-west-1').create_work_group(Name='infra-monitoring-prod-all-regions', Configuration={{'ResultConfiguration': {{'OutputLocation': 's3://results/'}}}})\n"
        ),
        &[],
    );
    let body = json!({
        "account_id": "123456789012",
        "region": "eu-west-1",
        "results": [{
            "rows": [
                { "Data": [{ "VarCharValue": "instance_id" }, { "VarCharValue": "avg_cpu" }] },
                { "Data": [{ "VarCharValue": "i-0000000000000001" }, { "VarCharValue": "41.5" }] },
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
    let (code, out, err) = moto.infrapipe(&[
        "query",
        "average-cpu-by-instance",
        "--aggregated",
        "-c",
        path,
        "--json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("in workgroup infra-monitoring-prod-all-regions"),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["region"], "eu-west-1");
    assert_eq!(doc["query"], "average-cpu-by-instance (all regions)");
    let sql = moto.boto3(
        "import boto3\na = boto3.client('athena', region_name='eu-west-1')\nids = a.list_query_executions(WorkGroup='infra-monitoring-prod-all-regions')['QueryExecutionIds']\nprint(a.get_query_execution(QueryExecutionId=ids[0])['QueryExecution']['Query'])",
        &[],
    );
    assert!(sql.contains("FROM infra_metrics_all_regions"), "{sql}");
}
