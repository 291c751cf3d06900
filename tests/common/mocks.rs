//! The SDK mock clients (aws-smithy-mocks) an apply runs against: STS for our account, S3 with
//! the artifact bucket and the bundled zips already there, DynamoDB with no table, Lambda
//! running the bundled code, and the CloudFormation answers every apply needs. Tests add or
//! replace the rules that show the behaviour they prove.

use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsOutput;
use aws_sdk_cloudformation::operation::set_stack_policy::SetStackPolicyOutput;
use aws_sdk_cloudformation::types::{ChangeSetStatus, Stack, StackStatus};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use infrapipe::aws::Aws;
use infrapipe::aws::Overrides;
use infrapipe::deploy::apply::{Answer, ApplyError, Outcome, Request, Ui};
use infrapipe::deploy::assets::Uploaded;
use infrapipe::deploy::wait::Tick;
use infrapipe::model::names::Names;
use infrapipe::plan::Plan;

/// A service client whose every call is answered by the rules (aws-smithy-mocks' interceptor
/// and mock HTTP client; `mock_client!` itself needs a newer SDK than we build). Without a
/// mode the rules answer in sequence; a last closure may change the config (a retry budget);
/// `all RULES` takes the rules as a slice.
#[macro_export]
macro_rules! mock_client {
    ($krate:ident, [$($rule:expr),* $(,)?]) => {
        $crate::mock_client!($krate, aws_smithy_mocks::RuleMode::Sequential, [$($rule),*])
    };
    ($krate:ident, $mode:expr, all $rules:expr) => {{
        let mut interceptor = aws_smithy_mocks::MockResponseInterceptor::new().rule_mode($mode);
        for rule in $rules {
            interceptor = interceptor.with_rule(rule);
        }
        let builder = $krate::config::Config::builder()
            .with_test_defaults()
            .region($krate::config::Region::new("us-east-1"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor);
        $krate::Client::from_conf(builder.build())
    }};
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

pub const STACK: &str = "infra-monitoring-prod";
pub const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/infra-monitoring-prod/1";
pub const ACCOUNT: &str = "123456789012";

/// Answers every question with yes.
pub struct Yes;
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

/// DescribeStacks' answer: our stack in `status`.
pub fn stack(status: StackStatus) -> DescribeStacksOutput {
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

/// The example with another alarm threshold: as deployed, the plan has one change, no data loss.
pub fn drifted_threshold() -> serde_json::Value {
    let mut t = crate::common::example();
    t["Resources"]["HighCpuAlarm"]["Properties"]["Threshold"] = serde_json::json!(70.0);
    t
}

/// GetTemplate's answer: `t` is what is deployed.
pub fn template_output(t: serde_json::Value) -> GetTemplateOutput {
    GetTemplateOutput::builder()
        .template_body(t.to_string())
        .build()
}

/// The deployed template with another alarm threshold (`drifted_threshold`).
pub fn deployed_template() -> GetTemplateOutput {
    template_output(drifted_threshold())
}

/// Each function's name, its bundled zip's key and SHA-256 (base64), in `FunctionKind::ALL`
/// order: the zips are in the artifact bucket with their checksums, and Lambda runs them.
pub fn bundled_code(names: &Names) -> Vec<(String, String, String)> {
    let bundle = infrapipe::package::bundle().expect("bundle");
    infrapipe::model::FunctionKind::ALL
        .iter()
        .map(|k| {
            let p = bundle.get(*k);
            let function = match k {
                infrapipe::model::FunctionKind::Collector => names.collector_function.clone(),
                infrapipe::model::FunctionKind::LogProcessor => names.processor_function.clone(),
            };
            (
                function,
                p.key(),
                infrapipe::deploy::assets::sha256_base64(&p.zip),
            )
        })
        .collect()
}

/// STS answering GetCallerIdentity with our account.
pub fn sts() -> aws_sdk_sts::Client {
    mock_client!(
        aws_sdk_sts,
        RuleMode::MatchAny,
        [
            &mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
                aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
                    .account(ACCOUNT)
                    .build()
            })
        ]
    )
}

/// S3 where `first` answers before the rest: the artifact bucket is there, every other bucket
/// is not (404), the zips of `code` are there with their checksums, and uploads succeed.
pub fn s3(first: Vec<Rule>, code: &[(String, String, String)]) -> aws_sdk_s3::Client {
    let checksums = code.to_vec();
    let mut rules = first;
    rules.extend([
        mock!(aws_sdk_s3::Client::head_bucket)
            .match_requests(|r| {
                r.bucket()
                    .is_some_and(|b| b.starts_with("infrapipe-assets-"))
            })
            .then_output(|| {
                aws_sdk_s3::operation::head_bucket::HeadBucketOutput::builder().build()
            }),
        mock!(aws_sdk_s3::Client::head_bucket)
            .sequence()
            .http_status(404, None)
            .repeatedly()
            .build(),
        mock!(aws_sdk_s3::Client::head_object).then_compute_output(move |r| {
            let sha = checksums
                .iter()
                .find(|(_, k, _)| Some(k.as_str()) == r.key())
                .map(|(_, _, s)| s.clone());
            aws_sdk_s3::operation::head_object::HeadObjectOutput::builder()
                .set_checksum_sha256(sha)
                .build()
        }),
        // The example's template is over the inline limit: apply uploads it first.
        mock!(aws_sdk_s3::Client::put_object)
            .then_output(|| aws_sdk_s3::operation::put_object::PutObjectOutput::builder().build()),
    ]);
    mock_client!(aws_sdk_s3, RuleMode::MatchAny, all rules.iter())
}

/// DynamoDB with no table of our name (nothing to import).
pub fn no_table() -> aws_sdk_dynamodb::Client {
    mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        [
            &mock!(aws_sdk_dynamodb::Client::describe_table).then_error(|| {
                aws_sdk_dynamodb::operation::describe_table::DescribeTableError::ResourceNotFoundException(
                    aws_sdk_dynamodb::types::error::ResourceNotFoundException::builder()
                        .message("Requested resource not found")
                        .build(),
                )
            })
        ]
    )
}

