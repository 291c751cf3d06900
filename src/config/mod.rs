//! The `infrapipe.yaml` schema: types, defaults (the seed's), and validation that names file,
//! line, column and field for every bad value.

pub mod adopt;
pub mod aggregation;
pub mod chatbot;
pub mod cost;
mod de;
pub mod diagnostic;
pub mod drift;
pub mod monitoring;
pub mod partitions;
pub mod schema;
pub mod security;
pub mod source;
pub mod stack_set;
mod suggest;
pub mod tree;
pub mod values;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub use adopt::Adopt;
pub use aggregation::Aggregation;
pub use cost::CostAssumptions;
pub use diagnostic::{ConfigError, Diagnostic};
pub use drift::{DriftConfig, IgnorePath};
pub use monitoring::Monitoring;
pub use security::{KeyArn, KmsKey, Security};
pub use values::*;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Pipeline name; prefixes every resource name.
    pub name: NameSegment,
    /// Deployment environment (prod, staging, dev...); part of every name.
    #[schemars(length(max = ENVIRONMENT_MAX))]
    pub environment: NameSegment,
    /// Regions to deploy to; the first is the default and the rollout canary.
    #[schemars(length(min = 1), extend("uniqueItems" = true))]
    pub regions: Vec<Region>,
    /// How often a collection runs: `rate(N minute[s]|hour[s]|day[s])`; alarm periods follow it.
    #[serde(default)]
    pub schedule: RateExpression,
    /// The collector Lambda: what it collects, from where, and how it runs.
    #[serde(default)]
    pub collectors: Collectors,
    /// Retention of the raw S3 objects and the DynamoDB items.
    #[serde(default)]
    pub storage: Storage,
    /// CloudWatch Logs of the functions and the state machine.
    #[serde(default)]
    pub logs: Logs,
    /// Thresholds and evaluation periods of the six alarms.
    #[serde(default)]
    pub alarms: Alarms,
    /// Who the alarms e-mail.
    pub notifications: Notifications,
    /// The alarms that catch silent loss, the dashboard, anomaly detection and the budget.
    #[serde(default)]
    pub monitoring: Monitoring,
    /// Athena and Glue over the raw bucket.
    #[serde(default)]
    pub analytics: Analytics,
    /// Stack tags; CloudFormation propagates them to every resource.
    #[serde(default)]
    #[schemars(extend("maxProperties" = 40))]
    pub tags: BTreeMap<String, String>,
    /// CloudFormation termination protection on the stack (destroy then refuses).
    #[serde(default)]
    pub termination_protection: bool,
    /// The AWS accounts apply, destroy and rollout may change, as Terraform's AWS provider has
    /// them; empty means any. Credentials of any other account are refused before anything
    /// happens.
    #[serde(default)]
    pub allowed_account_ids: Vec<AccountId>,
    /// A CloudFormation service role: passed as RoleARN on every change set and stack deletion,
    /// so the person or CI that deploys needs only the rights to start one (`infrapipe
    /// iam-policy --for apply` prints them).
    #[serde(default)]
    pub deploy_role_arn: Option<RoleArn>,
    /// Usage assumptions of `infrapipe cost` (see `config::cost`).
    #[serde(default)]
    pub cost: CostAssumptions,
    /// What `infrapipe drift` accepts as changed by hand (see `config::drift`).
    #[serde(default)]
    pub drift: DriftConfig,
    /// Existing resources the pipeline takes over (imports) instead of creating (see
    /// `config::adopt`).
    #[serde(default)]
    pub adopt: Adopt,
    /// Encryption keys and access logs (see `config::security`).
    #[serde(default)]
    pub security: Security,
    /// One region that gathers every region's raw data by S3 replication and queries it all
    /// (see `config::aggregation`).
    #[serde(default)]
    pub aggregation: Aggregation,
    /// The roles and organization of `rollout --accounts / --organizational-units` (see
    /// `config::stack_set`); recorded only when set, so templates without it do not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_set: Option<stack_set::StackSetConfig>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum CollectorMode {
    /// Plausible, deterministic values: the pipeline runs end to end with no fleet.
    #[default]
    Simulated,
    /// The real fleet's values from CloudWatch (EC2 metrics and the CloudWatch agent's memory).
    Cloudwatch,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    Cpu,
    Memory,
    Disk,
    Network,
}

