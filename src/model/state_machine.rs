//! The collection workflow in Amazon States Language: one Parallel state with a branch per
//! metric type, each a Lambda task with Retry and a Catch to a failure state.

use crate::config::MetricType;
use serde_json::{Value, json};

/// Errors worth retrying: Lambda's transient service errors, throttling, and a handler failure
/// (the collector is idempotent: a retry overwrites the same S3 key).
const RETRY_ON: &[&str] = &[
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ServiceException",
    "Lambda.TooManyRequestsException",
    "States.TaskFailed",
    "States.Timeout",
];

pub const PARALLEL_STATE: &str = "CollectMetrics";
pub const SUCCEEDED_STATE: &str = "CollectionSucceeded";
pub const FAILED_STATE: &str = "CollectionFailed";
pub const RETRY_ATTEMPTS: u32 = 2;

pub fn task_state(metric: MetricType) -> String {
    format!("Collect{}Metrics", metric.title())
}

pub fn branch_failed_state(metric: MetricType) -> String {
    format!("{}CollectionFailed", metric.title())
}

/// The definition; `${CollectorArn}` is left for `Fn::Sub`.
pub fn definition(metrics: &[MetricType], task_timeout_seconds: u32) -> Value {
    let branches: Vec<Value> = metrics
        .iter()
        .map(|&m| {
            let task = task_state(m);
            let failed = branch_failed_state(m);
            json!({
                "StartAt": task,
                "States": {
                    task.clone(): {
                        "Type": "Task",
                        "Resource": "arn:${AWS::Partition}:states:::lambda:invoke",
                        "Parameters": {
                            "FunctionName": "${CollectorArn}",
                            "Payload": {
                                "metric_type": m.as_str(),
                                "time.$": "$$.Execution.StartTime"
                            }
                        },
                        "OutputPath": "$.Payload",
                        "TimeoutSeconds": task_timeout_seconds,
                        "Retry": [{
                            // Bad input (the handler's ValueError) fails the same way every time.
                            "ErrorEquals": ["ValueError"],
                            "MaxAttempts": 0
                        }, {
                            "ErrorEquals": RETRY_ON,
                            "IntervalSeconds": 2,
                            "MaxAttempts": RETRY_ATTEMPTS,
                            "BackoffRate": 2.0,
                            "JitterStrategy": "FULL"
                        }],
                        "Catch": [{
                            "ErrorEquals": ["States.ALL"],
                            "ResultPath": "$.error",
                            "Next": failed.clone()
                        }],
                        "End": true
                    },
                    failed: {
                        "Type": "Fail",
                        "Error": format!("{}CollectionFailed", m.title()),
                        "Cause": format!("collecting {} metrics failed after retries", m.as_str())
                    }
                }
            })
        })
        .collect();
    json!({
        "Comment": "Collect every metric type in parallel; any branch failure fails the run",
        "StartAt": PARALLEL_STATE,
        "States": {
            PARALLEL_STATE: {
                "Type": "Parallel",
                "Branches": branches,
                "Next": SUCCEEDED_STATE,
                "Catch": [{
                    "ErrorEquals": ["States.ALL"],
                    "ResultPath": "$.error",
                    "Next": FAILED_STATE
                }]
            },
            SUCCEEDED_STATE: { "Type": "Succeed" },
            FAILED_STATE: {
                "Type": "Fail",
                "Error": "CollectionFailed",
                "Cause": "at least one metric type could not be collected"
            }
        }
    })
}

/// States entered by one successful run with no retries: the Parallel, each branch's task, and
/// the final Succeed (Step Functions bills each as a transition).
pub fn transitions_per_run(definition: &Value) -> u64 {
    let states = definition.get("States").and_then(Value::as_object);
    let Some(states) = states else { return 0 };
    let branch_tasks: u64 = states
        .values()
        .filter_map(|s| s.get("Branches").and_then(Value::as_array))
        .flatten()
        .map(|b| {
            b.get("States")
                .and_then(Value::as_object)
                .map(|s| s.values().filter(|v| v["Type"] == "Task").count() as u64)
                .unwrap_or(0)
        })
        .sum();
    let top: u64 = states
        .values()
        .filter(|s| s["Type"] == "Parallel" || s["Type"] == "Succeed")
        .count() as u64;
    top + branch_tasks
}
