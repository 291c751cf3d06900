//! Model -> CloudFormation JSON. Deterministic: keys are sorted (serde_json's map is a BTreeMap),
//! logical ids are fixed, and nothing reads a clock, so the same config renders the same bytes.

use crate::model::iam::{Actor, Statement};
use crate::model::identity::{self, Identity};
use crate::model::names::{Names, Sub};
use crate::model::*;
use serde_json::{Map, Value, json};

mod chatbot;
pub mod stack_set;

/// `{"Ref": id}`
pub fn r#ref(id: &str) -> Value {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attr]}`
pub fn get_att(id: &str, attr: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attr] })
}

/// A string with pseudo-parameter references as `Fn::Sub`, or a plain literal when it has none.
pub fn sub(s: &Sub) -> Value {
    if s.is_literal() {
        json!(s.0)
    } else {
        json!({ "Fn::Sub": s.0 })
    }
}

/// Renders the pipeline's template as a JSON value.
pub fn render(p: &Pipeline) -> Value {
    let mut resources = Map::new();
    let mut add = |id: &str, v: Value| {
        resources.insert(id.to_owned(), v);
    };

    for b in [&p.raw_bucket, &p.results_bucket] {
        add(b.logical_id, bucket(b));
        add(
            &identity::bucket_policy_logical_id(b.logical_id),
            tls_only_policy(b),
        );
    }
    add(p.table.logical_id, table(&p.table));
    // The data resources say whose they are: `destroy --purge-data` deletes only what carries
    // this tag (CloudFormation's stack tags may not reach every resource, so it is explicit).
    let owner_tag = json!([{ "Key": crate::model::names::PIPELINE_TAG, "Value": p.stack_name }]);
    for id in [p.raw_bucket.logical_id, p.table.logical_id] {
        if let Some(r) = resources.get_mut(id) {
            r["Properties"]["Tags"] = owner_tag.clone();
        }
    }
    let mut add = |id: &str, v: Value| {
        resources.insert(id.to_owned(), v);
    };
    for f in &p.functions {
        add(f.logical_id, function(f));
    }
    if let Some(n) = &p.raw_bucket.notify {
        add(
            n.permission_logical_id,
            json!({
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": get_att(n.function_logical_id, "Arn"),
                    "Principal": "s3.amazonaws.com",
                    "SourceAccount": r#ref("AWS::AccountId"),
                    "SourceArn": sub(&Names::bucket_arn(&p.raw_bucket.name)),
                }
            }),
        );
    }
    for q in &p.queues {
        add(
            q.logical_id,
            json!({
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": q.name,
                    "MessageRetentionPeriod": q.retention_seconds,
                    "SqsManagedSseEnabled": true,
                }
            }),
        );
    }
    for g in &p.log_groups {
        add(
            g.logical_id,
            json!({
                "Type": "AWS::Logs::LogGroup",
                "Properties": { "LogGroupName": g.name, "RetentionInDays": g.retention_days }
            }),
        );
    }
    add(p.state_machine.logical_id, state_machine(&p.state_machine));
    add(p.schedule.logical_id, schedule(&p.schedule));
    add(
        p.topic.logical_id,
        json!({
            "Type": "AWS::SNS::Topic",
            "Properties": { "TopicName": p.topic.name }
        }),
    );
    add(p.topic.policy_logical_id, topic_policy(p));
    for (i, email) in p.topic.emails.iter().enumerate() {
        add(
            &identity::subscription_logical_id(i + 1),
            json!({
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "Protocol": "email",
                    "Endpoint": email,
                    "TopicArn": r#ref(p.topic.logical_id),
                }
            }),
        );
    }
    for (i, url) in p.topic.https_endpoints.iter().enumerate() {
        // The paging service confirms the subscription itself; the topic policy's Deny names
        // publishers only, so it never stops SNS delivering here.
        add(
            &identity::https_subscription_logical_id(i + 1),
            json!({
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "Protocol": "https",
                    "Endpoint": url,
                    "TopicArn": r#ref(p.topic.logical_id),
                }
            }),
        );
    }
    for a in &p.alarms {
        add(a.logical_id, alarm(a, p.topic.logical_id));
    }
    chatbot::chatbot(p, &mut add);
    observability(p, &mut add);
    analytics(p, &mut add);
    compaction(p, &mut add);
    for role in &p.roles {
        add(role.logical_id, iam_role(role, &p.names));
    }
    security(p, &mut resources);
    if p.observability.s3_request_metrics
        && let Some(raw) = resources.get_mut(p.raw_bucket.logical_id)
    {
        raw["Properties"]["MetricsConfigurations"] =
            json!([{ "Id": crate::model::monitoring::S3_METRICS_FILTER }]);
    }

    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "infrapipe {}: serverless monitoring pipeline {} ({}). Generated; edit infrapipe.yaml, not this file.",
            env!("CARGO_PKG_VERSION"), p.stack_name, p.region
        ),
        "Parameters": code_version_parameters(),
        "Conditions": code_version_conditions(),
        "Resources": resources,
        "Outputs": outputs(p),
    })
}

/// The parameter that pins a function's code to one version of its object in the artifact
/// bucket. Only apply supplies it (from the upload it just checked); its empty default keeps
/// synth's output the same on every machine.
pub fn code_version_parameter(kind: FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Collector => "CollectorCodeVersion",
        FunctionKind::LogProcessor => "LogProcessorCodeVersion",
    }
}

fn code_version_condition(kind: FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Collector => "HasCollectorCodeVersion",
        FunctionKind::LogProcessor => "HasLogProcessorCodeVersion",
    }
}

fn code_version_parameters() -> Value {
    let mut m = Map::new();
    for kind in FunctionKind::ALL {
        m.insert(
            code_version_parameter(kind).to_owned(),
            json!({
                "Type": "String",
                "Default": "",
                "Description": format!("Version id of the {} code object in the artifact bucket (set by infrapipe apply; empty: the latest)", kind.source_dir()),
            }),
        );
    }
    Value::Object(m)
}

