//! The typed resources of the pipeline: what each one is, in the model's terms. `template.rs`
//! turns them into CloudFormation; nothing here knows CloudFormation's property names.

use super::names::Sub;
use crate::config::{Architecture, CollectorMode, MetricType, RateExpression, Runtime};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub logical_id: &'static str,
    pub name: Sub,
    pub versioned: bool,
    /// Days in S3 Standard before moving to Glacier (None: never).
    pub glacier_after_days: Option<u32>,
    /// Days before current objects expire (None: never).
    pub expire_after_days: Option<u32>,
    pub noncurrent_expire_days: Option<u32>,
    pub abort_incomplete_upload_days: u32,
    /// Kept when the stack is deleted or the bucket replaced.
    pub retain: bool,
    /// Lambda notified on `s3:ObjectCreated:*` (with the permission it depends on).
    pub notify: Option<Notification>,
    /// Rules for the objects under one key prefix (compaction: the raw JSON expires, the
    /// Parquet moves to Glacier).
    pub prefixed: Vec<PrefixLifecycle>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrefixLifecycle {
    pub id: &'static str,
    pub prefix: &'static str,
    pub glacier_after_days: Option<u32>,
    pub expire_after_days: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub function_logical_id: &'static str,
    pub permission_logical_id: &'static str,
    pub suffix: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub logical_id: &'static str,
    pub name: String,
    pub partition_key: &'static str,
    /// `"<epoch>#<metric_type>"`: unique per point (the seed's numeric timestamp key collided).
    pub sort_key: &'static str,
    pub gsi_name: &'static str,
    pub gsi_partition_key: &'static str,
    /// Kept as a number attribute for the GSI's range key.
    pub gsi_sort_key: &'static str,
    pub ttl_attribute: &'static str,
    pub ttl_days: u32,
    pub point_in_time_recovery: bool,
    pub deletion_protection: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum FunctionKind {
    Collector,
    LogProcessor,
}

impl FunctionKind {
    pub const ALL: [FunctionKind; 2] = [FunctionKind::Collector, FunctionKind::LogProcessor];

    /// Folder under `lambdas/` that holds the function's code.
    pub fn source_dir(self) -> &'static str {
        match self {
            FunctionKind::Collector => "collector",
            FunctionKind::LogProcessor => "log_processor",
        }
    }
}

/// The artifact bucket key of each function's code: what the model is given of packaging (the
/// zips themselves are `package`'s, built beside the model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeKeys {
    pub collector: String,
    pub log_processor: String,
}

impl CodeKeys {
    pub fn get(&self, kind: FunctionKind) -> &str {
        match kind {
            FunctionKind::Collector => &self.collector,
            FunctionKind::LogProcessor => &self.log_processor,
        }
    }
}

/// The instances the collector reads, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fleet {
    pub mode: CollectorMode,
    /// Instance ids listed in the config (empty: chosen by tag, or the simulated stand-ins).
    pub instances: Vec<String>,
    /// The tag (key, value) that selects the fleet through DescribeInstances.
    pub instance_tag: Option<(String, String)>,
    /// One custom metric per instance besides the fleet aggregates.
    pub per_instance_metrics: bool,
}

impl Fleet {
    /// The collector's mode as its environment and every record's `collection_method` spell it.
    pub fn collection_method(&self) -> &'static str {
        match self.mode {
            CollectorMode::Simulated => "simulated",
            CollectorMode::Cloudwatch => "cloudwatch",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Function {
    pub kind: FunctionKind,
    pub logical_id: &'static str,
    pub role_logical_id: &'static str,
    pub log_group_logical_id: &'static str,
    pub name: String,
    pub runtime: Runtime,
    pub architecture: Architecture,
    pub handler: &'static str,
    pub memory_mb: u32,
    pub timeout_seconds: u32,
    pub reserved_concurrency: Option<u32>,
    pub code_bucket: Sub,
    pub code_key: String,
    pub environment: Vec<(&'static str, Sub)>,
    /// Queue for failed asynchronous invocations (only the S3-triggered processor has them).
    pub dead_letter_queue: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub logical_id: &'static str,
    pub name: String,
    pub retention_seconds: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogGroup {
    pub logical_id: &'static str,
    pub name: String,
    pub retention_days: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateMachine {
    pub logical_id: &'static str,
    pub name: String,
    pub role_logical_id: &'static str,
    pub log_group_logical_id: &'static str,
    /// The Amazon States Language definition; `${CollectorArn}` is substituted at deploy time.
    pub definition: serde_json::Value,
    pub branches: Vec<MetricType>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Schedule {
    pub logical_id: &'static str,
    pub name: String,
    pub expression: RateExpression,
    pub role_logical_id: &'static str,
    pub target_logical_id: &'static str,
    pub dead_letter_queue: &'static str,
    pub retry_attempts: u32,
    pub max_event_age_seconds: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Topic {
    pub logical_id: &'static str,
    pub policy_logical_id: &'static str,
    pub name: String,
    pub emails: Vec<String>,
    /// Paging endpoints subscribed over HTTPS.
    pub https_endpoints: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Statistic {
    Sum,
    Maximum,
    /// How many data points arrived: what a heartbeat counts.
    SampleCount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MissingData {
    /// Nothing happened (no errors, no throttles): not a breach.
    NotBreaching,
    /// No data keeps the alarm's state; the errors alarm covers a collector that stopped.
    Missing,
    /// No data is the failure itself (the heartbeat).
    Breaching,
}

/// How an alarm compares its metric with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparison {
    GreaterThan,
    LessThan,
    /// Outside an anomaly detection band.
    OutsideBand,
}

#[derive(Debug, Clone, Serialize)]
pub enum AlarmMetric {
    Single {
        namespace: String,
        name: &'static str,
        dimensions: Vec<(&'static str, Sub)>,
        statistic: Statistic,
    },
    /// Read plus write throttle events of the table, as one metric-math expression.
    TableThrottles { table: String },
    /// A metric against its `ANOMALY_DETECTION_BAND` of `band_width` standard deviations.
    AnomalyBand {
        namespace: String,
        name: &'static str,
        dimensions: Vec<(&'static str, Sub)>,
        statistic: Statistic,
        band_width: f64,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Alarm {
    pub logical_id: &'static str,
    pub name: String,
    pub description: String,
    pub metric: AlarmMetric,
    pub threshold: f64,
    pub evaluation_periods: u32,
    pub period_seconds: u64,
    pub missing_data: MissingData,
    pub comparison: Comparison,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: &'static str,
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analytics {
    pub database_logical_id: &'static str,
    pub table_logical_id: &'static str,
    pub workgroup_logical_id: &'static str,
    pub database: String,
    pub table: String,
    pub workgroup: String,
    pub columns: Vec<Column>,
    pub partition_keys: Vec<&'static str>,
    /// First year partition projection enumerates.
    pub projection_first_year: u32,
    pub bytes_scanned_cutoff: u64,
    pub named_queries: Vec<NamedQuery>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamedQuery {
    pub logical_id: String,
    pub name: String,
    pub description: String,
    pub sql: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub actor: super::iam::Actor,
    pub logical_id: &'static str,
    /// AWS principals that may assume it, for roles people assume.
    pub principals: Vec<String>,
    pub statements: Vec<super::iam::Statement>,
}
