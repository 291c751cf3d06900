//! The suite's steps, in the order they run. Each returns how it ended or panics with what it
//! found; a step that needs what the binary or the target lacks is skipped with that reason,
//! detected (from `--help`, from the target), so it turns on by itself when the capability lands.

use super::aws::{Clients, plain};
use super::pipeline::{Pipeline, Ran};
use super::report::{Outcome, Report};
use anyhow::Context;
use serde_json::Value;
use std::time::{Duration, Instant};

/// What every step reads: the pipeline, SDK clients, the account, the rendered template.
pub struct Ctx<'a> {
    pub p: &'a Pipeline<'a>,
    pub aws: &'a Clients,
    pub report: &'a Report,
    pub account: String,
    pub template: Value,
}

pub type Step = fn(&Ctx) -> Outcome;

/// Every step: a short id (for the summary), what it proves, and the step.
pub const STEPS: &[(&str, &str, Step)] = &[
    ("apply", "apply creates the stack", apply),
    (
        "alarm-delivery",
        "a message reaches a queue subscribed to the topic for each alarm",
        alarm_delivery,
    ),
    (
        "run",
        "the collection finishes, every branch succeeded",
        run_finishes,
    ),
    (
        "run-data",
        "objects under partitioned keys, items in the table, custom metrics",
        run_writes_data,
    ),
    (
        "drift",
        "a timeout changed by hand is reported",
        drift_reported,
    ),
    (
        "revert-drift",
        "apply --revert-drift restores it",
        drift_reverted,
    ),
    (
        "destroy-keeps-data",
        "destroy keeps the bucket and the table with their data",
        destroy_keeps_data,
    ),
    (
        "plan-imports",
        "plan shows the kept bucket and table as imports",
        plan_shows_imports,
    ),
    (
        "apply-adopts",
        "apply adopts them, the data still there",
        apply_adopts,
    ),
    (
        "stack-sets",
        "a stack set over the accounts of INFRAPIPE_ACC_ACCOUNTS",
        stack_sets,
    ),
];

const MARKER_KEY: &str = "acceptance/marker.txt";
const MARKER_INSTANCE: &str = "acceptance-marker";

fn skip(why: &str) -> Outcome {
    Outcome::Skipped(why.to_owned())
}

fn ok(ran: &Ran, what: &str) {
    assert_eq!(
        ran.code, 0,
        "{what} exited {}:\n{}{}",
        ran.code, ran.out, ran.err
    );
}

/// Whether `infrapipe <command> --help` mentions `needle` (how a step detects a capability).
fn offers(ctx: &Ctx, command: &str, needle: &str) -> bool {
    let help = ctx.p.infrapipe(&[command, "--help"]);
    help.out
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// Physical id of the one deployed resource with this logical id.
fn physical(ctx: &Ctx, logical_id: &str) -> String {
    ctx.aws
        .physical_id(&ctx.p.stack, logical_id)
        .unwrap_or_else(|e| panic!("{e:#}"))
}

fn apply(ctx: &Ctx) -> Outcome {
    let ran = ctx.p.infrapipe(&["apply", "--yes", "--json"]);
    ok(&ran, "apply");
    let doc = ran.json();
    assert_eq!(doc["result"], "applied", "{doc}");
    let resources = ctx
        .aws
        .stack_resources(&ctx.p.stack)
        .unwrap_or_else(|e| panic!("{e:#}"));
    ctx.report.created(format!(
        "stack {} ({} resources)",
        ctx.p.stack,
        resources.len()
    ));
    Outcome::Passed
}

fn of_type<'t>(template: &'t Value, ty: &str) -> Vec<(&'t String, &'t Value)> {
    template["Resources"]
        .as_object()
        .map(|r| r.iter().filter(|(_, v)| v["Type"] == ty).collect())
        .unwrap_or_default()
}

