//! `infrapipe drift` end to end: the real binary against moto on loopback.
//!
//! moto 5.2.5's CloudFormation reports CREATE_COMPLETE for every resource of the template but
//! creates only some of them, and of those it drops some properties. Right after a deploy, drift
//! must therefore report exactly those gaps, and nothing else:
//! - DELETED: the resource types moto's CloudFormation skips (`SKIPPED_BY_MOTO`);
//! - MODIFIED: the properties it drops on what it does create (`DROPPED_BY_MOTO`).
//!
//! The other tests first complete the stack through the services' own APIs (what CloudFormation
//! would have done, `COMPLETE_WHAT_MOTO_SKIPS`), so drift starts from "in sync"; the few
//! properties moto cannot store through any API are accepted with `drift.ignore`
//! (`MOTO_CANNOT_STORE`). Then they change resources behind the tool's back with boto3.

mod common;
use common::moto::Moto;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

const STACK: &str = "infra-monitoring-prod";

/// Logical ids moto's CloudFormation reports created but does not create.
const SKIPPED_BY_MOTO: &[&str] = &[
    // AWS::CloudWatch::Alarm
    "CollectorDurationAlarm",
    "DataCollectorErrorsAlarm",
    "DynamoDbThrottlesAlarm",
    "HighCpuAlarm",
    "HighMemoryAlarm",
    "LogProcessorErrorsAlarm",
    "ExecutionsFailedAlarm",
    "ExecutionsTimedOutAlarm",
    "CollectorLambdaErrorsAlarm",
    "CollectorLambdaThrottlesAlarm",
    "LogProcessorLambdaErrorsAlarm",
    "LogProcessorLambdaThrottlesAlarm",
    "ScheduleDeadLetterQueueAlarm",
    "LogProcessorDeadLetterQueueAlarm",
    "CollectionHeartbeatAlarm",
    "CompactionFailedAlarm",
    // AWS::Budgets::Budget
    "PipelineBudget",
    // AWS::SNS::Subscription
    "AlertsEmailSubscription1",
    // AWS::SNS::TopicPolicy (the topic keeps the default policy)
    "AlertsTopicPolicy",
    // AWS::S3::BucketPolicy
    "AthenaResultsBucketPolicy",
    "RawMetricsBucketPolicy",
    // AWS::Scheduler::Schedule
    "CollectionSchedule",
    "CompactionSchedule",
    // AWS::Glue::Database, AWS::Glue::Table
    "MetricsDatabase",
    "MetricsGlueTable",
    "MetricsParquetTable",
    "MetricsView",
    // AWS::Athena::WorkGroup, AWS::Athena::NamedQuery
    "AnalyticsWorkGroup",
    "AverageCpuByInstanceQuery",
    "PeakMemoryTrendQuery",
];

/// (logical id, top-level property) that moto's CloudFormation drops on what it creates.
const DROPPED_BY_MOTO: &[(&str, &str)] = &[
    // S3: only the name and the encryption algorithm are applied.
    ("AthenaResultsBucket", "BucketEncryption"), // BucketKeyEnabled
    ("AthenaResultsBucket", "LifecycleConfiguration"),
    ("AthenaResultsBucket", "OwnershipControls"),
    ("AthenaResultsBucket", "PublicAccessBlockConfiguration"),
    ("RawMetricsBucket", "BucketEncryption"),
    ("RawMetricsBucket", "LifecycleConfiguration"),
    ("RawMetricsBucket", "NotificationConfiguration"),
    ("RawMetricsBucket", "OwnershipControls"),
    ("RawMetricsBucket", "PublicAccessBlockConfiguration"),
    ("RawMetricsBucket", "VersioningConfiguration"),
    // DynamoDB: reads SSESpecification.Enabled where CloudFormation writes SSEEnabled.
    ("MetricsTable", "PointInTimeRecoverySpecification"),
    ("MetricsTable", "SSESpecification"),
    ("MetricsTable", "TimeToLiveSpecification"),
    // Lambda: always x86_64, no logging config, no dead-letter queue.
    ("CollectorFunction", "Architectures"),
    ("CollectorFunction", "LoggingConfig"),
    ("LogProcessorFunction", "Architectures"),
    ("LogProcessorFunction", "DeadLetterConfig"),
    ("LogProcessorFunction", "LoggingConfig"),
    // Step Functions: its Fn::Sub turns `$$.Execution` into `$.Execution`; logging is OFF.
    ("CollectionStateMachine", "DefinitionString"),
    ("CollectionStateMachine", "LoggingConfiguration"),
];

