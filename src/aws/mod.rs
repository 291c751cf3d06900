//! The AWS layer: one thin module per service the tool calls, over the official SDK. It knows
//! nothing of the CLI; errors come back as one line that says what was being done, where, and
//! what AWS said. It receives plain values (names, policy documents as text, template bodies)
//! and imports neither the model nor the template module: callers turn the model into what a
//! call needs, so the layer stays a thin, reusable edge.

pub mod alarms;
pub mod athena;
pub mod backoff;
pub mod cloudformation;
pub mod cost_allocation;
pub mod dynamodb;
pub mod environment;
pub mod executions;
pub mod existing;
pub mod lambda;
pub mod owned_bucket;
pub mod s3;
pub mod schedules;
pub mod slow;
pub mod sns;
pub mod sqs;
pub mod stack_set_reads;
pub mod stack_sets;
pub mod sts;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
pub use environment::EnvError;
use std::fmt;
use std::time::Duration;

/// How to reach AWS: the SDK's own credential chain, optionally a profile and an endpoint
/// override (a local emulator).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// The bound on one call, all its attempts included (`--operation-timeout`); None for
    /// `DEFAULT_OPERATION_TIMEOUT`.
    pub operation_timeout: Option<Duration>,
    /// A CloudFormation service role (the config's `deploy_role_arn`): passed as RoleARN on
    /// every CreateChangeSet and DeleteStack, so people need only the rights to start one.
    pub deploy_role_arn: Option<String>,
}

impl Options {
    /// Checks what can be checked without a request: the endpoint URL has its scheme and a named
    /// profile is defined. Commands that call AWS run this once, before their first call.
    pub fn check(&self) -> Result<(), EnvError> {
        if let Some(url) = &self.endpoint_url {
            environment::check_endpoint(url)?;
            tracing::info!(endpoint = %url, "every AWS call goes to {url}");
        }
        match &self.profile {
            Some(p) => environment::check_profile(p)?,
            None => tracing::info!(
                "credentials from the SDK's default chain (environment, shared files, SSO, instance role)"
            ),
        }
        Ok(())
    }
}

/// One call, all its attempts and pauses included, gives up after this long unless
/// `--operation-timeout` says otherwise: five attempts of a full read timeout fit in it.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a call may take. A dead endpoint fails after the connect timeout (3 s) instead of
/// hanging; an endpoint that accepts but does not answer, after the read timeout (60 s, the AWS
/// CLI's); and no call, retries included, outlasts `operation`. Waits on stacks and runs are
/// bounded by their own loops, one call at a time.
pub fn timeouts(operation: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(60))
        .operation_timeout(operation)
        .build()
}

/// The most attempts the SDK makes of one call (the first and four retries).
pub const MAX_ATTEMPTS: u32 = 5;

/// Retries: adaptive (it backs off on throttling, "Rate exceeded", across all calls), five
/// attempts, starting at 200 ms so a refused connection is reported within a few seconds. Five,
/// not the SDK's three: through a link that fails a fifth of the calls, three attempts leave one
/// call in 125 failing, and an apply makes dozens; five leave one in 3,125.
pub fn retries() -> RetryConfig {
    RetryConfig::adaptive()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(200))
}

/// The test harness's knob: `INFRAPIPE_RETRY_SCALE` (a factor between 0 and 1) shortens the
/// SDK's pauses between attempts so fault-injection tests stay fast. Only the pauses change,
/// never the mode or the number of attempts, and anything else than such a factor is ignored.
pub const RETRY_SCALE_VAR: &str = "INFRAPIPE_RETRY_SCALE";

/// `retries()`, with its pauses scaled by `scale` (the value of `RETRY_SCALE_VAR`, if set).
pub fn retries_scaled(scale: Option<&str>) -> RetryConfig {
    let factor = scale
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|f| *f > 0.0 && *f < 1.0);
    match factor {
        None => retries(),
        Some(f) => retries()
            .with_initial_backoff(Duration::from_millis(200).mul_f64(f))
            .with_max_backoff(Duration::from_secs(20).mul_f64(f)),
    }
}