/// Proves on AWS that the topic policy's explicit Deny (on `aws:PrincipalServiceName`) lets
/// CloudWatch through: each alarm forced to ALARM must reach a queue subscribed to the topic.
fn alarm_delivery(ctx: &Ctx) -> Outcome {
    if ctx.p.target.is_emulator() {
        return skip("moto does not deliver alarm notifications");
    }
    let topic = physical(ctx, "AlertsTopic");
    let alarms: Vec<String> = of_type(&ctx.template, "AWS::CloudWatch::Alarm")
        .iter()
        .map(|(id, _)| physical(ctx, id))
        .collect();
    assert!(!alarms.is_empty(), "the template has no alarm");
    let (sqs, sns, cw) = (ctx.aws.sqs(), ctx.aws.sns(), ctx.aws.cloudwatch());
    let queue_name = format!("{}-alarm-probe", ctx.p.stack);
    let queue = ctx
        .aws
        .block(sqs.create_queue().queue_name(&queue_name).send())
        .map_err(plain)
        .context("creating the probe queue")
        .unwrap_or_else(|e| panic!("{e:#}"));
    let url = queue.queue_url().unwrap_or_default().to_owned();
    ctx.report.created(format!("queue {queue_name}"));
    let _queue_guard = ProbeQueue {
        ctx,
        url: url.clone(),
    };
    let queue_arn = format!(
        "arn:aws:sqs:{}:{}:{queue_name}",
        ctx.p.target.region(),
        ctx.account
    );
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "sns.amazonaws.com" },
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": { "ArnEquals": { "aws:SourceArn": topic } }
        }]
    });
    ctx.aws
        .block(
            sqs.set_queue_attributes()
                .queue_url(&url)
                .attributes(
                    aws_sdk_sqs::types::QueueAttributeName::Policy,
                    policy.to_string(),
                )
                .send(),
        )
        .map_err(plain)
        .unwrap_or_else(|e| panic!("setting the probe queue's policy: {e:#}"));
    let subscription = ctx
        .aws
        .block(
            sns.subscribe()
                .topic_arn(&topic)
                .protocol("sqs")
                .endpoint(&queue_arn)
                .return_subscription_arn(true)
                .send(),
        )
        .map_err(plain)
        .unwrap_or_else(|e| panic!("subscribing the probe queue to {topic}: {e:#}"))
        .subscription_arn()
        .unwrap_or_default()
        .to_owned();
    // SNS confirms a same-account queue by itself; where it asks instead, confirm with the token
    // it sends, before any alarm fires (a notification to a pending subscription is lost).
    eventually("a confirmed subscription of the probe queue", || {
        let attrs = ctx
            .aws
            .block(
                sns.get_subscription_attributes()
                    .subscription_arn(&subscription)
                    .send(),
            )
            .ok()?;
        if attrs
            .attributes()
            .and_then(|a| a.get("PendingConfirmation"))
            .map(String::as_str)
            == Some("false")
        {
            return Some(());
        }
        let got = ctx
            .aws
            .block(
                sqs.receive_message()
                    .queue_url(&url)
                    .wait_time_seconds(5)
                    .send(),
            )
            .ok()?;
        for m in got.messages() {
            let envelope: Value =
                serde_json::from_str(m.body().unwrap_or_default()).unwrap_or_default();
            if let (Some("SubscriptionConfirmation"), Some(token)) =
                (envelope["Type"].as_str(), envelope["Token"].as_str())
            {
                let _ = ctx.aws.block(
                    sns.confirm_subscription()
                        .topic_arn(&topic)
                        .token(token)
                        .send(),
                );
            }
        }
        None
    });
    for alarm in &alarms {
        ctx.aws
            .block(
                cw.set_alarm_state()
                    .alarm_name(alarm)
                    .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
                    .state_reason("infrapipe acceptance test: alarm delivery")
                    .send(),
            )
            .map_err(plain)
            .unwrap_or_else(|e| panic!("SetAlarmState on {alarm}: {e:#}"));
    }
    let mut missing: Vec<&String> = alarms.iter().collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    while !missing.is_empty() && Instant::now() < deadline {
        let got = ctx
            .aws
            .block(
                sqs.receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(10)
                    .wait_time_seconds(20)
                    .send(),
            )
            .map_err(plain)
            .unwrap_or_else(|e| panic!("receiving from the probe queue: {e:#}"));
        for m in got.messages() {
            // An SNS envelope whose Message is CloudWatch's alarm document.
            let envelope: Value =
                serde_json::from_str(m.body().unwrap_or_default()).unwrap_or_default();
            let alarm: Value =
                serde_json::from_str(envelope["Message"].as_str().unwrap_or_default())
                    .unwrap_or_default();
            if alarm["NewStateValue"] == "ALARM" {
                missing.retain(|a| alarm["AlarmName"] != a.as_str());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no notification within 3 minutes for {missing:?}"
    );
    Outcome::Passed
}

/// Deletes the alarm-delivery probe queue however the step ends (its subscription goes with the
/// topic, or is left pending on a queue that no longer exists).
struct ProbeQueue<'a> {
    ctx: &'a Ctx<'a>,
    url: String,
}