/// Properties moto stores through no API at all, accepted with `drift.ignore` in the tests
/// that start from "in sync".
const MOTO_CANNOT_STORE: &[&str] = &[
    "CollectorFunction.Architectures",
    "CollectorFunction.LoggingConfig",
    "LogProcessorFunction.Architectures",
    "LogProcessorFunction.LoggingConfig",
    "LogProcessorFunction.DeadLetterConfig",
    "MetricsTable.SSESpecification",
];

/// Does through the services' APIs what moto's CloudFormation skipped or dropped, with the
/// template's own values (intrinsics resolved here as CloudFormation would).
const COMPLETE_WHAT_MOTO_SKIPS: &str = include_str!("drift_complete_stack.py");

/// The example config plus `drift.ignore` entries.
fn with_ignores(extra: &[&str]) -> tempfile::NamedTempFile {
    let mut yaml = example_text();
    yaml.push_str("drift:\n  ignore:\n");
    for i in extra {
        yaml.push_str(&format!("    - \"{i}\"\n"));
    }
    config_file(&yaml)
}

/// A stack deployed by moto's CloudFormation and completed through the services' APIs, and a
/// config that accepts what moto cannot store.
fn in_sync_stack() -> (Moto, tempfile::NamedTempFile) {
    let moto = Moto::start();
    moto.deploy(STACK, &example());
    let dir = tempfile::tempdir().expect("temp");
    let body = dir.path().join("template.json");
    std::fs::write(&body, example().to_string()).expect("write");
    moto.boto3(
        COMPLETE_WHAT_MOTO_SKIPS,
        &[STACK, &body.display().to_string()],
    );
    (moto, with_ignores(MOTO_CANNOT_STORE))
}

fn drift_json(moto: &Moto, config: &str) -> (i32, Value, String) {
    let (code, out, err) =
        moto.infrapipe(&["drift", "-c", config, "--json", "--detailed-exitcode"]);
    let doc = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("one JSON document ({e}):\n{out}\n{err}"));
    (code, doc, err)
}

fn resources(doc: &Value) -> &Vec<Value> {
    doc["resources"].as_array().expect("resources")
}

fn with_status<'a>(doc: &'a Value, status: &str) -> BTreeSet<&'a str> {
    resources(doc)
        .iter()
        .filter(|r| r["status"] == status)
        .filter_map(|r| r["logical_id"].as_str())
        .collect()
}

