//! The rendered template holds every resource the pipeline needs (docs/architecture.md, "The rules
//! the template is held to"), as the seed (corrected) asks. Each test reads the default example's template.

mod common;
use common::*;
use serde_json::{Value, json};

fn props<'a>(t: &'a Value, id: &str) -> &'a Value {
    &resource(t, id)["Properties"]
}

#[test]
fn schedule_runs_every_three_hours_against_the_state_machine() {
    let t = example();
    let p = props(&t, "CollectionSchedule");
    assert_eq!(p["ScheduleExpression"], "rate(3 hours)");
    assert_eq!(
        p["Target"]["Arn"],
        json!({ "Ref": "CollectionStateMachine" })
    );
    assert_eq!(
        p["Target"]["RoleArn"],
        json!({ "Fn::GetAtt": ["SchedulerRole", "Arn"] })
    );
}

#[test]
fn schedule_retries_twice_then_sends_to_its_dead_letter_queue() {
    let t = example();
    let target = &props(&t, "CollectionSchedule")["Target"];
    assert_eq!(target["RetryPolicy"]["MaximumRetryAttempts"], 2);
    assert_eq!(
        target["DeadLetterConfig"]["Arn"],
        json!({ "Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"] })
    );
    assert_eq!(
        resource(&t, "ScheduleDeadLetterQueue")["Type"],
        "AWS::SQS::Queue"
    );
}

fn definition(t: &Value) -> Value {
    let sub = &props(t, "CollectionStateMachine")["DefinitionString"]["Fn::Sub"];
    serde_json::from_str(sub[0].as_str().expect("definition string")).expect("ASL is JSON")
}

#[test]
fn state_machine_is_standard_and_logs_to_its_own_group() {
    let t = example();
    let p = props(&t, "CollectionStateMachine");
    assert_eq!(p["StateMachineType"], "STANDARD");
    assert_eq!(
        p["LoggingConfiguration"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"],
        json!({ "Fn::GetAtt": ["CollectionStateMachineLogGroup", "Arn"] })
    );
}

#[test]
fn parallel_state_has_one_branch_per_metric_type() {
    let d = definition(&example());
    let parallel = &d["States"][d["StartAt"].as_str().expect("StartAt")];
    assert_eq!(parallel["Type"], "Parallel");
    let starts: Vec<&str> = parallel["Branches"]
        .as_array()
        .expect("branches")
        .iter()
        .map(|b| b["StartAt"].as_str().expect("branch StartAt"))
        .collect();
    assert_eq!(
        starts,
        [
            "CollectCpuMetrics",
            "CollectMemoryMetrics",
            "CollectDiskMetrics",
            "CollectNetworkMetrics"
        ]
    );
}

#[test]
fn every_branch_task_retries_twice_with_backoff_and_catches_to_a_fail_state() {
    let d = definition(&example());
    for branch in d["States"]["CollectMetrics"]["Branches"]
        .as_array()
        .expect("branches")
    {
        let states = &branch["States"];
        let task = &states[branch["StartAt"].as_str().expect("StartAt")];
        assert_eq!(task["Type"], "Task");
        assert_eq!(task["Parameters"]["FunctionName"], "${CollectorArn}");
        let retry = task["Retry"]
            .as_array()
            .expect("Retry")
            .iter()
            .find(|r| r["ErrorEquals"].to_string().contains("States.TaskFailed"))
            .expect("a retrier for task failures");
        assert_eq!(retry["MaxAttempts"], 2);
        assert!(retry["BackoffRate"].as_f64() > Some(1.0));
        // Bad input (ValueError) is matched first and never retried.
        assert_eq!(
            task["Retry"][0],
            json!({ "ErrorEquals": ["ValueError"], "MaxAttempts": 0 })
        );
        let catch_target = task["Catch"][0]["Next"].as_str().expect("Catch.Next");
        assert_eq!(states[catch_target]["Type"], "Fail");
    }
}

#[test]
fn collector_is_128_mb_30_s_on_the_configured_runtime_with_code_by_hash() {
    let t = example();
    let p = props(&t, "CollectorFunction");
    assert_eq!(p["MemorySize"], 128);
    assert_eq!(p["Timeout"], 30);
    assert_eq!(p["Runtime"], "python3.13");
    let key = p["Code"]["S3Key"].as_str().expect("S3Key");
    let hash = &infrapipe::package::package(infrapipe::model::FunctionKind::Collector)
        .expect("zip")
        .sha256;
    assert_eq!(key, format!("infrapipe/collector-{hash}.zip"));
}

#[test]
fn every_function_logs_to_a_log_group_with_retention() {
    let t = example();
    for (id, f) in of_type(&t, "AWS::Lambda::Function") {
        let group = f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{id} has no log group"));
        assert_eq!(props(&t, group)["RetentionInDays"], 30, "{id}");
    }
}

#[test]
fn raw_bucket_notifies_the_log_processor_with_a_permission_and_no_cycle() {
    let t = example();
    let bucket = resource(&t, "RawMetricsBucket");
    let lambda = &bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0];
    assert_eq!(lambda["Event"], "s3:ObjectCreated:*");
    assert_eq!(
        lambda["Function"],
        json!({ "Fn::GetAtt": ["LogProcessorFunction", "Arn"] })
    );
    assert_eq!(bucket["DependsOn"], json!(["LogProcessorInvokePermission"]));
    let perm = props(&t, "LogProcessorInvokePermission");
    assert_eq!(perm["Principal"], "s3.amazonaws.com");
    assert_eq!(perm["SourceAccount"], json!({ "Ref": "AWS::AccountId" }));
    assert!(
        perm["SourceArn"]
            .to_string()
            .contains("infra-monitoring-prod-raw-")
    );
}