/// Clients given instead of the ones built from the configuration (tests hand in the SDK's mock
/// clients here, to produce failures an emulator cannot).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub cloudformation: Option<aws_sdk_cloudformation::Client>,
    pub s3: Option<aws_sdk_s3::Client>,
    pub sns: Option<aws_sdk_sns::Client>,
    pub sts: Option<aws_sdk_sts::Client>,
    pub lambda: Option<aws_sdk_lambda::Client>,
    pub dynamodb: Option<aws_sdk_dynamodb::Client>,
}

/// Clients for one region.
#[derive(Debug, Clone)]
pub struct Aws {
    pub region: String,
    config: SdkConfig,
    overrides: Overrides,
    endpoint_overridden: bool,
    /// The endpoint is plain HTTP (a local emulator): no request can satisfy a TLS-only policy.
    pub plain_http: bool,
    /// A DynamoDB client that replaces the configured one (tests' mock clients); kept beside
    /// `Overrides` so that adding it changed no `Overrides { .. }` literal.
    dynamodb_override: Option<aws_sdk_dynamodb::Client>,
    /// RoleARN for CloudFormation's stack operations (see `Options::deploy_role_arn`).
    pub deploy_role_arn: Option<String>,
}

impl Aws {
    /// Loads the SDK configuration for `region` (no network call happens here). This is the one
    /// place the SDK's configuration is built; `Options::check` is what may refuse it.
    pub async fn connect(options: &Options, region: &str) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .retry_config(retries_scaled(
                std::env::var(RETRY_SCALE_VAR).ok().as_deref(),
            ))
            .timeout_config(timeouts(
                options
                    .operation_timeout
                    .unwrap_or(DEFAULT_OPERATION_TIMEOUT),
            ));
        if let Some(p) = &options.profile {
            // A named profile wins over AWS_ACCESS_KEY_ID, as with the AWS CLI: the default chain
            // would read the environment first and silently use another account.
            let creds = aws_config::profile::ProfileFileCredentialsProvider::builder()
                .configure(
                    &aws_config::provider_config::ProviderConfig::default()
                        .with_region(Some(Region::new(region.to_owned()))),
                )
                .profile_name(p)
                .build();
            loader = loader.profile_name(p).credentials_provider(creds);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        Self {
            region: region.to_owned(),
            config: loader.load().await,
            overrides: Overrides::default(),
            endpoint_overridden: options.endpoint_url.is_some(),
            plain_http: options
                .endpoint_url
                .as_deref()
                .is_some_and(|u| u.starts_with("http://")),
            dynamodb_override: None,
            deploy_role_arn: options.deploy_role_arn.clone(),
        }
    }

    /// Clients for `region` that are all `overrides` (no credentials, no network of their own).
    pub fn with_overrides(region: &str, overrides: Overrides) -> Self {
        Self {
            region: region.to_owned(),
            config: SdkConfig::builder()
                .region(Region::new(region.to_owned()))
                .behavior_version(BehaviorVersion::latest())
                .build(),
            overrides,
            endpoint_overridden: false,
            plain_http: false,
            dynamodb_override: None,
            deploy_role_arn: None,
        }
    }

    /// The same clients, with CloudFormation acting as `role` (tests of RoleARN).
    pub fn with_deploy_role(self, role: Option<String>) -> Self {
        Self {
            deploy_role_arn: role,
            ..self
        }
    }