/// The differences of one resource as (path, expected, actual).
fn differences<'a>(doc: &'a Value, logical_id: &str) -> Vec<(&'a str, &'a Value, &'a Value)> {
    resources(doc)
        .iter()
        .find(|r| r["logical_id"] == logical_id)
        .and_then(|r| r["differences"].as_array())
        .map(|d| {
            d.iter()
                .map(|x| {
                    (
                        x["path"].as_str().unwrap_or_default(),
                        &x["expected"],
                        &x["actual"],
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn right_after_deploy_drift_reports_exactly_what_moto_cloudformation_does_not_create() {
    let moto = Moto::start();
    moto.deploy(STACK, &example());
    let (code, doc, err) = drift_json(&moto, EXAMPLE);
    assert_eq!(code, 2, "{err}");
    let deleted = with_status(&doc, "DELETED");
    let skipped: BTreeSet<&str> = SKIPPED_BY_MOTO.iter().copied().collect();
    assert_eq!(deleted, skipped);
    assert!(with_status(&doc, "NOT_CHECKED").is_empty(), "{doc:#}");
    let modified: BTreeSet<(String, String)> = resources(&doc)
        .iter()
        .filter(|r| r["status"] == "MODIFIED")
        .flat_map(|r| {
            let id = r["logical_id"].as_str().unwrap_or_default().to_owned();
            r["differences"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |d| {
                    let path = d["path"].as_str().unwrap_or_default();
                    let top = path.split(['.', '[']).next().unwrap_or_default().to_owned();
                    (id.clone(), top)
                })
        })
        .collect();
    let dropped: BTreeSet<(String, String)> = DROPPED_BY_MOTO
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(modified, dropped);
    assert_eq!(doc["drifted"], deleted.len() + 6, "{doc:#}");
}

#[test]
fn a_completed_stack_is_in_sync_and_lists_what_drift_ignore_accepted() {
    let (moto, config) = in_sync_stack();
    let path = config.path().display().to_string();
    let (code, doc, err) = drift_json(&moto, &path);
    assert_eq!(code, 0, "{doc:#}\n{err}");
    let total = example()["Resources"].as_object().expect("resources").len();
    assert_eq!(with_status(&doc, "IN_SYNC").len(), total, "{doc:#}");
    assert_eq!(doc["drifted"], 0);
    let ignored: BTreeSet<String> = doc["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .map(|i| {
            format!(
                "{}.{}",
                i["logical_id"].as_str().unwrap_or_default(),
                i["path"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        ignored.contains("CollectorFunction.Architectures[0]"),
        "{ignored:?}"
    );

    let (code, out, _) = moto.infrapipe(&["drift", "-c", &path]);
    assert_eq!(code, 0);
    assert!(out.contains("No drift."), "{out}");
    assert!(out.contains("Ignored (drift.ignore)"), "{out}");
}

/// What someone changed by hand, through the services' APIs.
const CHANGE_BEHIND_THE_TOOLS_BACK: &str = r#"
import io, json, sys, zipfile, boto3
stack = sys.argv[1]
acct = "123456789012"
phys = {r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in boto3.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
        if r["LogicalResourceId"]}
lam, iam, sfn = boto3.client("lambda"), boto3.client("iam"), boto3.client("stepfunctions")
s3, sch, sns, cw = boto3.client("s3"), boto3.client("scheduler"), boto3.client("sns"), boto3.client("cloudwatch")
# A function's timeout.
lam.update_function_configuration(FunctionName=f"{stack}-collector", Timeout=60)
# A function's code.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("handler.py", "def handler(event, context):\n    return 'not ours'\n")
lam.update_function_code(FunctionName=f"{stack}-log-processor", ZipFile=buf.getvalue())
# An extra statement on a role (a new inline policy), and a managed policy attached.
role = phys["CollectorRole"]
iam.put_role_policy(RoleName=role, PolicyName="debug-access", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
admin = iam.create_policy(PolicyName="break-glass", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
iam.attach_role_policy(RoleName=role, PolicyArn=admin["Policy"]["Arn"])
# A widened trust policy.
sm_role = phys["StateMachineRole"]
trust = iam.get_role(RoleName=sm_role)["Role"]["AssumeRolePolicyDocument"]
trust["Statement"].append({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"})
iam.update_assume_role_policy(RoleName=sm_role, PolicyDocument=json.dumps(trust))
# The state machine's definition.
arn = phys["CollectionStateMachine"]
d = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
d["States"]["CollectMetrics"]["Branches"][0]["States"]["CollectCpuMetrics"]["TimeoutSeconds"] = 300
sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(d))
# A bucket's public access block, and its encryption.
raw = phys["RawMetricsBucket"]
s3.put_public_access_block(Bucket=raw, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
s3.delete_bucket_encryption(Bucket=phys["AthenaResultsBucket"])
# The schedule's state (the schedule itself was created through the Scheduler API, since
# moto's CloudFormation skips it).
s = sch.get_schedule(Name=f"{stack}-collection")
sch.update_schedule(Name=s["Name"], ScheduleExpression=s["ScheduleExpression"], FlexibleTimeWindow=s["FlexibleTimeWindow"],
                    Target=s["Target"], Description=s.get("Description", ""), State="DISABLED")
# An extra subscription on the alerts topic, and an alarm's actions disabled.
sns.subscribe(TopicArn=phys["AlertsTopic"], Protocol="https", Endpoint="https://collector.example.net/alerts")
cw.disable_alarm_actions(AlarmNames=[f"{stack}-high-cpu"])
"#;

#[test]
fn changes_made_behind_the_tools_back_are_each_found_with_their_path() {
    let (moto, config) = in_sync_stack();
    let path = config.path().display().to_string();
    moto.boto3(CHANGE_BEHIND_THE_TOOLS_BACK, &[STACK]);
    let (code, doc, err) = drift_json(&moto, &path);
    assert_eq!(code, 2, "{err}");

    let has = |id: &str, path: &str| differences(&doc, id).iter().any(|(p, _, _)| *p == path);
    let timeout = differences(&doc, "CollectorFunction");
    assert!(
        timeout
            .iter()
            .any(|(p, e, a)| *p == "Timeout" && **e == 30 && **a == 60),
        "{timeout:?}"
    );
    assert!(has("LogProcessorFunction", "CodeSha256"), "{doc:#}");
    assert!(has("CollectorRole", "Policies[debug-access]"), "{doc:#}");
    assert!(has("CollectorRole", "ManagedPolicyArns"), "{doc:#}");
    assert!(
        has("StateMachineRole", "AssumeRolePolicyDocument.Statement[#2]"),
        "{doc:#}"
    );
    assert!(
        has(
            "CollectionStateMachine",
            "DefinitionString.States.CollectMetrics.Branches[0].States.CollectCpuMetrics.TimeoutSeconds"
        ),
        "{doc:#}"
    );
    assert!(
        has(
            "RawMetricsBucket",
            "PublicAccessBlockConfiguration.BlockPublicPolicy"
        ),
        "{doc:#}"
    );
    assert!(
        has(
            "RawMetricsBucket",
            "PublicAccessBlockConfiguration.RestrictPublicBuckets"
        ),
        "{doc:#}"
    );
    assert!(has("AthenaResultsBucket", "BucketEncryption"), "{doc:#}");
    let state = differences(&doc, "CollectionSchedule");
    assert!(
        state
            .iter()
            .any(|(p, e, a)| *p == "State" && **e == "ENABLED" && **a == "DISABLED"),
        "{state:?}"
    );
    assert!(has("AlertsTopic", "UnmanagedSubscriptions"), "{doc:#}");
    assert!(has("HighCpuAlarm", "ActionsEnabled"), "{doc:#}");

    let modified = with_status(&doc, "MODIFIED");
    let changed: BTreeSet<&str> = [
        "AlertsTopic",
        "AthenaResultsBucket",
        "CollectionSchedule",
        "CollectionStateMachine",
        "CollectorFunction",
        "CollectorRole",
        "HighCpuAlarm",
        "LogProcessorFunction",
        "RawMetricsBucket",
        "StateMachineRole",
    ]
    .into_iter()
    .collect();
    assert_eq!(modified, changed, "only what was changed drifts");
    assert_eq!(doc["drifted"], changed.len());

    let (_, text, _) = moto.infrapipe(&["drift", "-c", &path]);
    assert!(text.contains("Modified Resources"), "{text}");
    assert!(
        text.contains(" ├─ [~] Timeout") || text.contains(" └─ [~] Timeout"),
        "{text}"
    );
    assert!(
        text.contains("[-] ENABLED") && text.contains("[+] DISABLED"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Drift: {} resources have drifted", changed.len())),
        "{text}"
    );
}

#[test]
fn drift_ignore_moves_an_accepted_change_out_of_the_drift() {
    let (moto, _) = in_sync_stack();
    moto.boto3(
        "import boto3, sys\nboto3.client('lambda').update_function_configuration(FunctionName=sys.argv[1] + '-collector', Timeout=60)\n",
        &[STACK],
    );
    let mut ignores = MOTO_CANNOT_STORE.to_vec();
    ignores.push("CollectorFunction.Timeout");
    let config = with_ignores(&ignores);
    let path = config.path().display().to_string();
    let (code, doc, err) = drift_json(&moto, &path);
    assert_eq!(code, 0, "{doc:#}\n{err}");
    let accepted = doc["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .find(|i| i["logical_id"] == "CollectorFunction" && i["path"] == "Timeout")
        .cloned();
    let accepted = accepted.expect("the timeout is listed as ignored");
    assert_eq!(accepted["rule"], "CollectorFunction.Timeout");
    assert_eq!(accepted["expected"], 30);
    assert_eq!(accepted["actual"], 60);
}

#[test]
fn cloudformation_drift_detection_is_reported_not_available_on_moto_without_failing() {
    let (moto, config) = in_sync_stack();
    let path = config.path().display().to_string();
    let (code, out, err) = moto.infrapipe(&[
        "drift",
        "-c",
        &path,
        "--cloudformation",
        "--detailed-exitcode",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("CloudFormation drift detection: not available"),
        "{out}"
    );
    assert!(out.contains("HTTP 500"), "{out}");
    let (_, doc, _) = drift_json(&moto, &path);
    assert!(doc.get("cloudformation").is_none());
}

#[test]
fn drift_without_a_deployed_stack_fails_in_one_line_saying_so() {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["drift", "-c", EXAMPLE, "--detailed-exitcode"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains("stack infra-monitoring-prod is not deployed in us-east-1"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn a_drift_ignore_entry_naming_no_resource_is_refused() {
    let moto = Moto::start();
    let config = with_ignores(&["CollectorFuntion.Timeout"]);
    let path = config.path().display().to_string();
    let (code, _, err) = moto.infrapipe(&["drift", "-c", &path]);
    assert_eq!(code, 1);
    assert!(
        err.contains("`CollectorFuntion.Timeout` names no resource"),
        "{err}"
    );
}

#[test]
fn a_malformed_drift_ignore_entry_is_a_config_error_with_its_position() {
    let config = with_ignores(&["CollectorFunction"]);
    let path = config.path().display().to_string();
    let (code, _, err) = run(&["validate", "-c", &path]);
    assert_eq!(code, 1);
    assert!(err.contains("drift.ignore"), "{err}");
    assert!(err.contains("CollectorFunction.Timeout"), "{err}");
}

#[test]
fn an_unapplied_config_edit_is_not_drift() {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let edited = config_file(&example_text().replacen(
        "collectors:\n",
        "collectors:\n  memory_mb: 512\n",
        1,
    ));
    let path = edited.path().display().to_string();
    let (code, _, err) = moto.infrapipe(&["plan", "-c", &path, "--detailed-exitcode"]);
    assert_eq!(code, 2, "the edit is a change for plan: {err}");
    let (_, doc, err) = drift_json(&moto, &path);
    let memory = differences(&doc, "CollectorFunction");
    assert!(
        memory.iter().all(|(p, _, _)| *p != "MemorySize"),
        "{memory:?}\n{err}"
    );
}

#[test]
fn apply_revert_drift_lists_the_drift_it_overwrites_and_the_drift_it_cannot_revert() {
    let (moto, config) = in_sync_stack();
    let path = config.path().display().to_string();
    moto.boto3(
        "import boto3, json, sys\nstack = sys.argv[1]\nboto3.client('lambda').update_function_configuration(FunctionName=stack + '-collector', Timeout=60)\ncfn = boto3.client('cloudformation')\nrole = [r['PhysicalResourceId'] for r in cfn.list_stack_resources(StackName=stack)['StackResourceSummaries'] if r['LogicalResourceId'] == 'CollectorRole'][0]\nboto3.client('iam').put_role_policy(RoleName=role, PolicyName='debug-access', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]}))\n",
        &[STACK],
    );
    // moto takes the drift-aware change set as a plain one (it has no REVERT_DRIFT), finds
    // nothing to change and executes nothing; what is checked here is what the plan shows.
    let (_, out, err) = moto.infrapipe(&["apply", "-c", &path, "--revert-drift", "--yes"]);
    assert!(
        out.contains("Drift this apply reverts")
            && out.contains("~ CollectorFunction.Timeout: 60 -> 30"),
        "{out}{err}"
    );
    assert!(
        out.contains("Drift this apply cannot revert")
            && out.contains(
                "! CollectorRole.Policies[debug-access]: aws iam delete-role-policy --role-name"
            ),
        "{out}{err}"
    );
}
