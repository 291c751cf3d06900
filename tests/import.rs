//! Import instead of collide: the IMPORT step's template, and apply's request sequence with the
//! SDK's mock clients (moto's CloudFormation treats an IMPORT change set as a create, so the
//! import itself can only be shown here): the IMPORT change set with its ResourcesToImport,
//! then the UPDATE; and the refusals that change nothing (a table keyed otherwise, a bucket of
//! another account).

mod common;
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError;
use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateError;
use aws_sdk_cloudformation::types::{ChangeSetType, StackStatus};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, GlobalSecondaryIndexDescription, KeySchemaElement, KeyType,
    ScalarAttributeType, TableDescription, TableStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use aws_smithy_types::error::ErrorMetadata;
use common::mocks::{
    ACCOUNT, STACK, STACK_ID, Yes, block_on, bundled_code, change_set_ready,
    cloudformation_answering, lambda, no_change_sets, no_events, policy_set, request, s3, stack,
    sts,
};
use infrapipe::aws::{Aws, Overrides};
use infrapipe::deploy::apply::{self, Answer, ApplyError, Interrupted, Outcome, Refusal, Ui};
use infrapipe::deploy::assets::Uploaded;
use infrapipe::deploy::wait::Tick;
use infrapipe::model::names::Names;
use infrapipe::plan::import::{Import, Why, references, template};
use infrapipe::plan::{Action, Plan};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

const RAW_BUCKET: &str = "infra-monitoring-prod-raw-123456789012-us-east-1";
const TABLE: &str = "infra-monitoring-prod-metrics";

