//! Observability from the model: the alarms that catch silent loss, anomaly detection on fleet
//! metrics, the per-region dashboard and the pipeline's monthly budget. Built from the same
//! model as the pipeline, so they cannot fall out of step with it.

use super::names::{Names, Sub};
use super::resources::*;
use super::{contract, ids};
use crate::config::{Config, MetricType};
use serde::Serialize;
use serde_json::{Value, json};

/// Logical ids of what this module adds.
pub mod monitoring_ids {
    pub const DASHBOARD: &str = "PipelineDashboard";
    pub const BUDGET: &str = "PipelineBudget";
    pub const EXECUTIONS_FAILED: &str = "ExecutionsFailedAlarm";
    pub const EXECUTIONS_TIMED_OUT: &str = "ExecutionsTimedOutAlarm";
    pub const HEARTBEAT: &str = "CollectionHeartbeatAlarm";
}
use monitoring_ids as mids;

/// The CloudWatch dashboard of one region.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub logical_id: &'static str,
    /// Dashboard names are account-wide: the region is part of it.
    pub name: Sub,
    /// The dashboard body (CloudWatch's JSON) with `${AWS::Region}` and `${AWS::AccountId}` in it.
    pub body: Sub,
}

/// An anomaly detection model on one fleet metric.
#[derive(Debug, Clone, Serialize)]
pub struct AnomalyDetector {
    pub logical_id: &'static str,
    pub namespace: String,
    pub metric_name: &'static str,
    pub dimensions: Vec<(&'static str, Sub)>,
    pub statistic: Statistic,
}

/// The pipeline's monthly cost budget (account-wide: only in the first region's stack).
#[derive(Debug, Clone, Serialize)]
pub struct Budget {
    pub logical_id: &'static str,
    pub name: String,
    /// Monthly limit in USD: the config's, else filled from the cost estimate
    /// (`commands::build`) with `headroom_percent` added.
    pub limit_usd: Option<f64>,
    pub headroom_percent: f64,
    /// The cost-allocation tag (key, value) that selects the pipeline's spend.
    pub tag: (String, String),
    /// Straight to e-mail: see README, "Budgets".
    pub emails: Vec<String>,
}

/// The stack tag that names the pipeline; the budget filters cost by it.
pub const PIPELINE_TAG: &str = "infrapipe:pipeline";

/// Everything monitoring adds to one region's pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct Observability {
    pub dashboard: Option<Dashboard>,
    pub anomaly_detectors: Vec<AnomalyDetector>,
    pub budget: Option<Budget>,
    /// S3 request metrics on the raw bucket (PUT latency on the dashboard).
    pub s3_request_metrics: bool,
}

/// The logical id of the anomaly detector of `m`.
fn detector_id(m: MetricType) -> &'static str {
    match m {
        MetricType::Cpu => "CpuAnomalyDetector",
        MetricType::Memory => "MemoryAnomalyDetector",
        MetricType::Disk => "DiskAnomalyDetector",
        MetricType::Network => "NetworkAnomalyDetector",
    }
}

fn band_alarm_id(m: MetricType) -> &'static str {
    match m {
        MetricType::Cpu => "CpuAnomalyAlarm",
        MetricType::Memory => "MemoryAnomalyAlarm",
        MetricType::Disk => "DiskAnomalyAlarm",
        MetricType::Network => "NetworkAnomalyAlarm",
    }
}

fn function_alarm_id(kind: FunctionKind, metric: &str) -> &'static str {
    match (kind, metric) {
        (FunctionKind::Collector, "Errors") => "CollectorLambdaErrorsAlarm",
        (FunctionKind::Collector, _) => "CollectorLambdaThrottlesAlarm",
        (FunctionKind::LogProcessor, "Errors") => "LogProcessorLambdaErrorsAlarm",
        (FunctionKind::LogProcessor, _) => "LogProcessorLambdaThrottlesAlarm",
    }
}

