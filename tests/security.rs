//! The `security:` section on rendered templates: which key encrypts each store of data, what
//! the created key's policy lets CloudWatch Logs, CloudWatch alarms and the account do, the
//! access-log bucket and its policy; the config's refusals; the cost and the diagram.

mod common;
use common::*;
use serde_json::{Value, json};

const CREATE: &str = "security:\n  kms: create\n  access_logs: true\n";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn with(section: &str) -> Value {
    render(&format!("{MINIMAL}{section}"))
}

fn created_key_arn() -> Value {
    json!({ "Fn::GetAtt": ["PipelineKey", "Arn"] })
}

/// The key each store of data names, by logical id.
fn keys_of_stores(t: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (id, r) in t["Resources"].as_object().expect("resources") {
        let p = &r["Properties"];
        let key = match r["Type"].as_str().unwrap_or_default() {
            "AWS::S3::Bucket" if id != "AccessLogsBucket" => p["BucketEncryption"]
                ["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
                ["KMSMasterKeyID"]
                .clone(),
            "AWS::DynamoDB::Table" => p["SSESpecification"]["KMSMasterKeyId"].clone(),
            "AWS::SQS::Queue" | "AWS::SNS::Topic" => p["KmsMasterKeyId"].clone(),
            "AWS::Logs::LogGroup" => p["KmsKeyId"].clone(),
            "AWS::Athena::WorkGroup" => p["WorkGroupConfiguration"]["ResultConfiguration"]
                ["EncryptionConfiguration"]["KmsKey"]
                .clone(),
            _ => continue,
        };
        out.push((id.clone(), key));
    }
    out
}

fn key_policy_statement<'a>(t: &'a Value, sid: &str) -> &'a Value {
    resource(t, "PipelineKey")["Properties"]["KeyPolicy"]["Statement"]
        .as_array()
        .expect("key policy statements")
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("no key policy statement {sid}"))
}

#[test]
fn a_created_key_encrypts_every_store_of_data() {
    let t = with(CREATE);
    let stores = keys_of_stores(&t);
    assert_eq!(stores.len(), 10, "{stores:?}");
    for (id, key) in stores {
        assert_eq!(key, created_key_arn(), "{id}");
    }
}