impl Drop for ProbeQueue<'_> {
    fn drop(&mut self) {
        match self.ctx.aws.block(
            self.ctx
                .aws
                .sqs()
                .delete_queue()
                .queue_url(&self.url)
                .send(),
        ) {
            Ok(_) => self.ctx.report.deleted(format!("queue {}", self.url)),
            Err(e) => self
                .ctx
                .report
                .left(format!("queue {} ({})", self.url, plain(e))),
        }
    }
}

fn run_finishes(ctx: &Ctx) -> Outcome {
    let _executing = ctx.p.target.is_emulator().then(|| MotoExecutes::start(ctx));
    let ran = ctx.p.infrapipe(&["run", "--json"]);
    ok(&ran, "run");
    let doc = ran.json();
    assert_eq!(doc["execution"]["status"], "SUCCEEDED", "{doc}");
    let branches = doc["branches"].as_object().cloned().unwrap_or_default();
    assert_eq!(branches.len(), 4, "one branch per metric type: {doc}");
    for (metric, b) in &branches {
        assert_eq!(b["result"], "succeeded", "branch {metric}: {doc}");
    }
    Outcome::Passed
}

/// moto leaves executions RUNNING unless told to execute them, and then it runs them from a
/// second store its CloudFormation does not write to: this puts the deployed state machine
/// there (same name, the template's definition with its references resolved, as CloudFormation
/// would) and restores moto's default store on drop, before anything else is destroyed.
struct MotoExecutes<'a> {
    ctx: &'a Ctx<'a>,
}

impl<'a> MotoExecutes<'a> {
    fn start(ctx: &'a Ctx<'a>) -> MotoExecutes<'a> {
        let answer = ctx.p.target.moto_control(
            "/moto-api/config",
            r#"{"stepfunctions":{"execute_state_machine":true},"lambda":{"use_docker":false}}"#,
        );
        assert!(
            answer
                .as_deref()
                .is_some_and(|a| a.starts_with("HTTP/1.1 2") || a.starts_with("HTTP/1.0 2")),
            "the emulator did not accept moto's /moto-api/config (is it moto?): {answer:?}"
        );
        let guard = MotoExecutes { ctx };
        let machine = &ctx.template["Resources"]["CollectionStateMachine"]["Properties"];
        let sub = &machine["DefinitionString"]["Fn::Sub"];
        let mut definition = sub[0].as_str().unwrap_or_default().to_owned();
        for (var, value) in sub[1].as_object().cloned().unwrap_or_default() {
            let target = value["Fn::GetAtt"][0].as_str().unwrap_or_default();
            let name = physical(ctx, target);
            let arn = format!(
                "arn:aws:lambda:{}:{}:function:{name}",
                ctx.p.target.region(),
                ctx.account
            );
            definition = definition.replace(&format!("${{{var}}}"), &arn);
        }
        definition = definition
            .replace("${AWS::Partition}", "aws")
            .replace("${AWS::Region}", ctx.p.target.region())
            .replace("${AWS::AccountId}", &ctx.account);
        let arn = physical(ctx, "CollectionStateMachine");
        let name = arn.rsplit(':').next().unwrap_or_default();
        ctx.aws
            .block(
                ctx.aws
                    .sfn()
                    .create_state_machine()
                    .name(name)
                    .definition(definition)
                    .role_arn(format!("arn:aws:iam::{}:role/acceptance", ctx.account))
                    .send(),
            )
            .map_err(plain)
            .unwrap_or_else(|e| panic!("creating {name} in moto's executing store: {e:#}"));
        guard
    }
}

impl Drop for MotoExecutes<'_> {
    fn drop(&mut self) {
        self.ctx.p.target.moto_control(
            "/moto-api/config",
            r#"{"stepfunctions":{"execute_state_machine":false},"lambda":{"use_docker":true}}"#,
        );
    }
}

