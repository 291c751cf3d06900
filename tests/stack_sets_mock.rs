//! A stack-set rollout where an instance fails, with the SDK's mock CloudFormation (moto never
//! fails an instance): with `--failure-tolerance 0` and SEQUENTIAL regions, the canary region
//! succeeds, the next operation fails in eu-west-1, the remaining region is not attempted, the
//! table says so and the rollout exits 1; the requests and their OperationPreferences are the
//! ones CloudFormation needs. And a strict-mode concurrency above tolerance + 1 is refused before
//! any request.

mod common;
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_cloudformation::operation::create_stack_instances::CreateStackInstancesOutput;
use aws_sdk_cloudformation::operation::create_stack_set::CreateStackSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_set::DescribeStackSetError;
use aws_sdk_cloudformation::operation::describe_stack_set_operation::DescribeStackSetOperationOutput;
use aws_sdk_cloudformation::operation::list_stack_set_operation_results::ListStackSetOperationResultsOutput;
use aws_sdk_cloudformation::types::error::StackSetNotFoundException;
use aws_sdk_cloudformation::types::{
    StackSetOperation, StackSetOperationPreferences, StackSetOperationResultStatus,
    StackSetOperationResultSummary, StackSetOperationStatus,
};
use aws_smithy_mocks::{RuleMode, mock};
use infrapipe::aws::cloudformation::TemplateSource;
use infrapipe::aws::stack_sets::{Amount, OperationResult, Permissions, SetRef, Targets};
use infrapipe::aws::{Aws, Overrides};
use infrapipe::console::Report;
use infrapipe::deploy::stack_set::{Canary, Flags, Outcome, Step, plan, run};
use infrapipe::error::Exit;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

type Log = Arc<Mutex<Vec<String>>>;
type Prefs = Arc<Mutex<Vec<StackSetOperationPreferences>>>;

fn note(log: &Log, entry: String) -> bool {
    if let Ok(mut l) = log.lock() {
        l.push(entry);
    }
    true
}

fn result(
    account: &str,
    region: &str,
    status: StackSetOperationResultStatus,
    reason: &str,
) -> StackSetOperationResultSummary {
    StackSetOperationResultSummary::builder()
        .account(account)
        .region(region)
        .status(status)
        .status_reason(reason)
        .build()
}

const REASON: &str = "The following resource(s) failed to create: [CollectorFunction].";

/// CloudFormation with no set yet; the canary operation (us-east-1) succeeds, the next one
/// fails in eu-west-1 and never reaches ap-southeast-2.
fn cloudformation(log: &Log, prefs: &Prefs) -> Cf {
    let (l1, l2, l3, l4, l5) = (
        log.clone(),
        log.clone(),
        log.clone(),
        log.clone(),
        log.clone(),
    );
    let p = prefs.clone();
    let rules = [
        mock!(Cf::describe_stack_set)
            .match_requests(move |r| {
                note(
                    &l1,
                    format!(
                        "DescribeStackSet {}",
                        r.stack_set_name().unwrap_or_default()
                    ),
                )
            })
            .then_error(|| {
                DescribeStackSetError::StackSetNotFoundException(
                    StackSetNotFoundException::builder()
                        .message("StackSet infra-monitoring-prod not found")
                        .build(),
                )
            }),
        mock!(Cf::create_stack_set)
            .match_requests(move |r| {
                note(
                    &l2,
                    format!(
                        "CreateStackSet {} {:?}",
                        r.stack_set_name().unwrap_or_default(),
                        r.permission_model().map(|m| m.as_str())
                    ),
                )
            })
            .then_output(|| {
                CreateStackSetOutput::builder()
                    .stack_set_id("infra-monitoring-prod:1")
                    .build()
            }),
        mock!(Cf::create_stack_instances)
            .match_requests(move |r| {
                if let (Ok(mut v), Some(o)) = (p.lock(), r.operation_preferences()) {
                    v.push(o.clone());
                }
                note(
                    &l3,
                    format!(
                        "CreateStackInstances {} x {}",
                        r.accounts().join(","),
                        r.regions().join(",")
                    ),
                )
            })
            .then_compute_output(|r| {
                let id = if r.regions() == ["us-east-1"] {
                    "op-canary"
                } else {
                    "op-rest"
                };
                CreateStackInstancesOutput::builder()
                    .operation_id(id)
                    .build()
            }),
        mock!(Cf::describe_stack_set_operation)
            .match_requests(move |r| {
                note(
                    &l4,
                    format!(
                        "DescribeStackSetOperation {}",
                        r.operation_id().unwrap_or_default()
                    ),
                )
            })
            .then_compute_output(|r| {
                let failed = r.operation_id() == Some("op-rest");
                let mut op = StackSetOperation::builder()
                    .operation_id(r.operation_id().unwrap_or_default())
                    .status(if failed {
                        StackSetOperationStatus::Failed
                    } else {
                        StackSetOperationStatus::Succeeded
                    });
                if failed {
                    op = op.status_reason(
                        "The Operation op-rest has failed: failure tolerance exceeded in eu-west-1",
                    );
                }
                DescribeStackSetOperationOutput::builder()
                    .stack_set_operation(op.build())
                    .build()
            }),
        mock!(Cf::list_stack_set_operation_results)
            .match_requests(move |r| {
                note(
                    &l5,
                    format!(
                        "ListStackSetOperationResults {}",
                        r.operation_id().unwrap_or_default()
                    ),
                )
            })
            .then_compute_output(|r| {
                use StackSetOperationResultStatus as S;
                let rows = if r.operation_id() == Some("op-canary") {
                    vec![
                        result("111111111111", "us-east-1", S::Succeeded, ""),
                        result("222222222222", "us-east-1", S::Succeeded, ""),
                    ]
                } else {
                    vec![
                        result("111111111111", "eu-west-1", S::Failed, REASON),
                        result(
                            "222222222222",
                            "eu-west-1",
                            S::Cancelled,
                            "Cancelled since failure tolerance has exceeded",
                        ),
                    ]
                };
                ListStackSetOperationResultsOutput::builder()
                    .set_summaries(Some(rows))
                    .build()
            }),
    ];
    let mut interceptor =
        aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for rule in &rules {
        interceptor = interceptor.with_rule(rule);
    }
    let conf = aws_sdk_cloudformation::config::Config::builder()
        .with_test_defaults()
        .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
        .http_client(aws_smithy_mocks::create_mock_http_client())
        .interceptor(interceptor)
        .build();
    Cf::from_conf(conf)
}

