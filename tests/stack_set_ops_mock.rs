//! The stack-set forms of drift and destroy against the SDK's mock clients (moto implements no
//! DetectStackSetDrift and never fails an instance): each request in order, with the parameters
//! that matter, and what the report says.

use aws_sdk_cloudformation::operation::delete_stack_instances::DeleteStackInstancesOutput;
use aws_sdk_cloudformation::operation::delete_stack_set::DeleteStackSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_set::DescribeStackSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_set_operation::DescribeStackSetOperationOutput;
use aws_sdk_cloudformation::operation::detect_stack_set_drift::DetectStackSetDriftOutput;
use aws_sdk_cloudformation::operation::list_stack_instances::ListStackInstancesOutput;
use aws_sdk_cloudformation::operation::list_stack_set_operation_results::ListStackSetOperationResultsOutput;
use aws_sdk_cloudformation::types::{
    PermissionModels, StackDriftStatus, StackInstanceComprehensiveStatus,
    StackInstanceDetailedStatus, StackInstanceStatus, StackInstanceSummary, StackSet,
    StackSetOperation, StackSetOperationResultStatus, StackSetOperationResultSummary,
    StackSetOperationStatus, StackSetStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use infrapipe::aws::stack_sets::SetRef;
use infrapipe::aws::{Aws, Overrides};
use infrapipe::deploy::apply::{Answer, Ui};
use infrapipe::deploy::assets::Uploaded;
use infrapipe::deploy::stack_set_destroy::{self, Fate, SetRequest, SetResult};
use infrapipe::deploy::wait::Tick;
use infrapipe::drift::stack_set::Deep;
use infrapipe::model::names::Names;
use infrapipe::plan::Plan;
use std::sync::{Arc, Mutex};

const SET: &str = "infra-monitoring-prod";
const CALLER: &str = "123456789012";
const ACCOUNTS: [&str; 2] = ["111111111111", "222222222222"];
const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];

type Log = Arc<Mutex<Vec<String>>>;

fn record(log: &Log, what: impl Into<String>) -> bool {
    if let Ok(mut l) = log.lock() {
        l.push(what.into());
    }
    true
}

fn calls(log: &Log) -> Vec<String> {
    log.lock().map(|l| l.clone()).unwrap_or_default()
}

struct Yes;

impl Ui for Yes {
    fn ask(&mut self, _: &str) -> Answer {
        Answer::Yes
    }
    fn confirm(&mut self, _: &Plan) -> bool {
        true
    }
    fn published(&mut self, _: &Uploaded) {}
    fn tick(&mut self, _: Tick<'_>, _: usize) {}
    fn replacing_failed_create(&mut self, _: &str) {}
}

fn cloudformation(rules: &[&Rule]) -> aws_sdk_cloudformation::Client {
    let mut interceptor =
        aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
    for r in rules {
        interceptor = interceptor.with_rule(r);
    }
    let conf = aws_sdk_cloudformation::config::Config::builder()
        .with_test_defaults()
        .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
        .http_client(aws_smithy_mocks::create_mock_http_client())
        .interceptor(interceptor)
        .build();
    aws_sdk_cloudformation::Client::from_conf(conf)
}

fn sts() -> aws_sdk_sts::Client {
    let rule = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account(CALLER)
            .build()
    });
    let interceptor = aws_smithy_mocks::MockResponseInterceptor::new()
        .rule_mode(RuleMode::MatchAny)
        .with_rule(&rule);
    let conf = aws_sdk_sts::config::Config::builder()
        .with_test_defaults()
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .http_client(aws_smithy_mocks::create_mock_http_client())
        .interceptor(interceptor)
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

fn aws(cf: aws_sdk_cloudformation::Client) -> Aws {
    Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cf),
            sts: Some(sts()),
            ..Overrides::default()
        },
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn describe_set(log: &Log) -> Rule {
    let log = log.clone();
    mock!(aws_sdk_cloudformation::Client::describe_stack_set)
        .match_requests(move |_| record(&log, "DescribeStackSet"))
        .then_output(|| {
            DescribeStackSetOutput::builder()
                .stack_set(
                    StackSet::builder()
                        .stack_set_name(SET)
                        .stack_set_id(format!("{SET}:1"))
                        .status(StackSetStatus::Active)
                        .permission_model(PermissionModels::SelfManaged)
                        .template_body("{\"Resources\":{}}")
                        .build(),
                )
                .build()
        })
}