fn run_writes_data(ctx: &Ctx) -> Outcome {
    if ctx.p.target.is_emulator() {
        return skip(
            "moto runs no Lambda code (it needs Docker), so nothing writes objects, items or custom metrics",
        );
    }
    let bucket = ctx.p.raw_bucket(&ctx.account);
    let keys: Vec<String> = eventually("objects in the raw bucket", || {
        let listed = ctx
            .aws
            .block(
                ctx.aws
                    .s3()
                    .list_objects_v2()
                    .bucket(&bucket)
                    .prefix("year=")
                    .send(),
            )
            .ok()?;
        let keys: Vec<String> = listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        (!keys.is_empty()).then_some(keys)
    });
    for metric in ["cpu", "memory", "disk", "network"] {
        assert!(
            keys.iter().any(|k| {
                let parts: Vec<&str> = k.split('/').collect();
                parts.len() == 5
                    && ["year=", "month=", "day=", "hour="]
                        .iter()
                        .zip(&parts)
                        .all(|(p, part)| part.starts_with(p))
                    && parts[4].starts_with(&format!("{metric}-metrics-"))
            }),
            "no {metric} object under year=/month=/day=/hour=/ in {bucket}: {keys:?}"
        );
    }
    let table = ctx.p.table();
    eventually("items in the table (written by the log processor)", || {
        let scanned = ctx
            .aws
            .block(
                ctx.aws
                    .dynamodb()
                    .scan()
                    .table_name(&table)
                    .limit(25)
                    .send(),
            )
            .ok()?;
        (scanned.count() > 0).then_some(())
    });
    // The collector's fleet aggregates are what the CPU and memory alarms watch: read them by
    // the alarms' own metric, namespace and dimensions.
    let cw = ctx.aws.cloudwatch();
    for (id, alarm) in of_type(&ctx.template, "AWS::CloudWatch::Alarm") {
        let props = &alarm["Properties"];
        let dims = props["Dimensions"].as_array().cloned().unwrap_or_default();
        if !dims.iter().any(|d| d["Name"] == "Pipeline") {
            continue;
        }
        let mut req = cw
            .get_metric_statistics()
            .namespace(props["Namespace"].as_str().unwrap_or_default())
            .metric_name(props["MetricName"].as_str().unwrap_or_default())
            .start_time(aws_smithy_types::DateTime::from(
                std::time::SystemTime::now() - Duration::from_secs(6 * 3600),
            ))
            .end_time(aws_smithy_types::DateTime::from(
                std::time::SystemTime::now() + Duration::from_secs(600),
            ))
            .period(60)
            .statistics(aws_sdk_cloudwatch::types::Statistic::SampleCount);
        for d in &dims {
            req = req.dimensions(
                aws_sdk_cloudwatch::types::Dimension::builder()
                    .name(d["Name"].as_str().unwrap_or_default())
                    .value(d["Value"].as_str().unwrap_or_default())
                    .build(),
            );
        }
        eventually(&format!("custom metric datapoints for {id}"), || {
            let got = ctx.aws.block(req.clone().send()).ok()?;
            (!got.datapoints().is_empty()).then_some(())
        });
    }
    Outcome::Passed
}

/// Polls `probe` every 10 s for up to 5 minutes (S3 events, DynamoDB writes and CloudWatch
/// ingestion all lag the run); panics naming `what` if it never holds.
fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "no {what} within 5 minutes");
        std::thread::sleep(Duration::from_secs(10));
    }
}

fn collector_timeout(ctx: &Ctx, function: &str) -> i32 {
    ctx.aws
        .block(
            ctx.aws
                .lambda()
                .get_function_configuration()
                .function_name(function)
                .send(),
        )
        .map_err(plain)
        .unwrap_or_else(|e| panic!("reading {function}: {e:#}"))
        .timeout()
        .unwrap_or_default()
}

fn drift_reported(ctx: &Ctx) -> Outcome {
    let function = physical(ctx, "CollectorFunction");
    let rendered = ctx.template["Resources"]["CollectorFunction"]["Properties"]["Timeout"]
        .as_i64()
        .unwrap_or(30) as i32;
    let by_hand = rendered + 30;
    ctx.aws
        .block(
            ctx.aws
                .lambda()
                .update_function_configuration()
                .function_name(&function)
                .timeout(by_hand)
                .send(),
        )
        .map_err(plain)
        .unwrap_or_else(|e| panic!("changing {function}'s timeout by hand: {e:#}"));
    let ran = ctx.p.infrapipe(&["drift", "--json"]);
    let doc = ran.json();
    let found = differences(&doc, "CollectorFunction")
        .into_iter()
        .any(|d| d["path"] == "Timeout" && d["expected"] == rendered && d["actual"] == by_hand);
    assert!(
        found,
        "drift does not report CollectorFunction.Timeout {rendered} -> {by_hand}:\n{doc:#}\n{}",
        ran.err
    );
    Outcome::Passed
}