fn code_version_conditions() -> Value {
    let mut m = Map::new();
    for kind in FunctionKind::ALL {
        m.insert(
            code_version_condition(kind).to_owned(),
            json!({ "Fn::Not": [{ "Fn::Equals": [r#ref(code_version_parameter(kind)), ""] }] }),
        );
    }
    Value::Object(m)
}

/// Sorted keys, whatever map serde_json was built with (the core owns it; callers that render
/// reach it here).
pub use crate::cfn::canonical;

/// The template body to send to CloudFormation: compact JSON with sorted keys, which
/// CloudFormation parses like the pretty form and which fits more template in its size limit.
pub fn body(template: &Value) -> String {
    canonical(template).to_string()
}

/// The template as the bytes `synth` writes: pretty JSON, sorted keys, a final newline.
pub fn to_string(template: &Value) -> String {
    let mut s = serde_json::to_string_pretty(&canonical(template)).unwrap_or_default();
    s.push('\n');
    s
}

fn bucket(b: &Bucket) -> Value {
    let mut rules = vec![json!({
        "Id": "AbortIncompleteUploads",
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": b.abort_incomplete_upload_days },
    })];
    if let Some(days) = b.glacier_after_days {
        rules.push(json!({
            "Id": "TransitionToGlacier",
            "Status": "Enabled",
            "Transitions": [{ "StorageClass": "GLACIER", "TransitionInDays": days }],
        }));
    }
    if let Some(days) = b.expire_after_days {
        rules.push(json!({ "Id": "ExpireObjects", "Status": "Enabled", "ExpirationInDays": days }));
    }
    for r in &b.prefixed {
        let mut rule = json!({ "Id": r.id, "Status": "Enabled", "Prefix": r.prefix });
        if let Some(days) = r.glacier_after_days {
            rule["Transitions"] = json!([{ "StorageClass": "GLACIER", "TransitionInDays": days }]);
        }
        if let Some(days) = r.expire_after_days {
            rule["ExpirationInDays"] = json!(days);
        }
        rules.push(rule);
    }
    if let Some(days) = b.noncurrent_expire_days {
        rules.push(json!({
            "Id": "ExpireNoncurrentVersions",
            "Status": "Enabled",
            "NoncurrentVersionExpiration": { "NoncurrentDays": days },
        }));
    }
    let mut props = json!({
        "BucketName": sub(&b.name),
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [{
                "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" },
                "BucketKeyEnabled": true,
            }]
        },
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": true,
            "BlockPublicPolicy": true,
            "IgnorePublicAcls": true,
            "RestrictPublicBuckets": true,
        },
        "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
        "LifecycleConfiguration": { "Rules": rules },
    });
    if b.versioned {
        props["VersioningConfiguration"] = json!({ "Status": "Enabled" });
    }
    let mut resource = json!({
        "Type": "AWS::S3::Bucket",
        "Properties": props,
    });
    if let Some(n) = &b.notify {
        resource["Properties"]["NotificationConfiguration"] = json!({
            "LambdaConfigurations": [{
                "Event": "s3:ObjectCreated:*",
                "Function": get_att(n.function_logical_id, "Arn"),
                "Filter": { "S3Key": { "Rules": [{ "Name": "suffix", "Value": n.suffix }] } },
            }]
        });
        // The permission must exist before S3 validates the notification; no cycle, because
        // the permission names the bucket by its derived ARN, not by a reference.
        resource["DependsOn"] = json!([n.permission_logical_id]);
    }
    let policy = if b.retain { "Retain" } else { "Delete" };
    resource["DeletionPolicy"] = json!(policy);
    resource["UpdateReplacePolicy"] = json!(policy);
    resource
}

fn tls_only_policy(b: &Bucket) -> Value {
    json!({
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": r#ref(b.logical_id),
            "PolicyDocument": crate::model::iam::deny_insecure_transport(
                sub(&Names::bucket_arn(&b.name)),
                sub(&Names::objects_arn(&b.name, "*")),
            ),
        }
    })
}

fn table(t: &Table) -> Value {
    json!({
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "TableName": t.name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                { "AttributeName": t.partition_key, "AttributeType": "S" },
                { "AttributeName": t.sort_key, "AttributeType": "S" },
                { "AttributeName": t.gsi_partition_key, "AttributeType": "S" },
                { "AttributeName": t.gsi_sort_key, "AttributeType": "N" },
            ],
            "KeySchema": [
                { "AttributeName": t.partition_key, "KeyType": "HASH" },
                { "AttributeName": t.sort_key, "KeyType": "RANGE" },
            ],
            "GlobalSecondaryIndexes": [{
                "IndexName": t.gsi_name,
                "KeySchema": [
                    { "AttributeName": t.gsi_partition_key, "KeyType": "HASH" },
                    { "AttributeName": t.gsi_sort_key, "KeyType": "RANGE" },
                ],
                "Projection": { "ProjectionType": "ALL" },
            }],
            "TimeToLiveSpecification": { "AttributeName": t.ttl_attribute, "Enabled": true },
            "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": t.point_in_time_recovery },
            "SSESpecification": { "SSEEnabled": true },
            "DeletionProtectionEnabled": t.deletion_protection,
        }
    })
}