/// Every account x region, each with the drift status `drift(account)` gives it.
fn list_instances(log: &Log, drift: fn(&str) -> StackDriftStatus) -> Rule {
    let log = log.clone();
    mock!(aws_sdk_cloudformation::Client::list_stack_instances)
        .match_requests(move |_| record(&log, "ListStackInstances"))
        .then_output(move || {
            let mut out = ListStackInstancesOutput::builder();
            for a in ACCOUNTS {
                for r in REGIONS {
                    out = out.summaries(
                        StackInstanceSummary::builder()
                            .account(a)
                            .region(r)
                            .status(StackInstanceStatus::Current)
                            .stack_instance_status(
                                StackInstanceComprehensiveStatus::builder()
                                    .detailed_status(StackInstanceDetailedStatus::Succeeded)
                                    .build(),
                            )
                            .drift_status(drift(a))
                            .last_drift_check_timestamp(aws_smithy_types::DateTime::from_secs(
                                1_764_500_000,
                            ))
                            .stack_id(format!(
                                "arn:aws:cloudformation:{r}:{a}:stack/StackSet-{SET}-1/x"
                            ))
                            .build(),
                    );
                }
            }
            out.build()
        })
}

fn operation(log: &Log, status: StackSetOperationStatus) -> Rule {
    let log = log.clone();
    mock!(aws_sdk_cloudformation::Client::describe_stack_set_operation)
        .match_requests(move |r| {
            record(
                &log,
                format!(
                    "DescribeStackSetOperation {}",
                    r.operation_id().unwrap_or_default()
                ),
            )
        })
        .then_output(move || {
            DescribeStackSetOperationOutput::builder()
                .stack_set_operation(StackSetOperation::builder().status(status.clone()).build())
                .build()
        })
}

/// Every instance's result SUCCEEDED, but `failed`'s (account, region) FAILED.
fn results(log: &Log, failed: Option<(&'static str, &'static str)>) -> Rule {
    let log = log.clone();
    mock!(aws_sdk_cloudformation::Client::list_stack_set_operation_results)
        .match_requests(move |_| record(&log, "ListStackSetOperationResults"))
        .then_output(move || {
            let mut out = ListStackSetOperationResultsOutput::builder();
            for a in ACCOUNTS {
                for r in REGIONS {
                    let (status, reason) = if failed == Some((a, r)) {
                        (
                            StackSetOperationResultStatus::Failed,
                            "The bucket you tried to delete is not empty",
                        )
                    } else {
                        (StackSetOperationResultStatus::Succeeded, "")
                    };
                    out = out.summaries(
                        StackSetOperationResultSummary::builder()
                            .account(a)
                            .region(r)
                            .status(status)
                            .status_reason(reason)
                            .build(),
                    );
                }
            }
            out.build()
        })
}

#[test]
fn drift_over_a_set_detects_waits_and_reports_each_instances_drift_status() {
    let log = Log::default();
    let l = log.clone();
    let detect = mock!(aws_sdk_cloudformation::Client::detect_stack_set_drift)
        .match_requests(move |r| {
            // Every account and region at once: one instance stops no other.
            let p = r.operation_preferences();
            record(
                &l,
                format!(
                    "DetectStackSetDrift {:?} {:?}",
                    p.and_then(|p| p.region_concurrency_type())
                        .map(|c| c.as_str()),
                    p.and_then(|p| p.failure_tolerance_percentage())
                ),
            )
        })
        .then_output(|| {
            DetectStackSetDriftOutput::builder()
                .operation_id("drift-1")
                .build()
        });
    let drift = |a: &str| {
        if a == "111111111111" {
            StackDriftStatus::Drifted
        } else {
            StackDriftStatus::InSync
        }
    };
    let cf = cloudformation(&[
        &describe_set(&log),
        &detect,
        &operation(&log, StackSetOperationStatus::Succeeded),
        &results(&log, None),
        &list_instances(&log, drift),
        &list_instances(&log, drift),
    ]);
    let aws = aws(cf);
    let report = runtime()
        .block_on(infrapipe::drift::stack_set::detect(
            &aws,
            &SetRef::new(SET),
            &[],
            infrapipe::drift::Options::default(),
            |_region: String| async { unreachable_region() },
        ))
        .expect("a report");
    let statuses: Vec<(String, String, String)> = report
        .instances
        .iter()
        .map(|i| (i.account.clone(), i.region.clone(), i.drift_status.clone()))
        .collect();
    assert_eq!(
        (statuses, report.drifted, calls(&log)),
        (
            vec![
                ("111111111111".into(), "eu-west-1".into(), "DRIFTED".into()),
                ("111111111111".into(), "us-east-1".into(), "DRIFTED".into()),
                ("222222222222".into(), "eu-west-1".into(), "IN_SYNC".into()),
                ("222222222222".into(), "us-east-1".into(), "IN_SYNC".into()),
            ],
            2,
            vec![
                "DescribeStackSet".to_owned(),
                "DetectStackSetDrift Some(\"PARALLEL\") Some(100)".to_owned(),
                "DescribeStackSetOperation drift-1".to_owned(),
                "ListStackSetOperationResults".to_owned(),
                "ListStackInstances".to_owned(),
            ]
        )
    );
}