/// The `differences` of the resource with this logical id, wherever the document nests it
/// (one region's report, or `regions[]`).
fn differences(doc: &Value, logical_id: &str) -> Vec<Value> {
    match doc {
        Value::Object(o) if o.get("logical_id").is_some_and(|l| l == logical_id) => o
            .get("differences")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Value::Object(o) => o
            .values()
            .flat_map(|v| differences(v, logical_id))
            .collect(),
        Value::Array(a) => a.iter().flat_map(|v| differences(v, logical_id)).collect(),
        _ => Vec::new(),
    }
}

fn drift_reverted(ctx: &Ctx) -> Outcome {
    if !offers(ctx, "apply", "--revert-drift") {
        return skip("apply --revert-drift is not built yet (issue 15)");
    }
    if ctx.p.target.is_emulator() {
        return skip(
            "moto does not implement drift-aware change sets (DeploymentMode=REVERT_DRIFT)",
        );
    }
    let function = physical(ctx, "CollectorFunction");
    ok(
        &ctx.p
            .infrapipe(&["apply", "--revert-drift", "--yes", "--json"]),
        "apply --revert-drift",
    );
    let rendered = ctx.template["Resources"]["CollectorFunction"]["Properties"]["Timeout"]
        .as_i64()
        .unwrap_or(30) as i32;
    assert_eq!(
        collector_timeout(ctx, &function),
        rendered,
        "the timeout was not reverted"
    );
    Outcome::Passed
}

fn destroy_keeps_data(ctx: &Ctx) -> Outcome {
    let (bucket, table) = (ctx.p.raw_bucket(&ctx.account), ctx.p.table());
    put_markers(ctx, &bucket, &table);
    let ran = ctx.p.infrapipe(&["destroy", "--yes", "--json"]);
    ok(&ran, "destroy");
    let doc = ran.json();
    assert_eq!(doc["result"], "destroyed", "{doc}");
    assert_markers(ctx, &bucket, &table);
    Outcome::Passed
}

/// An object (a .txt, which the log processor's .json trigger ignores) and an item.
fn put_markers(ctx: &Ctx, bucket: &str, table: &str) {
    ctx.aws
        .block(
            ctx.aws
                .s3()
                .put_object()
                .bucket(bucket)
                .key(MARKER_KEY)
                .expected_bucket_owner(&ctx.account)
                .body(aws_sdk_s3::primitives::ByteStream::from_static(
                    b"kept across destroy",
                ))
                .send(),
        )
        .map_err(plain)
        .unwrap_or_else(|e| panic!("putting {MARKER_KEY} in {bucket}: {e:#}"));
    let s = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned());
    ctx.aws
        .block(
            ctx.aws
                .dynamodb()
                .put_item()
                .table_name(table)
                .item("instance_id", s(MARKER_INSTANCE))
                .item("metric_key", s("0#marker"))
                .send(),
        )
        .map_err(plain)
        .unwrap_or_else(|e| panic!("putting a marker item in {table}: {e:#}"));
}

fn assert_markers(ctx: &Ctx, bucket: &str, table: &str) {
    let object = ctx.aws.block(
        ctx.aws
            .s3()
            .head_object()
            .bucket(bucket)
            .key(MARKER_KEY)
            .expected_bucket_owner(&ctx.account)
            .send(),
    );
    assert!(
        object.is_ok(),
        "{MARKER_KEY} is gone from {bucket}: {:?}",
        object.err().map(plain)
    );
    let s = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned());
    let item = ctx
        .aws
        .block(
            ctx.aws
                .dynamodb()
                .get_item()
                .table_name(table)
                .key("instance_id", s(MARKER_INSTANCE))
                .key("metric_key", s("0#marker"))
                .send(),
        )
        .map_err(plain)
        .unwrap_or_else(|e| panic!("reading the marker item from {table}: {e:#}"));
    assert!(
        item.item().is_some(),
        "the marker item is gone from {table}"
    );
}

const IMPORTS_NOT_BUILT: &str =
    "imports are not built yet (issue 15): plan does not offer to adopt the kept bucket and table";

fn plan_shows_imports(ctx: &Ctx) -> Outcome {
    if !offers(ctx, "plan", "import") {
        return skip(IMPORTS_NOT_BUILT);
    }
    let ran = ctx.p.infrapipe(&["plan", "--json"]);
    let doc = ran.json();
    for id in ["RawMetricsBucket", "MetricsTable"] {
        assert!(
            mentions_import(&doc, id),
            "plan does not show {id} as an import:\n{doc:#}"
        );
    }
    Outcome::Passed
}