fn function(f: &Function) -> Value {
    let env: Map<String, Value> = f
        .environment
        .iter()
        .map(|(k, v)| ((*k).to_owned(), sub(v)))
        .collect();
    let mut skips = vec![
        json!({ "id": "CKV_AWS_117", "comment": "Reaches only public AWS endpoints (S3, DynamoDB, CloudWatch); a VPC would add NAT or endpoint cost and no isolation." }),
        json!({ "id": "CKV_AWS_173", "comment": "Environment holds only resource names, no secrets." }),
    ];
    if f.reserved_concurrency.is_none() {
        skips.push(json!({ "id": "CKV_AWS_115", "comment": "Reserved concurrency is off by default: new accounts often have a quota of 10 that must stay unreserved (collectors.reserved_concurrency)." }));
    }
    if f.dead_letter_queue.is_none() {
        skips.push(json!({ "id": "CKV_AWS_116", "comment": "Invoked synchronously by Step Functions, which retries and catches; a DLQ applies only to asynchronous invocations." }));
    }
    let mut props = json!({
        "FunctionName": f.name,
        "Runtime": f.runtime.as_str(),
        "Architectures": [f.architecture.as_str()],
        "Handler": f.handler,
        "MemorySize": f.memory_mb,
        "Timeout": f.timeout_seconds,
        "Role": get_att(f.role_logical_id, "Arn"),
        "Code": {
            "S3Bucket": sub(&f.code_bucket),
            "S3Key": f.code_key,
            "S3ObjectVersion": { "Fn::If": [
                code_version_condition(f.kind),
                r#ref(code_version_parameter(f.kind)),
                r#ref("AWS::NoValue"),
            ] },
        },
        "Environment": { "Variables": env },
        "LoggingConfig": { "LogGroup": r#ref(f.log_group_logical_id), "LogFormat": "JSON" },
    });
    if let Some(n) = f.reserved_concurrency {
        props["ReservedConcurrentExecutions"] = json!(n);
    }
    if let Some(q) = f.dead_letter_queue {
        props["DeadLetterConfig"] = json!({ "TargetArn": get_att(q, "Arn") });
    }
    json!({
        "Type": "AWS::Lambda::Function",
        "Metadata": { "checkov": { "skip": skips } },
        "Properties": props,
    })
}

fn state_machine(s: &StateMachine) -> Value {
    // ASL is JSON inside a string; sorted keys keep it stable too.
    let definition = serde_json::to_string_pretty(&canonical(&s.definition)).unwrap_or_default();
    json!({
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {
            "StateMachineName": s.name,
            "StateMachineType": "STANDARD",
            "RoleArn": get_att(s.role_logical_id, "Arn"),
            "DefinitionString": {
                "Fn::Sub": [definition, { "CollectorArn": get_att(ids::COLLECTOR, "Arn") }]
            },
            "LoggingConfiguration": {
                "Level": "ERROR",
                "IncludeExecutionData": false,
                "Destinations": [{
                    "CloudWatchLogsLogGroup": { "LogGroupArn": get_att(s.log_group_logical_id, "Arn") }
                }]
            },
        }
    })
}

fn schedule(s: &Schedule) -> Value {
    json!({
        "Type": "AWS::Scheduler::Schedule",
        "Properties": {
            "Name": s.name,
            "Description": "Starts one metrics collection run",
            "ScheduleExpression": s.expression.to_string(),
            "State": "ENABLED",
            "FlexibleTimeWindow": { "Mode": "OFF" },
            "Target": {
                "Arn": r#ref(s.target_logical_id),
                "RoleArn": get_att(s.role_logical_id, "Arn"),
                "Input": "{\"trigger\":\"schedule\",\"scheduled_time\":\"<aws.scheduler.scheduled-time>\"}",
                "RetryPolicy": {
                    "MaximumRetryAttempts": s.retry_attempts,
                    "MaximumEventAgeInSeconds": s.max_event_age_seconds,
                },
                "DeadLetterConfig": { "Arn": get_att(s.dead_letter_queue, "Arn") },
            },
        }
    })
}

fn topic_policy(p: &Pipeline) -> Value {
    let topic = r#ref(p.topic.logical_id);
    json!({
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "Topics": [topic],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AllowCloudWatchAlarmsOfThisAccount",
                        "Effect": "Allow",
                        "Principal": { "Service": "cloudwatch.amazonaws.com" },
                        "Action": "sns:Publish",
                        "Resource": topic,
                        "Condition": {
                            "StringEquals": { "aws:SourceAccount": r#ref("AWS::AccountId") },
                            "ArnLike": { "aws:SourceArn": sub(&Names::alarm_arns()) },
                        },
                    },
                    {
                        // An Allow alone still lets any principal of the account whose own
                        // policy allows sns:Publish; only an explicit Deny makes it exclusive.
                        "Sid": "DenyPublishByAnyoneElse",
                        "Effect": "Deny",
                        "Principal": { "AWS": "*" },
                        "Action": "sns:Publish",
                        "Resource": topic,
                        "Condition": {
                            "StringNotEquals": { "aws:PrincipalServiceName": "cloudwatch.amazonaws.com" }
                        },
                    },
                ]
            }
        }
    })
}