#[test]
fn log_processor_sends_failures_to_a_dead_letter_queue() {
    let t = example();
    assert_eq!(
        props(&t, "LogProcessorFunction")["DeadLetterConfig"]["TargetArn"],
        json!({ "Fn::GetAtt": ["LogProcessorDeadLetterQueue", "Arn"] })
    );
}

#[test]
fn raw_bucket_is_versioned_encrypted_private_and_retained() {
    let t = example();
    let b = resource(&t, "RawMetricsBucket");
    let p = &b["Properties"];
    assert_eq!(p["VersioningConfiguration"]["Status"], "Enabled");
    assert_eq!(
        p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["SSEAlgorithm"],
        "AES256"
    );
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(p["PublicAccessBlockConfiguration"][flag], true, "{flag}");
    }
    assert_eq!(b["DeletionPolicy"], "Retain");
    assert_eq!(b["UpdateReplacePolicy"], "Retain");
}

#[test]
fn raw_bucket_lifecycle_moves_to_glacier_after_90_days_and_cleans_up() {
    let t = example();
    let rules = props(&t, "RawMetricsBucket")["LifecycleConfiguration"]["Rules"]
        .as_array()
        .expect("rules")
        .clone();
    let has = |f: &dyn Fn(&Value) -> bool| rules.iter().any(f);
    assert!(has(
        &|r| r["Transitions"][0] == json!({ "StorageClass": "GLACIER", "TransitionInDays": 90 })
    ));
    assert!(has(
        &|r| r["NoncurrentVersionExpiration"]["NoncurrentDays"].is_u64()
    ));
    assert!(has(&|r| {
        r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].is_u64()
    }));
}

#[test]
fn every_bucket_denies_requests_without_tls() {
    let t = example();
    for id in ["RawMetricsBucket", "AthenaResultsBucket"] {
        let policy = props(&t, &format!("{id}Policy"));
        assert_eq!(policy["Bucket"], json!({ "Ref": id }));
        let s = &policy["PolicyDocument"]["Statement"][0];
        assert_eq!(s["Effect"], "Deny");
        assert_eq!(s["Condition"]["Bool"]["aws:SecureTransport"], "false");
    }
}

