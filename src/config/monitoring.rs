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