fn alarm(a: &Alarm, topic: &str) -> Value {
    let mut props = json!({
        "AlarmName": a.name,
        "AlarmDescription": a.description,
        "ComparisonOperator": match a.comparison {
            Comparison::GreaterThan => "GreaterThanThreshold",
            Comparison::LessThan => "LessThanThreshold",
            Comparison::OutsideBand => "LessThanLowerOrGreaterThanUpperThreshold",
        },
        "Threshold": a.threshold,
        "EvaluationPeriods": a.evaluation_periods,
        "DatapointsToAlarm": a.evaluation_periods,
        "TreatMissingData": match a.missing_data {
            MissingData::NotBreaching => "notBreaching",
            MissingData::Missing => "missing",
            MissingData::Breaching => "breaching",
        },
        "ActionsEnabled": true,
        "AlarmActions": [r#ref(topic)],
        "OKActions": [r#ref(topic)],
    });
    match &a.metric {
        AlarmMetric::Single {
            namespace,
            name,
            dimensions,
            statistic,
        } => {
            props["Namespace"] = json!(namespace);
            props["MetricName"] = json!(name);
            props["Dimensions"] = dimensions
                .iter()
                .map(|(k, v)| json!({ "Name": k, "Value": sub(v) }))
                .collect();
            props["Statistic"] = json!(statistic_name(*statistic));
            props["Period"] = json!(a.period_seconds);
        }
        AlarmMetric::TableThrottles { table } => {
            let metric = |id: &str, name: &str| {
                json!({
                    "Id": id,
                    "ReturnData": false,
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/DynamoDB",
                            "MetricName": name,
                            "Dimensions": [{ "Name": "TableName", "Value": table }],
                        },
                        "Period": a.period_seconds,
                        "Stat": "Sum",
                    }
                })
            };
            props["Metrics"] = json!([
                metric("reads", "ReadThrottleEvents"),
                metric("writes", "WriteThrottleEvents"),
                { "Id": "throttles", "Label": "DynamoDBThrottles", "Expression": "reads + writes", "ReturnData": true },
            ]);
        }
        AlarmMetric::AnomalyBand {
            namespace,
            name,
            dimensions,
            statistic,
            band_width,
        } => {
            // A band alarm compares with the band, not a number: no Threshold.
            if let Value::Object(m) = &mut props {
                m.remove("Threshold");
            }
            props["ThresholdMetricId"] = json!("band");
            props["Metrics"] = json!([
                {
                    "Id": "metric",
                    "ReturnData": true,
                    "MetricStat": {
                        "Metric": {
                            "Namespace": namespace,
                            "MetricName": name,
                            "Dimensions": dimensions_json(dimensions),
                        },
                        "Period": a.period_seconds,
                        "Stat": statistic_name(*statistic),
                    }
                },
                {
                    "Id": "band",
                    "Label": format!("{name} expected band"),
                    "Expression": format!("ANOMALY_DETECTION_BAND(metric, {band_width})"),
                    "ReturnData": true,
                },
            ]);
        }
    }
    json!({ "Type": "AWS::CloudWatch::Alarm", "Properties": props })
}

fn statistic_name(s: Statistic) -> &'static str {
    match s {
        Statistic::Sum => "Sum",
        Statistic::Maximum => "Maximum",
        Statistic::SampleCount => "SampleCount",
    }
}

fn dimensions_json(dimensions: &[(&str, Sub)]) -> Value {
    dimensions
        .iter()
        .map(|(k, v)| json!({ "Name": k, "Value": sub(v) }))
        .collect()
}

/// The dashboard, the anomaly detectors, the budget and the raw bucket's request metrics
/// (`model::monitoring`).
fn observability(p: &Pipeline, add: &mut impl FnMut(&str, Value)) {
    let o = &p.observability;
    if let Some(d) = &o.dashboard {
        add(
            d.logical_id,
            json!({
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {
                    "DashboardName": sub(&d.name),
                    "DashboardBody": sub(&d.body),
                }
            }),
        );
    }
    for d in &o.anomaly_detectors {
        add(
            d.logical_id,
            json!({
                "Type": "AWS::CloudWatch::AnomalyDetector",
                "Properties": {
                    "SingleMetricAnomalyDetector": {
                        "Namespace": d.namespace,
                        "MetricName": d.metric_name,
                        "Dimensions": dimensions_json(&d.dimensions),
                        "Stat": statistic_name(d.statistic),
                    }
                }
            }),
        );
    }
    // The limit is the config's or the estimate's (`commands::build` fills it); a model built
    // without either renders no budget rather than a made-up amount.
    if let Some((b, limit)) = o.budget.as_ref().and_then(|b| Some((b, b.limit_usd?))) {
        let notification = |kind: &str| {
            json!({
                "Notification": {
                    "NotificationType": kind,
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 100,
                    "ThresholdType": "PERCENTAGE",
                },
                "Subscribers": b.emails
                    .iter()
                    .map(|e| json!({ "SubscriptionType": "EMAIL", "Address": e }))
                    .collect::<Vec<_>>(),
            })
        };
        add(
            b.logical_id,
            json!({
                "Type": "AWS::Budgets::Budget",
                "Properties": {
                    "Budget": {
                        "BudgetName": b.name,
                        "BudgetType": "COST",
                        "TimeUnit": "MONTHLY",
                        "BudgetLimit": { "Amount": limit, "Unit": "USD" },
                        "CostFilters": {
                            "TagKeyValue": [format!("user:{}${}", b.tag.0, b.tag.1)]
                        },
                    },
                    "NotificationsWithSubscribers": [notification("ACTUAL"), notification("FORECASTED")],
                }
            }),
        );
    }
}