impl MetricType {
    pub const ALL: [MetricType; 4] = [Self::Cpu, Self::Memory, Self::Disk, Self::Network];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
            Self::Disk => "disk",
            Self::Network => "network",
        }
    }

    /// The word used in logical ids and state names (`Cpu`, `Memory`...).
    pub fn title(self) -> &'static str {
        match self {
            Self::Cpu => "Cpu",
            Self::Memory => "Memory",
            Self::Disk => "Disk",
            Self::Network => "Network",
        }
    }

    /// The custom CloudWatch metric the collector publishes for this type.
    pub fn metric_name(self) -> &'static str {
        match self {
            Self::Cpu => "CPUUtilization",
            Self::Memory => "MemoryUtilization",
            Self::Disk => "DiskThroughput",
            Self::Network => "NetworkThroughput",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, Default,
)]
pub enum Runtime {
    #[serde(rename = "python3.11")]
    Python311,
    #[serde(rename = "python3.12")]
    Python312,
    #[default]
    #[serde(rename = "python3.13")]
    Python313,
}

impl Runtime {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Python311 => "python3.11",
            Self::Python312 => "python3.12",
            Self::Python313 => "python3.13",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// Graviton: 20 % cheaper per GB-second; the handlers are pure Python.
    #[default]
    Arm64,
    X86_64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arm64 => "arm64",
            Self::X86_64 => "x86_64",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Collectors {
    /// Where the values come from.
    pub mode: CollectorMode,
    /// Metric types to collect: one Parallel branch each.
    #[schemars(length(min = 1), extend("uniqueItems" = true))]
    pub metrics: Vec<MetricType>,
    /// Instance ids to collect (cloudwatch mode); exclusive with `instance_tags`.
    #[schemars(length(max = MAX_INSTANCE_IDS))]
    pub instances: Vec<InstanceId>,
    /// One tag (`Key: Value`) that selects the fleet (cloudwatch mode).
    #[schemars(extend("maxProperties" = 1))]
    pub instance_tags: BTreeMap<String, String>,
    /// Deployed Lambda runtime of both functions (python3.11 is deprecated on 2027-06-30).
    pub runtime: Runtime,
    /// Lambda architecture of both functions.
    pub architecture: Architecture,
    /// Memory of each function, in MB.
    pub memory_mb: Bounded<128, 10240, false>,
    /// Timeout of each function, in seconds.
    pub timeout_seconds: Bounded<1, 900, false>,
    /// CloudWatch namespace of the custom metrics (PutMetricData is bound to it).
    pub namespace: Namespace,
    /// Publish one custom metric per instance and metric type ($0.30 each a month beyond the
    /// free ten) instead of only fleet aggregates.
    pub per_instance_metrics: bool,
    /// Reserved concurrency for each function; off by default, because new accounts often have a
    /// concurrency quota of 10 that must stay unreserved.
    pub reserved_concurrency: Option<Bounded<1, 1000, false>>,
}

impl Default for Collectors {
    fn default() -> Self {
        Self {
            mode: CollectorMode::Simulated,
            metrics: MetricType::ALL.to_vec(),
            instances: Vec::new(),
            instance_tags: BTreeMap::new(),
            runtime: Runtime::default(),
            architecture: Architecture::default(),
            memory_mb: Bounded::new_unchecked(128.0),
            timeout_seconds: Bounded::new_unchecked(30.0),
            namespace: Namespace::default(),
            per_instance_metrics: false,
            reserved_concurrency: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Storage {
    /// Days raw objects stay in S3 Standard before the lifecycle moves them to Glacier.
    pub raw_retention_days: Days,
    /// Days a noncurrent (overwritten or deleted) object version is kept.
    pub noncurrent_version_days: Days,
    /// Days an item stays in the table before DynamoDB's TTL removes it.
    pub table_ttl_days: Days,
    /// DynamoDB deletion protection on the table (on by default): nothing deletes it, not even
    /// `destroy --purge-data`, which turns it off only after its confirmation.
    pub table_deletion_protection: bool,
}

impl Default for Storage {
    fn default() -> Self {
        Self {
            raw_retention_days: Bounded::new_unchecked(90.0),
            noncurrent_version_days: Bounded::new_unchecked(30.0),
            table_ttl_days: Bounded::new_unchecked(90.0),
            table_deletion_protection: true,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Logs {
    /// Days log events are kept.
    pub retention_days: LogRetentionDays,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Alarms {
    /// Fleet CPU utilization (%) above which HighCpuAlarm fires.
    pub cpu_high_percent: Percent,
    /// Fleet memory utilization (%) above which HighMemoryAlarm fires.
    pub memory_high_percent: Percent,
    /// Collector duration (ms) above which CollectorDurationAlarm fires; below the timeout.
    pub lambda_duration_ms: Bounded<1, 900000, false>,
    /// Evaluation periods per alarm; period times count must stay within 7 days.
    pub evaluation_periods: AlarmPeriods,
}

impl Default for Alarms {
    fn default() -> Self {
        Self {
            cpu_high_percent: Bounded::new_unchecked(80.0),
            memory_high_percent: Bounded::new_unchecked(90.0),
            lambda_duration_ms: Bounded::new_unchecked(3000.0),
            evaluation_periods: AlarmPeriods::default(),
        }
    }
}

/// Evaluation periods per alarm; the seed's 2, 2, 1, 1, 1, 3.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AlarmPeriods {
    pub cpu: EvaluationPeriods,
    pub memory: EvaluationPeriods,
    pub collector_errors: EvaluationPeriods,
    pub processor_errors: EvaluationPeriods,
    pub dynamodb_throttles: EvaluationPeriods,
    pub lambda_duration: EvaluationPeriods,
}

impl Default for AlarmPeriods {
    fn default() -> Self {
        let p = Bounded::new_unchecked;
        Self {
            cpu: p(2.0),
            memory: p(2.0),
            collector_errors: p(1.0),
            processor_errors: p(1.0),
            dynamodb_throttles: p(1.0),
            lambda_duration: p(3.0),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    /// At least one address; each gets an SNS e-mail subscription to confirm.
    #[schemars(length(min = 1), extend("uniqueItems" = true))]
    pub emails: Vec<Email>,
    /// HTTPS endpoints (PagerDuty, Opsgenie...) subscribed to the alarm topic besides e-mail.
    #[serde(default)]
    #[schemars(extend("uniqueItems" = true))]
    pub https: Vec<monitoring::HttpsEndpoint>,
    /// Slack channels AWS Chatbot posts each alarm to (the workspace authorized in the AWS
    /// Chatbot console first).
    // Left out of the config the template embeds when empty, so a config without chat
    // channels renders the same template as before they existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("uniqueItems" = true))]
    pub slack: Vec<chatbot::SlackChannel>,
    /// Microsoft Teams channels AWS Chatbot posts each alarm to (the tenant authorized in the
    /// AWS Chatbot console first).
    // Left out of the config the template embeds when empty, so a config without chat
    // channels renders the same template as before they existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("uniqueItems" = true))]
    pub teams: Vec<chatbot::TeamsChannel>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Analytics {
    /// Athena refuses (and bills nothing for) a query that would scan more than this.
    pub bytes_scanned_cutoff_mb: Bounded<10, 1048576, false>,
    /// Principals (people, dashboards) allowed to assume the query role; none, no role.
    pub query_principals: Vec<PrincipalArn>,
    /// Days query results are kept in the results bucket.
    pub results_retention_days: Days,
    /// Hour of the day (UTC) at which compaction rewrites the previous day's raw JSON as Parquet.
    pub compaction_hour_utc: Bounded<0, 23, false>,
    /// Days a raw JSON object is kept before it expires; its day has long been compacted by
    /// then (queries read today and yesterday from the JSON, every older day from Parquet).
    pub raw_json_days: Bounded<3, 3650, false>,
    /// Named queries of your own, beside the seed's two: each a name and Athena SQL over
    /// `infra_metrics_all` (Parquet and JSON), `infra_metrics_parquet` or `infra_metrics`.
    #[schemars(extend("maxItems" = 50))]
    pub named_queries: Vec<ExtraQuery>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraQuery {
    pub name: QueryName,
    /// Athena (engine 3) SQL; `infrapipe query NAME` runs it in the pipeline's workgroup.
    #[schemars(length(min = 1, max = 262144))]
    pub sql: String,
}

impl Default for Analytics {
    fn default() -> Self {
        Self {
            bytes_scanned_cutoff_mb: Bounded::new_unchecked(1024.0),
            query_principals: Vec::new(),
            results_retention_days: Bounded::new_unchecked(30.0),
            compaction_hour_utc: Bounded::new_unchecked(1.0),
            raw_json_days: Bounded::new_unchecked(14.0),
            named_queries: Vec::new(),
        }
    }
}

/// A valid config that supplies a required field's value when the written one is missing or
/// refused, so that the rest of the file is still read and checked.
const PLACEHOLDER: &str =
    "name: x\nenvironment: x\nregions: [us-east-1]\nnotifications:\n  emails: [x@example.com]\n";

/// The seed's named queries' names (the model adds them to every pipeline).
pub const SEED_QUERIES: [&str; 2] = ["average-cpu-by-instance", "peak-memory-trend"];

/// Most instance ids that fit the collector's environment (Lambda allows 4 KB in all).
pub const MAX_INSTANCE_IDS: usize = 150;

/// Longest evaluation window CloudWatch accepts for an alarm (period x evaluation periods).
pub const MAX_ALARM_WINDOW_SECONDS: u64 = 7 * 86_400;

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with_warnings(path).map(|(config, _)| config)
    }

    /// Reads and validates a config file; also returns what is worth a warning but does not
    /// stop the config from loading (a region this build does not know).
    pub fn load_with_warnings(path: &Path) -> Result<(Self, Vec<Diagnostic>), ConfigError> {
        let text = source::read(path).map_err(|m| ConfigError::one(Diagnostic::file(path, m)))?;
        Self::parse_with_warnings(&text, path)
    }

    /// Parses and validates config text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        Self::parse_with_warnings(text, path).map(|(config, _)| config)
    }

    /// Parses and validates config text, reporting every problem at once (a YAML syntax error
    /// stops at itself; every field problem after that is found), and the warnings.
    pub fn parse_with_warnings(
        text: &str,
        path: &Path,
    ) -> Result<(Self, Vec<Diagnostic>), ConfigError> {
        if text.len() as u64 > source::MAX_BYTES {
            return Err(ConfigError::one(Diagnostic::file(
                path,
                format!(
                    "the config is {} bytes, more than the limit of {} bytes (1 MiB); a config is a few kilobytes",
                    text.len(),
                    source::MAX_BYTES
                ),
            )));
        }
        let root = tree::parse(text).map_err(|e| {
            ConfigError::one(match e {
                tree::TreeError::Syntax(spot, m) => {
                    Diagnostic::at(path, text, Some(spot), None, m, true)
                }
                tree::TreeError::Limit(spot, m) => Diagnostic::at(path, text, spot, None, m, false),
            })
        })?;
        let placeholder = tree::parse(PLACEHOLDER).unwrap_or_else(|_| root.clone());
        let (config, problems, repairs) = de::deserialize::<Config>(&root, &placeholder);
        let field = |p: &str| (!p.is_empty()).then(|| p.to_owned());
        let mut found: Vec<Diagnostic> = problems
            .into_iter()
            .map(|p| Diagnostic::at(path, text, p.spot, field(&p.path), p.message, true))
            .collect();
        let mut warnings = Vec::new();
        if let Some(config) = &config {
            // A rule about a field that was repaired would only report the repair.
            let related = |a: &str, b: &str| {
                let within = |inner: &str, outer: &str| {
                    inner == outer
                        || inner.starts_with(&format!("{outer}."))
                        || inner.starts_with(&format!("{outer}["))
                };
                within(a, b) || within(b, a)
            };
            for (f, message) in config.check() {
                if !repairs.iter().any(|r| related(r, &f)) {
                    found.push(Diagnostic::at(
                        path,
                        text,
                        root.locate(&f),
                        Some(f),
                        message,
                        true,
                    ));
                }
            }
            for (i, region) in config.regions.iter().enumerate() {
                if !region.is_known() {
                    let f = format!("regions[{i}]");
                    warnings.push(Diagnostic::at(
                        path,
                        text,
                        root.locate(&f),
                        Some(f),
                        format!(
                            "{region} is not a region this build of infrapipe knows; it is used as written, so check the name (a newer infrapipe knows newer regions)"
                        ),
                        true,
                    ));
                }
            }
        }
        match config {
            Some(config) if found.is_empty() => Ok((config, warnings)),
            _ => {
                found.sort_by_key(|d| (d.line.is_none(), d.line, d.column));
                if found.is_empty() {
                    found.push(Diagnostic::file(path, "is not a valid config".to_owned()));
                }
                Err(ConfigError {
                    file: path.to_owned(),
                    problems: found,
                })
            }
        }
    }

    /// Rules that span fields: every broken one, as the offending field's path and the message.
    fn check(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut fail = |f: &str, m: String| problems.push((f.to_owned(), m));
        if self.environment.as_str().len() > ENVIRONMENT_MAX {
            fail(
                "environment",
                format!(
                    "must be 1 to {ENVIRONMENT_MAX} characters so that derived S3 bucket names stay within 63 (got {:?}, {} characters)",
                    self.environment.as_str(),
                    self.environment.as_str().len()
                ),
            );
        }
        if self.regions.is_empty() {
            fail("regions", "must list at least one region (got none)".into());
        }
        if let Some(dup) = first_duplicate(&self.regions) {
            fail(
                "regions",
                format!("must not repeat a region (got {dup} twice)"),
            );
        }
        let c = &self.collectors;
        if c.metrics.is_empty() {
            fail(
                "collectors.metrics",
                "must list at least one of cpu, memory, disk, network (got none)".into(),
            );
        }
        if let Some(dup) = first_duplicate(&c.metrics) {
            fail(
                "collectors.metrics",
                format!("must not repeat a metric type (got {} twice)", dup.as_str()),
            );
        }
        let query_names: Vec<&str> = self
            .analytics
            .named_queries
            .iter()
            .map(|q| q.name.as_str())
            .collect();
        if let Some(dup) = first_duplicate(&query_names) {
            fail(
                "analytics.named_queries",
                format!("must not repeat a name (got {dup} twice)"),
            );
        }
        if let Some(seed) = query_names.iter().find(|n| SEED_QUERIES.contains(n)) {
            fail(
                "analytics.named_queries",
                format!(
                    "{seed} is one of the seed's queries, which the pipeline always has: choose another name"
                ),
            );
        }
        if self
            .analytics
            .named_queries
            .iter()
            .any(|q| q.sql.trim().is_empty())
        {
            fail(
                "analytics.named_queries",
                "a query's sql must not be empty".into(),
            );
        }
        if !c.instances.is_empty() && !c.instance_tags.is_empty() {
            fail(
                "collectors.instance_tags",
                "cannot be combined with collectors.instances: choose the fleet by ids or by one tag".into(),
            );
        }
        if c.instances.len() > MAX_INSTANCE_IDS {
            fail(
                "collectors.instances",
                format!(
                    "must list at most {MAX_INSTANCE_IDS} ids, which is what fits Lambda's 4 KB of environment; select a larger fleet with collectors.instance_tags (got {})",
                    c.instances.len()
                ),
            );
        }
        if c.instance_tags.len() > 1 {
            fail(
                "collectors.instance_tags",
                format!(
                    "must hold exactly one Key: Value pair (got {})",
                    c.instance_tags.len()
                ),
            );
        }
        if let Some((k, v)) = c.instance_tags.iter().next()
            && (k.is_empty()
                || k.len() > 128
                || v.len() > 256
                || k.contains('=')
                || k.contains(','))
        {
            fail(
                "collectors.instance_tags",
                format!(
                    "must be a tag key of 1 to 128 characters without '=' or ',' and a value of at most 256 (got {k:?}: {v:?})"
                ),
            );
        }
        if c.mode == CollectorMode::Cloudwatch
            && c.instances.is_empty()
            && c.instance_tags.is_empty()
        {
            fail(
                "collectors.mode",
                "is cloudwatch, which needs the fleet: set collectors.instances or collectors.instance_tags".into(),
            );
        }
        let timeout_ms = c.timeout_seconds.get() * 1000.0;
        if self.alarms.lambda_duration_ms.get() >= timeout_ms {
            fail(
                "alarms.lambda_duration_ms",
                format!(
                    "must be below the collector's timeout of {} ms or the alarm can never fire (got {})",
                    timeout_ms, self.alarms.lambda_duration_ms
                ),
            );
        }
        let period = self.alarm_period_seconds();
        let p = &self.alarms.evaluation_periods;
        for (field, n) in [
            ("alarms.evaluation_periods.cpu", p.cpu),
            ("alarms.evaluation_periods.memory", p.memory),
            (
                "alarms.evaluation_periods.collector_errors",
                p.collector_errors,
            ),
            (
                "alarms.evaluation_periods.processor_errors",
                p.processor_errors,
            ),
            (
                "alarms.evaluation_periods.dynamodb_throttles",
                p.dynamodb_throttles,
            ),
            (
                "alarms.evaluation_periods.lambda_duration",
                p.lambda_duration,
            ),
        ] {
            let window = period * n.int() as u64;
            if window > MAX_ALARM_WINDOW_SECONDS {
                fail(
                    field,
                    format!(
                        "times the schedule's interval ({period} s) must not exceed CloudWatch's 7-day alarm window (got {} periods = {window} s)",
                        n
                    ),
                );
            }
        }
        if self.notifications.emails.is_empty() {
            fail(
                "notifications.emails",
                "must list at least one address, or alarms reach nobody (got none)".into(),
            );
        }
        if let Some(dup) = first_duplicate(&self.notifications.emails) {
            fail(
                "notifications.emails",
                format!("must not repeat an address (got {} twice)", dup.as_str()),
            );
        }
        let anomaly = &self.monitoring.anomaly_detection;
        for m in &anomaly.metrics {
            if !c.metrics.contains(m) {
                fail(
                    "monitoring.anomaly_detection.metrics",
                    format!(
                        "names {}, which collectors.metrics does not collect: add it there or remove it here",
                        m.as_str()
                    ),
                );
            }
        }
        if let Some(dup) = first_duplicate(&anomaly.metrics) {
            fail(
                "monitoring.anomaly_detection.metrics",
                format!("must not repeat a metric type (got {} twice)", dup.as_str()),
            );
        }
        if self.monitoring.silent_loss.heartbeat && period * 2 > MAX_ALARM_WINDOW_SECONDS {
            fail(
                "monitoring.silent_loss.heartbeat",
                format!(
                    "watches two schedule intervals ({} s), beyond CloudWatch's 7-day alarm window: shorten the schedule or set it to false",
                    period * 2
                ),
            );
        }
        // AWS Budgets takes at most 10 subscribers per notification.
        if self.monitoring.budget.enabled && self.notifications.emails.len() > 10 {
            fail(
                "monitoring.budget.enabled",
                format!(
                    "e-mails the budget's notifications to notifications.emails, and AWS Budgets takes at most 10 addresses (got {}): set it to false or list fewer",
                    self.notifications.emails.len()
                ),
            );
        }
        if let Some(dup) = first_duplicate(&self.notifications.https) {
            fail(
                "notifications.https",
                format!("must not repeat an endpoint (got {} twice)", dup.as_str()),
            );
        }
        if let Some(dup) = first_duplicate(&self.notifications.slack) {
            fail(
                "notifications.slack",
                format!(
                    "must not repeat a channel (got {} in {} twice)",
                    dup.channel_id.as_str(),
                    dup.workspace_id.as_str()
                ),
            );
        }
        if let Some(dup) = first_duplicate(&self.notifications.teams) {
            fail(
                "notifications.teams",
                format!(
                    "must not repeat a channel (got {} of team {} twice)",
                    dup.channel_id.as_str(),
                    dup.team_id.as_str()
                ),
            );
        }
        if self.tags.len() > 40 {
            fail(
                "tags",
                format!(
                    "must hold at most 40 tags, leaving room for CloudFormation's own (got {})",
                    self.tags.len()
                ),
            );
        }
        for (k, v) in &self.tags {
            if k.is_empty()
                || k.len() > 128
                || v.len() > 256
                || k.to_ascii_lowercase().starts_with("aws:")
            {
                fail(
                    "tags",
                    format!(
                        "keys must be 1 to 128 characters not starting with \"aws:\" and values at most 256 (got {k:?}: {v:?})"
                    ),
                );
            }
        }
        if !self.adopt.is_empty() && self.regions.len() > 1 {
            fail(
                "adopt",
                format!(
                    "names existing resources of one region, but regions lists {}: adopt a hand-built pipeline with one region, then add regions (each gets its own bucket and table)",
                    self.regions.len()
                ),
            );
        }
        problems.extend(self.security.check(&self.regions));
        problems.extend(self.aggregation.check(&self.regions, &self.security.kms));
        problems
    }

    /// Alarm period: the schedule's interval, since each metric gets one point a run.
    pub fn alarm_period_seconds(&self) -> u64 {
        self.schedule.seconds()
    }

    /// The CloudFormation stack name for this pipeline (the same in every region).
    pub fn stack_name(&self) -> String {
        format!("{}-{}", self.name, self.environment)
    }
}

fn first_duplicate<T: Ord + Clone>(items: &[T]) -> Option<T> {
    let mut seen = std::collections::BTreeSet::new();
    items.iter().find(|i| !seen.insert((*i).clone())).cloned()
}
