//! Drift's normalisation and comparison: only real changes differ, whatever form AWS returns a
//! property in (IAM documents URL-encoded and in any order, numbers as strings, defaults).

use infrapipe::cfn::policy::decode_policy;
use infrapipe::config::IgnorePath;
use infrapipe::drift::compare::resource;
use infrapipe::drift::expected::{Target, hex_to_base64};
use infrapipe::drift::read::Problem;
use infrapipe::drift::{Report, Status, apply_ignore, compare, judge, render};
use serde_json::{Value, json};

fn differences(
    ty: &str,
    expected: Value,
    actual: Value,
) -> Vec<(String, Option<Value>, Option<Value>)> {
    compare::differences(&resource(ty, &expected), &resource(ty, &actual))
        .into_iter()
        .map(|d| (d.path, d.expected, d.actual))
        .collect()
}

fn paths(ty: &str, expected: Value, actual: Value) -> Vec<String> {
    differences(ty, expected, actual)
        .into_iter()
        .map(|(p, _, _)| p)
        .collect()
}

fn role(trust: Value, policy: Value) -> Value {
    json!({
        "AssumeRolePolicyDocument": trust,
        "Policies": [{ "PolicyName": "least-privilege", "PolicyDocument": policy }],
    })
}

fn trust() -> Value {
    json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": { "Service": "lambda.amazonaws.com" },
        "Action": "sts:AssumeRole",
        "Condition": { "StringEquals": { "aws:SourceAccount": "123456789012" } },
    }]})
}

fn policy() -> Value {
    json!({ "Version": "2012-10-17", "Statement": [
        { "Sid": "Logs", "Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": ["arn:aws:logs:*"] },
        { "Sid": "Put", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::b/year=*"] },
    ]})
}

fn target(ty: &str, expected: Value) -> Target {
    Target {
        logical_id: "Thing".into(),
        resource_type: ty.into(),
        physical_id: Some("thing-1".into()),
        name: None,
        reference: None,
        expected,
        hints: Value::Null,
    }
}

#[test]
fn iam_documents_in_any_order_and_either_list_form_are_the_same() {
    let reordered = json!({ "Statement": [
        { "Resource": "arn:aws:s3:::b/year=*", "Action": "s3:PutObject", "Effect": "Allow", "Sid": "Put" },
        { "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Sid": "Logs", "Resource": "arn:aws:logs:*", "Effect": "Allow" },
    ], "Version": "2012-10-17" });
    assert!(
        paths(
            "AWS::IAM::Role",
            role(trust(), policy()),
            role(trust(), reordered)
        )
        .is_empty()
    );
}

#[test]
fn url_encoded_policies_as_iam_returns_them_decode_to_the_document() {
    let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22sts%3AAssumeRole%22%2C%20%22Principal%22%3A%20%7B%22Service%22%3A%20%22lambda.amazonaws.com%22%7D%2C%20%22Condition%22%3A%20%7B%22StringEquals%22%3A%20%7B%22aws%3ASourceAccount%22%3A%20%22123456789012%22%7D%7D%7D%5D%7D";
    let decoded = decode_policy(encoded).expect("decodes");
    assert!(
        paths(
            "AWS::IAM::Role",
            role(trust(), policy()),
            role(decoded, policy())
        )
        .is_empty()
    );
}

#[test]
fn a_policy_still_encoded_as_a_string_compares_as_its_document() {
    let live = role(
        json!(trust().to_string()),
        json!(policy().to_string().replace("\"Sid\"", " \"Sid\"")),
    );
    assert!(paths("AWS::IAM::Role", role(trust(), policy()), live).is_empty());
}

#[test]
fn the_python_literal_moto_stores_inline_policies_as_decodes() {
    let text = "{'Statement': [{'Action': ['s3:PutObject'], 'Effect': 'Allow', 'Resource': ['arn:aws:s3:::b/year=*'], 'Sid': 'Put'}, {'Sid': 'Logs', 'Effect': 'Allow', 'Action': ['logs:CreateLogStream', 'logs:PutLogEvents'], 'Resource': 'arn:aws:logs:*'}], 'Version': '2012-10-17'}";
    let decoded = decode_policy(text).expect("decodes");
    assert!(
        paths(
            "AWS::IAM::Role",
            role(trust(), policy()),
            role(trust(), decoded)
        )
        .is_empty()
    );
}

#[test]
fn an_undecodable_policy_is_an_error_that_shows_it() {
    let e = decode_policy("{not json").expect_err("fails");
    assert!(e.contains("{not json"), "{e}");
}

#[test]
fn an_added_inline_policy_is_named_by_its_policy_name() {
    let mut live = role(trust(), policy());
    live["Policies"].as_array_mut().expect("list").push(json!({
        "PolicyName": "debug-access",
        "PolicyDocument": { "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*" }] },
    }));
    assert_eq!(
        paths("AWS::IAM::Role", role(trust(), policy()), live),
        ["Policies[debug-access]"]
    );
}

