//! The pipeline as typed resources, built from a validated config for one region. The model
//! knows nothing of AWS clients or of CloudFormation's syntax.

pub mod aggregation;
pub mod analytics;
pub mod chatbot;
pub mod contract;
pub mod iam;
pub mod identity;
pub mod monitoring;
pub mod names;
pub mod resources;
pub mod security;
pub mod state_machine;

pub use resources::*;

use crate::config::{CollectorMode, Config, MetricType, Region};
use contract::{attribute, env, field};
use iam::{Access, Actor, Edge, Node};
use names::{Names, Sub};
use serde::Serialize;

/// Logical ids: stable, so a plan never shows a rename as a replacement.
pub mod ids {
    pub const RAW_BUCKET: &str = "RawMetricsBucket";
    pub const RAW_BUCKET_POLICY: &str = "RawMetricsBucketPolicy";
    pub const RESULTS_BUCKET: &str = "AthenaResultsBucket";
    pub const RESULTS_BUCKET_POLICY: &str = "AthenaResultsBucketPolicy";
    pub const TABLE: &str = "MetricsTable";
    pub const COLLECTOR: &str = "CollectorFunction";
    pub const COLLECTOR_LOG_GROUP: &str = "CollectorLogGroup";
    pub const PROCESSOR: &str = "LogProcessorFunction";
    pub const PROCESSOR_LOG_GROUP: &str = "LogProcessorLogGroup";
    pub const PROCESSOR_PERMISSION: &str = "LogProcessorInvokePermission";
    pub const PROCESSOR_DLQ: &str = "LogProcessorDeadLetterQueue";
    pub const SCHEDULE_DLQ: &str = "ScheduleDeadLetterQueue";
    pub const STATE_MACHINE: &str = "CollectionStateMachine";
    pub const STATE_MACHINE_LOG_GROUP: &str = "CollectionStateMachineLogGroup";
    pub const SCHEDULE: &str = "CollectionSchedule";
    pub const TOPIC: &str = "AlertsTopic";
    pub const TOPIC_POLICY: &str = "AlertsTopicPolicy";
    pub const GLUE_DATABASE: &str = "MetricsDatabase";
    pub const GLUE_TABLE: &str = "MetricsGlueTable";
    pub const WORKGROUP: &str = "AnalyticsWorkGroup";
    pub const PARQUET_TABLE: &str = "MetricsParquetTable";
    pub const METRICS_VIEW: &str = "MetricsView";
    pub const COMPACTION_STATE_MACHINE: &str = "CompactionStateMachine";
    pub const COMPACTION_SCHEDULE: &str = "CompactionSchedule";
    pub const COMPACTION_ALARM: &str = "CompactionFailedAlarm";
}

#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    pub stack_name: String,
    pub region: Region,
    pub names: Names,
    pub namespace: String,
    pub tags: std::collections::BTreeMap<String, String>,
    pub fleet: Fleet,
    pub raw_bucket: Bucket,
    pub results_bucket: Bucket,
    pub table: Table,
    pub functions: Vec<Function>,
    pub queues: Vec<Queue>,
    pub log_groups: Vec<LogGroup>,
    pub state_machine: StateMachine,
    pub schedule: Schedule,
    pub topic: Topic,
    pub alarms: Vec<Alarm>,
    pub analytics: Analytics,
    /// The dashboard, anomaly detectors and budget (`model::monitoring`).
    pub observability: monitoring::Observability,
    pub compaction: analytics::Compaction,
    pub edges: Vec<Edge>,
    pub roles: Vec<Role>,
    /// The customer-managed key and the access-log bucket, when the config asks for them.
    pub security: security::Security,
    /// The Slack and Teams channels AWS Chatbot pages, when `notifications` lists any.
    pub chatbot: Option<chatbot::Chatbot>,
    /// Replication to the central bucket, and the central resources in the aggregation region
    /// (`model::aggregation`); None without `aggregation.region`.
    pub aggregation: Option<aggregation::Aggregation>,
}

