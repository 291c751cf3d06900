//! The AWS layer: one thin module per service the tool calls, over the official SDK. It knows
//! nothing of the CLI; errors come back as one line that says what was being done, where, and
//! what AWS said. It receives plain values (names, policy documents as text, template bodies)
//! and imports neither the model nor the template module: callers turn the model into what a
//! call needs, so the layer stays a thin, reusable edge.

pub mod alarms;
pub mod athena;
pub mod backoff;
pub mod cloudformation;
pub mod dynamodb;
pub mod environment;
pub mod executions;
pub mod s3;
pub mod schedules;
pub mod sns;
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

/// How long a call may take. A dead endpoint fails after the connect timeout instead of hanging;
/// the read timeout is the AWS CLI's (60 s); no operation timeout, as uploads and waits are
/// bounded by their own loops.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(60))
        .build()
}

/// Retries: adaptive (it backs off on throttling, "Rate exceeded", across all calls), five
/// attempts, starting at 200 ms so a refused connection is reported within a few seconds.
pub fn retries() -> RetryConfig {
    RetryConfig::adaptive()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(200))
}

/// Clients given instead of the ones built from the configuration (tests hand in the SDK's mock
/// clients here, to produce failures an emulator cannot).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub cloudformation: Option<aws_sdk_cloudformation::Client>,
    pub s3: Option<aws_sdk_s3::Client>,
    pub sns: Option<aws_sdk_sns::Client>,
    pub sts: Option<aws_sdk_sts::Client>,
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
}

impl Aws {
    /// Loads the SDK configuration for `region` (no network call happens here). This is the one
    /// place the SDK's configuration is built; `Options::check` is what may refuse it.
    pub async fn connect(options: &Options, region: &str) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .retry_config(retries())
            .timeout_config(timeouts());
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
        }
    }

    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        match &self.overrides.cloudformation {
            Some(c) => c.clone(),
            None => aws_sdk_cloudformation::Client::new(&self.config),
        }
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        if let Some(c) = &self.overrides.s3 {
            return c.clone();
        }
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            // An emulator on localhost has no virtual-host bucket names.
            .force_path_style(self.endpoint_overridden)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        match &self.overrides.sts {
            Some(c) => c.clone(),
            None => aws_sdk_sts::Client::new(&self.config),
        }
    }

    pub fn athena(&self) -> aws_sdk_athena::Client {
        aws_sdk_athena::Client::new(&self.config)
    }

    pub fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.config)
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    pub fn glue(&self) -> aws_sdk_glue::Client {
        aws_sdk_glue::Client::new(&self.config)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.config)
    }

    pub fn sfn(&self) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(&self.config)
    }

    pub fn sns(&self) -> aws_sdk_sns::Client {
        match &self.overrides.sns {
            Some(c) => c.clone(),
            None => aws_sdk_sns::Client::new(&self.config),
        }
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
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
    pub fn new<E>(doing: impl Into<String>, region: &str, err: &E) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error,
    {
        let code = err.code().map(str::to_owned);
        let detail = match (err.code(), err.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_owned(),
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

    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
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
    fn a_dead_endpoint_is_given_up_after_three_seconds_and_a_silent_one_after_sixty() {
        let t = timeouts();
        assert_eq!(
            (t.connect_timeout(), t.read_timeout(), t.operation_timeout()),
            (
                Some(Duration::from_secs(3)),
                Some(Duration::from_secs(60)),
                None
            )
        );
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