/// Lambda whose functions run the zips of `code` (the CodeSha256 check after execute passes).
pub fn lambda(code: &[(String, String, String)]) -> aws_sdk_lambda::Client {
    let code = code.to_vec();
    mock_client!(
        aws_sdk_lambda,
        RuleMode::MatchAny,
        [
            &mock!(aws_sdk_lambda::Client::get_function_configuration).then_compute_output(
                move |r| {
                    let sha = code
                        .iter()
                        .find(|(f, _, _)| Some(f.as_str()) == r.function_name())
                        .map(|(_, _, s)| s.clone());
                    aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput::builder()
                        .set_code_sha256(sha)
                        .build()
                }
            )
        ]
    )
}

/// Everything but CloudFormation, with the artifacts already published for `names`: `sts`,
/// `s3` with no extra rule, `no_table` and `lambda`.
pub fn published_already(names: &Names) -> Overrides {
    let code = bundled_code(names);
    Overrides {
        cloudformation: None,
        s3: Some(s3(Vec::new(), &code)),
        sts: Some(sts()),
        dynamodb: Some(no_table()),
        lambda: Some(lambda(&code)),
        ..Overrides::default()
    }
}

/// CloudFormation answering with the first of `rules` that matches each request.
pub fn cloudformation_answering(rules: &[Rule]) -> Cf {
    mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, all rules)
}

/// No change set left behind by an earlier apply.
pub fn no_change_sets() -> Rule {
    mock!(Cf::list_change_sets).then_output(|| ListChangeSetsOutput::builder().build())
}

/// SetStackPolicy accepted (apply reasserts the protective policy first).
pub fn policy_set() -> Rule {
    mock!(Cf::set_stack_policy).then_output(|| SetStackPolicyOutput::builder().build())
}

/// CreateChangeSet answering `cs-1` on our stack, and DescribeChangeSet finding it computed.
pub fn change_set_ready() -> [Rule; 2] {
    [
        mock!(Cf::create_change_set).then_output(|| {
            CreateChangeSetOutput::builder()
                .id("cs-1")
                .stack_id(STACK_ID)
                .build()
        }),
        mock!(Cf::describe_change_set).then_output(|| {
            DescribeChangeSetOutput::builder()
                .status(ChangeSetStatus::CreateComplete)
                .build()
        }),
    ]
}

/// DescribeStackEvents with no events.
pub fn no_events() -> Rule {
    mock!(Cf::describe_stack_events).then_output(|| DescribeStackEventsOutput::builder().build())
}

/// A plain apply of `template` to `STACK` (no saved plan, no flags).
pub fn request<'a>(names: &'a Names, template: &'a serde_json::Value) -> Request<'a> {
    Request {
        stack: STACK,
        names,
        template,
        saved: None,
        allow_data_loss: false,
        termination_protection: false,
        tags: Default::default(),
        endpoint_url: None,
        rendered: None,
        revert_drift: false,
        drift: None,
    }
}

/// Runs `f` to its end on a runtime of its own (the tests are synchronous).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// One apply of the example (answering yes) with CloudFormation answered by `cf` and everything
/// else `published_already`.
pub fn apply_example(cf: Cf) -> Result<Outcome, ApplyError> {
    let config = crate::common::config(&crate::common::example_text());
    let names = Names::new(&config);
    let template = crate::common::example();
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cf),
            ..published_already(&names)
        },
    );
    block_on(infrapipe::deploy::apply::apply(
        &aws,
        &request(&names, &template),
        &mut Yes,
    ))
}