fn analytics(p: &Pipeline, add: &mut impl FnMut(&str, Value)) {
    let a = &p.analytics;
    let location = format!("s3://{}/", p.names.raw_bucket);
    let template = format!(
        "s3://{}/year=${{!year}}/month=${{!month}}/day=${{!day}}/hour=${{!hour}}/",
        p.names.raw_bucket
    );
    add(
        a.database_logical_id,
        json!({
            "Type": "AWS::Glue::Database",
            "Properties": {
                "CatalogId": r#ref("AWS::AccountId"),
                "DatabaseInput": { "Name": a.database, "Description": "infrapipe raw metrics" },
            }
        }),
    );
    let columns: Vec<Value> = a
        .columns
        .iter()
        .map(|c| json!({ "Name": c.name, "Type": c.kind }))
        .collect();
    let partitions: Vec<Value> = a
        .partition_keys
        .iter()
        .map(|k| json!({ "Name": k, "Type": "string" }))
        .collect();
    add(
        a.table_logical_id,
        json!({
            "Type": "AWS::Glue::Table",
            "Properties": {
                "CatalogId": r#ref("AWS::AccountId"),
                "DatabaseName": r#ref(a.database_logical_id),
                "TableInput": {
                    "Name": a.table,
                    "TableType": "EXTERNAL_TABLE",
                    "Parameters": {
                        "classification": "json",
                        // Partition projection: Athena computes partitions from the key layout,
                        // so there is no crawler and no MSCK REPAIR.
                        "projection.enabled": "true",
                        "projection.year.type": "integer",
                        "projection.year.range": format!("{},2099", a.projection_first_year),
                        "projection.month.type": "integer",
                        "projection.month.range": "1,12",
                        "projection.month.digits": "2",
                        "projection.day.type": "integer",
                        "projection.day.range": "1,31",
                        "projection.day.digits": "2",
                        "projection.hour.type": "integer",
                        "projection.hour.range": "0,23",
                        "projection.hour.digits": "2",
                        "storage.location.template": { "Fn::Sub": template },
                    },
                    "PartitionKeys": partitions,
                    "StorageDescriptor": {
                        "Columns": columns,
                        "Location": { "Fn::Sub": location },
                        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                        "SerdeInfo": {
                            "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
                            "Parameters": { "ignore.malformed.json": "true" },
                        },
                    },
                },
            }
        }),
    );
    add(
        a.workgroup_logical_id,
        json!({
            "Type": "AWS::Athena::WorkGroup",
            "Properties": {
                "Name": a.workgroup,
                "Description": "infrapipe queries over the raw metrics",
                "State": "ENABLED",
                "RecursiveDeleteOption": true,
                "WorkGroupConfiguration": {
                    "EnforceWorkGroupConfiguration": true,
                    "PublishCloudWatchMetricsEnabled": true,
                    "BytesScannedCutoffPerQuery": a.bytes_scanned_cutoff,
                    "EngineVersion": { "SelectedEngineVersion": "Athena engine version 3" },
                    "ResultConfiguration": {
                        "OutputLocation": { "Fn::Sub": format!("s3://{}/results/", p.names.results_bucket) },
                        "EncryptionConfiguration": { "EncryptionOption": "SSE_S3" },
                    },
                },
            }
        }),
    );
    for q in &a.named_queries {
        add(
            &q.logical_id,
            json!({
                "Type": "AWS::Athena::NamedQuery",
                "Properties": {
                    "Name": q.name,
                    "Description": q.description,
                    "Database": r#ref(a.database_logical_id),
                    "WorkGroup": r#ref(a.workgroup_logical_id),
                    "QueryString": q.sql,
                }
            }),
        );
    }
}

/// The Parquet table, the view over both tables, the compaction state machine and its schedule
/// (`model::analytics`).
fn compaction(p: &Pipeline, add: &mut impl FnMut(&str, Value)) {
    let a = &p.analytics;
    let c = &p.compaction;
    let columns: Vec<Value> = a
        .columns
        .iter()
        .map(|c| json!({ "Name": c.name, "Type": c.kind }))
        .collect();
    // Partitioned by day: a 30-day backfill is 30 partitions, under Athena's 100 per write.
    let day_keys = ["year", "month", "day"];
    let partitions: Vec<Value> = day_keys
        .iter()
        .map(|k| json!({ "Name": k, "Type": "string" }))
        .collect();
    let root = format!(
        "s3://{}/{}",
        p.names.raw_bucket,
        analytics::COMPACTED_PREFIX
    );
    add(
        c.parquet_table_logical_id,
        json!({
            "Type": "AWS::Glue::Table",
            "Properties": {
                "CatalogId": r#ref("AWS::AccountId"),
                "DatabaseName": r#ref(a.database_logical_id),
                "TableInput": {
                    "Name": c.parquet_table,
                    "TableType": "EXTERNAL_TABLE",
                    "Parameters": {
                        "classification": "parquet",
                        "parquet.compression": "ZSTD",
                        "projection.enabled": "true",
                        "projection.year.type": "integer",
                        "projection.year.range": format!("{},2099", a.projection_first_year),
                        "projection.month.type": "integer",
                        "projection.month.range": "1,12",
                        "projection.month.digits": "2",
                        "projection.day.type": "integer",
                        "projection.day.range": "1,31",
                        "projection.day.digits": "2",
                        "storage.location.template": { "Fn::Sub": format!("{root}year=${{!year}}/month=${{!month}}/day=${{!day}}/") },
                    },
                    "PartitionKeys": partitions,
                    "StorageDescriptor": {
                        "Columns": columns,
                        "Location": { "Fn::Sub": root },
                        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                        "SerdeInfo": {
                            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                        },
                    },
                },
            }
        }),
    );
    let mut view_columns: Vec<(&str, &str)> = a.columns.iter().map(|c| (c.name, c.kind)).collect();
    view_columns.extend(day_keys.iter().map(|k| (*k, "string")));
    let view_column_values: Vec<Value> = view_columns
        .iter()
        .map(|(name, kind)| json!({ "Name": name, "Type": kind }))
        .collect();
    add(
        c.view_logical_id,
        json!({
            "Type": "AWS::Glue::Table",
            "DependsOn": [c.parquet_table_logical_id, a.table_logical_id],
            "Properties": {
                "CatalogId": r#ref("AWS::AccountId"),
                "DatabaseName": r#ref(a.database_logical_id),
                "TableInput": {
                    "Name": c.view,
                    "TableType": "VIRTUAL_VIEW",
                    "Parameters": { "presto_view": "true", "comment": "Presto View" },
                    "ViewOriginalText": analytics::presto_view_text(&c.view_sql, &a.database, &view_columns),
                    "ViewExpandedText": "/* Presto View */",
                    "StorageDescriptor": { "Columns": view_column_values },
                },
            }
        }),
    );
    // ASL is JSON inside a string; sorted keys keep it stable too.
    let definition = serde_json::to_string_pretty(&canonical(&c.definition)).unwrap_or_default();
    add(
        c.state_machine_logical_id,
        json!({
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": c.state_machine,
                "StateMachineType": "STANDARD",
                "RoleArn": get_att(c.role_logical_id, "Arn"),
                "DefinitionString": { "Fn::Sub": definition },
                // Said, not left out: AWS reports a state machine without logging as OFF, so
                // drift would read an absent setting as changed. Failures alarm instead.
                "LoggingConfiguration": { "Level": "OFF", "IncludeExecutionData": false },
            }
        }),
    );
    add(
        c.schedule_logical_id,
        json!({
            "Type": "AWS::Scheduler::Schedule",
            "Properties": {
                "Name": c.schedule,
                "Description": "Starts the daily compaction of yesterday's raw JSON to Parquet",
                "ScheduleExpression": c.schedule_expression,
                "ScheduleExpressionTimezone": "UTC",
                "State": "ENABLED",
                "FlexibleTimeWindow": { "Mode": "OFF" },
                "Target": {
                    "Arn": r#ref(c.state_machine_logical_id),
                    "RoleArn": get_att(c.schedule_role_logical_id, "Arn"),
                    "Input": "{\"trigger\":\"schedule\",\"scheduled_time\":\"<aws.scheduler.scheduled-time>\"}",
                    "RetryPolicy": {
                        "MaximumRetryAttempts": p.schedule.retry_attempts,
                        "MaximumEventAgeInSeconds": p.schedule.max_event_age_seconds,
                    },
                    "DeadLetterConfig": { "Arn": get_att(c.dead_letter_queue, "Arn") },
                },
            }
        }),
    );
}