fn flags() -> Flags {
    Flags {
        targets: Targets::Accounts(vec!["111111111111".into(), "222222222222".into()]),
        regions: vec![
            "us-east-1".into(),
            "eu-west-1".into(),
            "ap-southeast-2".into(),
        ],
        canary: Canary::Region,
        failure_tolerance: Amount::Count(0),
        max_concurrent: Amount::Count(1),
        strict: true,
        sequential: true,
    }
}

struct Quiet(Vec<String>);

impl run::SetUi for Quiet {
    fn started(&mut self, _: usize, _: &Step, _: &str) {}
    fn instance(&mut self, r: &OperationResult) {
        self.0
            .push(format!("{} {} {}", r.account, r.region, r.status));
    }
}

struct Ran {
    log: Vec<String>,
    prefs: Vec<StackSetOperationPreferences>,
    report: infrapipe::deploy::stack_set::SetReport,
    lines: Vec<String>,
}

fn roll_out() -> Ran {
    let (log, prefs): (Log, Prefs) = Default::default();
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cloudformation(&log, &prefs)),
            ..Overrides::default()
        },
    );
    let flags = flags();
    let set = SetRef::new("infra-monitoring-prod");
    let parameters = BTreeMap::from([("CodeBucketAccount".to_owned(), "123456789012".to_owned())]);
    let template = TemplateSource::Body("{}".into());
    let permissions = Permissions::SelfManaged {
        administration_role_arn:
            "arn:aws:iam::123456789012:role/AWSCloudFormationStackSetAdministrationRole".into(),
        execution_role_name: "AWSCloudFormationStackSetExecutionRole".into(),
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut ui = Quiet(Vec::new());
    let report = rt.block_on(async {
        let (info, instances) = run::read(&aws, &set).await.expect("read");
        let plan = plan::plan(
            &set.name,
            info.as_ref(),
            &instances,
            "{}",
            &parameters,
            &flags,
        );
        let tags = BTreeMap::new();
        let r = run::Rollout {
            set: &set,
            flags: &flags,
            description: "d",
            template: &template,
            parameters: &parameters,
            tags: &tags,
            permissions: &permissions,
            limit: std::time::Duration::from_secs(60),
        };
        run::execute(&aws, &r, &plan, &mut ui, std::future::pending::<()>()).await
    });
    let log = log.lock().map(|l| l.clone()).unwrap_or_default();
    let prefs = prefs.lock().map(|p| p.clone()).unwrap_or_default();
    Ran {
        log,
        prefs,
        report,
        lines: ui.0,
    }
}