fn queue_alarm_id(queue_logical_id: &str) -> &'static str {
    if queue_logical_id == ids::SCHEDULE_DLQ {
        "ScheduleDeadLetterQueueAlarm"
    } else {
        "LogProcessorDeadLetterQueueAlarm"
    }
}

/// The dimension every fleet aggregate carries (what the collector puts, `lambdas/collector`).
pub fn fleet_dimensions(names: &Names) -> Vec<(&'static str, Sub)> {
    vec![("Pipeline", Sub::new(&names.prefix))]
}

/// An alarm on a count of failures: one in a period is one too many. Every silent-loss alarm
/// and the compaction's failure alarm have this shape (the heartbeat adjusts it).
pub fn on_any_failure(
    config: &Config,
    names: &Names,
    (logical_id, suffix): (&'static str, &str),
    description: String,
    metric: AlarmMetric,
    missing_data: MissingData,
) -> Alarm {
    Alarm {
        logical_id,
        name: names.alarm(suffix),
        description,
        metric,
        threshold: 0.0,
        evaluation_periods: 1,
        period_seconds: config.alarm_period_seconds(),
        missing_data,
        comparison: Comparison::GreaterThan,
    }
}

/// The alarms that catch what the handlers' own error metrics cannot report: a failed or timed
/// out execution, a Lambda killed by its timeout or memory, a throttle, a message parked in a
/// dead-letter queue, and a collector that stopped publishing at all.
pub fn silent_loss_alarms(
    config: &Config,
    names: &Names,
    namespace: &str,
    functions: &[Function],
    queues: &[Queue],
) -> Vec<Alarm> {
    let s = &config.monitoring.silent_loss;
    let alarm = |logical_id, suffix: &str, description: String, metric, missing| {
        on_any_failure(
            config,
            names,
            (logical_id, suffix),
            description,
            metric,
            missing,
        )
    };
    let aws = |namespace: &str, name, dimensions, statistic| AlarmMetric::Single {
        namespace: namespace.to_owned(),
        name,
        dimensions,
        statistic,
    };
    let state_machine = || vec![("StateMachineArn", names.state_machine_arn())];
    let mut out = Vec::new();
    if s.executions_failed {
        out.push(alarm(
            mids::EXECUTIONS_FAILED,
            "executions-failed",
            "CRITICAL: a collection run failed; a metric branch lost its data".to_owned(),
            aws(
                "AWS/States",
                "ExecutionsFailed",
                state_machine(),
                Statistic::Sum,
            ),
            MissingData::NotBreaching,
        ));
    }
    if s.executions_timed_out {
        out.push(alarm(
            mids::EXECUTIONS_TIMED_OUT,
            "executions-timed-out",
            "CRITICAL: a collection run timed out".to_owned(),
            aws(
                "AWS/States",
                "ExecutionsTimedOut",
                state_machine(),
                Statistic::Sum,
            ),
            MissingData::NotBreaching,
        ));
    }
    for f in functions {
        let dims = || vec![("FunctionName", Sub::new(&f.name))];
        let slug = match f.kind {
            FunctionKind::Collector => "collector",
            FunctionKind::LogProcessor => "log-processor",
        };
        if s.lambda_errors {
            out.push(alarm(
                function_alarm_id(f.kind, "Errors"),
                &format!("{slug}-lambda-errors"),
                format!(
                    "CRITICAL: {} failed (also a timeout or out-of-memory kill, which publishes no error metric of its own)",
                    f.name
                ),
                aws("AWS/Lambda", "Errors", dims(), Statistic::Sum),
                MissingData::NotBreaching,
            ));
        }
        if s.lambda_throttles {
            out.push(alarm(
                function_alarm_id(f.kind, "Throttles"),
                &format!("{slug}-lambda-throttles"),
                format!("HIGH: invocations of {} were throttled", f.name),
                aws("AWS/Lambda", "Throttles", dims(), Statistic::Sum),
                MissingData::NotBreaching,
            ));
        }
    }
    if s.dead_letter_queues {
        for q in queues {
            out.push(alarm(
                queue_alarm_id(q.logical_id),
                &format!("{}-messages", q.name.trim_start_matches(&format!("{}-", names.prefix))),
                format!(
                    "CRITICAL: messages wait in {}; redrive them once the cause is fixed (infrapipe redrive)",
                    q.name
                ),
                aws(
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    vec![("QueueName", Sub::new(&q.name))],
                    Statistic::Maximum,
                ),
                MissingData::NotBreaching,
            ));
        }
    }
    if s.heartbeat
        && let Some(first) = config.collectors.metrics.first()
    {
        // The fleet aggregate of the first collected type is put once by every successful run:
        // fewer than one sample in two periods means no run got through.
        out.push(Alarm {
            threshold: 1.0,
            evaluation_periods: 2,
            comparison: Comparison::LessThan,
            ..alarm(
                mids::HEARTBEAT,
                "heartbeat",
                format!(
                    "CRITICAL: no successful collection in two schedule periods (no {} data point)",
                    first.metric_name()
                ),
                AlarmMetric::Single {
                    namespace: namespace.to_owned(),
                    name: first.metric_name(),
                    dimensions: fleet_dimensions(names),
                    statistic: Statistic::SampleCount,
                },
                MissingData::Breaching,
            )
        });
    }
    out
}

/// Evaluation periods of a band alarm on a type without a static alarm of its own.
const BAND_PERIODS: u32 = 2;

/// Anomaly detectors and their band alarms, one each per opted-in fleet metric.
pub fn anomaly_detection(
    config: &Config,
    names: &Names,
    namespace: &str,
) -> (Vec<AnomalyDetector>, Vec<Alarm>) {
    let a = &config.monitoring.anomaly_detection;
    let p = &config.alarms.evaluation_periods;
    let mut detectors = Vec::new();
    let mut alarms = Vec::new();
    for &m in config
        .collectors
        .metrics
        .iter()
        .filter(|m| a.metrics.contains(m))
    {
        detectors.push(AnomalyDetector {
            logical_id: detector_id(m),
            namespace: namespace.to_owned(),
            metric_name: m.metric_name(),
            dimensions: fleet_dimensions(names),
            statistic: Statistic::Maximum,
        });
        let periods = match m {
            MetricType::Cpu => p.cpu.int() as u32,
            MetricType::Memory => p.memory.int() as u32,
            _ => BAND_PERIODS,
        };
        alarms.push(Alarm {
            logical_id: band_alarm_id(m),
            name: names.alarm(&format!("{}-anomaly", m.as_str())),
            description: format!(
                "WARNING: fleet {} left its expected band ({} standard deviations)",
                m.as_str(),
                a.band_width
            ),
            metric: AlarmMetric::AnomalyBand {
                namespace: namespace.to_owned(),
                name: m.metric_name(),
                dimensions: fleet_dimensions(names),
                statistic: Statistic::Maximum,
                band_width: a.band_width.get(),
            },
            threshold: 0.0,
            evaluation_periods: periods,
            period_seconds: config.alarm_period_seconds(),
            // A band needs data; no data is the heartbeat's to report.
            missing_data: MissingData::Missing,
            comparison: Comparison::OutsideBand,
        });
    }
    (detectors, alarms)
}

/// The budget, in the first region's stack only (budgets are account-wide).
pub fn budget(config: &Config, names: &Names, first_region: bool) -> Option<Budget> {
    let b = &config.monitoring.budget;
    (b.enabled && first_region).then(|| Budget {
        logical_id: mids::BUDGET,
        name: format!("{}-monthly", names.prefix),
        limit_usd: b.monthly_usd.map(|m| m.get()),
        headroom_percent: b.headroom_percent.get(),
        tag: (PIPELINE_TAG.to_owned(), names.prefix.clone()),
        emails: config
            .notifications
            .emails
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
    })
}

/// What the dashboard reads of the pipeline besides the names.
pub struct DashboardInputs<'a> {
    pub config: &'a Config,
    pub names: &'a Names,
    pub namespace: &'a str,
    pub functions: &'a [Function],
    pub queues: &'a [Queue],
    pub alarms: &'a [Alarm],
}

