//! The least-privilege rules (docs/architecture.md, "The rules the template is held to"), proved on
//! rendered templates: the default example and a config that turns on every optional edge.

mod common;
use common::*;
use infrapipe::model::iam::LOG_DELIVERY_ACTIONS;
use serde_json::{Value, json};

const FULL: &str = "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1]\nnotifications:\n  emails: [ops@example.com]\ncollectors:\n  mode: cloudwatch\n  instance_tags: {Team: sre}\nanalytics:\n  query_principals: ['arn:aws:iam::123456789012:role/Analysts']\n";

/// FULL with the stack's own KMS key: every role that touches encrypted data gets key statements.
fn full_with_key() -> String {
    format!("{FULL}security:\n  kms: create\n  access_logs: true\n")
}

fn templates() -> Vec<Value> {
    vec![
        example(),
        render(FULL),
        render(&full_with_key()),
        // The Chatbot role: its inline actions (none: an AWS managed read-only policy) are
        // checked like every role's.
        render(&format!("{MINIMAL}{CHAT_CHANNELS}")),
    ]
}

fn statements(role: &Value) -> Vec<Value> {
    role["Properties"]["Policies"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| {
            p["PolicyDocument"]["Statement"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

#[test]
fn no_statement_allows_a_wildcard_action() {
    for t in templates() {
        for (id, role) in of_type(&t, "AWS::IAM::Role") {
            for s in statements(role) {
                for a in as_list(&s["Action"]) {
                    let a = a.as_str().unwrap_or_default();
                    assert!(!a.contains('*'), "{id} allows wildcard action {a}");
                }
            }
        }
    }
}

#[test]
fn resource_star_only_for_unscoped_actions_and_with_a_condition_where_one_exists() {
    for t in templates() {
        for (id, role) in of_type(&t, "AWS::IAM::Role") {
            for s in statements(role) {
                if s["Resource"] != json!("*") {
                    continue;
                }
                let actions: Vec<String> = as_list(&s["Action"])
                    .iter()
                    .map(|a| a.as_str().unwrap_or_default().to_owned())
                    .collect();
                let log_delivery = actions
                    .iter()
                    .all(|a| LOG_DELIVERY_ACTIONS.contains(&a.as_str()));
                assert!(
                    log_delivery || s["Condition"].is_object(),
                    "{id}: Resource \"*\" without a condition for {actions:?}"
                );
            }
        }
    }
}

#[test]
fn put_metric_data_is_bound_to_the_namespace() {
    for t in templates() {
        for (id, role) in of_type(&t, "AWS::IAM::Role") {
            for s in statements(role) {
                if as_list(&s["Action"]).contains(&json!("cloudwatch:PutMetricData")) {
                    assert_eq!(
                        s["Condition"]["StringEquals"]["cloudwatch:namespace"], "InfraMonitoring",
                        "{id}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_service_trust_policy_names_its_service_and_pins_the_source_account() {
    for t in templates() {
        for (id, role) in of_type(&t, "AWS::IAM::Role") {
            for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
                .as_array()
                .expect("trust statements")
            {
                if let Some(service) = s["Principal"]["Service"].as_str() {
                    assert!(service.ends_with(".amazonaws.com"), "{id}: {service}");
                    assert_eq!(
                        s["Condition"]["StringEquals"]["aws:SourceAccount"],
                        json!({ "Ref": "AWS::AccountId" }),
                        "{id}"
                    );
                } else {
                    // Roles people assume trust exactly the principals the config names.
                    assert_eq!(
                        s["Principal"]["AWS"],
                        json!(["arn:aws:iam::123456789012:role/Analysts"]),
                        "{id}"
                    );
                }
            }
        }
    }
}

#[test]
fn each_actor_has_its_own_role() {
    let t = render(FULL);
    let mut roles: Vec<&String> = of_type(&t, "AWS::IAM::Role")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            "AnalyticsQueryRole",
            "CollectorRole",
            "CompactionRole",
            "LogProcessorRole",
            "SchedulerRole",
            "StateMachineRole"
        ]
    );
}

#[test]
fn scheduler_may_start_only_its_state_machine() {
    let t = example();
    let s = statements(resource(&t, "SchedulerRole"));
    let start = s
        .iter()
        .find(|s| as_list(&s["Action"]) == [json!("states:StartExecution")])
        .expect("StartExecution statement");
    assert_eq!(
        start["Resource"],
        json!([{ "Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:infra-monitoring-prod-collection" }])
    );
}

#[test]
fn collector_may_put_objects_only_under_the_partition_prefix() {
    let t = example();
    let s = statements(resource(&t, "CollectorRole"));
    let put = s
        .iter()
        .find(|s| as_list(&s["Action"]) == [json!("s3:PutObject")])
        .expect("PutObject statement");
    assert!(
        put["Resource"].to_string().ends_with("/year=*\"}]"),
        "{}",
        put["Resource"]
    );
}

#[test]
fn simulated_collector_cannot_read_the_fleet() {
    let t = example();
    let all = serde_json::to_string(&statements(resource(&t, "CollectorRole"))).expect("json");
    assert!(!all.contains("ec2:DescribeInstances"));
    assert!(!all.contains("cloudwatch:GetMetricData"));
}

#[test]
fn log_processor_may_write_only_its_table() {
    let t = example();
    let s = statements(resource(&t, "LogProcessorRole"));
    let write = s
        .iter()
        .find(|s| as_list(&s["Action"]).contains(&json!("dynamodb:BatchWriteItem")))
        .expect("table statement");
    assert_eq!(
        write["Resource"],
        json!([{ "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/infra-monitoring-prod-metrics" }])
    );
}

/// Who needs an action: a boto3 call in a handler (checked against its source) or a service
/// acting with the role.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// The handler file (from the repository root) and the boto3 method it calls.
    Handler(&'static str, &'static str),
    Service(&'static str),
}

const COLLECTOR: &str = "lambdas/collector/handler.py";
const PROCESSOR: &str = "lambdas/log_processor/handler.py";
const LAMBDA_LOGS: Need = Need::Service("Lambda writes the function's logs with its role");
const VENDED_LOGS: Need =
    Need::Service("Step Functions delivers the execution logs (vended logs) with its role");
const ATHENA_CALLER: Need =
    Need::Service("people and dashboards call Athena, which acts with the caller's credentials");
const SQS_PRODUCER: &str =
    "SQS asks KMS for a data key (and decrypts it) for each message sent to an encrypted queue";

/// Every (role, action) the templates may grant, and why. One row per action and role.
fn needs() -> Vec<(&'static str, &'static str, Need)> {
    use Need::*;
    let mut rows = vec![
        (
            "SchedulerRole",
            "states:StartExecution",
            Service(
                "EventBridge Scheduler starts its targets: the collection and the compaction state machines",
            ),
        ),
        (
            "SchedulerRole",
            "sqs:SendMessage",
            Service("EventBridge Scheduler sends an undeliverable start to its dead-letter queue"),
        ),
        (
            "StateMachineRole",
            "lambda:InvokeFunction",
            Service("Step Functions invokes the collector"),
        ),
        (
            "CollectorRole",
            "s3:PutObject",
            Handler(COLLECTOR, "put_object"),
        ),
        (
            "CollectorRole",
            "cloudwatch:PutMetricData",
            Handler(COLLECTOR, "put_metric_data"),
        ),
        (
            "CollectorRole",
            "ec2:DescribeInstances",
            Handler(COLLECTOR, "describe_instances"),
        ),
        (
            "CollectorRole",
            "cloudwatch:GetMetricData",
            Handler(COLLECTOR, "get_metric_data"),
        ),
        ("CollectorRole", "logs:CreateLogStream", LAMBDA_LOGS),
        ("CollectorRole", "logs:PutLogEvents", LAMBDA_LOGS),
        (
            "LogProcessorRole",
            "s3:GetObject",
            Handler(PROCESSOR, "get_object"),
        ),
        (
            "LogProcessorRole",
            "s3:PutObject",
            Handler(PROCESSOR, "put_object"),
        ),
        (
            "LogProcessorRole",
            "s3:DeleteObject",
            Handler(PROCESSOR, "delete_object"),
        ),
        (
            "LogProcessorRole",
            "dynamodb:BatchWriteItem",
            Handler(PROCESSOR, "batch_write_item"),
        ),
        (
            "LogProcessorRole",
            "cloudwatch:PutMetricData",
            Handler(PROCESSOR, "put_metric_data"),
        ),
        (
            "LogProcessorRole",
            "sqs:SendMessage",
            Service(
                "Lambda sends an event that failed every retry to the function's dead-letter queue",
            ),
        ),
        ("LogProcessorRole", "logs:CreateLogStream", LAMBDA_LOGS),
        ("LogProcessorRole", "logs:PutLogEvents", LAMBDA_LOGS),
        (
            "AnalyticsQueryRole",
            "athena:StartQueryExecution",
            ATHENA_CALLER,
        ),
        (
            "AnalyticsQueryRole",
            "athena:GetQueryExecution",
            ATHENA_CALLER,
        ),
        (
            "AnalyticsQueryRole",
            "athena:GetQueryResults",
            ATHENA_CALLER,
        ),
        (
            "AnalyticsQueryRole",
            "athena:StopQueryExecution",
            ATHENA_CALLER,
        ),
        ("AnalyticsQueryRole", "athena:GetWorkGroup", ATHENA_CALLER),
        (
            "AnalyticsQueryRole",
            "glue:GetDatabase",
            Service("Athena reads the Glue database with the caller's credentials"),
        ),
        (
            "AnalyticsQueryRole",
            "glue:GetTable",
            Service("Athena reads the Glue table with the caller's credentials"),
        ),
        (
            "AnalyticsQueryRole",
            "glue:GetPartitions",
            Service("Athena reads the table's partitions with the caller's credentials"),
        ),
        (
            "AnalyticsQueryRole",
            "s3:ListBucket",
            Service("Athena lists the data and the results with the caller's credentials"),
        ),
        (
            "AnalyticsQueryRole",
            "s3:GetBucketLocation",
            Service("Athena finds the buckets' region with the caller's credentials"),
        ),
        (
            "AnalyticsQueryRole",
            "s3:GetObject",
            Service("Athena reads the data and the query results with the caller's credentials"),
        ),
        (
            "AnalyticsQueryRole",
            "s3:PutObject",
            Service("Athena writes the query results with the caller's credentials"),
        ),
        (
            "AnalyticsQueryRole",
            "s3:AbortMultipartUpload",
            Service("Athena abandons a failed upload of large results"),
        ),
    ];
    // security.kms: S3, DynamoDB and SQS call KMS with the caller's credentials (kms:ViaService
    // pins which); CloudWatch Logs and alarms use the key policy.
    rows.extend([
        (
            "CollectorRole",
            "kms:GenerateDataKey",
            Service("S3 asks KMS for a data key for each object the collector puts (SSE-KMS)"),
        ),
        (
            "LogProcessorRole",
            "kms:Decrypt",
            Service(
                "S3 decrypts each raw object the processor gets; DynamoDB the table key of each batch write (aws/aws-cdk#10010); SQS the dead letters' data key",
            ),
        ),
        (
            "LogProcessorRole",
            "kms:GenerateDataKey",
            Service("S3 for each quarantined object the processor puts; SQS for each dead letter"),
        ),
        ("SchedulerRole", "kms:Decrypt", Service(SQS_PRODUCER)),
        (
            "SchedulerRole",
            "kms:GenerateDataKey",
            Service(SQS_PRODUCER),
        ),
        (
            "CompactionRole",
            "kms:Decrypt",
            Service("S3 decrypts the raw JSON and the results Athena reads for the compaction"),
        ),
        (
            "CompactionRole",
            "kms:GenerateDataKey",
            Service("S3 asks KMS for a data key for each Parquet object and result Athena writes"),
        ),
        (
            "AnalyticsQueryRole",
            "kms:Decrypt",
            Service(
                "S3 decrypts the data and the results Athena reads with the caller's credentials",
            ),
        ),
        (
            "AnalyticsQueryRole",
            "kms:GenerateDataKey",
            Service("S3 asks KMS for a data key for each result Athena writes for the caller"),
        ),
    ]);
    let compaction = |why| Service(why);
    rows.extend([
        (
            "CompactionRole",
            "athena:StartQueryExecution",
            compaction("Step Functions starts the day's INSERT INTO (athena:startQueryExecution.sync)"),
        ),
        (
            "CompactionRole",
            "athena:GetQueryExecution",
            compaction("Step Functions polls the INSERT INTO until it ends (.sync)"),
        ),
        (
            "CompactionRole",
            "athena:StopQueryExecution",
            compaction("Step Functions stops the INSERT INTO when the execution is stopped (.sync)"),
        ),
        (
            "CompactionRole",
            "glue:GetDatabase",
            compaction("Athena reads the database with the state machine's credentials"),
        ),
        (
            "CompactionRole",
            "glue:GetTable",
            compaction("Athena reads the JSON and Parquet tables with the state machine's credentials"),
        ),
        (
            "CompactionRole",
            "glue:GetPartitions",
            compaction("Athena reads the tables' partitions with the state machine's credentials"),
        ),
        (
            "CompactionRole",
            "s3:ListBucket",
            compaction("the ListDay task lists the day's Parquet (s3:listObjectsV2); Athena lists the JSON and the results"),
        ),
        (
            "CompactionRole",
            "s3:GetBucketLocation",
            compaction("Athena finds the buckets' region with the state machine's credentials"),
        ),
        (
            "CompactionRole",
            "s3:GetObject",
            compaction("Athena reads the raw JSON and its own results"),
        ),
        (
            "CompactionRole",
            "s3:PutObject",
            compaction("Athena writes the Parquet objects and the query's results"),
        ),
        (
            "CompactionRole",
            "s3:DeleteObject",
            compaction("the DeleteDay task deletes the day's Parquet before a re-run (s3:deleteObjects)"),
        ),
        (
            "CompactionRole",
            "s3:AbortMultipartUpload",
            compaction("Athena abandons a failed upload of a large Parquet object"),
        ),
    ]);
    rows.extend(
        LOG_DELIVERY_ACTIONS
            .iter()
            .map(|a| ("StateMachineRole", *a, VENDED_LOGS)),
    );
    rows
}

/// Every (role, action) granted by the policies of both templates.
fn granted() -> std::collections::BTreeSet<(String, String)> {
    let mut out = std::collections::BTreeSet::new();
    for t in templates() {
        for (id, role) in of_type(&t, "AWS::IAM::Role") {
            for s in statements(role) {
                for a in as_list(&s["Action"]) {
                    out.insert((id.clone(), a.as_str().unwrap_or_default().to_owned()));
                }
            }
        }
    }
    out
}

#[test]
fn every_granted_action_has_a_caller_in_the_table() {
    let table: Vec<(String, String)> = needs()
        .iter()
        .map(|(r, a, _)| ((*r).to_owned(), (*a).to_owned()))
        .collect();
    let nobody: Vec<_> = granted()
        .into_iter()
        .filter(|g| !table.contains(g))
        .collect();
    assert!(
        nobody.is_empty(),
        "granted but called by nobody: {nobody:?}"
    );
}

#[test]
fn every_table_entry_is_still_granted_by_some_policy() {
    let granted = granted();
    let stale: Vec<_> = needs()
        .into_iter()
        .filter(|(r, a, _)| !granted.contains(&((*r).to_owned(), (*a).to_owned())))
        .collect();
    assert!(
        stale.is_empty(),
        "in the table but granted by no policy: {stale:?}"
    );
}

#[test]
fn every_handler_call_in_the_table_appears_in_its_handler_source() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (role, action, need) in needs() {
        let (file, call) = match need {
            Need::Handler(file, call) => (file, call),
            Need::Service(why) => {
                assert!(!why.trim().is_empty(), "{role} {action}: say who needs it");
                continue;
            }
        };
        let source = std::fs::read_to_string(root.join(file)).expect("handler source");
        // A direct call, or a paginator named by the operation.
        let called =
            source.contains(&format!(".{call}(")) || source.contains(&format!("\"{call}\""));
        assert!(called, "{role} {action}: {file} never calls {call}");
    }
}

#[test]
fn the_log_processor_reads_only_the_partitions_and_its_quarantine() {
    let t = example();
    let reads: Vec<Value> = statements(resource(&t, "LogProcessorRole"))
        .into_iter()
        .filter(|s| as_list(&s["Action"]).contains(&json!("s3:GetObject")))
        .flat_map(|s| as_list(&s["Resource"]))
        .collect();
    let raw =
        "arn:${AWS::Partition}:s3:::infra-monitoring-prod-raw-${AWS::AccountId}-${AWS::Region}";
    assert_eq!(
        reads,
        [
            json!({ "Fn::Sub": format!("{raw}/year=*") }),
            json!({ "Fn::Sub": format!("{raw}/quarantine/*") }),
        ]
    );
}

#[test]
fn step_functions_and_scheduler_trust_policies_pin_the_source_arn_they_send() {
    let t = example();
    let want = [
        (
            "StateMachineRole",
            "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:infra-monitoring-prod-collection",
        ),
        // Scheduler sends its schedule group's ARN, never one schedule's.
        (
            "SchedulerRole",
            "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule-group/default",
        ),
    ];
    for (id, arn) in want {
        let trust = &resource(&t, id)["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(
            trust["Condition"]["ArnLike"]["aws:SourceArn"],
            json!({ "Fn::Sub": arn }),
            "{id}"
        );
    }
}

#[test]
fn every_key_statement_names_the_key_and_pins_the_service_it_is_used_through() {
    let t = render(&full_with_key());
    let mut seen = 0;
    for (id, role) in of_type(&t, "AWS::IAM::Role") {
        for s in statements(role) {
            if !as_list(&s["Action"])
                .iter()
                .any(|a| a.as_str().is_some_and(|a| a.starts_with("kms:")))
            {
                continue;
            }
            seen += 1;
            assert_eq!(
                s["Resource"],
                json!([{ "Fn::Sub": "${PipelineKey.Arn}" }]),
                "{id}"
            );
            let via = s["Condition"]["StringEquals"]["kms:ViaService"]["Fn::Sub"]
                .as_str()
                .unwrap_or_default();
            assert!(
                [
                    "s3.${AWS::Region}.amazonaws.com",
                    "dynamodb.${AWS::Region}.amazonaws.com",
                    "sqs.${AWS::Region}.amazonaws.com"
                ]
                .contains(&via),
                "{id}: {s}"
            );
        }
    }
    assert!(seen > 0, "no role was granted the key");
}

#[test]
fn without_a_key_no_role_is_granted_kms() {
    for t in [example(), render(FULL)] {
        let all = serde_json::to_string(&t["Resources"]).expect("json");
        assert!(!all.contains("\"kms:"), "a kms action without security.kms");
    }
}
