//! What one region's pipeline uses in a month, derived from the model (schedule, state machine,
//! functions, bucket lifecycle, table TTL, alarms, topic) and the `cost:` assumptions; no prices.
//! It reads no other config field: what the pipeline is, the model says.

use super::prices::{Pool, PriceKey};
use crate::config::{Architecture, CollectorMode, CostAssumptions, MetricType};
use crate::model::contract::{attribute, field};
use crate::model::state_machine::transitions_per_run;
use crate::model::{AlarmMetric, Fleet, FunctionKind, PIPELINE_VERSION, Pipeline, Schedule};
use serde::Serialize;

/// Hours in the month every figure is for: AWS's own 730 (8,760 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;
/// Storage is billed in binary gigabytes.
pub const GIB: f64 = 1_073_741_824.0;
pub const MIB: f64 = 1_048_576.0;
pub const TIB: f64 = 1_099_511_627_776.0;
/// S3 Lifecycle does not transition smaller objects unless a rule says otherwise.
pub const LIFECYCLE_MIN_OBJECT_BYTES: f64 = 131_072.0;
/// Glacier Flexible Retrieval bills 8 KB of each object's index at S3 Standard rates...
pub const GLACIER_STANDARD_OVERHEAD_BYTES: f64 = 8_192.0;
/// ...and 32 KB at Glacier rates, on top of the data.
pub const GLACIER_OVERHEAD_BYTES: f64 = 32_768.0;
/// DynamoDB adds 100 bytes of indexing overhead to each stored item (table and index alike).
pub const DYNAMODB_ITEM_OVERHEAD_BYTES: f64 = 100.0;
/// Athena bills at least 10 MB a query, rounded up to the MB.
pub const ATHENA_MIN_BYTES: f64 = 10.0 * MIB;
/// Glue Data Catalog calls Athena makes a query under partition projection (database, table).
pub const GLUE_REQUESTS_PER_QUERY: f64 = 2.0;
/// The collector's stand-in fleet when simulated with no instances listed.
pub const SIMULATED_FLEET: u64 = 3;
/// Datums one PutMetricData request carries (the collector batches to this).
pub const PUT_METRIC_DATA_MAX_DATUMS: f64 = 1_000.0;
/// SQS requests a dead-letter message costs: its send, and the receive and delete that drain it.
pub const SQS_REQUESTS_PER_MESSAGE: f64 = 3.0;
/// Bytes of one S3 server access log record (the documented format's fields, about 500 bytes).
pub const ACCESS_LOG_RECORD_BYTES: f64 = 500.0;
/// A day's Parquet object (ZSTD) against the JSON it replaces, as measured by
/// bench/analytics.py with DuckDB's writer: a fixed footer and schema, plus this share.
pub const PARQUET_FIXED_BYTES: f64 = 2_400.0;
pub const PARQUET_SHARE_OF_JSON: f64 = 0.0205;
/// State transitions of one compaction day with nothing to delete: ChooseDays, the Map, NameDay,
/// ListDay, AnyLeft, InsertDay.
pub const COMPACTION_TRANSITIONS_PER_DAY: f64 = 6.0;
/// Days in a 730-hour month.
pub const DAYS_PER_MONTH: f64 = HOURS_PER_MONTH / 24.0;
/// A representative scheduled time for the record and key sizes (all timestamps have one length).
const SAMPLE_TIME: &str = "2026-11-25T18:00:00Z";
const SAMPLE_EPOCH: &str = "1795629600";
const SAMPLE_KEY_TIME: &str = "20261125T180000Z";
/// The metrics S3 request metrics publish for one filter (requests by kind, bytes, errors,
/// latencies, Select): all are billed as custom metrics once they carry data.
const S3_REQUEST_METRICS: f64 = 16.0;

