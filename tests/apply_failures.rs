//! Failure paths an emulator cannot produce, with the SDK's mock clients (aws-smithy-mocks): a
//! resource fails and the stack rolls back, throttling, expired credentials, a stack stuck in
//! UPDATE_ROLLBACK_FAILED. Each checks the message the user reads and what is (not) retried.

mod common;
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::types::{
    ChangeSetStatus, ResourceStatus, Stack, StackEvent, StackStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use aws_smithy_types::error::ErrorMetadata;
use infrapipe::aws::{Aws, Overrides};
use infrapipe::deploy::apply::{self, Answer, ApplyError, Outcome, Request, Ui};
use infrapipe::deploy::assets::Uploaded;
use infrapipe::deploy::wait::Tick;
use infrapipe::model::names::Names;
use infrapipe::plan::Plan;

/// A service client whose every call is answered by the rules (aws-smithy-mocks' interceptor
/// and mock HTTP client; `mock_client!` itself needs a newer SDK than we build).
macro_rules! mock_client {
    ($krate:ident, [$($rule:expr),* $(,)?]) => {
        mock_client!($krate, RuleMode::Sequential, [$($rule),*])
    };
    ($krate:ident, $mode:expr, [$($rule:expr),* $(,)?] $(, $cfg:expr)?) => {{
        let interceptor = aws_smithy_mocks::MockResponseInterceptor::new().rule_mode($mode);
        $( let interceptor = interceptor.with_rule($rule); )*
        let builder = $krate::config::Config::builder()
            .with_test_defaults()
            .region($krate::config::Region::new("us-east-1"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor);
        $( let builder = ($cfg)(builder); )?
        $krate::Client::from_conf(builder.build())
    }};
}

const STACK: &str = "infra-monitoring-prod";
const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/infra-monitoring-prod/1";

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

fn stack(status: StackStatus) -> DescribeStacksOutput {
    DescribeStacksOutput::builder()
        .stacks(
            Stack::builder()
                .stack_name(STACK)
                .stack_id(STACK_ID)
                .stack_status(status)
                .creation_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                .build(),
        )
        .build()
}

/// The deployed template: the example with a different threshold, so the plan has a change.
fn deployed_template() -> GetTemplateOutput {
    let mut t = common::example();
    t["Resources"]["HighCpuAlarm"]["Properties"]["Threshold"] = serde_json::json!(70.0);
    GetTemplateOutput::builder()
        .template_body(t.to_string())
        .build()
}

fn event(id: &str, logical: &str, ty: &str, status: ResourceStatus, reason: &str) -> StackEvent {
    StackEvent::builder()
        .event_id(id)
        .stack_id(STACK_ID)
        .stack_name(STACK)
        .logical_resource_id(logical)
        .resource_type(ty)
        .resource_status(status)
        .resource_status_reason(reason)
        .timestamp(aws_smithy_types::DateTime::from_secs(1_700_000_100))
        .build()
}

/// S3 and STS that report the artifact bucket and both zips as already there, each with the
/// zip's SHA-256 checksum.
fn published_already() -> Overrides {
    let sts = mock_client!(
        aws_sdk_sts,
        [
            &mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
                aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
                    .account("123456789012")
                    .build()
            })
        ]
    );
    let bundle = infrapipe::package::bundle().expect("bundle");
    let checksums: Vec<(String, String)> = infrapipe::model::FunctionKind::ALL
        .iter()
        .map(|k| {
            let p = bundle.get(*k);
            (p.key(), infrapipe::deploy::assets::sha256_base64(&p.zip))
        })
        .collect();
    let s3 = mock_client!(
        aws_sdk_s3,
        RuleMode::MatchAny,
        [
            &mock!(aws_sdk_s3::Client::head_bucket).then_output(|| {
                aws_sdk_s3::operation::head_bucket::HeadBucketOutput::builder().build()
            }),
            &mock!(aws_sdk_s3::Client::head_object).then_compute_output(move |r| {
                let sha = checksums
                    .iter()
                    .find(|(k, _)| Some(k.as_str()) == r.key())
                    .map(|(_, s)| s.clone());
                aws_sdk_s3::operation::head_object::HeadObjectOutput::builder()
                    .set_checksum_sha256(sha)
                    .build()
            }),
            // The example's template is over the inline limit: apply uploads it first.
            &mock!(aws_sdk_s3::Client::put_object).then_output(|| {
                aws_sdk_s3::operation::put_object::PutObjectOutput::builder().build()
            }),
        ]
    );
    Overrides {
        s3: Some(s3),
        sts: Some(sts),
        ..Overrides::default()
    }
}

fn run_apply(cf: Cf, overrides: Overrides) -> Result<Outcome, ApplyError> {
    let config = common::config(&std::fs::read_to_string(common::EXAMPLE).expect("example"));
    let names = Names::new(&config);
    let template = common::example();
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cf),
            ..overrides
        },
    );
    let req = Request {
        stack: STACK,
        names: &names,
        template: &template,
        saved: None,
        allow_data_loss: false,
        termination_protection: false,
        tags: Default::default(),
        endpoint_url: None,
        rendered: None,
        revert_drift: false,
        drift: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(apply::apply(&aws, &req, &mut Yes))
}

/// No change set left behind by an earlier apply.
fn no_change_sets() -> Rule {
    mock!(Cf::list_change_sets).then_output(|| {
        aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsOutput::builder().build()
    })
}

fn describe_then(rest: StackStatus) -> Rule {
    let first = stack(StackStatus::UpdateComplete);
    mock!(Cf::describe_stacks)
        .sequence()
        .output(move || first.clone())
        .output(move || stack(rest.clone()))
        .repeatedly()
        .build()
}

