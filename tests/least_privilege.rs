//! The least-privilege rules (docs/architecture.md, "The rules the template is held to"), proved on
//! rendered templates: the default example and a config that turns on every optional edge.

mod common;
use common::*;
use infrapipe::model::iam::LOG_DELIVERY_ACTIONS;
use serde_json::{Value, json};

const FULL: &str = "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1]\nnotifications:\n  emails: [ops@example.com]\ncollectors:\n  mode: cloudwatch\n  instance_tags: {Team: sre}\nanalytics:\n  query_principals: ['arn:aws:iam::123456789012:role/Analysts']\n";

fn templates() -> Vec<Value> {
    vec![example(), render(FULL)]
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