/// The version of the collector's record format, written into every record's metadata.
pub const PIPELINE_VERSION: &str = "1.0";

impl Pipeline {
    /// Builds the pipeline of `config` for `region`, its functions' code at `code` (the keys
    /// `package::Bundle::code_keys` gives: packaging happens beside the model, once).
    pub fn build(config: &Config, region: &Region, code: &CodeKeys) -> Self {
        let names = Names::new(config);
        let c = &config.collectors;
        let namespace = c.namespace.as_str().to_owned();
        let edges = edges(config);
        let mut policies = iam::policies(&edges, &names, &namespace);

        let raw_bucket = Bucket {
            logical_id: ids::RAW_BUCKET,
            name: names.raw_bucket.clone(),
            versioned: true,
            // The seed's Glacier rule, kept on the data that lives: the Parquet. The raw JSON
            // of compacted days expires instead.
            glacier_after_days: None,
            expire_after_days: None,
            noncurrent_expire_days: Some(config.storage.noncurrent_version_days.int() as u32),
            abort_incomplete_upload_days: 7,
            retain: true,
            notify: Some(Notification {
                function_logical_id: ids::PROCESSOR,
                permission_logical_id: ids::PROCESSOR_PERMISSION,
                suffix: ".json",
            }),
            prefixed: vec![
                PrefixLifecycle {
                    id: "TransitionParquetToGlacier",
                    prefix: analytics::COMPACTED_PREFIX,
                    glacier_after_days: Some(config.storage.raw_retention_days.int() as u32),
                    expire_after_days: None,
                },
                PrefixLifecycle {
                    id: "ExpireRawJson",
                    prefix: analytics::RAW_JSON_PREFIX,
                    glacier_after_days: None,
                    expire_after_days: Some(config.analytics.raw_json_days.int() as u32),
                },
            ],
        };
        let results_bucket = Bucket {
            logical_id: ids::RESULTS_BUCKET,
            name: names.results_bucket.clone(),
            versioned: false,
            glacier_after_days: None,
            expire_after_days: Some(config.analytics.results_retention_days.int() as u32),
            noncurrent_expire_days: None,
            abort_incomplete_upload_days: 1,
            retain: false,
            notify: None,
            prefixed: Vec::new(),
        };
        let table = Table {
            logical_id: ids::TABLE,
            name: names.table.clone(),
            partition_key: field::INSTANCE_ID,
            sort_key: attribute::METRIC_KEY,
            gsi_name: contract::METRIC_TYPE_INDEX,
            gsi_partition_key: field::METRIC_TYPE,
            gsi_sort_key: field::TIMESTAMP,
            ttl_attribute: attribute::EXPIRES_AT,
            ttl_days: config.storage.table_ttl_days.int() as u32,
            point_in_time_recovery: true,
            deletion_protection: config.storage.table_deletion_protection,
        };

        let fleet = Fleet {
            mode: c.mode,
            instances: c.instances.iter().map(|i| i.as_str().to_owned()).collect(),
            instance_tag: c
                .instance_tags
                .iter()
                .next()
                .map(|(k, v)| (k.clone(), v.clone())),
            per_instance_metrics: c.per_instance_metrics,
        };
        let mut collector_env = vec![
            (env::COLLECTOR_MODE, Sub::new(fleet.collection_method())),
            (
                env::ERROR_METRIC_NAME,
                Sub::new(contract::COLLECTOR_ERRORS_METRIC),
            ),
            (env::METRICS_NAMESPACE, Sub::new(&namespace)),
            (env::METRIC_NAMES, Sub::new(metric_names(&c.metrics))),
            (
                env::PER_INSTANCE_METRICS,
                Sub::new(fleet.per_instance_metrics.to_string()),
            ),
            (env::PIPELINE, Sub::new(&names.prefix)),
            (env::PIPELINE_VERSION, Sub::new(PIPELINE_VERSION)),
            (env::RAW_BUCKET, names.raw_bucket.clone()),
        ];
        if !fleet.instances.is_empty() {
            collector_env.push((env::INSTANCE_IDS, Sub::new(fleet.instances.join(","))));
        }
        if let Some((k, v)) = &fleet.instance_tag {
            collector_env.push((env::INSTANCE_TAG, Sub::new(format!("{k}={v}"))));
        }
        collector_env.sort_by_key(|(k, _)| *k);
        let mut processor_env = vec![
            (
                env::ERROR_METRIC_NAME,
                Sub::new(contract::PROCESSOR_ERRORS_METRIC),
            ),
            (env::METRICS_NAMESPACE, Sub::new(&namespace)),
            (env::TABLE_NAME, Sub::new(&names.table)),
            (env::TABLE_PARTITION_KEY, Sub::new(table.partition_key)),
            (env::TABLE_SORT_KEY, Sub::new(table.sort_key)),
            (env::TABLE_TIMESTAMP_ATTRIBUTE, Sub::new(table.gsi_sort_key)),
            (
                env::TABLE_METRIC_TYPE_ATTRIBUTE,
                Sub::new(table.gsi_partition_key),
            ),
            (env::TABLE_TTL_ATTRIBUTE, Sub::new(table.ttl_attribute)),
            (env::TTL_DAYS, Sub::new(table.ttl_days.to_string())),
            (
                env::QUARANTINE_PREFIX,
                Sub::new(contract::QUARANTINE_PREFIX),
            ),
        ];
        processor_env.sort_by_key(|(k, _)| *k);
        let reserved = c.reserved_concurrency.map(|r| r.int() as u32);
        let function = |kind: FunctionKind,
                        logical_id,
                        role: Actor,
                        log_group_logical_id,
                        name: &String,
                        environment,
                        dead_letter_queue| Function {
            kind,
            logical_id,
            role_logical_id: role.role_logical_id(),
            log_group_logical_id,
            name: name.clone(),
            runtime: c.runtime,
            architecture: c.architecture,
            handler: "handler.handler",
            memory_mb: c.memory_mb.int() as u32,
            timeout_seconds: c.timeout_seconds.int() as u32,
            reserved_concurrency: reserved,
            code_bucket: names.artifact_bucket.clone(),
            code_key: code.get(kind).to_owned(),
            environment,
            dead_letter_queue,
        };
        let functions = vec![
            function(
                FunctionKind::Collector,
                ids::COLLECTOR,
                Actor::Collector,
                ids::COLLECTOR_LOG_GROUP,
                &names.collector_function,
                collector_env,
                None,
            ),
            function(
                FunctionKind::LogProcessor,
                ids::PROCESSOR,
                Actor::LogProcessor,
                ids::PROCESSOR_LOG_GROUP,
                &names.processor_function,
                processor_env,
                Some(ids::PROCESSOR_DLQ),
            ),
        ];
        let fourteen_days = 14 * 86_400;
        let queues = vec![
            Queue {
                logical_id: ids::SCHEDULE_DLQ,
                name: names.schedule_dlq.clone(),
                retention_seconds: fourteen_days,
            },
            Queue {
                logical_id: ids::PROCESSOR_DLQ,
                name: names.processor_dlq.clone(),
                retention_seconds: fourteen_days,
            },
        ];
        let retention = config.logs.retention_days.get();
        let log_groups = vec![
            LogGroup {
                logical_id: ids::COLLECTOR_LOG_GROUP,
                name: Names::function_log_group(&names.collector_function),
                retention_days: retention,
            },
            LogGroup {
                logical_id: ids::PROCESSOR_LOG_GROUP,
                name: Names::function_log_group(&names.processor_function),
                retention_days: retention,
            },
            LogGroup {
                logical_id: ids::STATE_MACHINE_LOG_GROUP,
                name: names.state_machine_log_group.clone(),
                retention_days: retention,
            },
        ];
        let state_machine = StateMachine {
            logical_id: ids::STATE_MACHINE,
            name: names.state_machine.clone(),
            role_logical_id: Actor::StateMachine.role_logical_id(),
            log_group_logical_id: ids::STATE_MACHINE_LOG_GROUP,
            definition: state_machine::definition(&c.metrics, c.timeout_seconds.int() as u32 + 10),
            branches: c.metrics.clone(),
        };
        let schedule = Schedule {
            logical_id: ids::SCHEDULE,
            name: names.schedule.clone(),
            expression: config.schedule,
            role_logical_id: Actor::Scheduler.role_logical_id(),
            target_logical_id: ids::STATE_MACHINE,
            dead_letter_queue: ids::SCHEDULE_DLQ,
            retry_attempts: state_machine::RETRY_ATTEMPTS,
            max_event_age_seconds: 3_600,
        };
        let topic = Topic {
            logical_id: ids::TOPIC,
            policy_logical_id: ids::TOPIC_POLICY,
            name: names.topic.clone(),
            emails: config
                .notifications
                .emails
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
            https_endpoints: config
                .notifications
                .https
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
        };
        let mut alarms = alarms(config, &names, &namespace);
        alarms.push(compaction_alarm(config, &names));
        alarms.extend(monitoring::silent_loss_alarms(
            config, &names, &namespace, &functions, &queues,
        ));
        let (anomaly_detectors, band_alarms) =
            monitoring::anomaly_detection(config, &names, &namespace);
        alarms.extend(band_alarms);
        let observability = monitoring::Observability {
            dashboard: monitoring::dashboard(&monitoring::DashboardInputs {
                config,
                names: &names,
                namespace: &namespace,
                functions: &functions,
                queues: &queues,
                alarms: &alarms,
            }),
            anomaly_detectors,
            budget: monitoring::budget(config, &names, config.regions.first() == Some(region)),
            s3_request_metrics: config.monitoring.s3_request_metrics,
        };
        let analytics = analytics(config, &names);
        let log_group_names: Vec<&str> = log_groups.iter().map(|g| g.name.as_str()).collect();
        let security = security::Security::build(config, &names, &log_group_names);
        if let Some(key) = &security.key {
            for (actor, statements) in security::key_statements(&edges, key) {
                policies.entry(actor).or_default().extend(statements);
            }
        }
        let compaction = compaction(config, &names);
        let roles = Actor::ALL
            .iter()
            .filter_map(|&actor| {
                let statements = policies.get(&actor)?.clone();
                Some(Role {
                    actor,
                    logical_id: actor.role_logical_id(),
                    principals: if actor == Actor::Analyst {
                        config
                            .analytics
                            .query_principals
                            .iter()
                            .map(|p| p.as_str().to_owned())
                            .collect()
                    } else {
                        Vec::new()
                    },
                    statements,
                })
            })
            .collect();

        let prefix = names.prefix.clone();
        let names_for_aggregation = names.clone();
        let security_key = security.key.clone();
        Self {
            stack_name: config.stack_name(),
            region: region.clone(),
            names,
            namespace,
            tags: config.resource_tags(),
            fleet,
            raw_bucket,
            results_bucket,
            table,
            functions,
            queues,
            log_groups,
            state_machine,
            schedule,
            topic,
            alarms,
            analytics,
            observability,
            compaction,
            edges,
            roles,
            security,
            chatbot: chatbot::chatbot(config, &prefix),
            aggregation: aggregation::Aggregation::build(
                config,
                region,
                &names_for_aggregation,
                security_key.as_ref(),
            ),
        }
    }