#[test]
fn the_canary_goes_first_then_the_rest_and_a_failure_stops_the_operation() {
    assert_eq!(
        roll_out().log,
        [
            "DescribeStackSet infra-monitoring-prod",
            "CreateStackSet infra-monitoring-prod Some(\"SELF_MANAGED\")",
            "CreateStackInstances 111111111111,222222222222 x us-east-1",
            "DescribeStackSetOperation op-canary",
            "ListStackSetOperationResults op-canary",
            "CreateStackInstances 111111111111,222222222222 x eu-west-1,ap-southeast-2",
            "DescribeStackSetOperation op-rest",
            "ListStackSetOperationResults op-rest",
        ]
    );
}

/// FailureToleranceCount, MaxConcurrentCount, RegionOrder, RegionConcurrencyType, ConcurrencyMode.
type SentPrefs = (
    Option<i32>,
    Option<i32>,
    Vec<String>,
    Option<String>,
    Option<String>,
);

#[test]
fn the_operation_preferences_carry_tolerance_concurrency_and_region_order_canary_first() {
    let seen: Vec<SentPrefs> = roll_out()
        .prefs
        .iter()
        .map(|p| {
            (
                p.failure_tolerance_count(),
                p.max_concurrent_count(),
                p.region_order().to_vec(),
                p.region_concurrency_type().map(|t| t.as_str().to_owned()),
                p.concurrency_mode().map(|m| m.as_str().to_owned()),
            )
        })
        .collect();
    let strict = Some("STRICT_FAILURE_TOLERANCE".to_owned());
    let seq = Some("SEQUENTIAL".to_owned());
    assert_eq!(
        seen,
        [
            (
                Some(0),
                Some(1),
                vec!["us-east-1".to_owned()],
                seq.clone(),
                strict.clone()
            ),
            (
                Some(0),
                Some(1),
                vec!["eu-west-1".to_owned(), "ap-southeast-2".to_owned()],
                seq,
                strict
            ),
        ]
    );
}

#[test]
fn the_table_shows_the_failed_instance_and_the_regions_not_attempted() {
    let report = roll_out().report;
    let rows: Vec<(String, String, &str)> = report
        .rows
        .iter()
        .map(|r| {
            let what = match &r.outcome {
                Outcome::Succeeded => "succeeded",
                Outcome::Failed { .. } => "failed",
                Outcome::NotAttempted { .. } => "not attempted",
                _ => "other",
            };
            (r.account.clone(), r.region.clone(), what)
        })
        .collect();
    let row = |a: &str, r: &str, w| (a.to_owned(), r.to_owned(), w);
    assert_eq!(
        rows,
        [
            row("111111111111", "us-east-1", "succeeded"),
            row("111111111111", "eu-west-1", "failed"),
            row("111111111111", "ap-southeast-2", "not attempted"),
            row("222222222222", "us-east-1", "succeeded"),
            row("222222222222", "eu-west-1", "not attempted"),
            row("222222222222", "ap-southeast-2", "not attempted"),
        ]
    );
}

#[test]
fn the_printed_table_gives_the_reason_and_says_not_attempted() {
    let text = roll_out().report.to_string();
    assert!(
        text.contains(REASON) && text.matches("not attempted").count() == 3,
        "{text}"
    );
}

#[test]
fn a_failed_or_unreached_instance_makes_the_rollout_exit_1() {
    assert_eq!(roll_out().report.exit(), Exit::Failure);
}

#[test]
fn each_instance_is_reported_once_as_its_result_arrives() {
    assert_eq!(
        roll_out().lines,
        [
            "111111111111 us-east-1 SUCCEEDED",
            "222222222222 us-east-1 SUCCEEDED",
            "111111111111 eu-west-1 FAILED",
            "222222222222 eu-west-1 CANCELLED",
        ]
    );
}

#[test]
fn strict_mode_refuses_more_concurrency_than_tolerance_plus_one_before_any_request() {
    // A dead endpoint: any request would fail as a connection error (exit 1), not a usage one.
    let (code, _, err) = common::run(&[
        "-c",
        "examples/infrapipe.yaml",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "rollout",
        "--accounts",
        "111111111111,222222222222",
        "--failure-tolerance",
        "0",
        "--max-concurrent-accounts",
        "3",
        "--yes",
    ]);
    // Exit 1, as every usage error found after parsing (error.rs: 2 is "changes", never an error).
    assert!(
        code == 1 && err.contains("at most failure tolerance + 1 = 1 accounts per region"),
        "{code} {err}"
    );
}

#[test]
fn an_account_id_that_is_not_twelve_digits_is_refused_before_any_request() {
    let (code, _, err) = common::run(&[
        "-c",
        "examples/infrapipe.yaml",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "rollout",
        "--accounts",
        "111111111111,2222",
        "--yes",
    ]);
    assert!(
        code == 1 && err.contains("item 2 (\"2222\")"),
        "{code} {err}"
    );
}
