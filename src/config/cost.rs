//! The `cost:` section: usage the model cannot know (fleet size, queries, reads, durations), each
//! with a documented default, all printed with every cost report.

use super::values::Bounded;
use serde::{Deserialize, Serialize};

/// A whole count from zero.
pub type Count = Bounded<0, 1_000_000_000_000, false>;
/// A non-negative amount that may be fractional.
pub type Amount = Bounded<0, 1_000_000_000_000, true>;
/// A duration in milliseconds, within Lambda's 15-minute limit.
pub type Millis = Bounded<1, 900_000, false>;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CostAssumptions {
    /// Instances in the fleet. Default: the listed `collectors.instances`, else the collector's
    /// simulated fleet of 3, else (a fleet chosen by tag) 1.
    pub instances: Option<Bounded<1, 10_000_000, false>>,
    /// Average billed duration of one collector invocation.
    pub collector_duration_ms: Millis,
    /// Average billed duration of one log processor invocation.
    pub processor_duration_ms: Millis,
    /// CloudWatch Logs bytes one invocation writes (platform start/report records and the
    /// handler's one summary line).
    pub log_bytes_per_invocation: Bounded<0, 262_144, false>,
    /// Expected Lambda task retries a run (each re-enters a state, re-invokes and re-writes).
    pub retries_per_run: Bounded<0, 100, true>,
    /// Runs a month that fail and publish the error metrics.
    pub failed_runs_per_month: Count,
    /// Storage is priced as it stands at the end of this month of operation: raw objects are
    /// never deleted, so S3 grows; the table and logs level off at their TTL and retention.
    pub storage_month: Bounded<1, 120, false>,
    /// Replaces the modelled S3 storage (GB, all billed as S3 Standard); not scaled by `--scale`.
    pub s3_storage_gb: Option<Amount>,
    /// Replaces the modelled DynamoDB storage (GB, table and index); not scaled by `--scale`.
    pub dynamodb_storage_gb: Option<Amount>,
    /// DynamoDB read request units a month consumed by dashboards.
    pub dashboard_read_units_per_month: Amount,
    /// Athena queries a month.
    pub athena_queries_per_month: Count,
    /// MB (2^20 bytes) one query scans. Default: one month of the compacted Parquet (every
    /// column), at most what the seed's second query (a month, pruned by date) reads.
    pub athena_mb_per_query: Option<Amount>,
    /// Alarm state changes a month that notify the topic (each one e-mail per subscriber).
    pub alarm_notifications_per_month: Count,
    /// Messages a month landing in the two dead-letter queues.
    pub dead_letter_messages_per_month: Count,
    /// The ceiling for the whole pipeline (all regions), USD a month: `plan` warns and `apply`
    /// refuses a change whose estimate goes above it and above the estimate before it (unless
    /// `--allow-cost-increase`); `validate` reports a config whose own estimate is above it.
    pub max_monthly_usd: Option<Amount>,
}

impl Default for CostAssumptions {
    fn default() -> Self {
        Self {
            instances: None,
            collector_duration_ms: Bounded::new_unchecked(1000.0),
            processor_duration_ms: Bounded::new_unchecked(500.0),
            log_bytes_per_invocation: Bounded::new_unchecked(800.0),
            retries_per_run: Bounded::new_unchecked(0.0),
            failed_runs_per_month: Bounded::new_unchecked(0.0),
            storage_month: Bounded::new_unchecked(12.0),
            s3_storage_gb: None,
            dynamodb_storage_gb: None,
            dashboard_read_units_per_month: Bounded::new_unchecked(10_000.0),
            athena_queries_per_month: Bounded::new_unchecked(20.0),
            athena_mb_per_query: None,
            alarm_notifications_per_month: Bounded::new_unchecked(10.0),
            dead_letter_messages_per_month: Bounded::new_unchecked(0.0),
            max_monthly_usd: None,
        }
    }
}