    /// The same clients with `dynamodb` answering DynamoDB's calls (tests' mock clients).
    pub fn with_dynamodb(mut self, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        self.dynamodb_override = Some(dynamodb);
        self
    }

    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        match &self.overrides.cloudformation {
            Some(c) => c.clone(),
            None => aws_sdk_cloudformation::Client::from_conf(
                aws_sdk_cloudformation::config::Builder::from(&self.config)
                    .interceptor(slow::InFlight)
                    .build(),
            ),
        }
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        if let Some(c) = &self.overrides.s3 {
            return c.clone();
        }
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            // An emulator on localhost has no virtual-host bucket names.
            .force_path_style(self.endpoint_overridden)
            .interceptor(slow::InFlight)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        match &self.overrides.sts {
            Some(c) => c.clone(),
            None => aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(&self.config)
                    .interceptor(slow::InFlight)
                    .build(),
            ),
        }
    }

    pub fn athena(&self) -> aws_sdk_athena::Client {
        aws_sdk_athena::Client::from_conf(
            aws_sdk_athena::config::Builder::from(&self.config)
                .interceptor(slow::InFlight)
                .build(),
        )
    }

    pub fn budgets(&self) -> aws_sdk_budgets::Client {
        aws_sdk_budgets::Client::new(&self.config)
    }

    pub fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::from_conf(
            aws_sdk_cloudwatch::config::Builder::from(&self.config)
                .interceptor(slow::InFlight)
                .build(),
        )
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::from_conf(
            aws_sdk_cloudwatchlogs::config::Builder::from(&self.config)
                .interceptor(slow::InFlight)
                .build(),
        )
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        if let Some(c) = &self.dynamodb_override {
            return c.clone();
        }
        match &self.overrides.dynamodb {
            Some(c) => c.clone(),
            None => aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(&self.config)
                    .interceptor(slow::InFlight)
                    .build(),
            ),
        }
    }

    pub fn glue(&self) -> aws_sdk_glue::Client {
        aws_sdk_glue::Client::from_conf(
            aws_sdk_glue::config::Builder::from(&self.config)
                .interceptor(slow::InFlight)
                .build(),
        )
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&self.config)
                .interceptor(slow::InFlight)
                .build(),
        )
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        match &self.overrides.lambda {
            Some(c) => c.clone(),
            None => aws_sdk_lambda::Client::from_conf(
                aws_sdk_lambda::config::Builder::from(&self.config)
                    .interceptor(slow::InFlight)
                    .build(),
            ),
        }
    }

    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::from_conf(
            aws_sdk_scheduler::config::Builder::from(&self.config)
                .interceptor(slow::InFlight)
                .build(),
        )
    }

    pub fn sfn(&self) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::from_conf(
            aws_sdk_sfn::config::Builder::from(&self.config)
                .interceptor(slow::InFlight)
                .build(),
        )
    }

    pub fn sns(&self) -> aws_sdk_sns::Client {
        match &self.overrides.sns {
            Some(c) => c.clone(),
            None => aws_sdk_sns::Client::from_conf(
                aws_sdk_sns::config::Builder::from(&self.config)
                    .interceptor(slow::InFlight)
                    .build(),
            ),
        }
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&self.config)
                .interceptor(slow::InFlight)
                .build(),
        )
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.config)
    }
}

/// An AWS call that failed, said in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// What was being done ("reading stack infra-monitoring-prod").
    pub doing: String,
    pub region: String,
    /// The service's error code, when it sent one (ValidationError, AccessDenied...).
    pub code: Option<String>,
    pub message: String,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in {} failed: {}",
            self.doing, self.region, self.message
        )
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    /// Builds the one-line error from any SDK error, with a hint for the failures users hit most.
    /// An answer without an error code of its own (a bare 503, a dropped connection) names the
    /// operation and says what happened on the wire, not how the SDK failed to parse it.
    pub fn new<E>(doing: impl Into<String>, region: &str, err: &E) -> Self
    where
        E: SdkFailure,
    {
        let code = err.code().map(str::to_owned);
        let detail = match (err.wire(), err.code(), err.message()) {
            (Some(wire), _, _) => match err.operation() {
                Some(op) => format!("{op}: {wire}"),
                None => wire,
            },
            (None, Some(c), Some(m)) => format!("{c}: {m}"),
            (None, Some(c), None) => c.to_owned(),
            _ => plain(&chain(err)),
        };
        let message = match hint(code.as_deref(), &detail) {
            Some(h) => format!("{detail} ({h})"),
            None => detail,
        };
        Self {
            doing: doing.into(),
            region: region.to_owned(),
            code,
            message,
        }
    }

    /// The same error with what to do next appended: for a failure that left work half-done.
    pub fn then(mut self, next: &str) -> Self {
        self.message = format!("{}. {next}", self.message);
        self
    }

    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// What the AWS layer reads from an SDK error beyond its code and message: which operation
