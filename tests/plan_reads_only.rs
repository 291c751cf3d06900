//! `plan` without `--change-set` only reads: every request it makes, recorded through the SDK's
//! mock clients, is a Describe, Get, List or Head call (an unexpected operation has no rule and
//! fails the test). On a deployed stack whose plan creates no bucket or table it makes no S3,
//! STS, Lambda or DynamoDB call at all (import's lookups, STS GetCallerIdentity, S3 HeadBucket
//! and DynamoDB DescribeTable, are reads too, made only for a bucket or table the plan creates).

mod common;
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::types::{Stack, StackStatus};
use aws_smithy_mocks::{RuleMode, mock};
use infrapipe::aws::{Aws, Options, Overrides};
use infrapipe::model::names::Names;
use std::sync::{Arc, Mutex};

type Log = Arc<Mutex<Vec<&'static str>>>;

fn record(log: &Log, op: &'static str) -> bool {
    if let Ok(mut l) = log.lock() {
        l.push(op);
    }
    true
}

/// A CloudFormation client that answers only DescribeStacks and GetTemplate, logging each.
fn cloudformation(log: &Log) -> aws_sdk_cloudformation::Client {
    let template = common::example().to_string();
    let (a, b) = (log.clone(), log.clone());
    let describe = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(move |_| record(&a, "cloudformation:DescribeStacks"))
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(
                    Stack::builder()
                        .stack_name("infra-monitoring-prod")
                        .stack_id("arn:aws:cloudformation:us-east-1:123456789012:stack/infra-monitoring-prod/1")
                        .stack_status(StackStatus::UpdateComplete)
                        .creation_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                        .build(),
                )
                .build()
        });
    let get = mock!(aws_sdk_cloudformation::Client::get_template)
        .match_requests(move |_| record(&b, "cloudformation:GetTemplate"))
        .then_output(move || {
            GetTemplateOutput::builder()
                .template_body(template.clone())
                .build()
        });
    let interceptor = aws_smithy_mocks::MockResponseInterceptor::new()
        .rule_mode(RuleMode::MatchAny)
        .with_rule(&describe)
        .with_rule(&get);
    let conf = aws_sdk_cloudformation::config::Config::builder()
        .with_test_defaults()
        .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
        .http_client(aws_smithy_mocks::create_mock_http_client())
        .interceptor(interceptor)
        .build();
    aws_sdk_cloudformation::Client::from_conf(conf)
}

#[test]
fn plan_without_change_set_makes_only_describe_and_get_calls() {
    let log = Log::default();
    // Only CloudFormation is given: any call to another service would go to no endpoint and fail.
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cloudformation(&log)),
            ..Overrides::default()
        },
    );
    let config = common::config(&common::example_text());
    let mut changed = common::example();
    changed["Resources"]["HighCpuAlarm"]["Properties"]["Threshold"] = serde_json::json!(70.0);
    let planned = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(infrapipe::deploy::plan::plan_in(
            &aws,
            "infra-monitoring-prod",
            &Names::new(&config),
            changed,
            false,
            &Options::default(),
        ));
    let mut calls = log.lock().map(|l| l.clone()).unwrap_or_default();
    calls.sort_unstable();
    assert_eq!(
        (planned.map(|p| p.plan.has_changes()).ok(), calls),
        (
            Some(true),
            vec![
                // The deployed stack, then its last drift detection (DriftInformation).
                "cloudformation:DescribeStacks",
                "cloudformation:DescribeStacks",
                "cloudformation:GetTemplate"
            ]
        )
    );
}
