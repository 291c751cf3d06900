//! The alarm e-mail subscriptions pending confirmation, after apply and in status, with the SDK's
//! mock clients (aws-smithy-mocks): moto confirms every subscription the moment it is made and its
//! CloudFormation skips `AWS::SNS::Subscription`, so the pending/confirmed distinction (SNS lists
//! an unconfirmed one with SubscriptionArn "PendingConfirmation") can only be shown here.
//! tests/subscriptions_e2e.rs shows on moto what moto can: the listing itself, end to end.

mod common;
use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
use aws_sdk_cloudformation::types::{ResourceStatus, StackResourceSummary};
use aws_sdk_sns::operation::list_subscriptions_by_topic::{
    ListSubscriptionsByTopicError, ListSubscriptionsByTopicOutput,
};
use aws_sdk_sns::types::Subscription as SnsSubscription;
use aws_smithy_mocks::{RuleMode, mock};
use aws_smithy_types::error::ErrorMetadata;
use infrapipe::aws::sns::{self, Subscription};
use infrapipe::aws::{Aws, Overrides};
use infrapipe::console::Report;
use infrapipe::deploy::applied::{ApplyReport, Subscriptions};
use infrapipe::deploy::apply::Outcome;
use infrapipe::error::Exit;
use infrapipe::status::Status;

/// A service client whose every call is answered by the rules (as in tests/apply_failures.rs,
/// with the test defaults spelled out: aws-sdk-sns is built without its `test-util` feature).
macro_rules! mock_client {
    ($krate:ident, [$($rule:expr),* $(,)?]) => {{
        let interceptor = aws_smithy_mocks::MockResponseInterceptor::new()
            .rule_mode(RuleMode::MatchAny);
        $( let interceptor = interceptor.with_rule($rule); )*
        let builder = $krate::config::Config::builder()
            .behavior_version($krate::config::BehaviorVersion::latest())
            .credentials_provider($krate::config::Credentials::new("AKID", "secret", None, None, "test"))
            .region($krate::config::Region::new("us-east-1"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor);
        $krate::Client::from_conf(builder.build())
    }};
}

const STACK: &str = "infra-monitoring-prod";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:infra-monitoring-prod-alerts";

fn subscription(endpoint: &str, arn: &str) -> SnsSubscription {
    SnsSubscription::builder()
        .topic_arn(TOPIC)
        .protocol("email")
        .endpoint(endpoint)
        .subscription_arn(arn)
        .build()
}

/// SNS listing one unconfirmed and one confirmed e-mail subscription of the topic.
fn sns_one_pending_one_confirmed() -> aws_sdk_sns::Client {
    mock_client!(
        aws_sdk_sns,
        [&mock!(aws_sdk_sns::Client::list_subscriptions_by_topic)
            .match_requests(|r| r.topic_arn() == Some(TOPIC))
            .then_output(|| {
                ListSubscriptionsByTopicOutput::builder()
                    .subscriptions(subscription("oncall@example.com", sns::PENDING))
                    .subscriptions(subscription(
                        "lead@example.com",
                        &format!("{TOPIC}:6f4b0d3e-1c7a-4b8e-9d2f-0a1b2c3d4e5f"),
                    ))
                    .build()
            })]
    )
}

/// CloudFormation listing the stack's alarm topic.
fn stack_with_topic() -> aws_sdk_cloudformation::Client {
    mock_client!(
        aws_sdk_cloudformation,
        [
            &mock!(aws_sdk_cloudformation::Client::list_stack_resources).then_output(|| {
                ListStackResourcesOutput::builder()
                    .stack_resource_summaries(
                        StackResourceSummary::builder()
                            .logical_resource_id("AlertsTopic")
                            .physical_resource_id(TOPIC)
                            .resource_type("AWS::SNS::Topic")
                            .resource_status(ResourceStatus::CreateComplete)
                            .last_updated_timestamp(aws_smithy_types::DateTime::from_secs(0))
                            .build(),
                    )
                    .build()
            })
        ]
    )
}

fn aws(sns: aws_sdk_sns::Client) -> Aws {
    Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(stack_with_topic()),
            sns: Some(sns),
            ..Overrides::default()
        },
    )
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// An apply that found nothing to change on a deployed stack.
fn no_changes() -> Outcome {
    let t = common::example();
    Outcome::NoChanges {
        plan: infrapipe::plan::diff(STACK, "us-east-1", Some("CREATE_COMPLETE"), Some(&t), &t),
    }
}

