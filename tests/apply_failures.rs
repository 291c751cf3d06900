//! Failure paths an emulator cannot produce, with the SDK's mock clients (aws-smithy-mocks): a
//! resource fails and the stack rolls back, throttling, expired credentials, a stack stuck in
//! UPDATE_ROLLBACK_FAILED. Each checks the message the user reads and what is (not) retried.

mod common;
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError;
use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::types::{ResourceStatus, StackEvent, StackStatus};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use aws_smithy_types::error::ErrorMetadata;
use common::mocks::{
    STACK, STACK_ID, apply_example, change_set_ready, deployed_template, no_change_sets,
    policy_set, stack,
};
use infrapipe::deploy::apply::{self, Outcome};

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
    let [create, describe] = change_set_ready();
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &describe_then(StackStatus::UpdateRollbackComplete),
            &mock!(Cf::get_template).then_output(deployed_template),
            &no_change_sets(),
            &policy_set(),
            &create,
            &describe,
            &events,
            &mock!(Cf::execute_change_set)
                .then_output(|| ExecuteChangeSetOutput::builder().build()),
        ]
    );
    let Ok(Outcome::Executed { finished, .. }) = apply_example(cf) else {
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
    let err = apply_example(cf).expect_err("refused");
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
    let err = apply_example(cf).expect_err("fails");
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
        [&throttled, &same, &no_change_sets(), &policy_set(),],
        |c: aws_sdk_cloudformation::config::Builder| c.retry_config(
            aws_smithy_types::retry::RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(std::time::Duration::from_millis(1))
        )
    );
    // The template matches what is deployed: after the retries, apply finds nothing to do.
    let outcome = apply_example(cf).expect("retried through throttling");
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
    let err = apply_example(cf).expect_err("gives up");
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