#[test]
fn encrypted_buckets_use_sse_kms_with_a_bucket_key() {
    let t = with(CREATE);
    for id in ["RawMetricsBucket", "AthenaResultsBucket"] {
        let rule = &resource(&t, id)["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            [0];
        assert_eq!(
            rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"], "aws:kms",
            "{id}"
        );
        assert_eq!(rule["BucketKeyEnabled"], true, "{id}");
    }
}

#[test]
fn queues_with_a_key_drop_sqs_managed_encryption() {
    let t = with(CREATE);
    for (id, q) in of_type(&t, "AWS::SQS::Queue") {
        assert!(
            q["Properties"].get("SqsManagedSseEnabled").is_none(),
            "{id}: SqsManagedSseEnabled and KmsMasterKeyId exclude each other"
        );
    }
}

#[test]
fn a_key_of_yours_is_named_by_its_arn_and_the_stack_creates_none() {
    let t = with(&format!("security:\n  kms: {KEY_ARN}\n"));
    assert!(of_type(&t, "AWS::KMS::Key").is_empty());
    for (id, key) in keys_of_stores(&t) {
        assert_eq!(key, json!(KEY_ARN), "{id}");
    }
    let granted =
        serde_json::to_string(&resource(&t, "CollectorRole")["Properties"]).expect("json");
    assert!(
        granted.contains(KEY_ARN),
        "the collector's role is not granted your key"
    );
}

#[test]
fn without_security_no_key_and_no_access_log_bucket() {
    let t = render(MINIMAL);
    assert!(of_type(&t, "AWS::KMS::Key").is_empty());
    assert!(of_type(&t, "AWS::KMS::Alias").is_empty());
    assert!(t["Resources"].get("AccessLogsBucket").is_none());
    assert!(
        keys_of_stores(&t).iter().all(|(_, k)| k.is_null()),
        "a store names a key without security.kms"
    );
}

#[test]
fn the_created_key_rotates_is_retained_and_has_an_alias() {
    let t = with(CREATE);
    let key = resource(&t, "PipelineKey");
    assert_eq!(key["Properties"]["EnableKeyRotation"], true);
    assert_eq!(key["DeletionPolicy"], "Retain");
    assert_eq!(key["UpdateReplacePolicy"], "Retain");
    let alias = resource(&t, "PipelineKeyAlias");
    assert_eq!(
        alias["Properties"]["AliasName"],
        "alias/infra-monitoring-prod"
    );
    assert_eq!(
        alias["Properties"]["TargetKeyId"],
        json!({ "Ref": "PipelineKey" })
    );
}

#[test]
fn cloudwatch_alarms_may_use_the_key_of_the_topic_they_notify() {
    let t = with(CREATE);
    let s = key_policy_statement(&t, "CloudWatchAlarmsPublishToTheEncryptedTopic");
    assert_eq!(
        s["Principal"],
        json!({ "Service": "cloudwatch.amazonaws.com" })
    );
    assert_eq!(s["Action"], json!(["kms:Decrypt", "kms:GenerateDataKey*"]));
    // ...and the topic every alarm notifies is the one encrypted with that key.
    let topic = resource(&t, "AlertsTopic");
    assert_eq!(topic["Properties"]["KmsMasterKeyId"], created_key_arn());
    for (id, alarm) in of_type(&t, "AWS::CloudWatch::Alarm") {
        assert_eq!(
            alarm["Properties"]["AlarmActions"],
            json!([{ "Ref": "AlertsTopic" }]),
            "{id}"
        );
    }
}

#[test]
fn cloudwatch_logs_may_use_the_key_only_for_the_pipelines_log_groups() {
    let t = with(CREATE);
    let s = key_policy_statement(&t, "CloudWatchLogsEncryptsThePipelinesLogGroups");
    assert_eq!(
        s["Principal"]["Service"],
        json!({ "Fn::Sub": "logs.${AWS::Region}.amazonaws.com" })
    );
    let mut allowed: Vec<String> =
        s["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
            .as_array()
            .expect("log group ARNs")
            .iter()
            .map(|a| a["Fn::Sub"].as_str().unwrap_or_default().to_owned())
            .collect();
    allowed.sort();
    let mut groups: Vec<String> = of_type(&t, "AWS::Logs::LogGroup")
        .iter()
        .map(|(_, g)| {
            format!(
                "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{}",
                g["Properties"]["LogGroupName"].as_str().unwrap_or_default()
            )
        })
        .collect();
    groups.sort();
    assert_eq!(allowed, groups);
}

#[test]
fn the_account_uses_the_key_only_through_s3_dynamodb_and_sqs() {
    let t = with(CREATE);
    let s = key_policy_statement(&t, "UseThroughThePipelinesServices");
    assert_eq!(
        s["Condition"]["StringEquals"]["kms:ViaService"],
        json!([
            { "Fn::Sub": "s3.${AWS::Region}.amazonaws.com" },
            { "Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com" },
            { "Fn::Sub": "sqs.${AWS::Region}.amazonaws.com" },
        ])
    );
    let admin = key_policy_statement(&t, "AdministerByTheAccount");
    let admin_actions = admin["Action"].to_string();
    assert!(
        !admin_actions.contains("Decrypt") && !admin_actions.contains("GenerateDataKey"),
        "administration grants use of the key: {admin_actions}"
    );
}

#[test]
fn both_buckets_log_their_accesses_to_the_access_log_bucket() {
    let t = with(CREATE);
    for (id, prefix) in [
        ("RawMetricsBucket", "raw/"),
        ("AthenaResultsBucket", "athena/"),
    ] {
        let b = resource(&t, id);
        assert_eq!(
            b["Properties"]["LoggingConfiguration"],
            json!({ "DestinationBucketName": { "Ref": "AccessLogsBucket" }, "LogFilePrefix": prefix }),
            "{id}"
        );
        let depends = b["DependsOn"].to_string();
        assert!(
            depends.contains("AccessLogsBucketPolicy"),
            "{id}: {depends}"
        );
    }
}

#[test]
fn the_access_log_bucket_is_private_encrypted_expiring_and_retained() {
    let t = with(CREATE);
    let b = resource(&t, "AccessLogsBucket");
    let p = &b["Properties"];
    assert_eq!(b["DeletionPolicy"], "Retain");
    assert_eq!(
        p["BucketName"],
        json!({ "Fn::Sub": "infra-monitoring-prod-access-${AWS::AccountId}-${AWS::Region}" })
    );
    // A log target cannot use SSE-KMS.
    assert_eq!(
        p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["SSEAlgorithm"],
        "AES256"
    );
    assert_eq!(
        p["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"],
        true
    );
    assert_eq!(
        p["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"],
        90
    );
}

#[test]
fn only_s3_logging_for_the_pipelines_buckets_of_this_account_may_write_access_logs() {
    let t = with(CREATE);
    let statements =
        &resource(&t, "AccessLogsBucketPolicy")["Properties"]["PolicyDocument"]["Statement"];
    let allow = statements
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["Effect"] == "Allow")
        .expect("the logging statement");
    assert_eq!(
        allow["Principal"],
        json!({ "Service": "logging.s3.amazonaws.com" })
    );
    assert_eq!(allow["Action"], "s3:PutObject");
    assert_eq!(
        allow["Condition"]["StringEquals"]["aws:SourceAccount"],
        json!({ "Ref": "AWS::AccountId" })
    );
    assert_eq!(
        allow["Condition"]["ArnLike"]["aws:SourceArn"],
        json!([
            { "Fn::Sub": "arn:${AWS::Partition}:s3:::infra-monitoring-prod-raw-${AWS::AccountId}-${AWS::Region}" },
            { "Fn::Sub": "arn:${AWS::Partition}:s3:::infra-monitoring-prod-athena-${AWS::AccountId}-${AWS::Region}" },
        ])
    );
}

#[test]
fn log_groups_and_queues_state_their_deletion_policy() {
    let t = render(MINIMAL);
    for ty in ["AWS::Logs::LogGroup", "AWS::SQS::Queue"] {
        for (id, r) in of_type(&t, ty) {
            assert_eq!(r["DeletionPolicy"], "Delete", "{id}");
            assert_eq!(r["UpdateReplacePolicy"], "Delete", "{id}");
        }
    }
}

fn config_error(yaml: &str) -> String {
    match infrapipe::config::Config::parse(yaml, std::path::Path::new("test.yaml")) {
        Ok(_) => panic!("accepted: {yaml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_alias_for_the_key_is_refused_at_its_line() {
    let e = config_error(&format!(
        "{MINIMAL}security:\n  kms: arn:aws:kms:us-east-1:123456789012:alias/mine\n"
    ));
    assert!(e.contains("test.yaml:7:8"), "{e}");
    assert!(
        e.contains("security.kms") && e.contains("an alias is not accepted"),
        "{e}"
    );
}

#[test]
fn a_key_of_one_region_is_refused_for_a_pipeline_in_two() {
    let yaml = format!(
        "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1, eu-west-1]\nnotifications:\n  emails: [ops@example.com]\nsecurity:\n  kms: {KEY_ARN}\n"
    );
    let e = config_error(&yaml);
    assert!(e.contains("test.yaml:7:"), "{e}");
    assert!(
        e.contains("security.kms") && e.contains("eu-west-1") && e.contains("`create`"),
        "{e}"
    );
}

#[test]
fn access_logs_are_priced_as_storage_and_put_requests() {
    let file = config_file(&format!("{MINIMAL}{CREATE}"));
    let path = file.path().to_str().expect("utf-8");
    let (code, out, err) = run(&["cost", "-c", path]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("access log storage"), "{out}");
    assert!(out.contains("access log PUT requests"), "{out}");
    assert!(out.contains("access_logged_requests_per_month"), "{out}");
    let plain_file = config_file(MINIMAL);
    let (_, plain, _) = run(&["cost", "-c", plain_file.path().to_str().expect("utf-8")]);
    assert!(
        !plain.contains("access log"),
        "priced without security.access_logs"
    );
}

#[test]
fn the_graph_draws_the_key_encrypting_each_store_and_the_access_logs() {
    let g = infrapipe::graph::Graph::of(&pipeline(&format!("{MINIMAL}{CREATE}")));
    let encrypts = g
        .links
        .iter()
        .filter(|l| l.from == "PipelineKey" && l.label == "encrypts")
        .count();
    assert_eq!(
        encrypts, 9,
        "2 buckets, the table, the topic, 2 queues, 3 log groups"
    );
    let logged: Vec<&str> = g
        .links
        .iter()
        .filter(|l| l.to == "AccessLogsBucket")
        .map(|l| l.from.as_str())
        .collect();
    assert_eq!(logged, ["RawMetricsBucket", "AthenaResultsBucket"]);
}