    /// Every resource's physical name, `Ref` value and ARN, by logical id.
    pub fn identities(&self) -> std::collections::BTreeMap<String, identity::Identity> {
        identity::identities(self)
    }

    pub fn function(&self, kind: FunctionKind) -> Option<&Function> {
        self.functions.iter().find(|f| f.kind == kind)
    }
}

/// `METRIC_NAMES`: each configured metric type to the CloudWatch metric the collector puts for
/// it, as compact JSON with sorted keys (stable bytes, so no plan change from ordering).
fn metric_names(metrics: &[MetricType]) -> String {
    let sorted: std::collections::BTreeMap<&str, &str> = metrics
        .iter()
        .map(|m| (m.as_str(), m.metric_name()))
        .collect();
    let object: serde_json::Map<String, serde_json::Value> = sorted
        .into_iter()
        .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
        .collect();
    serde_json::Value::Object(object).to_string()
}

/// Who touches what: the source of every IAM policy and of the pipeline's diagram.
pub fn edges(config: &Config) -> Vec<Edge> {
    use Access::*;
    let e = |from, to, access| Edge { from, to, access };
    let mut edges = vec![
        e(Actor::Scheduler, Node::StateMachine, StartExecution),
        e(Actor::Scheduler, Node::ScheduleDlq, SendMessages),
        e(Actor::StateMachine, Node::Collector, Invoke),
        e(Actor::StateMachine, Node::LogDelivery, DeliverLogs),
        e(Actor::Collector, Node::RawBucket, PutObjects),
        e(Actor::Collector, Node::Metrics, PutMetrics),
        e(Actor::Collector, Node::CollectorLogGroup, WriteLogs),
        e(Actor::LogProcessor, Node::RawBucket, ReadPartitions),
        e(Actor::LogProcessor, Node::RawBucket, QuarantineObjects),
        e(Actor::LogProcessor, Node::Table, WriteItems),
        e(Actor::LogProcessor, Node::ProcessorDlq, SendMessages),
        e(Actor::LogProcessor, Node::Metrics, PutMetrics),
        e(Actor::LogProcessor, Node::ProcessorLogGroup, WriteLogs),
        e(
            Actor::Scheduler,
            Node::CompactionStateMachine,
            StartExecution,
        ),
        e(Actor::Compactor, Node::WorkGroup, RunStatements),
        e(Actor::Compactor, Node::GlueTable, ReadCatalog),
        e(Actor::Compactor, Node::RawBucket, ListBucket),
        e(Actor::Compactor, Node::RawBucket, ReadPartitions),
        e(Actor::Compactor, Node::RawBucket, RewriteCompacted),
        e(Actor::Compactor, Node::ResultsBucket, ListBucket),
        e(Actor::Compactor, Node::ResultsBucket, WriteObjects),
    ];
    // A tag selects the fleet through DescribeInstances in either mode; only cloudwatch mode
    // reads the fleet's metrics.
    if !config.collectors.instance_tags.is_empty() {
        edges.push(e(Actor::Collector, Node::Fleet, DescribeInstances));
    }
    if config.collectors.mode == CollectorMode::Cloudwatch {
        edges.push(e(Actor::Collector, Node::Fleet, ReadMetrics));
    }
    if !config.analytics.query_principals.is_empty() {
        edges.extend([
            e(Actor::Analyst, Node::WorkGroup, RunQueries),
            e(Actor::Analyst, Node::GlueTable, ReadCatalog),
            e(Actor::Analyst, Node::RawBucket, ListBucket),
            e(Actor::Analyst, Node::RawBucket, ReadObjects),
            e(Actor::Analyst, Node::ResultsBucket, ListBucket),
            e(Actor::Analyst, Node::ResultsBucket, WriteObjects),
        ]);
    }
    edges
}