fn statement(s: &Statement) -> Value {
    let mut v = json!({
        "Sid": s.sid,
        "Effect": "Allow",
        "Action": s.actions,
        "Resource": match &s.resources {
            Some(r) => r.iter().map(sub).collect::<Vec<_>>().into(),
            None => json!("*"),
        },
    });
    if !s.condition.is_empty() {
        let cond: Map<String, Value> = s
            .condition
            .iter()
            .map(|(op, kv)| {
                let inner: Map<String, Value> =
                    kv.iter().map(|(k, v)| ((*k).to_owned(), sub(v))).collect();
                ((*op).to_owned(), Value::Object(inner))
            })
            .collect();
        v["Condition"] = Value::Object(cond);
    }
    v
}

fn iam_role(role: &Role, names: &Names) -> Value {
    let trust = match role.actor.service_principal() {
        Some(service) => {
            let mut condition =
                json!({ "StringEquals": { "aws:SourceAccount": r#ref("AWS::AccountId") } });
            if let Some(source) = role.actor.trust_source_arn(names) {
                condition["ArnLike"] = json!({ "aws:SourceArn": sub(&source) });
            }
            json!({
                "Effect": "Allow",
                "Principal": { "Service": service },
                "Action": "sts:AssumeRole",
                "Condition": condition,
            })
        }
        None => json!({
            "Effect": "Allow",
            "Principal": { "AWS": role.principals },
            "Action": "sts:AssumeRole",
        }),
    };
    let description = match role.actor {
        Actor::Scheduler => "EventBridge Scheduler starts the collection state machine",
        Actor::StateMachine => "Step Functions invokes the collector and delivers its logs",
        Actor::Collector => "Collector writes raw metrics to S3 and CloudWatch",
        Actor::LogProcessor => "Log processor reads raw objects and writes the metrics table",
        Actor::Analyst => "People and dashboards query the metrics with Athena",
        Actor::Compactor => "Step Functions has Athena rewrite each day's raw JSON as Parquet",
    };
    let statements: Vec<Value> = role.statements.iter().map(statement).collect();
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": description,
            "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [trust] },
            "Policies": [{
                "PolicyName": "least-privilege",
                "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
            }],
        }
    })
}

/// What an output gives of its resource.
enum Of {
    Name,
    Arn,
}

/// The stack's outputs: each resource's name or ARN, spelled as its type's facts say (`Ref`
/// where that gives the value, else `Fn::GetAtt`).
fn outputs(p: &Pipeline) -> Value {
    let identities = p.identities();
    let mut wanted = vec![
        (
            "RawBucketName",
            "Raw metrics bucket",
            p.raw_bucket.logical_id,
            Of::Name,
        ),
        (
            "AthenaResultsBucketName",
            "Athena query results bucket",
            p.results_bucket.logical_id,
            Of::Name,
        ),
        (
            "MetricsTableName",
            "DynamoDB metrics table",
            p.table.logical_id,
            Of::Name,
        ),
        (
            "StateMachineArn",
            "Collection state machine",
            p.state_machine.logical_id,
            Of::Arn,
        ),
        (
            "ScheduleName",
            "Collection schedule",
            p.schedule.logical_id,
            Of::Name,
        ),
        (
            "AlertsTopicArn",
            "Alarm notifications topic",
            p.topic.logical_id,
            Of::Arn,
        ),
        (
            "AthenaWorkGroupName",
            "Athena workgroup",
            p.analytics.workgroup_logical_id,
            Of::Name,
        ),
        (
            "GlueDatabaseName",
            "Glue database",
            p.analytics.database_logical_id,
            Of::Name,
        ),
    ];
    let function_outputs: Vec<String> = p
        .functions
        .iter()
        .map(|f| format!("{}Name", f.logical_id))
        .collect();
    for (f, key) in p.functions.iter().zip(&function_outputs) {
        wanted.push((key, "Lambda function", f.logical_id, Of::Name));
    }
    if p.roles.iter().any(|r| r.actor == Actor::Analyst) {
        wanted.push((
            "AnalyticsQueryRoleArn",
            "Role to assume for Athena queries",
            Actor::Analyst.role_logical_id(),
            Of::Arn,
        ));
    }
    let mut out = Map::new();
    for (key, description, id, of) in wanted {
        let value = identities.get(id).and_then(|i: &Identity| match of {
            Of::Name => i.resource_type.name_expression(id),
            Of::Arn => i.resource_type.arn_expression(id),
        });
        // Every output above names a resource that has the value asked for; the golden
        // template (tests/golden.rs) fails if one ever stops having it.
        if let Some(value) = value {
            out.insert(
                key.to_owned(),
                json!({ "Description": description, "Value": value }),
            );
        }
    }
    Value::Object(out)
}

// ---- Security: the customer-managed key, S3 access logs, and checkov's recorded skips ----

use crate::model::security::{AccessLogs, Key};