/// failed, and what happened on the wire when AWS's answer carried no error code.
pub trait SdkFailure: ProvideErrorMetadata + std::error::Error {
    /// "CloudFormation CreateChangeSet", from the operation's error type.
    fn operation(&self) -> Option<String>;
    /// The failure in plain words when it is not the service's own error (a 5xx without a
    /// readable body, a dropped connection, no answer in time); None for an error with a code.
    fn wire(&self) -> Option<String>;
}

impl<E> SdkFailure for aws_sdk_cloudformation::error::SdkError<E>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn operation(&self) -> Option<String> {
        operation_name(std::any::type_name::<E>())
    }

    fn wire(&self) -> Option<String> {
        use aws_sdk_cloudformation::error::SdkError;
        let retried = format!("and kept failing for up to {MAX_ATTEMPTS} attempts");
        if let SdkError::ServiceError(e) = self {
            let status = e.raw().status().as_u16();
            let answered = format!("AWS answered {}", status_words(status));
            return match (self.code(), self.message()) {
                (None, _) => Some(format!("{answered} {retried}")),
                // A 5xx is AWS's own trouble, whatever its code: said as such, code kept.
                (Some(c), m) if status >= 500 => Some(format!(
                    "{answered} ({c}{}) {retried}",
                    m.map(|m| format!(": {m}")).unwrap_or_default()
                )),
                (Some(_), _) => None,
            };
        }
        if self.code().is_some() {
            return None;
        }
        match self {
            SdkError::ResponseError(e) => Some(format!(
                "AWS answered {} with a body that is not a valid response",
                status_words(e.raw().status().as_u16())
            )),
            SdkError::TimeoutError(_) => {
                Some("no answer within the operation timeout (--operation-timeout)".to_owned())
            }
            // A connection never made is said by `plain`: "cannot connect to the endpoint".
            SdkError::DispatchFailure(_) if chain(self).contains("Connect") => None,
            SdkError::DispatchFailure(d) if d.is_timeout() => Some(format!(
                "AWS did not answer within the read timeout {retried}"
            )),
            SdkError::DispatchFailure(d) if d.is_io() => Some(format!(
                "the connection to AWS was dropped before it answered {retried}"
            )),
            _ => None,
        }
    }
}

/// "CloudFormation CreateChangeSet" from a type name such as
/// `aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetError`.
fn operation_name(type_name: &str) -> Option<String> {
    const SERVICES: [(&str, &str); 14] = [
        ("athena", "Athena"),
        ("cloudformation", "CloudFormation"),
        ("cloudwatch", "CloudWatch"),
        ("cloudwatchlogs", "CloudWatch Logs"),
        ("dynamodb", "DynamoDB"),
        ("glue", "Glue"),
        ("iam", "IAM"),
        ("lambda", "Lambda"),
        ("s3", "S3"),
        ("scheduler", "EventBridge Scheduler"),
        ("sfn", "Step Functions"),
        ("sns", "SNS"),
        ("sqs", "SQS"),
        ("sts", "STS"),
    ];
    let crate_name = type_name.strip_prefix("aws_sdk_")?.split("::").next()?;
    let service = SERVICES
        .iter()
        .find(|(c, _)| *c == crate_name)
        .map_or(crate_name, |(_, s)| s);
    let last = type_name.rsplit("::").next()?;
    let op = last.strip_suffix("Error").unwrap_or(last);
    Some(format!("{service} {op}"))
}