#[test]
fn a_subscription_listed_as_pending_confirmation_is_marked_pending_and_a_confirmed_one_is_not() {
    let subs = block(sns::subscriptions(
        &aws(sns_one_pending_one_confirmed()),
        TOPIC,
    ))
    .expect("subscriptions");
    assert_eq!(subs, one_pending_one_confirmed());
}

#[test]
fn a_successful_apply_ends_with_the_addresses_to_confirm_in_text_and_json() {
    let report = block(ApplyReport::new(
        &aws(sns_one_pending_one_confirmed()),
        STACK.into(),
        no_changes(),
    ));
    assert_eq!(
        report.subscriptions,
        Subscriptions::Pending(vec!["oncall@example.com".into()])
    );
    let text = report.to_string();
    assert_eq!(
        text.lines().last(),
        Some(
            "Confirm the SNS subscription e-mail sent to oncall@example.com (1 address): alarms reach nobody there until it is confirmed."
        ),
        "{text}"
    );
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(
        json["pending_confirmation"],
        serde_json::json!(["oncall@example.com"])
    );
}

#[test]
fn an_apply_whose_subscriptions_are_all_confirmed_prints_no_reminder() {
    let sns = mock_client!(
        aws_sdk_sns,
        [
            &mock!(aws_sdk_sns::Client::list_subscriptions_by_topic).then_output(|| {
                ListSubscriptionsByTopicOutput::builder()
                    .subscriptions(subscription("lead@example.com", &format!("{TOPIC}:1")))
                    .build()
            })
        ]
    );
    let report = block(ApplyReport::new(&aws(sns), STACK.into(), no_changes()));
    assert_eq!(
        report.to_string(),
        format!("No changes. Stack {STACK} in us-east-1 is up to date.\n")
    );
}

#[test]
fn subscriptions_that_cannot_be_read_are_said_so_and_the_apply_still_succeeds() {
    let sns = mock_client!(
        aws_sdk_sns,
        [
            &mock!(aws_sdk_sns::Client::list_subscriptions_by_topic).then_error(|| {
                ListSubscriptionsByTopicError::generic(
                    ErrorMetadata::builder()
                        .code("AuthorizationError")
                        .message("not allowed to sns:ListSubscriptionsByTopic")
                        .build(),
                )
            })
        ]
    );
    let report = block(ApplyReport::new(&aws(sns), STACK.into(), no_changes()));
    assert_eq!(report.exit(), Exit::Success);
    let text = report.to_string();
    assert!(
        text.lines().last().is_some_and(|l| l.starts_with(
            "Could not check whether the alarm e-mail subscriptions are confirmed: listing the subscriptions of"
        ) && l.contains("AuthorizationError")),
        "{text}"
    );
    let json = serde_json::to_value(&report).expect("json");
    assert!(json.get("pending_confirmation").is_none(), "{json}");
    assert!(json["subscriptions_unreadable"].is_string(), "{json}");
}

#[test]
fn status_marks_a_subscription_pending_confirmation_and_names_its_address() {
    let status = Status {
        stack: STACK.into(),
        region: "us-east-1".into(),
        status: "CREATE_COMPLETE".into(),
        last_change: None,
        outputs: Default::default(),
        resources: Vec::new(),
        last_run: None,
        alarms: Vec::new(),
        subscriptions: one_pending_one_confirmed(),
        schedule: None,
        next_run_estimate: None,
        dashboard_url: None,
        cost_allocation_tag: None,
        unavailable: Vec::new(),
    };
    let text = status.to_string();
    let section = text
        .split("\nAlarm subscriptions:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a subscriptions section");
    assert_eq!(
        section.trim_end(),
        "  PENDING CONFIRMATION email  oncall@example.com\n  confirmed            email  lead@example.com\n  Confirm the SNS subscription e-mail sent to oncall@example.com: alarms reach nobody there until then.",
    );
    let json = serde_json::to_value(&status).expect("json");
    assert_eq!(
        json["subscriptions"][0]["pending_confirmation"],
        serde_json::json!(true)
    );
}

/// The two subscriptions the mocked topic lists: one pending confirmation, one confirmed.
fn one_pending_one_confirmed() -> Vec<Subscription> {
    vec![
        Subscription {
            protocol: "email".into(),
            endpoint: "oncall@example.com".into(),
            pending_confirmation: true,
        },
        Subscription {
            protocol: "email".into(),
            endpoint: "lead@example.com".into(),
            pending_confirmation: false,
        },
    ]
}
