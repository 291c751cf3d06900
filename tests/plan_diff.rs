//! The diff engine on template pairs: each action kind, CloudFormation's replacement rules, IAM
//! broadening, and the noise that must never show. Rendered output is snapshotted, colours off.

mod common;
use common::*;
use infrapipe::plan::render::text;
use infrapipe::plan::{Action, Plan, diff};
use infrapipe::style::Style;
use serde_json::{Value, json};

fn plan(before: Option<&Value>, after: &Value) -> Plan {
    diff(
        "infra-monitoring-prod",
        "us-east-1",
        before.map(|_| "UPDATE_COMPLETE"),
        before,
        after,
    )
}

fn render(p: &Plan) -> String {
    text(p, Style::PLAIN)
}

fn edit(t: &Value, f: impl FnOnce(&mut Value)) -> Value {
    let mut t = t.clone();
    f(&mut t["Resources"]);
    t
}

#[test]
fn identical_templates_have_no_changes() {
    let t = example();
    let p = plan(Some(&t), &t);
    assert!(!p.has_changes());
    insta::assert_snapshot!(render(&p));
}

#[test]
fn a_threshold_change_is_one_update_of_one_path() {
    let before = example();
    let after = edit(&before, |r| {
        r["HighCpuAlarm"]["Properties"]["Threshold"] = json!(85.0)
    });
    let p = plan(Some(&before), &after);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn a_resource_only_deployed_is_a_delete_and_only_rendered_a_create() {
    let before = edit(&example(), |r| {
        r["Legacy"] = json!({ "Type": "AWS::SQS::Queue", "Properties": { "QueueName": "old" } });
        if let Some(m) = r.as_object_mut() {
            m.remove("ScheduleDeadLetterQueue");
        }
    });
    let p = plan(Some(&before), &example());
    let actions: Vec<(&str, Action)> = p
        .changes
        .iter()
        .map(|c| (c.logical_id.as_str(), c.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("Legacy", Action::Delete),
            ("ScheduleDeadLetterQueue", Action::Create)
        ]
    );
}

#[test]
fn renaming_the_bucket_replaces_it_and_warns_of_data_loss() {
    let before = example();
    let after = edit(&before, |r| {
        r["RawMetricsBucket"]["Properties"]["BucketName"] =
            json!({ "Fn::Sub": "renamed-${AWS::AccountId}" })
    });
    let p = plan(Some(&before), &after);
    assert_eq!(p.changes[0].action, Action::Replace);
    assert!(p.changes[0].data_loss);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn changing_the_table_key_replaces_the_table() {
    let before = example();
    let after = edit(&before, |r| {
        r["MetricsTable"]["Properties"]["KeySchema"][1]["AttributeName"] = json!("sk")
    });
    let p = plan(Some(&before), &after);
    assert_eq!(p.changes[0].action, Action::Replace);
    assert_eq!(p.summary.add, 1);
    assert_eq!(p.summary.destroy, 1);
}

#[test]
fn a_type_change_is_a_replacement() {
    let before = edit(&example(), |r| {
        r["ScheduleDeadLetterQueue"]["Type"] = json!("AWS::SNS::Topic")
    });
    let p = plan(Some(&before), &example());
    assert_eq!(p.changes[0].action, Action::Replace);
}

#[test]
fn reordered_iam_statements_and_actions_are_no_change() {
    let before = example();
    let after = edit(&before, |r| {
        let doc = &mut r["StateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"];
        if let Some(s) = doc["Statement"].as_array_mut() {
            s.reverse();
            for st in s.iter_mut() {
                if let Some(a) = st["Action"].as_array_mut() {
                    a.reverse();
                }
            }
        }
    });
    assert!(!plan(Some(&before), &after).has_changes());
}

#[test]
fn numbers_written_as_strings_are_no_change() {
    let before = edit(&example(), |r| {
        r["CollectorFunction"]["Properties"]["Timeout"] = json!("30");
        r["HighCpuAlarm"]["Properties"]["Threshold"] = json!("80");
    });
    assert!(!plan(Some(&before), &example()).has_changes());
}

#[test]
fn unchanged_lambda_code_is_no_change() {
    // The code key is the zip's content hash: rendering again yields the same key.
    assert!(!plan(Some(&example()), &example()).has_changes());
}

#[test]
fn an_added_iam_action_is_reported_as_broadening() {
    let before = example();
    let after = edit(&before, |r| {
        r["CollectorRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] =
            json!(["s3:PutObject", "s3:DeleteObject"]);
    });
    let p = plan(Some(&before), &after);
    assert!(p.broadens_access);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn removing_an_iam_statement_narrows_access() {
    let before = example();
    let after = edit(&before, |r| {
        if let Some(s) =
            r["CollectorRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                .as_array_mut()
        {
            s.pop();
        }
    });
    let p = plan(Some(&before), &after);
    assert!(!p.iam_changes.is_empty());
    assert!(!p.broadens_access);
}

#[test]
fn a_state_machine_change_shows_the_state_that_changed() {
    let before = example();
    let mut after = before.clone();
    let def = &mut after["Resources"]["CollectionStateMachine"]["Properties"]["DefinitionString"]["Fn::Sub"]
        [0];
    let text = def
        .as_str()
        .unwrap_or_default()
        .replace("\"MaxAttempts\": 2", "\"MaxAttempts\": 3");
    *def = json!(text);
    let p = plan(Some(&before), &after);
    let paths: Vec<&str> = p.changes[0]
        .properties
        .iter()
        .map(|c| c.path.as_str())
        .collect();
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("DefinitionString.Definition.States.CollectMetrics.Branches[")),
        "{paths:?}"
    );
    assert!(
        paths.iter().all(|p| p.ends_with("].MaxAttempts")),
        "{paths:?}"
    );
}

#[test]
fn plan_json_has_the_documented_shape() {
    let before = example();
    let after = edit(&before, |r| {
        r["HighCpuAlarm"]["Properties"]["Threshold"] = json!(85.0)
    });
    let v = serde_json::to_value(plan(Some(&before), &after)).expect("serialize");
    assert_eq!(v["stack"], "infra-monitoring-prod");
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(
        v["changes"][0],
        json!({
            "logical_id": "HighCpuAlarm", "type": "AWS::CloudWatch::Alarm", "action": "update", "data_loss": false,
            "properties": [{ "path": "Threshold", "before": 80.0, "after": 85.0, "replacement": false }]
        })
    );
    assert_eq!(v["summary"], json!({ "add": 0, "change": 1, "destroy": 0 }));
}