fn kept(logical_id: &str, ty: &str, property: &str, name: &str, indexes: &[&str]) -> Import {
    Import {
        logical_id: logical_id.into(),
        resource_type: ty.into(),
        identifier: BTreeMap::from([(property.to_owned(), name.to_owned())]),
        why: Why::KeptByDestroy,
        existing_indexes: indexes.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn both_kept() -> Vec<Import> {
    vec![
        kept(
            "RawMetricsBucket",
            "AWS::S3::Bucket",
            "BucketName",
            RAW_BUCKET,
            &[],
        ),
        kept(
            "MetricsTable",
            "AWS::DynamoDB::Table",
            "TableName",
            TABLE,
            &["MetricTypeIndex"],
        ),
    ]
}

fn resolved(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other["Fn::Sub"]
            .as_str()
            .map(|s| {
                s.replace("${AWS::AccountId}", ACCOUNT)
                    .replace("${AWS::Region}", "us-east-1")
            })
            .unwrap_or_default(),
    }
}

#[test]
fn the_import_template_holds_exactly_the_imported_resources() {
    let t = template(None, &common::example(), &both_kept());
    let ids: BTreeSet<&str> = t["Resources"]
        .as_object()
        .expect("Resources")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(ids, BTreeSet::from(["MetricsTable", "RawMetricsBucket"]));
}

#[test]
fn each_imported_resource_is_retained_and_named_by_its_primary_identifier() {
    let t = template(None, &common::example(), &both_kept());
    for i in both_kept() {
        let r = &t["Resources"][&i.logical_id];
        assert_eq!(r["DeletionPolicy"], "Retain", "{}", i.logical_id);
        assert_eq!(r["Type"], i.resource_type.as_str());
        for (property, name) in &i.identifier {
            assert_eq!(
                &resolved(&r["Properties"][property]),
                name,
                "{}",
                i.logical_id
            );
        }
    }
}

#[test]
fn the_import_template_has_no_outputs_and_no_reference_outside_it() {
    let t = template(None, &common::example(), &both_kept());
    assert!(t.get("Outputs").is_none(), "{t:#}");
    for (id, r) in t["Resources"].as_object().expect("Resources") {
        assert!(
            r.get("DependsOn").is_none(),
            "{id} depends on {}",
            r["DependsOn"]
        );
        let outside: BTreeSet<String> = references(r)
            .into_iter()
            .filter(|x| x != "RawMetricsBucket" && x != "MetricsTable")
            .collect();
        assert!(outside.is_empty(), "{id} refers to {outside:?}");
    }
}

#[test]
fn a_table_without_the_index_is_imported_without_it_so_the_update_creates_it() {
    let mut imports = both_kept();
    imports[1].existing_indexes.clear();
    let t = template(None, &common::example(), &imports);
    let table = &t["Resources"]["MetricsTable"]["Properties"];
    assert!(table.get("GlobalSecondaryIndexes").is_none(), "{table:#}");
    let defined: Vec<&str> = table["AttributeDefinitions"]
        .as_array()
        .expect("definitions")
        .iter()
        .filter_map(|d| d["AttributeName"].as_str())
        .collect();
    assert_eq!(defined, ["instance_id", "metric_key"]);
}

#[test]
fn cfn_lint_passes_on_the_import_template() {
    let lint = std::path::Path::new(".venv/bin/cfn-lint");
    assert!(
        lint.exists(),
        "cfn-lint is not installed in .venv: run `make test`"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, imports) in [("both", both_kept()), ("bucket", both_kept()[..1].to_vec())] {
        let file = dir.path().join(format!("import-{name}.json"));
        let t = template(None, &common::example(), &imports);
        std::fs::write(&file, infrapipe::template::to_string(&t)).expect("write");
        files.push(file);
    }
    let out = std::process::Command::new(lint)
        .args(&files)
        .output()
        .expect("run cfn-lint");
    assert!(
        out.status.success(),
        "cfn-lint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- apply, with mock clients ----

fn missing() -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("ValidationError")
        .message("Stack with id infra-monitoring-prod does not exist")
        .build()
}

/// Each HeadBucket's bucket and ExpectedBucketOwner, in order.
type Heads = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// One CreateChangeSet request as the test reads it.
#[derive(Debug, Clone)]
struct Made {
    kind: Option<ChangeSetType>,
    imports: Vec<(String, String, BTreeMap<String, String>)>,
    resources: BTreeSet<String>,
    role_arn: Option<String>,
}

/// The stack's reads when the import and the update complete: apply's first read finds no stack
/// (destroyed); the re-read before the import's execute, the wait for the import, the re-read
/// before the update's execute and the wait for the update find it as each step left it.
const COMPLETING: [StackStatus; 3] = [
    StackStatus::ReviewInProgress,
    StackStatus::ImportComplete,
    StackStatus::UpdateComplete,
];

/// CloudFormation with no stack (destroyed), then the stack in each of `then` in turn (the
/// last one from then on); `first` answers before the rest. Every CreateChangeSet,
/// ExecuteChangeSet and deletion recorded.
fn cloudformation(r: &Recorded, then: &[StackStatus], first: Vec<Rule>) -> Cf {
    let (made, executed, removed) = (r.made.clone(), r.executed.clone(), r.removed.clone());
    let mut reads = mock!(Cf::describe_stacks)
        .sequence()
        .error(|| DescribeStacksError::generic(missing()));
    for status in then {
        let status = status.clone();
        reads = reads.output(move || stack(status.clone()));
    }
    let describe = reads.repeatedly().build();
    let record = mock!(Cf::create_change_set)
        .match_requests(move |r| {
            let body: Value =
                serde_json::from_str(r.template_body().unwrap_or("{}")).unwrap_or_default();
            made.lock().expect("lock").push(Made {
                kind: r.change_set_type().cloned(),
                imports: r
                    .resources_to_import()
                    .iter()
                    .map(|i| {
                        (
                            i.resource_type().unwrap_or_default().to_owned(),
                            i.logical_resource_id().unwrap_or_default().to_owned(),
                            i.resource_identifier()
                                .into_iter()
                                .flatten()
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect(),
                        )
                    })
                    .collect(),
                resources: body["Resources"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default(),
                role_arn: r.role_arn().map(str::to_owned),
            });
            true
        })
        .sequence()
        .output(|| {
            CreateChangeSetOutput::builder()
                .id("cs-import")
                .stack_id(STACK_ID)
                .build()
        })
        .output(|| {
            CreateChangeSetOutput::builder()
                .id("cs-update")
                .stack_id(STACK_ID)
                .build()
        })
        .build();
    let execute = mock!(Cf::execute_change_set)
        .match_requests(move |r| {
            executed
                .lock()
                .expect("lock")
                .push(r.change_set_name().unwrap_or_default().to_owned());
            true
        })
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let (log_cs, log_stack) = (removed.clone(), removed);
    let delete_change_set = mock!(Cf::delete_change_set)
        .match_requests(move |r| {
            log_cs.lock().expect("lock").push(format!(
                "change set {}",
                r.change_set_name().unwrap_or_default()
            ));
            true
        })
        .then_output(|| {
            aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetOutput::builder()
                .build()
        });
    let delete_stack = mock!(Cf::delete_stack)
        .match_requests(move |r| {
            log_stack
                .lock()
                .expect("lock")
                .push(format!("stack {}", r.stack_name().unwrap_or_default()));
            true
        })
        .then_output(|| {
            aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput::builder().build()
        });
    let [_, computed] = change_set_ready();
    let mut rules = first;
    rules.extend([
        delete_change_set,
        delete_stack,
        describe,
        mock!(Cf::get_template).then_error(|| GetTemplateError::generic(missing())),
        record,
        computed,
        no_events(),
        execute,
        policy_set(),
        no_change_sets(),
    ]);
    cloudformation_answering(&rules)
}

/// STS for our account; S3 with the artifact bucket and zips there, no results bucket, and
/// `raw` answering the raw bucket's HeadBucket (recording each HeadBucket's bucket and
/// ExpectedBucketOwner); Lambda running the bundled zips.
fn sts_and_s3(raw: Rule, heads: Heads) -> Overrides {
    let code = bundled_code(&Names::new(&common::config(common::MINIMAL)));
    let seen = mock!(aws_sdk_s3::Client::head_bucket)
        .match_requests(move |r| {
            heads.lock().expect("lock").push((
                r.bucket().unwrap_or_default().to_owned(),
                r.expected_bucket_owner().map(str::to_owned),
            ));
            false
        })
        .then_output(|| aws_sdk_s3::operation::head_bucket::HeadBucketOutput::builder().build());
    Overrides {
        cloudformation: None,
        s3: Some(s3(vec![seen, raw], &code)),
        sts: Some(sts()),
        lambda: Some(lambda(&code)),
        ..Overrides::default()
    }
}

fn raw_bucket_is_ours() -> Rule {
    mock!(aws_sdk_s3::Client::head_bucket)
        .match_requests(|r| r.bucket() == Some(RAW_BUCKET))
        .then_output(|| {
            aws_sdk_s3::operation::head_bucket::HeadBucketOutput::builder()
                .bucket_region("us-east-1")
                .build()
        })
}

fn key(name: &str, ty: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(ty)
        .build()
        .expect("key")
}

fn attribute(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ty)
        .build()
        .expect("attribute")
}

/// DynamoDB answering DescribeTable with a table keyed on `(instance_id, range)`.
fn dynamodb(range: &'static str, range_type: ScalarAttributeType) -> aws_sdk_dynamodb::Client {
    let describe = mock!(aws_sdk_dynamodb::Client::describe_table).then_output(move || {
        aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput::builder()
            .table(
                TableDescription::builder()
                    .table_status(TableStatus::Active)
                    .key_schema(key("instance_id", KeyType::Hash))
                    .key_schema(key(range, KeyType::Range))
                    .attribute_definitions(attribute("instance_id", ScalarAttributeType::S))
                    .attribute_definitions(attribute(range, range_type.clone()))
                    .global_secondary_indexes(
                        GlobalSecondaryIndexDescription::builder()
                            .index_name("MetricTypeIndex")
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&describe])
}

fn run_apply(aws: Aws, yaml: &str) -> Result<Outcome, ApplyError> {
    run_apply_answering(aws, yaml, &mut Yes)
}

fn run_apply_answering(aws: Aws, yaml: &str, ui: &mut dyn Ui) -> Result<Outcome, ApplyError> {
    let config = common::config(yaml);
    let names = Names::new(&config);
    let template = common::render(yaml);
    block_on(apply::apply(&aws, &request(&names, &template), ui))
}

/// What the minimal config's apply says when `interrupt` (Ctrl-C) stops it, the kept bucket
/// and table found and CloudFormation answered by `cf`.
fn interrupted<F: std::future::Future>(r: &Recorded, cf: Cf, interrupt: F) -> String {
    let table = dynamodb("metric_key", ScalarAttributeType::S);
    let aws = aws_with(r, cf, raw_bucket_is_ours(), table);
    let config = common::config(common::MINIMAL);
    let names = Names::new(&config);
    let template = common::render(common::MINIMAL);
    let req = request(&names, &template);
    match block_on(apply::apply_until(&aws, &req, &mut Yes, interrupt)) {
        Err(Interrupted { goes_on }) => goes_on,
        Ok(result) => panic!("expected an interruption, got {result:?}"),
    }
}

/// Completes once `seen` holds at least `n` entries (then a little later, so the apply is
/// waiting on CloudFormation).
async fn once<T>(seen: Arc<Mutex<Vec<T>>>, n: usize) {
    while seen.lock().map(|v| v.len()).unwrap_or_default() < n {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
}

struct Recorded {
    made: Arc<Mutex<Vec<Made>>>,
    executed: Arc<Mutex<Vec<String>>>,
    removed: Arc<Mutex<Vec<String>>>,
    heads: Heads,
}

fn recorded() -> Recorded {
    Recorded {
        made: Arc::default(),
        executed: Arc::default(),
        removed: Arc::default(),
        heads: Arc::default(),
    }
}

fn aws(r: &Recorded, raw: Rule, table: aws_sdk_dynamodb::Client) -> Aws {
    aws_with(r, cloudformation(r, &COMPLETING, Vec::new()), raw, table)
}

fn aws_with(r: &Recorded, cf: Cf, raw: Rule, table: aws_sdk_dynamodb::Client) -> Aws {
    Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cf),
            ..sts_and_s3(raw, r.heads.clone())
        },
    )
    .with_dynamodb(table)
}

#[test]
fn apply_after_destroy_imports_the_kept_bucket_and_table_then_updates() {
    let r = recorded();
    let aws = aws(
        &r,
        raw_bucket_is_ours(),
        dynamodb("metric_key", ScalarAttributeType::S),
    );
    let outcome = run_apply(aws, common::MINIMAL).expect("apply");
    let Outcome::Executed { plan, finished } = outcome else {
        panic!("expected an executed apply, got {outcome:?}");
    };
    assert!(finished.succeeded(), "{finished:?}");
    let made = r.made.lock().expect("lock").clone();
    assert_eq!(made.len(), 2, "{made:#?}");
    assert_eq!(made[0].kind, Some(ChangeSetType::Import));
    let imports: BTreeSet<_> = made[0].imports.iter().cloned().collect();
    let want = BTreeSet::from([
        (
            "AWS::S3::Bucket".to_owned(),
            "RawMetricsBucket".to_owned(),
            BTreeMap::from([("BucketName".to_owned(), RAW_BUCKET.to_owned())]),
        ),
        (
            "AWS::DynamoDB::Table".to_owned(),
            "MetricsTable".to_owned(),
            BTreeMap::from([("TableName".to_owned(), TABLE.to_owned())]),
        ),
    ]);
    assert_eq!(imports, want);
    assert_eq!(
        made[0].resources,
        BTreeSet::from(["MetricsTable".to_owned(), "RawMetricsBucket".to_owned()])
    );
    assert_eq!(made[1].kind, Some(ChangeSetType::Update));
    assert!(made[1].imports.is_empty());
    assert_eq!(
        *r.executed.lock().expect("lock"),
        ["cs-import", "cs-update"]
    );
    assert_eq!(plan.summary.import, 2);
    let imported: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Import)
        .map(|c| c.logical_id.as_str())
        .collect();
    assert_eq!(imported, ["MetricsTable", "RawMetricsBucket"]);
}

#[test]
fn the_deploy_role_goes_as_role_arn_on_the_import_change_set_and_the_update_after_it() {
    const ROLE: &str = "arn:aws:iam::123456789012:role/InfrapipeDeploy";
    let r = recorded();
    let aws = aws(
        &r,
        raw_bucket_is_ours(),
        dynamodb("metric_key", ScalarAttributeType::S),
    )
    .with_deploy_role(Some(ROLE.into()));
    run_apply(aws, common::MINIMAL).expect("apply");
    let sent: Vec<(Option<ChangeSetType>, Option<String>)> = r
        .made
        .lock()
        .expect("lock")
        .iter()
        .map(|m| (m.kind.clone(), m.role_arn.clone()))
        .collect();
    assert_eq!(
        sent,
        [
            (Some(ChangeSetType::Import), Some(ROLE.to_owned())),
            (Some(ChangeSetType::Update), Some(ROLE.to_owned())),
        ]
    );
}

#[test]
fn the_raw_bucket_is_checked_with_our_account_as_its_expected_owner() {
    let r = recorded();
    let aws = aws(
        &r,
        raw_bucket_is_ours(),
        dynamodb("metric_key", ScalarAttributeType::S),
    );
    run_apply(aws, common::MINIMAL).expect("apply");
    let heads = r.heads.lock().expect("lock").clone();
    let raw: Vec<&Option<String>> = heads
        .iter()
        .filter(|(b, _)| b == RAW_BUCKET)
        .map(|(_, owner)| owner)
        .collect();
    assert_eq!(raw, [&Some(ACCOUNT.to_owned())], "{heads:?}");
}

#[test]
fn the_seeds_table_keyed_on_timestamp_is_refused_with_why_and_what_to_do_and_nothing_changes() {
    let r = recorded();
    let aws = aws(
        &r,
        raw_bucket_is_ours(),
        dynamodb("timestamp", ScalarAttributeType::N),
    );
    let yaml = format!("{}adopt:\n  table: InfraMetrics\n", common::MINIMAL);
    let err = run_apply(aws, &yaml).expect_err("refused");
    let text = err.to_string();
    for part in [
        "table InfraMetrics exists keyed on (instance_id HASH, timestamp RANGE)",
        "keyed on (instance_id HASH, metric_key RANGE)",
        "remove adopt.table",
        "nothing was changed",
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
    assert!(
        r.made.lock().expect("lock").is_empty(),
        "a change set was made"
    );
}

#[test]
fn a_bucket_of_our_name_owned_by_another_account_is_refused_naming_the_risk() {
    let r = recorded();
    let foreign = mock!(aws_sdk_s3::Client::head_bucket)
        .match_requests(|r| r.bucket() == Some(RAW_BUCKET))
        .sequence()
        .http_status(403, None)
        .repeatedly()
        .build();
    let aws = aws(&r, foreign, dynamodb("metric_key", ScalarAttributeType::S));
    let err = run_apply(aws, common::MINIMAL).expect_err("refused");
    let text = err.to_string();
    for part in [
        "does not belong to account 123456789012",
        "never imported",
        "whose owner can read, change or delete them",
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
    assert!(
        r.made.lock().expect("lock").is_empty(),
        "a change set was made"
    );
}

#[test]
fn a_plain_plan_json_has_no_import_fields() {
    let p = infrapipe::plan::diff(STACK, "us-east-1", None, None, &json!({"Resources": {}}));
    let v = serde_json::to_value(&p).expect("json");
    assert!(
        v.get("imports").is_none() && v["summary"].get("import").is_none(),
        "{v}"
    );
}

struct No;
impl Ui for No {
    fn ask(&mut self, _: &str) -> Answer {
        Answer::No
    }
    fn confirm(&mut self, _: &Plan) -> bool {
        false
    }
    fn published(&mut self, _: &Uploaded) {}
    fn tick(&mut self, _: Tick<'_>, _: usize) {}
    fn replacing_failed_create(&mut self, _: &str) {}
}

#[test]
fn answering_no_makes_no_change_set_deletes_nothing_and_executes_nothing() {
    let r = recorded();
    let aws = aws(
        &r,
        raw_bucket_is_ours(),
        dynamodb("metric_key", ScalarAttributeType::S),
    );
    let outcome = run_apply_answering(aws, common::MINIMAL, &mut No).expect("apply");
    assert!(matches!(outcome, Outcome::Cancelled { .. }), "{outcome:?}");
    // The one question comes before publish and before the IMPORT change set.
    assert!(
        r.made.lock().expect("lock").is_empty(),
        "a change set was made"
    );
    assert!(r.executed.lock().expect("lock").is_empty());
    assert!(
        r.removed.lock().expect("lock").is_empty(),
        "nothing was there to delete"
    );
}

#[test]
fn importing_into_a_deployed_stack_keeps_its_template_and_adds_only_the_imports() {
    let mut deployed = common::example();
    let resources = deployed["Resources"].as_object_mut().expect("Resources");
    resources.remove("RawMetricsBucket");
    resources.remove("MetricsTable");
    let before = deployed.clone();
    let t = template(Some(&deployed), &common::example(), &both_kept());
    let mut without = t.clone();
    let resources = without["Resources"].as_object_mut().expect("Resources");
    assert!(resources.remove("RawMetricsBucket").is_some());
    assert!(resources.remove("MetricsTable").is_some());
    assert_eq!(
        without, before,
        "the deployed resources and outputs are unchanged"
    );
}

// ---- the import's execution: interruptions and concurrent operations ----

#[test]
fn ctrl_c_while_the_import_runs_says_it_was_executed_and_how_to_finish() {
    let r = recorded();
    let importing = [StackStatus::ReviewInProgress, StackStatus::ImportInProgress];
    let cf = cloudformation(&r, &importing, Vec::new());
    let goes_on = interrupted(&r, cf, once(r.executed.clone(), 1));
    for part in [
        "The IMPORT change set was executed",
        "importing MetricsTable and RawMetricsBucket into stack infra-monitoring-prod",
        "run `infrapipe apply` again to make the rest of the changes",
    ] {
        assert!(goes_on.contains(part), "{part:?} missing from: {goes_on}");
    }
    assert_eq!(*r.executed.lock().expect("lock"), ["cs-import"]);
}

#[test]
fn ctrl_c_after_the_import_completed_says_it_ran_and_that_the_update_did_not() {
    let r = recorded();
    // The UPDATE change set is still being computed when Ctrl-C comes.
    let computing = mock!(Cf::describe_change_set)
        .match_requests(|c| c.change_set_name() == Some("cs-update"))
        .then_output(|| {
            aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput::builder()
                .status(aws_sdk_cloudformation::types::ChangeSetStatus::CreatePending)
                .build()
        });
    let imported = [StackStatus::ReviewInProgress, StackStatus::ImportComplete];
    let cf = cloudformation(&r, &imported, vec![computing]);
    let goes_on = interrupted(&r, cf, once(r.made.clone(), 2));
    for part in [
        "The import ran: MetricsTable and RawMetricsBucket are now in stack infra-monitoring-prod",
        "The update after it was not executed",
        "Run `infrapipe apply` again to make the rest of the changes",
    ] {
        assert!(goes_on.contains(part), "{part:?} missing from: {goes_on}");
    }
    assert_eq!(*r.executed.lock().expect("lock"), ["cs-import"]);
}

#[test]
fn an_operation_started_before_the_import_executes_is_refused_and_nothing_is_executed() {
    let r = recorded();
    let cf = cloudformation(&r, &[StackStatus::CreateInProgress], Vec::new());
    let table = dynamodb("metric_key", ScalarAttributeType::S);
    let err = run_apply(
        aws_with(&r, cf, raw_bucket_is_ours(), table),
        common::MINIMAL,
    )
    .expect_err("overtaken");
    assert!(
        matches!(&err, ApplyError::Refused(Refusal::Overtaken { status, .. }) if status == "CREATE_IN_PROGRESS"),
        "{err}"
    );
    assert!(r.executed.lock().expect("lock").is_empty());
    assert_eq!(*r.removed.lock().expect("lock"), ["change set cs-import"]);
}

#[test]
fn an_operation_started_after_the_import_refuses_the_update_naming_what_was_imported() {
    let r = recorded();
    let overtaken = [
        StackStatus::ReviewInProgress,
        StackStatus::ImportComplete,
        StackStatus::UpdateInProgress,
    ];
    let cf = cloudformation(&r, &overtaken, Vec::new());
    let table = dynamodb("metric_key", ScalarAttributeType::S);
    let err = run_apply(
        aws_with(&r, cf, raw_bucket_is_ours(), table),
        common::MINIMAL,
    )
    .expect_err("overtaken");
    assert_eq!(
        err.to_string(),
        "another operation started on stack infra-monitoring-prod after this apply imported MetricsTable and RawMetricsBucket (UPDATE_IN_PROGRESS); the update after the import was not executed. Wait for it to finish (`infrapipe status`), then run `infrapipe plan` and apply again to make the rest of the changes"
    );
    assert_eq!(*r.executed.lock().expect("lock"), ["cs-import"]);
    assert_eq!(*r.removed.lock().expect("lock"), ["change set cs-update"]);
}