/// The key's ARN as the template gives it: `Fn::GetAtt` for the stack's own key, the literal
/// ARN for a key of yours.
fn key_arn(key: &Key) -> Value {
    match key {
        Key::Created { logical_id, .. } => get_att(logical_id, "Arn"),
        Key::Existing(arn) => json!(arn),
    }
}

/// Records a checkov check this resource is exempt from, with why, where checkov reads it.
fn skip(resource: &mut Value, rule: &str, reason: &str) {
    let list = &mut resource["Metadata"]["checkov"]["skip"];
    if !list.is_array() {
        *list = json!([]);
    }
    if let Some(items) = list.as_array_mut() {
        items.push(json!({ "id": rule, "comment": reason }));
    }
}

/// Applies the `security:` section to the rendered resources: the key on every store of data
/// (or the recorded reason for AWS-owned keys), access logging of the two buckets, and the
/// key, its alias and the log bucket themselves. Also the deletion policies of the log groups
/// and queues, which cfn-lint's I3011 asks to be stated.
fn security(p: &Pipeline, resources: &mut Map<String, Value>) {
    let key = p.security.key.as_ref();
    let arn = key.map(key_arn);
    let buckets = [&p.raw_bucket, &p.results_bucket];
    for b in buckets {
        let Some(r) = resources.get_mut(b.logical_id) else {
            continue;
        };
        if let Some(arn) = &arn {
            r["Properties"]["BucketEncryption"] = json!({
                "ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": { "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": arn },
                    // One data key per bucket for a while instead of one KMS call per object.
                    "BucketKeyEnabled": true,
                }]
            });
        }
        match &p.security.access_logs {
            Some(logs) => {
                if let Some((_, _, prefix)) =
                    logs.sources.iter().find(|(id, ..)| *id == b.logical_id)
                {
                    r["Properties"]["LoggingConfiguration"] = json!({
                        "DestinationBucketName": r#ref(logs.logical_id),
                        "LogFilePrefix": prefix,
                    });
                    // Logs are delivered from the first request only once S3 may write them.
                    let policy = json!(identity::bucket_policy_logical_id(logs.logical_id));
                    match r["DependsOn"].as_array_mut() {
                        Some(list) => list.push(policy),
                        None => r["DependsOn"] = json!([policy]),
                    }
                }
            }
            None => skip(
                r,
                "CKV_AWS_18",
                "Server access logging is off by default (it adds a log bucket per region); `security.access_logs: true` turns it on, and CloudTrail data events are the audit trail where required.",
            ),
        }
    }
    if let Some(r) = resources.get_mut(p.results_bucket.logical_id) {
        skip(
            r,
            "CKV_AWS_21",
            "Query results are re-creatable output that expire after analytics.results_retention_days; versions would keep every expired result, and `destroy` empties this bucket by key before deleting it.",
        );
    }
    if let Some(r) = resources.get_mut(p.table.logical_id) {
        match &arn {
            Some(arn) => {
                r["Properties"]["SSESpecification"] =
                    json!({ "SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": arn })
            }
            None => skip(
                r,
                "CKV_AWS_119",
                "Encrypted at rest with DynamoDB's AWS-owned key; `security.kms` selects a customer-managed key.",
            ),
        }
    }
    for q in &p.queues {
        let Some(r) = resources.get_mut(q.logical_id) else {
            continue;
        };
        match &arn {
            Some(arn) => {
                if let Some(props) = r["Properties"].as_object_mut() {
                    // SQS-managed SSE and a KMS key exclude each other.
                    props.remove("SqsManagedSseEnabled");
                    props.insert("KmsMasterKeyId".into(), arn.clone());
                }
            }
            None => skip(
                r,
                "CKV_AWS_27",
                "False positive: the queue is encrypted with SQS-managed SSE (SqsManagedSseEnabled), which this check does not read; `security.kms` selects a customer-managed key.",
            ),
        }
        // Dead letters are kept for redrive while the stack lives; a retained named queue
        // would make the next create of the stack fail with "already exists".
        r["DeletionPolicy"] = json!("Delete");
        r["UpdateReplacePolicy"] = json!("Delete");
    }
    for g in &p.log_groups {
        let Some(r) = resources.get_mut(g.logical_id) else {
            continue;
        };
        match &arn {
            Some(arn) => r["Properties"]["KmsKeyId"] = arn.clone(),
            None => skip(
                r,
                "CKV_AWS_158",
                "CloudWatch Logs encrypts log data at rest with its own keys; `security.kms` selects a customer-managed key.",
            ),
        }
        // Diagnostics that expire with their retention anyway; a retained named group would
        // make the next create of the stack fail with "already exists".
        r["DeletionPolicy"] = json!("Delete");
        r["UpdateReplacePolicy"] = json!("Delete");
    }
    if let Some(r) = resources.get_mut(p.topic.logical_id) {
        match &arn {
            Some(arn) => r["Properties"]["KmsMasterKeyId"] = arn.clone(),
            None => skip(
                r,
                "CKV_AWS_26",
                "Encrypted with SSE it would need a customer-managed KMS key (CloudWatch alarms cannot publish to a topic encrypted with alias/aws/sns, so alerts would silently stop): `security.kms` gives it one. Alarm notifications carry no sensitive data.",
            ),
        }
    }
    if let (Some(arn), Some(r)) = (&arn, resources.get_mut(p.analytics.workgroup_logical_id)) {
        r["Properties"]["WorkGroupConfiguration"]["ResultConfiguration"]["EncryptionConfiguration"] =
            json!({ "EncryptionOption": "SSE_KMS", "KmsKey": arn });
    }
    if let Some(Key::Created {
        logical_id,
        alias_logical_id,
        alias,
        log_groups,
    }) = key
    {
        resources.insert((*logical_id).to_owned(), created_key(p, log_groups));
        resources.insert(
            (*alias_logical_id).to_owned(),
            json!({
                "Type": "AWS::KMS::Alias",
                "Properties": { "AliasName": alias, "TargetKeyId": r#ref(logical_id) },
            }),
        );
    }
    if let Some(logs) = &p.security.access_logs {
        resources.insert(logs.logical_id.to_owned(), access_log_bucket(logs));
        resources.insert(
            identity::bucket_policy_logical_id(logs.logical_id),
            access_log_policy(logs),
        );
    }
}