#[test]
fn table_key_is_unique_per_point_not_per_instance_and_second() {
    let t = example();
    let p = props(&t, "MetricsTable");
    assert_eq!(
        p["KeySchema"],
        json!([
            { "AttributeName": "instance_id", "KeyType": "HASH" },
            { "AttributeName": "metric_key", "KeyType": "RANGE" }
        ])
    );
    let defs = p["AttributeDefinitions"].as_array().expect("attributes");
    assert!(defs.contains(&json!({ "AttributeName": "metric_key", "AttributeType": "S" })));
    assert!(defs.contains(&json!({ "AttributeName": "timestamp", "AttributeType": "N" })));
}

#[test]
fn table_has_metric_type_index_projecting_all() {
    let t = example();
    let gsi = &props(&t, "MetricsTable")["GlobalSecondaryIndexes"][0];
    assert_eq!(gsi["IndexName"], "MetricTypeIndex");
    assert_eq!(
        gsi["KeySchema"],
        json!([
            { "AttributeName": "metric_type", "KeyType": "HASH" },
            { "AttributeName": "timestamp", "KeyType": "RANGE" }
        ])
    );
    assert_eq!(gsi["Projection"]["ProjectionType"], "ALL");
}

#[test]
fn table_is_on_demand_with_ttl_pitr_sse_and_retained() {
    let t = example();
    let table = resource(&t, "MetricsTable");
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["TimeToLiveSpecification"],
        json!({ "AttributeName": "expires_at", "Enabled": true })
    );
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(p["SSESpecification"]["SSEEnabled"], true);
    assert_eq!(table["DeletionPolicy"], "Retain");
    assert_eq!(table["UpdateReplacePolicy"], "Retain");
}

fn alarm_summary(a: &Value) -> (String, f64, u64) {
    let p = &a["Properties"];
    let metric = p["MetricName"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            p["Metrics"][2]["Label"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        });
    (
        metric,
        p["Threshold"].as_f64().expect("threshold"),
        p["EvaluationPeriods"].as_u64().expect("periods"),
    )
}