fn alarms(config: &Config, names: &Names, namespace: &str) -> Vec<Alarm> {
    let a = &config.alarms;
    let p = &a.evaluation_periods;
    let period = config.alarm_period_seconds();
    let fleet = vec![("Pipeline", Sub::new(&names.prefix))];
    let function_dim = |f: &str| vec![("FunctionName", Sub::new(f))];
    let custom = |name, dimensions, statistic| AlarmMetric::Single {
        namespace: namespace.to_owned(),
        name,
        dimensions,
        statistic,
    };
    let alarm = |logical_id,
                 suffix: &str,
                 description: String,
                 metric,
                 threshold,
                 periods: f64,
                 missing| Alarm {
        logical_id,
        name: names.alarm(suffix),
        description,
        metric,
        threshold,
        evaluation_periods: periods as u32,
        period_seconds: period,
        missing_data: missing,
        comparison: Comparison::GreaterThan,
    };
    let mut six = vec![
        alarm(
            "HighCpuAlarm",
            "high-cpu",
            format!(
                "WARNING: fleet CPU utilization above {} %",
                a.cpu_high_percent
            ),
            custom(
                MetricType::Cpu.metric_name(),
                fleet.clone(),
                Statistic::Maximum,
            ),
            a.cpu_high_percent.get(),
            p.cpu.get(),
            MissingData::Missing,
        ),
        alarm(
            "DataCollectorErrorsAlarm",
            "collector-errors",
            "CRITICAL: the collector failed to collect or store metrics".to_owned(),
            custom(
                contract::COLLECTOR_ERRORS_METRIC,
                function_dim(&names.collector_function),
                Statistic::Sum,
            ),
            0.0,
            p.collector_errors.get(),
            MissingData::NotBreaching,
        ),
        alarm(
            "LogProcessorErrorsAlarm",
            "log-processor-errors",
            "CRITICAL: the log processor rejected malformed records or failed".to_owned(),
            custom(
                contract::PROCESSOR_ERRORS_METRIC,
                function_dim(&names.processor_function),
                Statistic::Sum,
            ),
            0.0,
            p.processor_errors.get(),
            MissingData::NotBreaching,
        ),
        alarm(
            "DynamoDbThrottlesAlarm",
            "dynamodb-throttles",
            "HIGH: requests to the metrics table were throttled".to_owned(),
            AlarmMetric::TableThrottles {
                table: names.table.clone(),
            },
            0.0,
            p.dynamodb_throttles.get(),
            MissingData::NotBreaching,
        ),
        alarm(
            "HighMemoryAlarm",
            "high-memory",
            format!(
                "WARNING: fleet memory utilization above {} %",
                a.memory_high_percent
            ),
            custom(MetricType::Memory.metric_name(), fleet, Statistic::Maximum),
            a.memory_high_percent.get(),
            p.memory.get(),
            MissingData::Missing,
        ),
        alarm(
            "CollectorDurationAlarm",
            "collector-duration",
            format!(
                "WARNING: a collector run took longer than {} ms",
                a.lambda_duration_ms
            ),
            AlarmMetric::Single {
                namespace: "AWS/Lambda".to_owned(),
                name: "Duration",
                dimensions: function_dim(&names.collector_function),
                statistic: Statistic::Maximum,
            },
            a.lambda_duration_ms.get(),
            p.lambda_duration.get(),
            MissingData::NotBreaching,
        ),
    ];
    // A fleet alarm on a type nobody collects would wait for data forever; an anomaly band
    // alarm may stand in for the static one.
    let anomaly = &config.monitoring.anomaly_detection;
    let watched = |m: MetricType| {
        config.collectors.metrics.contains(&m)
            && !(anomaly.replace_threshold && anomaly.metrics.contains(&m))
    };
    six.retain(|a| match a.logical_id {
        "HighCpuAlarm" => watched(MetricType::Cpu),
        "HighMemoryAlarm" => watched(MetricType::Memory),
        _ => true,
    });
    six
}