/// No instance of these tests is in the caller's account, so no region is ever connected to.
fn unreachable_region() -> Aws {
    Aws::with_overrides("nowhere-1", Overrides::default())
}

#[test]
fn instances_in_other_accounts_say_why_they_were_not_deep_checked() {
    let log = Log::default();
    let detect = mock!(aws_sdk_cloudformation::Client::detect_stack_set_drift).then_output(|| {
        DetectStackSetDriftOutput::builder()
            .operation_id("d")
            .build()
    });
    let cf = cloudformation(&[
        &describe_set(&log),
        &detect,
        &operation(&log, StackSetOperationStatus::Succeeded),
        &results(&log, None),
        &list_instances(&log, |_| StackDriftStatus::InSync),
        &list_instances(&log, |_| StackDriftStatus::InSync),
    ]);
    let report = runtime()
        .block_on(infrapipe::drift::stack_set::detect(
            &aws(cf),
            &SetRef::new(SET),
            &[],
            infrapipe::drift::Options::default(),
            |_region: String| async { unreachable_region() },
        ))
        .expect("a report");
    assert!(
        report.instances.iter().all(|i| matches!(
            &i.deep,
            Deep::NotChecked { reason } if reason.contains("is not the caller's (123456789012)")
        )),
        "{:?}",
        report.instances
    );
}

fn names() -> Names {
    let config = infrapipe::config::Config::parse(
        &std::fs::read_to_string("examples/infrapipe.yaml").expect("the example"),
        std::path::Path::new("examples/infrapipe.yaml"),
    )
    .expect("the example loads");
    Names::new(&config)
}

fn delete_instances(log: &Log) -> Rule {
    let log = log.clone();
    mock!(aws_sdk_cloudformation::Client::delete_stack_instances)
        .match_requests(move |r| {
            record(
                &log,
                format!(
                    "DeleteStackInstances retain={:?} accounts={:?} regions={:?}",
                    r.retain_stacks(),
                    r.accounts(),
                    r.regions()
                ),
            )
        })
        .then_output(|| {
            DeleteStackInstancesOutput::builder()
                .operation_id("delete-1")
                .build()
        })
}

fn delete_set(log: &Log) -> Rule {
    let log = log.clone();
    mock!(aws_sdk_cloudformation::Client::delete_stack_set)
        .match_requests(move |_| record(&log, "DeleteStackSet"))
        .then_output(|| DeleteStackSetOutput::builder().build())
}

fn destroy(cf: aws_sdk_cloudformation::Client) -> stack_set_destroy::SetDestroyReport {
    let names = names();
    let set = SetRef::new(SET);
    runtime()
        .block_on(stack_set_destroy::destroy(
            &aws(cf),
            &SetRequest {
                set: &set,
                names: &names,
            },
            &mut Yes,
            std::future::pending::<()>(),
        ))
        .expect("a report")
}

#[test]
fn destroy_deletes_every_instance_without_retaining_stacks_waits_then_deletes_the_set() {
    let log = Log::default();
    let cf = cloudformation(&[
        &describe_set(&log),
        &list_instances(&log, |_| StackDriftStatus::InSync),
        &delete_instances(&log),
        &operation(&log, StackSetOperationStatus::Succeeded),
        &results(&log, None),
        &delete_set(&log),
    ]);
    let report = destroy(cf);
    assert_eq!(
        (report.result, calls(&log)),
        (
            SetResult::Destroyed,
            vec![
                "DescribeStackSet".to_owned(),
                "ListStackInstances".to_owned(),
                "DeleteStackInstances retain=Some(false) accounts=[\"111111111111\", \"222222222222\"] regions=[\"eu-west-1\", \"us-east-1\"]".to_owned(),
                "DescribeStackSetOperation delete-1".to_owned(),
                "ListStackSetOperationResults".to_owned(),
                "DeleteStackSet".to_owned(),
            ]
        )
    );
}

