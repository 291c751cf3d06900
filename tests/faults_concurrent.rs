//! Two applies at once on one stack, with the SDK's mock clients (moto completes stacks at once,
//! so it never shows one in progress): the second apply refuses before making a change set when
//! the stack is busy, and when another operation overtakes it after its change set was made, it
//! deletes its change set and executes nothing. Change sets never interleave.

mod common;
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetOutput;
use aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::operation::execute_change_set::{
    ExecuteChangeSetError, ExecuteChangeSetOutput,
};
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::types::{ChangeSetStatus, Stack, StackStatus};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use aws_smithy_types::error::ErrorMetadata;
use infrapipe::aws::{Aws, Overrides};
use infrapipe::deploy::apply::{self, Answer, ApplyError, Outcome, Refusal, Request, Ui};
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

/// S3 and STS that report the artifact bucket and both zips (with their checksums) as already
/// there.
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
    // Both zips are there with their checksums: reused, nothing uploaded.
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
        cloudformation: None,
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

/// The stack as the first read finds it, then as every later read does.
fn describe(first: StackStatus, then: StackStatus) -> Rule {
    mock!(Cf::describe_stacks)
        .sequence()
        .output(move || stack(first.clone()))
        .output(move || stack(then.clone()))
        .repeatedly()
        .build()
}

/// What every apply does first on an existing stack: no change set left by an earlier apply,
/// and the protective stack policy reasserted.
fn start_rules() -> [Rule; 2] {
    [
        mock!(Cf::list_change_sets).then_output(|| {
            aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsOutput::builder()
                .build()
        }),
        mock!(Cf::set_stack_policy).then_output(|| {
            aws_sdk_cloudformation::operation::set_stack_policy::SetStackPolicyOutput::builder()
                .build()
        }),
    ]
}

fn change_set_rules() -> [Rule; 4] {
    [
        mock!(Cf::create_change_set).then_output(|| {
            CreateChangeSetOutput::builder()
                .id("cs-2")
                .stack_id(STACK_ID)
                .build()
        }),
        mock!(Cf::describe_change_set).then_output(|| {
            DescribeChangeSetOutput::builder()
                .status(ChangeSetStatus::CreateComplete)
                .build()
        }),
        mock!(Cf::describe_stack_events)
            .then_output(|| DescribeStackEventsOutput::builder().build()),
        mock!(Cf::delete_change_set).then_output(|| DeleteChangeSetOutput::builder().build()),
    ]
}

#[test]
fn a_second_apply_finds_the_first_in_progress_and_refuses_before_any_change_set() {
    let [create, ..] = change_set_rules();
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &describe(StackStatus::UpdateInProgress, StackStatus::UpdateInProgress),
            &mock!(Cf::get_template).then_output(deployed_template),
            &create,
        ]
    );
    let err = run_apply(cf, published_already()).expect_err("refused");
    assert!(
        matches!(&err, ApplyError::Refused(Refusal::Busy { status, .. }) if status == "UPDATE_IN_PROGRESS"),
        "{err}"
    );
    assert_eq!(
        create.num_calls(),
        0,
        "no change set beside the running one"
    );
}

#[test]
fn an_apply_overtaken_after_its_change_set_deletes_it_and_executes_nothing() {
    let [create, describe_cs, events, delete] = change_set_rules();
    let [list, policy] = start_rules();
    let execute =
        mock!(Cf::execute_change_set).then_output(|| ExecuteChangeSetOutput::builder().build());
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &describe(StackStatus::UpdateComplete, StackStatus::UpdateInProgress),
            &mock!(Cf::get_template).then_output(deployed_template),
            &list,
            &policy,
            &create,
            &describe_cs,
            &events,
            &delete,
            &execute,
        ]
    );
    let err = run_apply(cf, published_already()).expect_err("overtaken");
    assert!(
        matches!(&err, ApplyError::Refused(Refusal::Overtaken { .. })),
        "{err}"
    );
    assert_eq!(
        (execute.num_calls(), delete.num_calls()),
        (0, 1),
        "nothing executed, the stale change set deleted"
    );
}

#[test]
fn an_execution_refused_because_the_stack_got_busy_is_said_as_overtaken() {
    let [create, describe_cs, events, delete] = change_set_rules();
    let [list, policy] = start_rules();
    let execute = mock!(Cf::execute_change_set).then_error(|| {
        ExecuteChangeSetError::generic(
            ErrorMetadata::builder()
                .code("ValidationError")
                .message("Stack:infra-monitoring-prod is in UPDATE_IN_PROGRESS state and can not be updated.")
                .build(),
        )
    });
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &describe(StackStatus::UpdateComplete, StackStatus::UpdateComplete),
            &mock!(Cf::get_template).then_output(deployed_template),
            &list,
            &policy,
            &create,
            &describe_cs,
            &events,
            &delete,
            &execute,
        ]
    );
    let err = run_apply(cf, published_already()).expect_err("overtaken");
    assert!(
        err.to_string()
            .starts_with("another operation started on stack infra-monitoring-prod")
            && err
                .to_string()
                .contains("nothing of this apply was executed"),
        "{err}"
    );
}