/// First year partition projection enumerates; queries name years from here on.
const FIRST_YEAR: u32 = 2024;

fn analytics(config: &Config, names: &Names) -> Analytics {
    let t = &names.glue_table;
    let columns = vec![
        Column {
            name: field::TIMESTAMP,
            kind: "string",
        },
        Column {
            name: field::INSTANCE_ID,
            kind: "string",
        },
        Column {
            name: field::REGION,
            kind: "string",
        },
        Column {
            name: field::METRIC_TYPE,
            kind: "string",
        },
        Column {
            name: field::VALUE,
            kind: "double",
        },
        Column {
            name: field::UNIT,
            kind: "string",
        },
        Column {
            name: field::METADATA,
            kind: "struct<collection_method:string,pipeline_version:string>",
        },
    ];
    let seed = [
        (
            "AverageCpuByInstanceQuery",
            "Average, maximum and minimum CPU by instance for one week (seed query 1)",
            analytics::AVERAGE_CPU_SQL,
        ),
        (
            "PeakMemoryTrendQuery",
            "Daily peak memory for one month (seed query 2, with from_iso8601_timestamp for engine 3)",
            analytics::PEAK_MEMORY_SQL,
        ),
    ];
    let mut named_queries: Vec<NamedQuery> = seed
        .iter()
        .zip(crate::config::SEED_QUERIES)
        .map(|((logical_id, description, sql), name)| NamedQuery {
            logical_id: (*logical_id).to_owned(),
            name: name.to_owned(),
            description: (*description).to_owned(),
            sql: analytics::fill(sql, names),
        })
        .collect();
    // The config's own, after the seed's; logical ids from the name (`daily-disk` ->
    // `DailyDiskQuery`), stable while the name is.
    named_queries.extend(config.analytics.named_queries.iter().map(|q| {
        let camel: String = q
            .name
            .as_str()
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        NamedQuery {
            logical_id: format!("{camel}Query"),
            name: q.name.as_str().to_owned(),
            description: format!("{} (from the config)", q.name.as_str()),
            sql: q.sql.trim_end().to_owned(),
        }
    }));
    Analytics {
        database_logical_id: ids::GLUE_DATABASE,
        table_logical_id: ids::GLUE_TABLE,
        workgroup_logical_id: ids::WORKGROUP,
        database: names.glue_database.clone(),
        table: t.clone(),
        workgroup: names.workgroup.clone(),
        columns,
        partition_keys: vec!["year", "month", "day", "hour"],
        projection_first_year: FIRST_YEAR,
        bytes_scanned_cutoff: config.analytics.bytes_scanned_cutoff_mb.int() as u64 * 1_000_000,
        named_queries,
    }
}