#[test]
fn a_failed_instance_deletion_stops_before_delete_stack_set_and_says_how_to_finish() {
    let log = Log::default();
    // No DeleteStackSet rule: a call to it would find no answer and fail the destroy.
    let cf = cloudformation(&[
        &describe_set(&log),
        &list_instances(&log, |_| StackDriftStatus::InSync),
        &delete_instances(&log),
        &operation(&log, StackSetOperationStatus::Failed),
        &results(&log, Some(("222222222222", "eu-west-1"))),
    ]);
    let report = destroy(cf);
    let failed: Vec<(&str, &str, Fate)> = report
        .instances
        .iter()
        .filter(|i| i.fate != Fate::Deleted)
        .map(|i| (i.account.as_str(), i.region.as_str(), i.fate))
        .collect();
    let next = report.next.clone().unwrap_or_default();
    assert_eq!(
        (
            report.result,
            failed,
            calls(&log).last().cloned(),
            next.contains("run `infrapipe destroy --stack-set` again")
        ),
        (
            SetResult::Stopped,
            vec![("222222222222", "eu-west-1", Fate::Failed)],
            Some("ListStackSetOperationResults".to_owned()),
            true
        )
    );
}

/// The caller's own instance in eu-west-1 and another account's in us-east-1.
fn list_with_callers_instance() -> Rule {
    mock!(aws_sdk_cloudformation::Client::list_stack_instances).then_output(|| {
        let one = |account: &str, region: &str| {
            StackInstanceSummary::builder()
                .account(account)
                .region(region)
                .status(StackInstanceStatus::Current)
                .drift_status(StackDriftStatus::InSync)
                .stack_id(format!(
                    "arn:aws:cloudformation:{region}:{account}:stack/StackSet-{SET}-7/x"
                ))
                .build()
        };
        ListStackInstancesOutput::builder()
            .summaries(one(CALLER, "eu-west-1"))
            .summaries(one("111111111111", "us-east-1"))
            .build()
    })
}

#[test]
fn the_callers_own_instance_is_deep_checked_through_its_stack_in_its_region() {
    let log = Log::default();
    let detect = mock!(aws_sdk_cloudformation::Client::detect_stack_set_drift).then_output(|| {
        DetectStackSetDriftOutput::builder()
            .operation_id("d")
            .build()
    });
    let cf = cloudformation(&[
        &describe_set(&log),
        &detect,
        &operation(&log, StackSetOperationStatus::Succeeded),
        &results(&log, None),
        &list_with_callers_instance(),
        &list_with_callers_instance(),
    ]);
    // In the instance's region, its stack (found by the name in its stack id) is asked for: here
    // it is gone, which the deep check reports rather than hides.
    let asked = Log::default();
    let a = asked.clone();
    let connect = move |region: String| {
        let a = a.clone();
        async move {
            let gone = mock!(aws_sdk_cloudformation::Client::describe_stacks)
                .match_requests(move |r| {
                    record(
                        &a,
                        format!("{region} DescribeStacks {}", r.stack_name().unwrap_or_default()),
                    )
                })
                .then_error(|| {
                    aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError::generic(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("ValidationError")
                            .message("Stack with id StackSet-infra-monitoring-prod-7 does not exist")
                            .build(),
                    )
                });
            let no_template =
                mock!(aws_sdk_cloudformation::Client::get_template).then_error(|| {
                    aws_sdk_cloudformation::operation::get_template::GetTemplateError::generic(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("ValidationError")
                            .message(
                                "Stack with id StackSet-infra-monitoring-prod-7 does not exist",
                            )
                            .build(),
                    )
                });
            // DescribeStacks and GetTemplate go out together, in either order.
            let interceptor = aws_smithy_mocks::MockResponseInterceptor::new()
                .rule_mode(RuleMode::MatchAny)
                .with_rule(&gone)
                .with_rule(&no_template);
            let conf = aws_sdk_cloudformation::config::Config::builder()
                .with_test_defaults()
                .region(aws_sdk_cloudformation::config::Region::new("eu-west-1"))
                .http_client(aws_smithy_mocks::create_mock_http_client())
                .interceptor(interceptor)
                .build();
            aws(aws_sdk_cloudformation::Client::from_conf(conf))
        }
    };
    let report = runtime()
        .block_on(infrapipe::drift::stack_set::detect(
            &aws(cf),
            &SetRef::new(SET),
            &[],
            infrapipe::drift::Options::default(),
            connect,
        ))
        .expect("a report");
    let deep: Vec<(String, bool)> = report
        .instances
        .iter()
        .map(|i| {
            let why = match &i.deep {
                Deep::NotChecked { reason } => reason.contains("is not deployed"),
                Deep::Checked { .. } => false,
            };
            (i.account.clone(), why)
        })
        .collect();
    assert_eq!(
        (calls(&asked), deep),
        (
            vec![format!("eu-west-1 DescribeStacks StackSet-{SET}-7")],
            vec![
                ("111111111111".to_owned(), false),
                (CALLER.to_owned(), true)
            ]
        )
    );
}