/// The key the stack creates: rotated yearly, retained (the data it encrypts outlives the
/// stack), usable only by CloudWatch Logs for the pipeline's log groups, by CloudWatch alarms
/// for the topic, and by the account's principals through S3, DynamoDB and SQS.
fn created_key(p: &Pipeline, log_groups: &[Sub]) -> Value {
    let account = || json!({ "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" });
    let via: Vec<Value> = ["s3", "dynamodb", "sqs"]
        .iter()
        .map(|s| json!({ "Fn::Sub": format!("{s}.${{AWS::Region}}.amazonaws.com") }))
        .collect();
    let groups: Vec<Value> = log_groups.iter().map(sub).collect();
    json!({
        "Type": "AWS::KMS::Key",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": format!(
                "infrapipe {}: encrypts the pipeline's buckets, table, queues, log groups and alerts topic",
                p.stack_name
            ),
            "EnableKeyRotation": true,
            "KeySpec": "SYMMETRIC_DEFAULT",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        // Administration only: using the key goes through the statements below.
                        "Sid": "AdministerByTheAccount",
                        "Effect": "Allow",
                        "Principal": { "AWS": account() },
                        "Action": [
                            "kms:CancelKeyDeletion", "kms:Create*", "kms:Delete*", "kms:Describe*",
                            "kms:Disable*", "kms:Enable*", "kms:Get*", "kms:List*", "kms:Put*",
                            "kms:Revoke*", "kms:ScheduleKeyDeletion", "kms:TagResource",
                            "kms:UntagResource", "kms:Update*",
                        ],
                        "Resource": "*",
                    },
                    {
                        "Sid": "UseThroughThePipelinesServices",
                        "Effect": "Allow",
                        "Principal": { "AWS": account() },
                        "Action": [
                            "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt",
                            "kms:GenerateDataKey*", "kms:ReEncrypt*",
                        ],
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {
                                "kms:CallerAccount": r#ref("AWS::AccountId"),
                                "kms:ViaService": via,
                            }
                        },
                    },
                    {
                        "Sid": "CloudWatchLogsEncryptsThePipelinesLogGroups",
                        "Effect": "Allow",
                        "Principal": { "Service": { "Fn::Sub": "logs.${AWS::Region}.amazonaws.com" } },
                        "Action": [
                            "kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*",
                            "kms:ReEncrypt*",
                        ],
                        "Resource": "*",
                        "Condition": { "ArnEquals": { "kms:EncryptionContext:aws:logs:arn": groups } },
                    },
                    {
                        // What CloudWatch needs to publish alarm notifications to a topic
                        // encrypted with this key (the SNS developer guide's key policy for
                        // CloudWatch); the topic policy pins which alarms may publish.
                        "Sid": "CloudWatchAlarmsPublishToTheEncryptedTopic",
                        "Effect": "Allow",
                        "Principal": { "Service": "cloudwatch.amazonaws.com" },
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                        "Resource": "*",
                    },
                ]
            },
        }
    })
}

/// The bucket S3 writes the raw and results buckets' access logs to. SSE-S3: a log target
/// cannot use SSE-KMS.
fn access_log_bucket(logs: &AccessLogs) -> Value {
    json!({
        "Type": "AWS::S3::Bucket",
        // Access logs are the audit trail of the data; they outlive the stack like the data.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Metadata": { "checkov": { "skip": [
            { "id": "CKV_AWS_18", "comment": "This is the access-log bucket: logging its own accesses into itself would loop." },
            { "id": "CKV_AWS_21", "comment": "S3 writes each log object once and never overwrites it; the lifecycle expires them, and versions would only keep expired logs." },
        ] } },
        "Properties": {
            "BucketName": sub(&logs.name),
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" },
                }]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": true,
                "BlockPublicPolicy": true,
                "IgnorePublicAcls": true,
                "RestrictPublicBuckets": true,
            },
            // No ACLs: S3's log delivery is allowed by the bucket policy instead.
            "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
            "LifecycleConfiguration": { "Rules": [
                { "Id": "ExpireAccessLogs", "Status": "Enabled", "ExpirationInDays": logs.expire_after_days },
                { "Id": "AbortIncompleteUploads", "Status": "Enabled", "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 1 } },
            ] },
        }
    })
}

/// TLS only, and S3's logging service may put objects under each source bucket's prefix, on
/// behalf of those buckets of this account only.
fn access_log_policy(logs: &AccessLogs) -> Value {
    let mut document = crate::model::iam::deny_insecure_transport(
        sub(&Names::bucket_arn(&logs.name)),
        sub(&Names::objects_arn(&logs.name, "*")),
    );
    let prefixes: Vec<Value> = logs
        .sources
        .iter()
        .map(|(_, _, prefix)| sub(&Names::objects_arn(&logs.name, &format!("{prefix}*"))))
        .collect();
    let sources: Vec<Value> = logs
        .sources
        .iter()
        .map(|(_, name, _)| sub(&Names::bucket_arn(name)))
        .collect();
    if let Some(statements) = document["Statement"].as_array_mut() {
        statements.push(json!({
            "Sid": "S3ServerAccessLogsOfThePipelinesBuckets",
            "Effect": "Allow",
            "Principal": { "Service": "logging.s3.amazonaws.com" },
            "Action": "s3:PutObject",
            "Resource": prefixes,
            "Condition": {
                "StringEquals": { "aws:SourceAccount": r#ref("AWS::AccountId") },
                "ArnLike": { "aws:SourceArn": sources },
            },
        }));
    }
    json!({
        "Type": "AWS::S3::BucketPolicy",
        "Properties": { "Bucket": r#ref(logs.logical_id), "PolicyDocument": document },
    })
}