#[test]
fn an_added_statement_in_our_policy_is_named_by_its_sid() {
    let mut widened = policy();
    widened["Statement"]
        .as_array_mut()
        .expect("list")
        .push(json!({ "Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*" }));
    assert_eq!(
        paths(
            "AWS::IAM::Role",
            role(trust(), policy()),
            role(trust(), widened)
        ),
        ["Policies[least-privilege].PolicyDocument.Statement[Everything]"]
    );
}

#[test]
fn a_widened_trust_shows_the_added_statement_not_a_change_of_ours() {
    let mut widened = trust();
    widened["Statement"].as_array_mut().expect("list").insert(
        0,
        json!({ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::999999999999:root" }, "Action": "sts:AssumeRole" }),
    );
    assert_eq!(
        paths(
            "AWS::IAM::Role",
            role(trust(), policy()),
            role(widened, policy())
        ),
        ["AssumeRolePolicyDocument.Statement[#1]"]
    );
}

#[test]
fn a_changed_trust_principal_shows_the_principal() {
    let mut changed = trust();
    changed["Statement"][0]["Principal"] = json!({ "AWS": "*" });
    let d = paths(
        "AWS::IAM::Role",
        role(trust(), policy()),
        role(changed, policy()),
    );
    assert_eq!(
        d,
        [
            "AssumeRolePolicyDocument.Statement[#1].Principal.AWS",
            "AssumeRolePolicyDocument.Statement[#1].Principal.Service"
        ]
    );
}

#[test]
fn the_star_principal_s3_returns_is_the_aws_star_we_write() {
    let ours = json!({ "Bucket": "b", "PolicyDocument": { "Statement": [
        { "Sid": "Tls", "Effect": "Deny", "Principal": { "AWS": "*" }, "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          "Condition": { "Bool": { "aws:SecureTransport": "false" } } }] } });
    let s3 = json!({ "Bucket": "b", "PolicyDocument": { "Statement": [
        { "Sid": "Tls", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
          "Condition": { "Bool": { "aws:SecureTransport": false } } }] } });
    assert!(paths("AWS::S3::BucketPolicy", ours, s3).is_empty());
}

#[test]
fn numbers_and_booleans_returned_as_strings_are_the_same() {
    let ours = json!({ "QueueName": "q", "MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": true });
    let sqs = json!({ "QueueName": "q", "MessageRetentionPeriod": "1209600", "SqsManagedSseEnabled": "true" });
    assert!(paths("AWS::SQS::Queue", ours, sqs).is_empty());
}

#[test]
fn absent_null_and_empty_are_all_not_set() {
    let ours = json!({ "AlarmName": "a", "AlarmActions": ["t"] });
    let live = json!({ "AlarmName": "a", "AlarmActions": ["t"], "InsufficientDataActions": [], "Dimensions": [], "Metrics": null, "X": {} });
    assert!(paths("AWS::CloudWatch::Alarm", ours, live).is_empty());
}

#[test]
fn an_alarm_s_dimension_and_action_order_does_not_matter() {
    let ours = json!({ "AlarmActions": ["a", "b"], "Dimensions": [{ "Name": "X", "Value": "1" }, { "Name": "Y", "Value": "2" }] });
    let live = json!({ "AlarmActions": ["b", "a"], "Dimensions": [{ "Name": "Y", "Value": "2" }, { "Name": "X", "Value": "1" }] });
    assert!(paths("AWS::CloudWatch::Alarm", ours, live).is_empty());
}

#[test]
fn lifecycle_rules_compare_by_id_whatever_their_order() {
    let glacier = |days: u32| json!({ "Id": "TransitionToGlacier", "Status": "Enabled", "Transitions": [{ "StorageClass": "GLACIER", "TransitionInDays": days }] });
    let abort = json!({ "Id": "AbortIncompleteUploads", "Status": "Enabled", "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 7 } });
    let ours = json!({ "LifecycleConfiguration": { "Rules": [abort.clone(), glacier(90)] } });
    let same = json!({ "LifecycleConfiguration": { "Rules": [glacier(90), abort.clone()] } });
    let later = json!({ "LifecycleConfiguration": { "Rules": [glacier(365), abort] } });
    assert!(paths("AWS::S3::Bucket", ours.clone(), same).is_empty());
    assert_eq!(
        differences("AWS::S3::Bucket", ours, later),
        [(
            "LifecycleConfiguration.Rules[TransitionToGlacier].Transitions[0].TransitionInDays"
                .to_owned(),
            Some(json!(90)),
            Some(json!(365))
        )]
    );
}

#[test]
fn a_removed_keyed_list_shows_as_the_list_people_wrote() {
    let ours =
        json!({ "LifecycleConfiguration": { "Rules": [{ "Id": "A", "Status": "Enabled" }] } });
    let d = differences("AWS::S3::Bucket", ours, json!({}));
    assert_eq!(
        d,
        [(
            "LifecycleConfiguration".to_owned(),
            Some(json!({ "Rules": [{ "Id": "A", "Status": "Enabled" }] })),
            None
        )]
    );
}

#[test]
fn a_state_machine_definition_compares_as_json_not_as_text() {
    let ours = json!({ "DefinitionString": "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}" });
    let same = json!({ "DefinitionString": "{\n  \"States\": {\"A\": {\"End\": true, \"Type\": \"Pass\"}},\n  \"StartAt\": \"A\"\n}" });
    let changed = json!({ "DefinitionString": "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Wait\",\"End\":true}}}" });
    let ty = "AWS::StepFunctions::StateMachine";
    assert!(paths(ty, ours.clone(), same).is_empty());
    assert_eq!(paths(ty, ours, changed), ["DefinitionString.States.A.Type"]);
}

#[test]
fn the_code_hash_lambda_reports_is_the_base64_of_the_packaged_zip_s_hex_hash() {
    use sha2::{Digest, Sha256};
    let pkg = infrapipe::package::package(infrapipe::model::FunctionKind::Collector).expect("zip");
    let lambda_says = aws_smithy_types::base64::encode(Sha256::digest(&pkg.zip));
    assert_eq!(hex_to_base64(&pkg.sha256), Some(lambda_says));
}

#[test]
fn a_missing_resource_is_deleted_and_an_unreadable_one_not_checked_each_with_its_reason() {
    let t = target("AWS::SQS::Queue", json!({ "QueueName": "q" }));
    let gone = judge(&t, Err(Problem::Missing("no queue q".into())));
    assert_eq!(
        (gone.status, gone.reason.as_deref()),
        (Status::Deleted, Some("no queue q"))
    );
    let denied = judge(&t, Err(Problem::Unreadable("AccessDenied".into())));
    assert_eq!(denied.status, Status::NotChecked);
    assert_eq!(denied.reason.as_deref(), Some("AccessDenied"));
}

fn report(resources: Vec<infrapipe::drift::ResourceDrift>) -> Report {
    let mut r = Report {
        stack: "s".into(),
        region: "us-east-1".into(),
        resources,
        drifted: 0,
        ignored: Vec::new(),
        not_comparable: Vec::new(),
        cloudformation: None,
    };
    r.tally();
    r
}

#[test]
fn an_ignored_path_leaves_the_resource_in_sync_and_is_listed() {
    let t = target(
        "AWS::Lambda::Function",
        json!({ "Timeout": 30, "MemorySize": 128 }),
    );
    let mut resources = vec![judge(&t, Ok(json!({ "Timeout": 60, "MemorySize": 128 })))];
    assert_eq!(resources[0].status, Status::Modified);
    let rule = IgnorePath::parse("Thing.Timeout").expect("valid");
    let ignored = apply_ignore(&mut resources, &[rule]);
    assert_eq!(resources[0].status, Status::InSync);
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0].difference.path, "Timeout");
    assert_eq!(ignored[0].rule, "Thing.Timeout");
}

#[test]
fn the_json_report_has_the_documented_shape() {
    let t = target("AWS::Lambda::Function", json!({ "Timeout": 30 }));
    let r = report(vec![judge(&t, Ok(json!({ "Timeout": 60 })))]);
    let doc = serde_json::to_value(&r).expect("serialises");
    assert_eq!(doc["stack"], "s");
    assert_eq!(doc["region"], "us-east-1");
    assert_eq!(doc["drifted"], 1);
    assert_eq!(
        doc["resources"][0],
        json!({
            "logical_id": "Thing",
            "type": "AWS::Lambda::Function",
            "physical_id": "thing-1",
            "status": "MODIFIED",
            "differences": [{ "path": "Timeout", "expected": 30, "actual": 60 }],
        })
    );
}

#[test]
fn the_text_report_is_coloured_only_when_asked() {
    let t = target("AWS::Lambda::Function", json!({ "Timeout": 30 }));
    let r = report(vec![judge(&t, Ok(json!({ "Timeout": 60 })))]);
    let plain = render::text(&r, infrapipe::style::Style::PLAIN);
    assert!(!plain.contains('\x1b'), "{plain}");
    assert!(
        plain.contains("[~] AWS::Lambda::Function Thing thing-1"),
        "{plain}"
    );
    assert!(
        plain.contains(" └─ [~] Timeout\n     ├─ [-] 30\n     └─ [+] 60"),
        "{plain}"
    );
    assert!(plain.contains("Drift: 1 resource has drifted"), "{plain}");
    let coloured = render::text(
        &r,
        infrapipe::style::Style {
            color: true,
            width: None,
        },
    );
    assert!(coloured.contains("\x1b[33m[~]\x1b[0m"), "{coloured}");
}