/// A current-format instance id (17 hexadecimal digits) for when none is listed.
const SAMPLE_INSTANCE: &str = "i-0123456789abcdef0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Service {
    #[serde(rename = "EventBridge Scheduler")]
    Scheduler,
    #[serde(rename = "Step Functions")]
    StepFunctions,
    Lambda,
    S3,
    DynamoDB,
    CloudWatch,
    #[serde(rename = "CloudWatch Logs")]
    CloudWatchLogs,
    Athena,
    #[serde(rename = "Glue Data Catalog")]
    Glue,
    #[serde(rename = "SNS")]
    Sns,
    #[serde(rename = "SQS")]
    Sqs,
    #[serde(rename = "AWS Budgets")]
    Budgets,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Self::Scheduler => "EventBridge Scheduler",
            Self::StepFunctions => "Step Functions",
            Self::Lambda => "Lambda",
            Self::S3 => "S3",
            Self::DynamoDB => "DynamoDB",
            Self::CloudWatch => "CloudWatch",
            Self::CloudWatchLogs => "CloudWatch Logs",
            Self::Athena => "Athena",
            Self::Glue => "Glue Data Catalog",
            Self::Sns => "SNS",
            Self::Sqs => "SQS",
            Self::Budgets => "AWS Budgets",
        }
    }
}

/// One thing used in a month, before pricing: how much, what price applies, which free
/// allowance (if any) covers it, and whether it grows with the fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct Charge {
    pub service: Service,
    pub item: String,
    pub quantity: f64,
    pub price: PriceKey,
    pub free: Option<Pool>,
    /// Exactly proportional to the fleet (no minimum, threshold or batching in between).
    pub per_instance: bool,
}

/// A figure derived from the model, printed beside the assumptions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub key: &'static str,
    pub value: f64,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    pub charges: Vec<Charge>,
    pub facts: Vec<Fact>,
}

/// The fleet size `cost` assumes and where it comes from.
pub fn fleet(assumed: &CostAssumptions, fleet: &Fleet) -> (u64, &'static str) {
    if let Some(n) = assumed.instances {
        (n.int() as u64, "cost.instances")
    } else if !fleet.instances.is_empty() {
        (
            fleet.instances.len() as u64,
            "the ids in collectors.instances",
        )
    } else if fleet.mode == CollectorMode::Simulated && fleet.instance_tag.is_none() {
        (SIMULATED_FLEET, "the collector's simulated fleet")
    } else {
        (1, "a guess: the fleet is chosen by tag, set cost.instances")
    }
}

/// Runs a month of the schedule.
pub fn runs_per_month(schedule: &Schedule) -> f64 {
    HOURS_PER_MONTH * 3_600.0 / schedule.expression.seconds() as f64
}

/// The unit and a representative value as the collector writes them for each metric type
/// (`METRICS` in lambdas/collector/handler.py; values rounded to two decimals).
fn record_unit_and_value(metric: MetricType) -> (&'static str, &'static str) {
    match metric {
        MetricType::Cpu => ("percent", "42.17"),
        MetricType::Memory => ("percent", "63.48"),
        MetricType::Disk => ("bytes_per_second", "15728640.25"),
        MetricType::Network => ("bytes_per_second", "31457280.75"),
    }
}

/// Datapoints GetMetricData reads per instance for a metric type in cloudwatch mode (disk and
/// network add read+write, in+out).
fn cloudwatch_sources(metric: MetricType) -> f64 {
    match metric {
        MetricType::Cpu | MetricType::Memory => 1.0,
        MetricType::Disk | MetricType::Network => 2.0,
    }
}

/// One record line as the collector writes it: sorted keys, no spaces, newline-terminated.
pub fn record_line(metric: MetricType, region: &str, instance_id: &str, method: &str) -> String {
    let (unit, value) = record_unit_and_value(metric);
    format!(
        "{{\"instance_id\":\"{instance_id}\",\"metadata\":{{\"collection_method\":\"{method}\",\"pipeline_version\":\"{PIPELINE_VERSION}\"}},\"metric_type\":\"{}\",\"region\":\"{region}\",\"timestamp\":\"{SAMPLE_TIME}\",\"unit\":\"{unit}\",\"value\":{value}}}\n",
        metric.as_str()
    )
}