#[test]
fn a_failed_resource_reports_its_id_type_reason_and_the_rollback() {
    let failed = event(
        "e2",
        "HighCpuAlarm",
        "AWS::CloudWatch::Alarm",
        ResourceStatus::UpdateFailed,
        "Period must be 10, 30 or a multiple of 60",
    );
    let done = event(
        "e3",
        STACK,
        "AWS::CloudFormation::Stack",
        ResourceStatus::UpdateRollbackComplete,
        "",
    );
    let events = mock!(Cf::describe_stack_events)
        .sequence()
        .output(|| DescribeStackEventsOutput::builder().build())
        .output(move || {
            DescribeStackEventsOutput::builder()
                .stack_events(done.clone())
                .stack_events(failed.clone())
                .build()
        })
        .repeatedly()
        .build();
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &describe_then(StackStatus::UpdateRollbackComplete),
            &mock!(Cf::get_template).then_output(deployed_template),
            &no_change_sets(),
            &mock!(Cf::set_stack_policy).then_output(|| aws_sdk_cloudformation::operation::set_stack_policy::SetStackPolicyOutput::builder().build()),
            &mock!(Cf::create_change_set).then_output(|| CreateChangeSetOutput::builder()
                .id("cs-1")
                .stack_id(STACK_ID)
                .build()),
            &mock!(Cf::describe_change_set).then_output(|| DescribeChangeSetOutput::builder()
                .status(ChangeSetStatus::CreateComplete)
                .build()),
            &events,
            &mock!(Cf::execute_change_set)
                .then_output(|| ExecuteChangeSetOutput::builder().build()),
        ]
    );
    let Ok(Outcome::Executed { finished, .. }) = run_apply(cf, published_already()) else {
        panic!("expected an executed apply");
    };
    assert!(!finished.succeeded());
    assert_eq!(
        apply::failure_report(STACK, &finished),
        [
            "HighCpuAlarm (AWS::CloudWatch::Alarm) failed: Period must be 10, 30 or a multiple of 60",
            "Stack infra-monitoring-prod is UPDATE_ROLLBACK_COMPLETE. CloudFormation rolled back: the stack is as it was before this apply.",
        ]
    );
}

#[test]
fn a_stack_stuck_in_update_rollback_failed_is_refused_with_the_way_out() {
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &mock!(Cf::describe_stacks).then_output(|| stack(StackStatus::UpdateRollbackFailed)),
            &mock!(Cf::get_template).then_output(deployed_template),
        ]
    );
    let err = run_apply(cf, published_already()).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "stack infra-monitoring-prod is in UPDATE_ROLLBACK_FAILED: CloudFormation must finish the rollback first (`aws cloudformation continue-update-rollback --stack-name infra-monitoring-prod`), then apply again"
    );
}

fn error(code: &str, message: &str) -> DescribeStacksError {
    DescribeStacksError::generic(ErrorMetadata::builder().code(code).message(message).build())
}

#[test]
fn expired_credentials_say_so_once_and_are_not_retried() {
    let expired = mock!(Cf::describe_stacks).then_error(|| {
        error(
            "ExpiredToken",
            "The security token included in the request is expired",
        )
    });
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &expired,
            &mock!(Cf::get_template).then_output(deployed_template)
        ],
        |c: aws_sdk_cloudformation::config::Builder| c
            .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(3))
    );
    let err = run_apply(cf, published_already()).expect_err("fails");
    assert_eq!(
        err.to_string(),
        "reading stack infra-monitoring-prod in us-east-1 failed: ExpiredToken: The security token included in the request is expired (your credentials have expired: refresh them, for example `aws sso login`)"
    );
    assert_eq!(
        expired.num_calls(),
        1,
        "an expired token must not be retried"
    );
}

#[test]
fn throttling_is_retried_and_then_succeeds() {
    let throttled = mock!(Cf::describe_stacks)
        .sequence()
        .error(|| error("Throttling", "Rate exceeded"))
        .times(2)
        .output(|| stack(StackStatus::UpdateComplete))
        .repeatedly()
        .build();
    let same = mock!(Cf::get_template).then_output(|| {
        GetTemplateOutput::builder()
            .template_body(common::example().to_string())
            .build()
    });
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &throttled,
            &same,
            &no_change_sets(),
            &mock!(Cf::set_stack_policy).then_output(|| aws_sdk_cloudformation::operation::set_stack_policy::SetStackPolicyOutput::builder().build())
        ],
        |c: aws_sdk_cloudformation::config::Builder| c.retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(5).with_initial_backoff(std::time::Duration::from_millis(1)))
    );
    // The template matches what is deployed: after the retries, apply finds nothing to do.
    let outcome = run_apply(cf, published_already()).expect("retried through throttling");
    assert!(matches!(outcome, Outcome::NoChanges { .. }), "{outcome:?}");
    // Two throttled answers, the read that succeeded, and the termination-protection check.
    assert_eq!(throttled.num_calls(), 4);
}

#[test]
fn throttling_past_the_retry_budget_is_one_clear_line() {
    let throttled = mock!(Cf::describe_stacks).then_error(|| error("Throttling", "Rate exceeded"));
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &throttled,
            &mock!(Cf::get_template).then_output(deployed_template)
        ],
        |c: aws_sdk_cloudformation::config::Builder| c.retry_config(
            aws_smithy_types::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(std::time::Duration::from_millis(1))
        )
    );
    let err = run_apply(cf, published_already()).expect_err("gives up");
    assert_eq!(
        err.to_string(),
        "reading stack infra-monitoring-prod in us-east-1 failed: Throttling: Rate exceeded"
    );
    assert_eq!(
        throttled.num_calls(),
        3,
        "retried up to the budget, no more"
    );
}