/// "503 Service Unavailable": the status and its reason phrase.
fn status_words(status: u16) -> String {
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return format!("HTTP {status}"),
    };
    format!("{status} {reason}")
}

/// An error and its sources on one line, without the SDK's debug dump or repeated parts.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    if parts.is_empty() {
        DisplayErrorContext(err).to_string()
    } else {
        parts.join(": ")
    }
}

/// The SDK's wrapper names ("dispatch failure", "io error", "client error (Connect)") say where in
/// the SDK an error arose, not what happened: a failure to reach the endpoint is said in words and
/// its real cause (refused, timed out, no such host) kept.
fn plain(detail: &str) -> String {
    const WRAPPERS: [&str; 6] = [
        "dispatch failure",
        "io error",
        "other",
        "timeout",
        "client error (Connect)",
        "client error (SendRequest)",
    ];
    if detail.contains("no credentials found in chain") {
        // The chain lists each provider it tried on a line of its own: keep their names.
        let tried: Vec<&str> = detail
            .lines()
            .skip(1)
            .filter_map(|l| l.trim().split(':').next())
            .filter(|n| !n.is_empty())
            .collect();
        return format!("no credentials found (tried {})", tried.join(", "));
    }
    let parts: Vec<&str> = detail.split(": ").collect();
    if parts.first() != Some(&"dispatch failure") {
        return detail.to_owned();
    }
    let cause: Vec<&str> = parts
        .into_iter()
        .filter(|p| !WRAPPERS.contains(p))
        .collect();
    if cause.is_empty() {
        "cannot connect to the endpoint".to_owned()
    } else {
        format!("cannot connect to the endpoint: {}", cause.join(": "))
    }
}