#[test]
fn the_six_seed_alarms_have_their_thresholds_and_evaluation_periods() {
    let t = example();
    // The seed's six; compaction's own alarm is proved in tests/compaction_template.rs.
    let mut alarms: Vec<(String, f64, u64)> = of_type(&t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .filter(|(id, _)| id.as_str() != "CompactionFailedAlarm")
        .map(|(_, a)| alarm_summary(a))
        .collect();
    alarms.sort_by(|a, b| a.0.cmp(&b.0));
    let want = [
        ("CPUUtilization", 80.0, 2),
        ("DataCollectorErrors", 0.0, 1),
        ("Duration", 3000.0, 3),
        ("DynamoDBThrottles", 0.0, 1),
        ("LogProcessorErrors", 0.0, 1),
        ("MemoryUtilization", 90.0, 2),
    ];
    let want: Vec<(String, f64, u64)> = want
        .iter()
        .map(|(m, t, p)| (m.to_string(), *t, *p))
        .collect();
    assert_eq!(alarms, want);
}

#[test]
fn every_alarm_notifies_the_topic_on_alarm_and_ok() {
    let t = example();
    for (id, a) in of_type(&t, "AWS::CloudWatch::Alarm") {
        assert_eq!(
            a["Properties"]["AlarmActions"],
            json!([{ "Ref": "AlertsTopic" }]),
            "{id}"
        );
        assert_eq!(
            a["Properties"]["OKActions"],
            json!([{ "Ref": "AlertsTopic" }]),
            "{id}"
        );
    }
}

#[test]
fn alarm_period_follows_the_schedule_interval() {
    let t = render(&format!("{MINIMAL}schedule: rate(1 hour)\n"));
    assert_eq!(props(&t, "HighCpuAlarm")["Period"], 3600);
}

#[test]
fn topic_has_an_email_subscription_per_address() {
    let t = render(&MINIMAL.replace("[ops@example.com]", "[a@example.com, b@example.org]"));
    let subs: Vec<&Value> = of_type(&t, "AWS::SNS::Subscription")
        .into_iter()
        .map(|(_, s)| &s["Properties"]["Endpoint"])
        .collect();
    assert_eq!(subs, [&json!("a@example.com"), &json!("b@example.org")]);
}

#[test]
fn topic_policy_lets_only_cloudwatch_of_this_account_publish() {
    let t = example();
    let statements = &props(&t, "AlertsTopicPolicy")["PolicyDocument"]["Statement"];
    let allow = &statements[0];
    assert_eq!(allow["Principal"]["Service"], "cloudwatch.amazonaws.com");
    assert_eq!(
        allow["Condition"]["StringEquals"]["aws:SourceAccount"],
        json!({ "Ref": "AWS::AccountId" })
    );
    let deny = &statements[1];
    assert_eq!(deny["Effect"], "Deny");
    assert_eq!(deny["Action"], "sns:Publish");
    assert_eq!(
        deny["Condition"]["StringNotEquals"]["aws:PrincipalServiceName"],
        "cloudwatch.amazonaws.com"
    );
}

#[test]
fn topic_is_never_encrypted_with_the_aws_managed_sns_key() {
    let t = example();
    let key = &props(&t, "AlertsTopic")["KmsMasterKeyId"];
    assert!(
        key.is_null() || !key.to_string().contains("alias/aws/sns"),
        "{key}"
    );
}

#[test]
fn glue_table_is_json_partitioned_by_hour_with_projection() {
    let t = example();
    let input = &props(&t, "MetricsGlueTable")["TableInput"];
    assert_eq!(
        input["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"],
        "org.openx.data.jsonserde.JsonSerDe"
    );
    let keys: Vec<&str> = input["PartitionKeys"]
        .as_array()
        .expect("partition keys")
        .iter()
        .map(|k| k["Name"].as_str().expect("name"))
        .collect();
    assert_eq!(keys, ["year", "month", "day", "hour"]);
    assert_eq!(input["Parameters"]["projection.enabled"], "true");
    let template = input["Parameters"]["storage.location.template"]["Fn::Sub"]
        .as_str()
        .expect("location template");
    assert!(
        template.ends_with("/year=${!year}/month=${!month}/day=${!day}/hour=${!hour}/"),
        "{template}"
    );
}

#[test]
fn workgroup_enforces_result_location_encryption_and_scan_limit() {
    let t = example();
    let c = &props(&t, "AnalyticsWorkGroup")["WorkGroupConfiguration"];
    assert_eq!(c["EnforceWorkGroupConfiguration"], true);
    assert_eq!(c["BytesScannedCutoffPerQuery"], 1_024_000_000u64);
    assert_eq!(
        c["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"],
        "SSE_S3"
    );
    assert!(
        c["ResultConfiguration"]["OutputLocation"]
            .to_string()
            .contains("-athena-")
    );
}

#[test]
fn named_queries_are_the_seeds_two_and_read_iso_timestamps() {
    let t = example();
    let queries = of_type(&t, "AWS::Athena::NamedQuery");
    assert_eq!(queries.len(), 2);
    let all: String = queries
        .iter()
        .map(|(_, q)| q["Properties"]["QueryString"].to_string())
        .collect();
    assert!(all.contains("from_iso8601_timestamp(timestamp)"));
    assert!(!all.contains("CAST(timestamp AS TIMESTAMP)"));
}

#[test]
fn two_regions_get_distinct_bucket_names_and_one_template_each() {
    let mut c = config(&MINIMAL.replace("[us-east-1]", "[us-east-1, eu-west-1]"));
    let a = infrapipe::template::render(
        &infrapipe::commands::build(&c, &region("us-east-1")).expect("zip"),
    );
    c.regions.reverse();
    let b = infrapipe::template::render(
        &infrapipe::commands::build(&c, &region("eu-west-1")).expect("zip"),
    );
    // Bucket names carry ${AWS::Region}, so the same template text yields distinct names.
    assert!(
        props(&a, "RawMetricsBucket")["BucketName"]
            .to_string()
            .contains("${AWS::Region}")
    );
    assert_ne!(a["Description"], b["Description"]);
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let a = infrapipe::template::to_string(&example());
    let b = infrapipe::template::to_string(&example());
    assert_eq!(a, b);
}

// ------------------------------------------------ the contract with the Lambdas (issue 13, 6)

fn environment<'a>(t: &'a Value, function: &str) -> &'a Value {
    &props(t, function)["Environment"]["Variables"]
}

