//! The `monitoring:` section: the alarms that catch silent loss (each on by default, each can be
//! turned off), the dashboard, anomaly detection per fleet metric, and the monthly budget.

use super::{Bounded, MetricType};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Monitoring {
    /// Alarms on what loses data without a custom metric to say so.
    pub silent_loss: SilentLossAlarms,
    /// One CloudWatch dashboard per region (three are free per account, $3 a month beyond).
    pub dashboard: bool,
    /// S3 request metrics on the raw bucket, so the dashboard shows PUT latency (billed as
    /// custom metrics).
    pub s3_request_metrics: bool,
    /// Anomaly detection bands on fleet metrics, beside or instead of the static thresholds.
    pub anomaly_detection: AnomalyDetection,
    /// A monthly AWS Budget for the pipeline (in the first region's stack only).
    pub budget: Budget,
}

impl Default for Monitoring {
    fn default() -> Self {
        Self {
            silent_loss: SilentLossAlarms::default(),
            dashboard: true,
            s3_request_metrics: false,
            anomaly_detection: AnomalyDetection::default(),
            budget: Budget::default(),
        }
    }
}

/// Each alarm that catches a failure the handlers' own error metrics cannot report.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SilentLossAlarms {
    /// Step Functions `ExecutionsFailed` > 0.
    pub executions_failed: bool,
    /// Step Functions `ExecutionsTimedOut` > 0.
    pub executions_timed_out: bool,
    /// `AWS/Lambda` `Errors` > 0 per function: sees timeouts and out-of-memory kills.
    pub lambda_errors: bool,
    /// `AWS/Lambda` `Throttles` > 0 per function.
    pub lambda_throttles: bool,
    /// Messages visible in each dead-letter queue > 0.
    pub dead_letter_queues: bool,
    /// No fleet data point published in two schedule periods.
    pub heartbeat: bool,
}

impl Default for SilentLossAlarms {
    fn default() -> Self {
        Self {
            executions_failed: true,
            executions_timed_out: true,
            lambda_errors: true,
            lambda_throttles: true,
            dead_letter_queues: true,
            heartbeat: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AnomalyDetection {
    /// Fleet metrics (of `collectors.metrics`) that get an anomaly detector and a band alarm.
    #[schemars(extend("uniqueItems" = true))]
    pub metrics: Vec<MetricType>,
    /// Width of the expected band in standard deviations (CloudWatch's default is 2).
    pub band_width: Bounded<1, 10, true>,
    /// Drop the static threshold alarm of those metrics, keeping only the band alarm.
    pub replace_threshold: bool,
}

impl Default for AnomalyDetection {
    fn default() -> Self {
        Self {
            metrics: Vec::new(),
            band_width: Bounded::new_unchecked(2.0),
            replace_threshold: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Budget {
    /// Create the budget.
    pub enabled: bool,
    /// Monthly limit in USD; unset: the cost estimate over all regions plus the headroom.
    pub monthly_usd: Option<Bounded<1, 1000000, true>>,
    /// Percent added to the estimate when `monthly_usd` is unset.
    pub headroom_percent: Bounded<0, 1000, false>,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            enabled: true,
            monthly_usd: None,
            headroom_percent: Bounded::new_unchecked(100.0),
        }
    }
}

impl super::Config {
    /// The tags every resource carries (as stack tags, which CloudFormation propagates): the
    /// config's own, with `project` and `environment` defaulting to the pipeline's name and
    /// environment. `owner` comes only from the config: there is nothing to derive it from.
    pub fn resource_tags(&self) -> std::collections::BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        tags.entry("project".into())
            .or_insert_with(|| self.name.as_str().to_owned());
        tags.entry("environment".into())
            .or_insert_with(|| self.environment.as_str().to_owned());
        tags
    }
}

/// An HTTPS endpoint for an SNS `https` subscription: a paging service's integration URL
/// (PagerDuty, Opsgenie and the like), which confirms the subscription itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpsEndpoint(String);

impl HttpsEndpoint {
    pub fn parse(s: &str) -> Result<Self, String> {
        let host = s.strip_prefix("https://").unwrap_or_default();
        if host.is_empty()
            || host.starts_with('/')
            || s.len() > 2048
            || s.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "must be an https:// URL of at most 2048 characters, such as a PagerDuty or Opsgenie integration URL (got {s:?})"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HttpsEndpoint {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<HttpsEndpoint> for String {
    fn from(e: HttpsEndpoint) -> String {
        e.0
    }
}

impl schemars::JsonSchema for HttpsEndpoint {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HttpsEndpoint".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^https://[^/\s][^\s]*$",
            "maxLength": 2048,
            "description": "An https:// URL SNS posts each alarm to (a paging service's integration URL)",
        })
    }
}