fn hint(code: Option<&str>, detail: &str) -> Option<&'static str> {
    match code {
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired") => {
            Some("your credentials have expired: refresh them, for example `aws sso login`")
        }
        Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation") => {
            Some("the identity in use lacks that permission; the action is named above")
        }
        Some("InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch") => {
            Some(
                "the access key is not valid in this account or partition; check AWS_PROFILE and the region",
            )
        }
        _ if detail.contains("no providers in chain provided credentials")
            || detail.starts_with("no credentials found")
            || detail.contains("loading credentials")
            || detail.contains("failed to load credentials")
            || detail.contains("the credential provider was not enabled") =>
        {
            Some(
                "no AWS credentials found: set AWS_PROFILE or --profile, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            )
        }
        _ if detail.starts_with("cannot connect to the endpoint")
            || detail.contains("error trying to connect") =>
        {
            Some(
                "nothing answered at the AWS endpoint: check the network, the region and --endpoint-url",
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_connection_is_said_without_the_sdk_wrappers() {
        let detail = "dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(
            plain(detail),
            "cannot connect to the endpoint: tcp connect error: Connection refused (os error 111)"
        );
    }

    #[test]
    fn missing_credentials_are_one_line_naming_the_providers_tried() {
        let detail = "dispatch failure: other: the credential provider was not enabled: no credentials found in chain. Attempted:\n  Environment: not set\n  Profile: the credential provider was not enabled";
        assert_eq!(
            plain(detail),
            "no credentials found (tried Environment, Profile)"
        );
    }

    #[test]
    fn an_unreachable_endpoint_is_not_hinted_as_a_credentials_problem() {
        let h = hint(None, "cannot connect to the endpoint: dns error").unwrap_or_default();
        assert!(
            h.contains("nothing answered") && !h.contains("credentials"),
            "{h}"
        );
    }

    #[test]
    fn a_dead_endpoint_is_given_up_after_three_seconds_a_silent_one_after_sixty_a_call_after_five_minutes()
     {
        let t = timeouts(DEFAULT_OPERATION_TIMEOUT);
        assert_eq!(
            (t.connect_timeout(), t.read_timeout(), t.operation_timeout()),
            (
                Some(Duration::from_secs(3)),
                Some(Duration::from_secs(60)),
                Some(Duration::from_secs(300))
            )
        );
    }

    #[test]
    fn the_retry_scale_shortens_only_the_pauses_never_mode_or_attempts() {
        let scaled = retries_scaled(Some("0.01"));
        assert_eq!(
            (
                scaled.mode(),
                scaled.max_attempts(),
                scaled.initial_backoff()
            ),
            (
                aws_config::retry::RetryMode::Adaptive,
                5,
                Duration::from_millis(2)
            )
        );
    }

    #[test]
    fn without_the_retry_scale_or_with_a_bad_one_the_production_retries_hold() {
        for scale in [None, Some(""), Some("2"), Some("-1"), Some("fast")] {
            let r = retries_scaled(scale);
            assert_eq!(
                (
                    r.mode(),
                    r.max_attempts(),
                    r.initial_backoff(),
                    r.max_backoff()
                ),
                (
                    aws_config::retry::RetryMode::Adaptive,
                    5,
                    Duration::from_millis(200),
                    Duration::from_secs(20)
                ),
                "{scale:?}"
            );
        }
    }

    #[test]
    fn an_operation_is_named_by_service_and_action_from_its_error_type() {
        assert_eq!(
            operation_name(
                "aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetError"
            )
            .as_deref(),
            Some("CloudFormation CreateChangeSet")
        );
    }

    fn describe_stacks_failure(
        code: Option<&str>,
        status: u16,
    ) -> aws_sdk_cloudformation::error::SdkError<
        aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError,
    > {
        let mut meta = aws_smithy_types::error::ErrorMetadata::builder();
        if let Some(c) = code {
            meta = meta.code(c).message("injected");
        }
        let err = aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError::generic(
            meta.build(),
        );
        let raw = aws_sdk_cloudformation::config::http::HttpResponse::new(
            status.try_into().expect("a status code"),
            aws_smithy_types::body::SdkBody::empty(),
        );
        aws_sdk_cloudformation::error::SdkError::service_error(err, raw)
    }

    #[test]
    fn a_503_without_a_body_names_the_operation_and_the_status_not_the_parser() {
        let e = AwsError::new(
            "reading stack s",
            "us-east-1",
            &describe_stacks_failure(None, 503),
        );
        assert_eq!(
            e.to_string(),
            "reading stack s in us-east-1 failed: CloudFormation DescribeStacks: AWS answered 503 Service Unavailable and kept failing for up to 5 attempts"
        );
    }

    #[test]
    fn a_5xx_with_a_code_is_said_as_aws_trouble_and_keeps_its_code() {
        let e = AwsError::new(
            "reading stack s",
            "us-east-1",
            &describe_stacks_failure(Some("InternalFailure"), 500),
        );
        assert!(
            e.is_code("InternalFailure")
                && e.message.starts_with(
                    "CloudFormation DescribeStacks: AWS answered 500 Internal Server Error (InternalFailure: injected)"
                ),
            "{e}"
        );
    }

    #[test]
    fn a_4xx_with_a_code_stays_the_services_own_words() {
        let e = AwsError::new(
            "reading stack s",
            "us-east-1",
            &describe_stacks_failure(Some("ValidationError"), 400),
        );
        assert_eq!(e.message, "ValidationError: injected");
    }

    #[test]
    fn a_bare_503_is_said_as_the_status_and_its_reason() {
        assert_eq!(status_words(503), "503 Service Unavailable");
    }

    #[test]
    fn retries_are_adaptive_five_attempts_from_200_ms() {
        let r = retries();
        assert_eq!(
            (r.mode(), r.max_attempts(), r.initial_backoff()),
            (
                aws_config::retry::RetryMode::Adaptive,
                5,
                Duration::from_millis(200)
            )
        );
    }
}