fn compaction(config: &Config, names: &Names) -> analytics::Compaction {
    let statement = analytics::fill(analytics::COMPACT_DAY_SQL, names);
    analytics::Compaction {
        state_machine_logical_id: ids::COMPACTION_STATE_MACHINE,
        state_machine: names.compaction_state_machine.clone(),
        role_logical_id: Actor::Compactor.role_logical_id(),
        schedule_logical_id: ids::COMPACTION_SCHEDULE,
        schedule: names.compaction_schedule.clone(),
        schedule_expression: analytics::daily_at(config.analytics.compaction_hour_utc.int() as u32),
        schedule_role_logical_id: Actor::Scheduler.role_logical_id(),
        dead_letter_queue: ids::SCHEDULE_DLQ,
        parquet_table_logical_id: ids::PARQUET_TABLE,
        parquet_table: names.parquet_table.clone(),
        view_logical_id: ids::METRICS_VIEW,
        view: names.metrics_view.clone(),
        view_sql: analytics::fill(analytics::VIEW_SQL, names),
        definition: analytics::definition(names, &statement),
        statement,
        raw_json_days: config.analytics.raw_json_days.int() as u32,
    }
}

/// A failed compaction leaves its day out of the view once the day is two days old: alarm like
/// a failed collection, on the state machine's own failure count.
fn compaction_alarm(config: &Config, names: &Names) -> Alarm {
    monitoring::on_any_failure(
        config,
        names,
        (ids::COMPACTION_ALARM, "compaction-failed"),
        "CRITICAL: the daily compaction to Parquet failed; re-run it with `infrapipe run --compaction --from DAY`".to_owned(),
        AlarmMetric::Single {
            namespace: "AWS/States".to_owned(),
            name: "ExecutionsFailed",
            dimensions: vec![("StateMachineArn", names.compaction_state_machine_arn())],
            statistic: Statistic::Sum,
        },
        MissingData::NotBreaching,
    )
}