/// The raw object key the collector writes (the `source_key` the processor stores): its name
/// carries the source account (12 digits; which one does not change the size) and region.
fn object_key(metric: MetricType, region: &str) -> String {
    format!(
        "year=2026/month=11/day=25/hour=18/123456789012-{region}-{}-metrics-{SAMPLE_KEY_TIME}.json",
        metric.as_str()
    )
}

/// DynamoDB's size of a number: one byte per two significant digits, plus one.
fn number_bytes(text: &str) -> f64 {
    let digits = text
        .trim_start_matches(['0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    (digits as f64 / 2.0).ceil() + 1.0
}

/// The size DynamoDB bills for the item the log processor writes from one record line
/// (attribute names plus values; a map costs 3 bytes plus a byte per element).
pub fn item_bytes(pipeline: &Pipeline, metric: MetricType, instance_id: &str, method: &str) -> f64 {
    let t = &pipeline.table;
    let s = |name: &str, value: &str| (name.len() + value.len()) as f64;
    let n = |name: &str, value: &str| name.len() as f64 + number_bytes(value);
    let (unit, value) = record_unit_and_value(metric);
    let metadata =
        3.0 + s("collection_method", method) + 1.0 + s("pipeline_version", PIPELINE_VERSION) + 1.0;
    s(t.partition_key, instance_id)
        + s(t.sort_key, &format!("{SAMPLE_EPOCH}#{}", metric.as_str()))
        + n(t.gsi_sort_key, SAMPLE_EPOCH)
        + s(t.gsi_partition_key, metric.as_str())
        + n(field::VALUE, value)
        + s(field::UNIT, unit)
        + s(field::REGION, pipeline.region.as_str())
        + field::METADATA.len() as f64
        + metadata
        + s(
            attribute::SOURCE_KEY,
            &object_key(metric, pipeline.region.as_str()),
        )
        + n(t.ttl_attribute, SAMPLE_EPOCH)
}

/// Everything `pipeline` uses in a month with `instances` instances. The `cost:` overrides are
/// fixed figures: they do not grow with `instances`.
pub fn usage(a: &CostAssumptions, pipeline: &Pipeline, instances: f64) -> Usage {
    let metrics = &pipeline.state_machine.branches;
    let m = metrics.len() as f64;
    let runs = runs_per_month(&pipeline.schedule);
    let retries = a.retries_per_run.get();
    let invocations = runs * (m + retries);
    let transitions = transitions_per_run(&pipeline.state_machine.definition) as f64;
    let method = pipeline.fleet.collection_method();
    let instance_id = pipeline
        .fleet
        .instances
        .first()
        .map_or(SAMPLE_INSTANCE, String::as_str);
    let region = pipeline.region.as_str();
    let horizon_h = a.storage_month.get() * HOURS_PER_MONTH;
    let per_hour = runs / HOURS_PER_MONTH;
    let mut charges = Vec::new();
    let mut facts = Vec::new();
    let mut fact = |key, value, meaning: String| {
        facts.push(Fact {
            key,
            value,
            meaning,
        })
    };
    let charge = |service, item: String, quantity: f64, price, free, per_instance| Charge {
        service,
        item,
        quantity,
        price,
        free,
        per_instance,
    };

    fact(
        "runs_per_month",
        runs,
        format!("{} over a 730-hour month", pipeline.schedule.expression),
    );
    fact(
        "transitions_per_run",
        transitions,
        "states a run enters: the Parallel, each branch's task, the final Succeed (from the state machine's definition)".into(),
    );

    // Orchestration.
    charges.push(charge(
        Service::Scheduler,
        format!("schedule invocations ({})", pipeline.schedule.expression),
        runs,
        PriceKey::SchedulerInvocations,
        Some(Pool::SchedulerInvocations),
        false,
    ));
    let retry_note = if retries > 0.0 {
        format!(" + {retries} retries")
    } else {
        String::new()
    };
    charges.push(charge(
        Service::StepFunctions,
        format!("state transitions ({transitions} a run{retry_note})"),
        runs * (transitions + retries),
        PriceKey::StepFunctionsTransitions,
        Some(Pool::StepFunctionsTransitions),
        false,
    ));

    // Functions: the collector per branch invocation, the processor per object written.
    for f in &pipeline.functions {
        let (label, duration_ms) = match f.kind {
            FunctionKind::Collector => ("collector", a.collector_duration_ms.get()),
            FunctionKind::LogProcessor => ("log processor", a.processor_duration_ms.get()),
        };
        let price = match f.architecture {
            Architecture::Arm64 => PriceKey::LambdaArm64GbSeconds,
            Architecture::X86_64 => PriceKey::LambdaX86GbSeconds,
        };
        charges.push(charge(
            Service::Lambda,
            format!("{label} requests"),
            invocations,
            PriceKey::LambdaRequests,
            Some(Pool::LambdaRequests),
            false,
        ));
        charges.push(charge(
            Service::Lambda,
            format!(
                "{label} compute ({} MB x {duration_ms} ms, {})",
                f.memory_mb,
                f.architecture.as_str()
            ),
            invocations * f64::from(f.memory_mb) / 1024.0 * duration_ms / 1000.0,
            price,
            Some(Pool::LambdaGbSeconds),
            false,
        ));
    }

    // Raw objects: one a metric type a run, one line per instance.
    let line_bytes: Vec<f64> = metrics
        .iter()
        .map(|&t| record_line(t, region, instance_id, method).len() as f64)
        .collect();
    let object_bytes: Vec<f64> = line_bytes.iter().map(|l| l * instances).collect();
    let bytes_per_run: f64 = object_bytes.iter().sum();
    fact(
        "record_line_bytes",
        line_bytes.iter().sum::<f64>() / m,
        format!(
            "average record line ({} at {instance_id}, sorted-key JSON)",
            metrics
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("/")
        ),
    );
    fact(
        "bytes_per_run",
        bytes_per_run,
        "raw bytes a run writes: record line x instances x metric types".into(),
    );
    fact(
        "raw_gb_per_month",
        bytes_per_run * runs / GIB,
        "raw data a month, in GB (2^30 bytes)".into(),
    );
    charges.push(charge(
        Service::S3,
        "PUT requests (one object a metric type a run)".into(),
        invocations,
        PriceKey::S3PutRequests,
        None,
        false,
    ));
    charges.push(charge(
        Service::S3,
        "GET requests (the log processor reads each object)".into(),
        invocations,
        PriceKey::S3GetRequests,
        None,
        false,
    ));
    let bucket = &pipeline.raw_bucket;
    // The raw JSON lives until its expiry rule; the seed's Glacier rule applies to the
    // Parquet, one object a day (`model::analytics`).
    let rule_days = |f: fn(&crate::model::PrefixLifecycle) -> Option<u32>| {
        bucket
            .prefixed
            .iter()
            .find_map(f)
            .map(|d| f64::from(d) * 24.0)
    };
    let json_h = rule_days(|r| r.expire_after_days).map_or(horizon_h, |h| horizon_h.min(h));
    let glacier_h = bucket
        .glacier_after_days
        .map(|d| f64::from(d) * 24.0)
        .or_else(|| rule_days(|r| r.glacier_after_days));
    let json_per_day = bytes_per_run * runs / DAYS_PER_MONTH;
    let parquet_per_day = PARQUET_FIXED_BYTES + PARQUET_SHARE_OF_JSON * json_per_day;
    fact(
        "parquet_bytes_per_day",
        parquet_per_day,
        "one day's Parquet object (ZSTD): 2,400 bytes + 2.05 % of the day's JSON (bench/analytics.py)".into(),
    );
    let json_per_instance_day = json_per_day / instances.max(1.0);
    fact(
        "parquet_glacier_min_fleet",
        ((LIFECYCLE_MIN_OBJECT_BYTES - PARQUET_FIXED_BYTES)
            / (PARQUET_SHARE_OF_JSON * json_per_instance_day))
            .ceil(),
        "instances from which a day's Parquet object reaches 128 KB, so the Glacier transition moves it and saves money".into(),
    );
    let (mut standard, mut glacier, mut transitioned) = (0.0, 0.0, 0.0);
    standard += per_hour * json_h * bytes_per_run;
    let per_day_hour = 1.0 / 24.0;
    match glacier_h {
        Some(after) if parquet_per_day >= LIFECYCLE_MIN_OBJECT_BYTES => {
            let aged = (horizon_h - after).max(0.0);
            standard += per_day_hour
                * (horizon_h.min(after) * parquet_per_day + aged * GLACIER_STANDARD_OVERHEAD_BYTES);
            glacier += per_day_hour * aged * (parquet_per_day + GLACIER_OVERHEAD_BYTES);
            transitioned += per_day_hour * aged.min(HOURS_PER_MONTH);
        }
        _ => standard += per_day_hour * horizon_h * parquet_per_day,
    }
    // A retried branch rewrites its object: the old one becomes a noncurrent version.
    let noncurrent_h = bucket
        .noncurrent_expire_days
        .map_or(horizon_h, |d| horizon_h.min(f64::from(d) * 24.0));
    standard += per_hour * retries * (bytes_per_run / m) * noncurrent_h;
    let standard_linear = false;
    let mut storage_item = format!(
        "Standard storage at month {} (JSON {} days, then one Parquet object a day)",
        a.storage_month,
        json_h / 24.0
    );
    if let Some(gb) = a.s3_storage_gb {
        standard = gb.get() * GIB;
        glacier = 0.0;
        transitioned = 0.0;
        storage_item = "Standard storage (cost.s3_storage_gb)".into();
    }
    charges.push(charge(
        Service::S3,
        storage_item,
        standard / GIB,
        PriceKey::S3StandardStorage,
        None,
        standard_linear,
    ));
    if let Some(agg) = &pipeline.aggregation {
        // Every object of the raw JSON prefix is copied once to the central bucket.
        charges.push(charge(
            Service::S3,
            format!(
                "replication PUT requests (each raw object copied to the central bucket in {}; at this region's PUT rate)",
                agg.central_region
            ),
            invocations,
            PriceKey::S3PutRequests,
            None,
            false,
        ));
        if let Some(central) = &agg.central {
            // Every region's raw JSON, kept as long as the raw JSON is (the same config).
            charges.push(charge(
                Service::S3,
                format!(
                    "central bucket Standard storage ({} regions' raw JSON, {} days)",
                    central.source_regions,
                    json_h / 24.0
                ),
                per_hour * json_h * bytes_per_run * f64::from(central.source_regions) / GIB,
                PriceKey::S3StandardStorage,
                None,
                false,
            ));
        }
    }
    if let Some(after) = glacier_h {
        charges.push(charge(
            Service::S3,
            format!(
                "Glacier Flexible Retrieval storage (Parquet after {} days, +40 KB an object; objects under 128 KB never move)",
                after / 24.0
            ),
            glacier / GIB,
            PriceKey::S3GlacierStorage,
            None,
            false,
        ));
        charges.push(charge(
            Service::S3,
            "lifecycle transitions to Glacier".into(),
            transitioned,
            PriceKey::S3GlacierTransitionRequests,
            None,
            false,
        ));
    }

    // Compaction: one state machine run a day, one INSERT INTO scanning the day's JSON.
    charges.push(charge(
        Service::Scheduler,
        "compaction schedule invocations (daily)".into(),
        DAYS_PER_MONTH,
        PriceKey::SchedulerInvocations,
        Some(Pool::SchedulerInvocations),
        false,
    ));
    charges.push(charge(
        Service::StepFunctions,
        "compaction state transitions (6 a day)".into(),
        DAYS_PER_MONTH * COMPACTION_TRANSITIONS_PER_DAY,
        PriceKey::StepFunctionsTransitions,
        Some(Pool::StepFunctionsTransitions),
        false,
    ));
    let compaction_scan = ((json_per_day / MIB).ceil() * MIB).max(ATHENA_MIN_BYTES);
    charges.push(charge(
        Service::Athena,
        "compaction scans (a day's JSON a run, 10 MB minimum)".into(),
        DAYS_PER_MONTH * compaction_scan / TIB,
        PriceKey::AthenaScanned,
        None,
        false,
    ));
    charges.push(charge(
        Service::S3,
        "GET requests (compaction reads each JSON object once)".into(),
        invocations,
        PriceKey::S3GetRequests,
        None,
        false,
    ));

    // The table: one item a line, written to the table and to its index.
    let t = &pipeline.table;
    let item: Vec<f64> = metrics
        .iter()
        .map(|&mt| item_bytes(pipeline, mt, instance_id, method))
        .collect();
    let wru_per_item: Vec<f64> = item.iter().map(|b| 2.0 * (b / 1024.0).ceil()).collect();
    fact(
        "item_bytes",
        item.iter().sum::<f64>() / m,
        "average DynamoDB item the log processor writes".into(),
    );
    let writes = runs * (1.0 + retries / m) * instances * wru_per_item.iter().sum::<f64>();
    charges.push(charge(
        Service::DynamoDB,
        format!("write request units (1 KB items, table + {})", t.gsi_name),
        writes,
        PriceKey::DynamoDbWriteRequestUnits,
        None,
        true,
    ));
    charges.push(charge(
        Service::DynamoDB,
        "read request units (dashboards)".into(),
        a.dashboard_read_units_per_month.get(),
        PriceKey::DynamoDbReadRequestUnits,
        None,
        false,
    ));
    let resident_h = horizon_h.min(f64::from(t.ttl_days) * 24.0);
    let table_bytes: f64 = item
        .iter()
        .map(|b| per_hour * instances * resident_h * (b + DYNAMODB_ITEM_OVERHEAD_BYTES))
        .sum();
    // The index projects ALL attributes: each entry weighs what its item weighs.
    let (mut stored, mut backed_up) = (2.0 * table_bytes / GIB, table_bytes / GIB);
    let mut stored_item = format!("storage (table + index, TTL {} days)", t.ttl_days);
    if let Some(gb) = a.dynamodb_storage_gb {
        stored = gb.get();
        backed_up = stored;
        stored_item = "storage (cost.dynamodb_storage_gb)".into();
    }
    let modelled = a.dynamodb_storage_gb.is_none();
    charges.push(charge(
        Service::DynamoDB,
        stored_item,
        stored,
        PriceKey::DynamoDbStorage,
        Some(Pool::DynamodbStorage),
        modelled,
    ));
    if t.point_in_time_recovery {
        charges.push(charge(
            Service::DynamoDB,
            "point-in-time recovery (table size)".into(),
            backed_up,
            PriceKey::DynamoDbPitr,
            None,
            modelled,
        ));
    }

    // CloudWatch: metrics are billed for the hours they receive data.
    let hours = runs.min(HOURS_PER_MONTH);
    let share = hours / HOURS_PER_MONTH;
    charges.push(charge(
        Service::CloudWatch,
        format!(
            "custom metrics: fleet aggregates ({m} x {:.0} of 730 hours)",
            hours
        ),
        m * share,
        PriceKey::CloudWatchMetrics,
        Some(Pool::CloudwatchMetrics),
        false,
    ));
    let per_instance = pipeline.fleet.per_instance_metrics;
    if per_instance {
        charges.push(charge(
            Service::CloudWatch,
            format!(
                "custom metrics: per instance ({m} x instances x {:.0} of 730 hours)",
                hours
            ),
            m * instances * share,
            PriceKey::CloudWatchMetrics,
            Some(Pool::CloudwatchMetrics),
            true,
        ));
    }
    let metric_names: Vec<&str> = MetricType::ALL.iter().map(|t| t.metric_name()).collect();
    let error_metrics = pipeline
        .alarms
        .iter()
        .filter(|al| matches!(&al.metric, AlarmMetric::Single { namespace, name, .. } if *namespace == pipeline.namespace && !metric_names.contains(name)))
        .count() as f64;
    let failed = a.failed_runs_per_month.get();
    charges.push(charge(
        Service::CloudWatch,
        format!("custom metrics: error counters ({error_metrics}, sent only by failed runs)"),
        error_metrics * failed.min(HOURS_PER_MONTH) / HOURS_PER_MONTH,
        PriceKey::CloudWatchMetrics,
        Some(Pool::CloudwatchMetrics),
        false,
    ));
    let alarm_metrics: f64 = pipeline
        .alarms
        .iter()
        .map(|al| match al.metric {
            AlarmMetric::Single { .. } => 1.0,
            // Metric math over read and write throttle events: billed per metric it reads.
            AlarmMetric::TableThrottles { .. } => 2.0,
            // Priced on their own line below.
            AlarmMetric::AnomalyBand { .. } => 0.0,
        })
        .sum();
    let band_alarms = pipeline
        .alarms
        .iter()
        .filter(|al| matches!(al.metric, AlarmMetric::AnomalyBand { .. }))
        .count();
    charges.push(charge(
        Service::CloudWatch,
        format!(
            "alarm metrics ({} alarms)",
            pipeline.alarms.len() - band_alarms
        ),
        alarm_metrics,
        PriceKey::CloudWatchAlarmMetrics,
        Some(Pool::CloudwatchAlarmMetrics),
        false,
    ));
    if band_alarms > 0 {
        // CloudWatch bills an anomaly detection alarm as three alarm metrics: the metric and
        // the band's upper and lower bounds.
        charges.push(charge(
            Service::CloudWatch,
            format!("anomaly detection alarms ({band_alarms} x 3 alarm metrics)"),
            band_alarms as f64 * 3.0,
            PriceKey::CloudWatchAlarmMetrics,
            Some(Pool::CloudwatchAlarmMetrics),
            false,
        ));
    }
    let o = &pipeline.observability;
    if o.dashboard.is_some() {
        charges.push(charge(
            Service::CloudWatch,
            "dashboard (one per region; three per account are free)".into(),
            1.0,
            PriceKey::CloudWatchDashboards,
            Some(Pool::CloudwatchDashboards),
            false,
        ));
    }
    if o.s3_request_metrics {
        charges.push(charge(
            Service::CloudWatch,
            format!("S3 request metrics on the raw bucket ({S3_REQUEST_METRICS} metrics of one filter, billed as custom metrics)"),
            S3_REQUEST_METRICS,
            PriceKey::CloudWatchMetrics,
            Some(Pool::CloudwatchMetrics),
            false,
        ));
    }
    let datums = 1.0 + if per_instance { instances } else { 0.0 };
    charges.push(charge(
        Service::CloudWatch,
        "PutMetricData requests".into(),
        invocations * (datums / PUT_METRIC_DATA_MAX_DATUMS).ceil() + failed,
        PriceKey::CloudWatchApiRequests,
        Some(Pool::CloudwatchApiRequests),
        false,
    ));
    if pipeline.fleet.mode == CollectorMode::Cloudwatch {
        let sources: f64 = metrics.iter().map(|&mt| cloudwatch_sources(mt)).sum();
        charges.push(charge(
            Service::CloudWatch,
            "GetMetricData metrics requested (the fleet's EC2 and agent metrics)".into(),
            runs * instances * sources,
            PriceKey::CloudWatchGetMetricData,
            None,
            true,
        ));
    }

    // Logs: both functions' invocations; the state machine logs only errors.
    let functions = pipeline.functions.len() as f64;
    let ingested = invocations * functions * a.log_bytes_per_invocation.get() / GIB;
    let retention = pipeline.log_groups.first().map_or(30, |g| g.retention_days);
    charges.push(charge(
        Service::CloudWatchLogs,
        "log ingestion (both functions)".into(),
        ingested,
        PriceKey::LogsIngestion,
        Some(Pool::LogsData),
        false,
    ));
    charges.push(charge(
        Service::CloudWatchLogs,
        format!("log storage ({retention}-day retention)"),
        ingested / HOURS_PER_MONTH * horizon_h.min(f64::from(retention) * 24.0),
        PriceKey::LogsStorage,
        Some(Pool::LogsData),
        false,
    ));

    // Analytics.
    let queries = a.athena_queries_per_month.get();
    // A month of data, read from its Parquet (every column: an upper bound for the seed's
    // queries, which read two or three of them); the JSON it replaced, for comparison.
    let json_month = bytes_per_run * runs;
    let wanted = a
        .athena_mb_per_query
        .map_or(parquet_per_day * DAYS_PER_MONTH, |mb| mb.get() * MIB);
    fact(
        "athena_json_bytes_per_query",
        json_month,
        "what the same month's query would scan on the raw JSON (before compaction)".into(),
    );
    let cutoff = pipeline.analytics.bytes_scanned_cutoff as f64;
    let billed = ((wanted.min(cutoff) / MIB).ceil() * MIB).max(ATHENA_MIN_BYTES);
    fact("athena_bytes_per_query", billed, "bytes billed a query: the scan, capped by the workgroup's cutoff, rounded up to the MB, at least 10 MB".into());
    charges.push(charge(
        Service::Athena,
        format!("data scanned ({queries} queries, 10 MB minimum each)"),
        queries * billed / TIB,
        PriceKey::AthenaScanned,
        None,
        false,
    ));
    // One database and one table; partition projection stores no partitions.
    charges.push(charge(
        Service::Glue,
        "catalog objects (database, JSON and Parquet tables, view; projected partitions are not stored)".into(),
        4.0,
        PriceKey::GlueObjects,
        Some(Pool::GlueObjects),
        false,
    ));
    charges.push(charge(
        Service::Glue,
        "catalog requests (2 a query)".into(),
        queries * GLUE_REQUESTS_PER_QUERY,
        PriceKey::GlueRequests,
        Some(Pool::GlueRequests),
        false,
    ));

    // Notifications and dead letters.
    let notifications = a.alarm_notifications_per_month.get();
    charges.push(charge(
        Service::Sns,
        format!(
            "e-mail notifications ({} subscriber{})",
            pipeline.topic.emails.len(),
            if pipeline.topic.emails.len() == 1 {
                ""
            } else {
                "s"
            }
        ),
        notifications * pipeline.topic.emails.len() as f64,
        PriceKey::SnsEmail,
        Some(Pool::SnsEmail),
        false,
    ));
    charges.push(charge(
        Service::Sns,
        "publish requests (alarm state changes)".into(),
        notifications,
        PriceKey::SnsPublish,
        Some(Pool::SnsPublish),
        false,
    ));
    charges.push(charge(
        Service::Sqs,
        format!(
            "dead-letter queue requests ({} queues)",
            pipeline.queues.len()
        ),
        a.dead_letter_messages_per_month.get() * SQS_REQUESTS_PER_MESSAGE,
        PriceKey::SqsRequests,
        Some(Pool::SqsRequests),
        false,
    ));

    // S3 server access logs (security.access_logs): a record for each request to the raw and
    // results buckets: the collector's puts, the processor's gets, and each query's reads of
    // the raw objects it scans plus its two result objects.
    if let Some(logs) = &pipeline.security.access_logs {
        let object_bytes = (bytes_per_run / m).max(1.0);
        let scanned_objects = (wanted.min(cutoff) / object_bytes).ceil().min(invocations);
        let logged = 2.0 * invocations + queries * (scanned_objects + 2.0);
        fact(
            "access_logged_requests_per_month",
            logged,
            format!(
                "requests logged a month: puts and gets of the raw objects, and per query its {scanned_objects} objects read and 2 results written"
            ),
        );
        let kept_h = horizon_h.min(f64::from(logs.expire_after_days) * 24.0);
        charges.push(charge(
            Service::S3,
            format!(
                "access log storage ({ACCESS_LOG_RECORD_BYTES} B a logged request, kept {} days)",
                logs.expire_after_days
            ),
            logged * ACCESS_LOG_RECORD_BYTES / HOURS_PER_MONTH * kept_h / GIB,
            PriceKey::S3StandardStorage,
            None,
            false,
        ));
        charges.push(charge(
            Service::S3,
            "access log PUT requests (at most one log object a logged request: S3 batches them)"
                .into(),
            logged,
            PriceKey::S3PutRequests,
            None,
            false,
        ));
    }
    if pipeline.observability.budget.is_some() {
        charges.push(charge(
            Service::Budgets,
            "cost budget with e-mail notifications (days active)".into(),
            HOURS_PER_MONTH / 24.0,
            PriceKey::Budgets,
            None,
            false,
        ));
    }
    Usage { charges, facts }
}