/// Whether some object of the document names `logical_id` and, beside it, an import.
fn mentions_import(doc: &Value, logical_id: &str) -> bool {
    match doc {
        Value::Object(o) => {
            let names = o.values().any(|v| v == logical_id);
            let import = o.values().any(|v| {
                v.as_str()
                    .is_some_and(|s| s.to_ascii_lowercase().contains("import"))
            });
            (names && import) || o.values().any(|v| mentions_import(v, logical_id))
        }
        Value::Array(a) => a.iter().any(|v| mentions_import(v, logical_id)),
        _ => false,
    }
}

fn apply_adopts(ctx: &Ctx) -> Outcome {
    if !offers(ctx, "plan", "import") {
        return skip(IMPORTS_NOT_BUILT);
    }
    if ctx.p.target.is_emulator() {
        return skip(
            "moto executes an IMPORT change set as a create (it builds the bucket and table anew)",
        );
    }
    ok(
        &ctx.p.infrapipe(&["apply", "--yes", "--json"]),
        "apply (adopting)",
    );
    let (bucket, table) = (ctx.p.raw_bucket(&ctx.account), ctx.p.table());
    assert_eq!(physical(ctx, "RawMetricsBucket"), bucket);
    assert_eq!(physical(ctx, "MetricsTable"), table);
    assert_markers(ctx, &bucket, &table);
    Outcome::Passed
}

fn stack_sets(ctx: &Ctx) -> Outcome {
    // On moto any account id serves (it creates each instance's stack in that account's
    // backend); on AWS the accounts must be real and bootstrapped, so the suite is told them.
    let accounts = match std::env::var("INFRAPIPE_ACC_ACCOUNTS") {
        Ok(a) if !a.is_empty() => a,
        _ if ctx.p.target.is_emulator() => "111111111111,222222222222".to_owned(),
        _ => {
            return skip("INFRAPIPE_ACC_ACCOUNTS is not set (the accounts a stack set deploys to)");
        }
    };
    if !offers(ctx, "rollout", "--accounts") {
        return skip("rollout --accounts (stack sets) is not built yet (issue 21)");
    }
    let region = ctx.p.target.region();
    let ran = ctx.p.infrapipe(&[
        "rollout",
        "--accounts",
        &accounts,
        "--regions",
        region,
        "--yes",
        "--json",
    ]);
    let _sets = StackSets { ctx };
    ok(&ran, "rollout --accounts");
    let cf = ctx.aws.cloudformation();
    let sets = ctx
        .aws
        .block(cf.list_stack_sets().send())
        .map_err(plain)
        .unwrap_or_else(|e| panic!("{e:#}"));
    let ours: Vec<String> = sets
        .summaries()
        .iter()
        .filter_map(|s| s.stack_set_name())
        .filter(|n| n.starts_with(&ctx.p.stack))
        .map(str::to_owned)
        .collect();
    assert!(
        !ours.is_empty(),
        "rollout --accounts created no stack set named like {}",
        ctx.p.stack
    );
    for set in &ours {
        ctx.report.created(format!("stack set {set}"));
        let instances = ctx
            .aws
            .block(cf.list_stack_instances().stack_set_name(set).send())
            .map_err(plain)
            .unwrap_or_else(|e| panic!("{e:#}"));
        for account in accounts.split(',') {
            assert!(
                instances
                    .summaries()
                    .iter()
                    .any(|i| i.account() == Some(account.trim()) && i.region() == Some(region)),
                "stack set {set} has no instance in {account} {region}"
            );
        }
    }
    Outcome::Passed
}

/// Removes the step's stack sets (instances first, their stacks with them), however it ends.
/// The instances' retained buckets and tables sit in the other accounts, out of this suite's
/// reach: the report says so.
struct StackSets<'a> {
    ctx: &'a Ctx<'a>,
}

impl Drop for StackSets<'_> {
    fn drop(&mut self) {
        let (c, report) = (self.ctx.aws, self.ctx.report);
        let cf = c.cloudformation();
        let Ok(sets) = c.block(cf.list_stack_sets().send()) else {
            report.left(format!(
                "stack sets named {}* (could not list them)",
                self.ctx.p.stack
            ));
            return;
        };
        for set in sets.summaries().iter().filter_map(|s| s.stack_set_name()) {
            if !set.starts_with(&self.ctx.p.stack) {
                continue;
            }
            match super::sweep::delete_stack_set(c, set) {
                Ok(()) => report.deleted(format!(
                    "stack set {set} (retained data in its accounts is theirs to purge)"
                )),
                Err(e) => report.left(format!("stack set {set} ({e:#})")),
            }
        }
    }
}