const WIDTH: u32 = 12;
const HEIGHT: u32 = 6;

/// The dashboard of one region: the seed's 6.1 metrics, the fleet's custom metrics, every
/// alarm's state and the dead-letter queues. Widgets follow the config; the JSON is built in a
/// fixed order, so the same config gives the same bytes.
pub fn dashboard(i: &DashboardInputs) -> Option<Dashboard> {
    if !i.config.monitoring.dashboard {
        return None;
    }
    let names = i.names;
    let period = i.config.alarm_period_seconds().min(86_400);
    let mut widgets: Vec<Value> = Vec::new();
    let mut add = |title: String, properties: Value| {
        let n = widgets.len() as u32;
        let mut props = json!({ "title": title, "region": "${AWS::Region}", "period": period });
        if let (Value::Object(p), Value::Object(extra)) = (&mut props, properties) {
            p.extend(extra);
        }
        widgets.push(json!({
            "type": "metric",
            "x": (n % 2) * WIDTH,
            "y": (n / 2) * HEIGHT,
            "width": WIDTH,
            "height": HEIGHT,
            "properties": props,
        }));
    };
    let duration_threshold = i.config.alarms.lambda_duration_ms.get();
    for f in i.functions {
        let fname = f.name.as_str();
        add(
            format!("{fname}: invocations, errors, error rate"),
            json!({
                "view": "timeSeries",
                "stat": "Sum",
                "metrics": [
                    ["AWS/Lambda", "Invocations", "FunctionName", fname, { "id": "invocations" }],
                    ["AWS/Lambda", "Errors", "FunctionName", fname, { "id": "errors" }],
                    [{ "expression": "100 * errors / invocations", "label": "error rate (%)", "id": "rate", "yAxis": "right" }],
                ],
            }),
        );
        let mut duration = json!({
            "view": "timeSeries",
            "metrics": [
                ["AWS/Lambda", "Duration", "FunctionName", fname, { "stat": "p50", "label": "p50" }],
                ["AWS/Lambda", "Duration", "FunctionName", fname, { "stat": "p99", "label": "p99" }],
            ],
        });
        if f.kind == FunctionKind::Collector {
            duration["annotations"] = json!({ "horizontal": [
                { "label": "CollectorDurationAlarm threshold", "value": duration_threshold }
            ]});
        }
        add(format!("{fname}: duration (ms)"), duration);
        add(
            format!("{fname}: throttles"),
            json!({
                "view": "timeSeries",
                "stat": "Sum",
                "metrics": [["AWS/Lambda", "Throttles", "FunctionName", fname]],
            }),
        );
    }
    let table = names.table.as_str();
    add(
        "DynamoDB: throttles".to_owned(),
        json!({
            "view": "timeSeries",
            "stat": "Sum",
            "metrics": [
                ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", table],
                ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", table],
            ],
        }),
    );
    add(
        "DynamoDB: consumed capacity".to_owned(),
        json!({
            "view": "timeSeries",
            "stat": "Sum",
            "metrics": [
                ["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", table],
                ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", table],
            ],
        }),
    );
    let sm = names.state_machine_arn().0;
    let executions: Vec<Value> = [
        "ExecutionsStarted",
        "ExecutionsSucceeded",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
    ]
    .iter()
    .map(|m| json!(["AWS/States", m, "StateMachineArn", sm]))
    .collect();
    add(
        "Step Functions: executions".to_owned(),
        json!({
            "view": "timeSeries",
            "stat": "Sum",
            "metrics": executions,
        }),
    );
    if i.config.monitoring.s3_request_metrics {
        let bucket = names.raw_bucket.0.as_str();
        add(
            "S3: PUT latency of the raw bucket (ms)".to_owned(),
            json!({
                "view": "timeSeries",
                "metrics": [
                    ["AWS/S3", "TotalRequestLatency", "BucketName", bucket, "FilterId", S3_METRICS_FILTER, { "stat": "p99", "label": "p99" }],
                    ["AWS/S3", "PutRequests", "BucketName", bucket, "FilterId", S3_METRICS_FILTER, { "stat": "Sum", "yAxis": "right" }],
                ],
            }),
        );
    }
    let wg = names.workgroup.as_str();
    add(
        "Athena: query time (ms)".to_owned(),
        json!({
            "view": "timeSeries",
            "metrics": [[{
                "expression": format!("SEARCH('{{AWS/Athena,QueryState,QueryType,WorkGroup}} WorkGroup=\"{wg}\" MetricName=\"TotalExecutionTime\"', 'Average', {period})"),
                "id": "athena",
                "label": "",
            }]],
        }),
    );
    for m in &i.config.collectors.metrics {
        add(
            format!("Fleet {}", m.as_str()),
            json!({
                "view": "timeSeries",
                "metrics": [
                    [i.namespace, m.metric_name(), "Pipeline", names.prefix, { "stat": "Maximum", "label": "maximum" }],
                    [i.namespace, m.metric_name(), "Pipeline", names.prefix, { "stat": "Average", "label": "average" }],
                ],
            }),
        );
    }
    let queues: Vec<Value> = i
        .queues
        .iter()
        .map(|q| {
            json!([
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                q.name
            ])
        })
        .collect();
    add(
        "Dead-letter queues: messages waiting".to_owned(),
        json!({ "view": "timeSeries", "stat": "Maximum", "metrics": queues }),
    );
    let errors: Vec<Value> = i
        .functions
        .iter()
        .map(|f| {
            let metric = match f.kind {
                FunctionKind::Collector => contract::COLLECTOR_ERRORS_METRIC,
                FunctionKind::LogProcessor => contract::PROCESSOR_ERRORS_METRIC,
            };
            json!([i.namespace, metric, "FunctionName", f.name])
        })
        .collect();
    add(
        "Pipeline errors (handler metrics)".to_owned(),
        json!({ "view": "timeSeries", "stat": "Sum", "metrics": errors }),
    );
    let y = widgets.len().div_ceil(2) as u32 * HEIGHT;
    let alarm_arns: Vec<String> = i
        .alarms
        .iter()
        .map(|a| format!("{ALARM_ARN_PREFIX}{}", a.name))
        .collect();
    widgets.push(json!({
        "type": "alarm",
        "x": 0,
        "y": y,
        "width": 2 * WIDTH,
        "height": HEIGHT,
        "properties": { "title": "Alarms", "alarms": alarm_arns },
    }));
    // Sorted keys: the same bytes whether or not serde_json keeps insertion order.
    let body = crate::cfn::canonical(&json!({ "widgets": widgets })).to_string();
    Some(Dashboard {
        logical_id: mids::DASHBOARD,
        name: Sub::new(format!("{}-${{AWS::Region}}", names.prefix)),
        body: Sub::new(body),
    })
}

/// An alarm's ARN without its name, as an `Fn::Sub` string.
const ALARM_ARN_PREFIX: &str =
    "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:";

/// The id of the raw bucket's S3 request-metrics filter (the whole bucket).
pub const S3_METRICS_FILTER: &str = "EntireBucket";

/// The CloudWatch console's page of the dashboard `name` in `region`, in that region's
/// partition's console.
pub fn dashboard_console_url(region: &str, name: &str) -> String {
    let console = match crate::cfn::partition(region) {
        "aws-cn" => "https://console.amazonaws.cn".to_owned(),
        "aws-us-gov" => "https://console.amazonaws-us-gov.com".to_owned(),
        _ => format!("https://{region}.console.aws.amazon.com"),
    };
    format!("{console}/cloudwatch/home?region={region}#dashboards/dashboard/{name}")
}