fn key_named<'a>(schema: &'a Value, key_type: &str) -> &'a Value {
    let keys = schema.as_array().expect("key schema");
    let key = keys.iter().find(|k| k["KeyType"] == key_type);
    &key.expect("key of that type")["AttributeName"]
}

#[test]
fn the_log_processor_is_told_the_key_names_the_table_declares() {
    let t = example();
    let env = environment(&t, "LogProcessorFunction");
    let table = props(&t, "MetricsTable");
    let gsi = &table["GlobalSecondaryIndexes"][0]["KeySchema"];
    let told = [
        &env["TABLE_PARTITION_KEY"],
        &env["TABLE_SORT_KEY"],
        &env["TABLE_METRIC_TYPE_ATTRIBUTE"],
        &env["TABLE_TIMESTAMP_ATTRIBUTE"],
        &env["TABLE_TTL_ATTRIBUTE"],
    ];
    let declared = [
        key_named(&table["KeySchema"], "HASH"),
        key_named(&table["KeySchema"], "RANGE"),
        key_named(gsi, "HASH"),
        key_named(gsi, "RANGE"),
        &table["TimeToLiveSpecification"]["AttributeName"],
    ];
    assert_eq!(told, declared);
}

#[test]
fn the_glue_table_reads_the_record_fields_the_table_is_keyed_by() {
    let t = example();
    let env = environment(&t, "LogProcessorFunction");
    let columns: Vec<&Value> =
        props(&t, "MetricsGlueTable")["TableInput"]["StorageDescriptor"]["Columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| &c["Name"])
            .collect();
    for variable in [
        "TABLE_PARTITION_KEY",
        "TABLE_METRIC_TYPE_ATTRIBUTE",
        "TABLE_TIMESTAMP_ATTRIBUTE",
    ] {
        assert!(columns.contains(&&env[variable]), "{variable}: {columns:?}");
    }
}

fn alarm_metric<'a>(t: &'a Value, alarm: &str) -> &'a Value {
    &props(t, alarm)["MetricName"]
}

#[test]
fn each_function_is_told_the_error_metric_its_alarm_watches() {
    let t = example();
    assert_eq!(
        [
            &environment(&t, "CollectorFunction")["ERROR_METRIC_NAME"],
            &environment(&t, "LogProcessorFunction")["ERROR_METRIC_NAME"],
        ],
        [
            alarm_metric(&t, "DataCollectorErrorsAlarm"),
            alarm_metric(&t, "LogProcessorErrorsAlarm"),
        ]
    );
}

#[test]
fn the_collector_is_told_the_metric_names_its_alarms_watch() {
    let t = example();
    let names: Value = serde_json::from_str(
        environment(&t, "CollectorFunction")["METRIC_NAMES"]
            .as_str()
            .expect("METRIC_NAMES is a string"),
    )
    .expect("METRIC_NAMES is JSON");
    assert_eq!(
        [&names["cpu"], &names["memory"]],
        [
            alarm_metric(&t, "HighCpuAlarm"),
            alarm_metric(&t, "HighMemoryAlarm")
        ]
    );
}

#[test]
fn metric_names_is_compact_json_with_sorted_keys() {
    let t = example();
    assert_eq!(
        environment(&t, "CollectorFunction")["METRIC_NAMES"],
        r#"{"cpu":"CPUUtilization","disk":"DiskThroughput","memory":"MemoryUtilization","network":"NetworkThroughput"}"#
    );
}

#[test]
fn metric_names_lists_only_the_configured_metric_types() {
    let t = render(&MINIMAL.replace(
        "regions: [us-east-1]\n",
        "regions: [us-east-1]\ncollectors:\n  metrics: [memory, cpu]\n",
    ));
    assert_eq!(
        environment(&t, "CollectorFunction")["METRIC_NAMES"],
        r#"{"cpu":"CPUUtilization","memory":"MemoryUtilization"}"#
    );
}
