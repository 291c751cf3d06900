//! The contract with the Lambda handlers: the names of the record's fields, of the table's
//! attributes, of the error metrics and of the environment variables that carry them. Each is
//! spelled once, here; the template, the Glue table, the alarms, the cost model and the
//! handlers' environment all read these constants (see docs/architecture-model.md).

/// Record fields, as the collector writes them and the Glue table reads them. The first three
/// are also the table's key attributes.
pub mod field {
    /// The table's partition key.
    pub const INSTANCE_ID: &str = "instance_id";
    /// The index's partition key.
    pub const METRIC_TYPE: &str = "metric_type";
    /// ISO-8601 text in the record; epoch seconds (a number) in the table, the index's sort key.
    pub const TIMESTAMP: &str = "timestamp";
    pub const REGION: &str = "region";
    pub const VALUE: &str = "value";
    pub const UNIT: &str = "unit";
    pub const METADATA: &str = "metadata";
}

/// Attributes only the table's items have.
pub mod attribute {
    /// The sort key, `"<epoch>#<metric_type>"`: unique per point, where the seed's numeric
    /// timestamp key let the four collectors of one run overwrite each other.
    pub const METRIC_KEY: &str = "metric_key";
    /// Epoch seconds after which DynamoDB's TTL deletes the item.
    pub const EXPIRES_AT: &str = "expires_at";
    /// The raw object the item was read from.
    pub const SOURCE_KEY: &str = "source_key";
}

/// Where the log processor puts the lines it cannot read, under the raw bucket, for replay after
/// a fix. Its objects end in `.jsonl`, which the processor's `.json` trigger never matches.
pub const QUARANTINE_PREFIX: &str = "quarantine/";

/// The table's global secondary index (by metric type, then time).
pub const METRIC_TYPE_INDEX: &str = "MetricTypeIndex";

/// The custom metric the collector puts when a run fails; an alarm watches it.
pub const COLLECTOR_ERRORS_METRIC: &str = "DataCollectorErrors";
/// The custom metric the log processor puts for rejected records and failures; an alarm
/// watches it.
pub const PROCESSOR_ERRORS_METRIC: &str = "LogProcessorErrors";

/// The environment variables the handlers read. The names are the handlers' too: change one
/// here and in `lambdas/` together.
pub mod env {
    // Both handlers.
    pub const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";
    pub const ERROR_METRIC_NAME: &str = "ERROR_METRIC_NAME";
    // The collector.
    pub const COLLECTOR_MODE: &str = "COLLECTOR_MODE";
    pub const INSTANCE_IDS: &str = "INSTANCE_IDS";
    pub const INSTANCE_TAG: &str = "INSTANCE_TAG";
    /// A compact JSON object, keys sorted: each configured metric type to its CloudWatch name.
    pub const METRIC_NAMES: &str = "METRIC_NAMES";
    pub const PER_INSTANCE_METRICS: &str = "PER_INSTANCE_METRICS";
    pub const PIPELINE: &str = "PIPELINE";
    pub const PIPELINE_VERSION: &str = "PIPELINE_VERSION";
    pub const RAW_BUCKET: &str = "RAW_BUCKET";
    // The log processor.
    pub const TABLE_NAME: &str = "TABLE_NAME";
    pub const TABLE_PARTITION_KEY: &str = "TABLE_PARTITION_KEY";
    pub const TABLE_SORT_KEY: &str = "TABLE_SORT_KEY";
    pub const TABLE_TIMESTAMP_ATTRIBUTE: &str = "TABLE_TIMESTAMP_ATTRIBUTE";
    pub const TABLE_METRIC_TYPE_ATTRIBUTE: &str = "TABLE_METRIC_TYPE_ATTRIBUTE";
    pub const TABLE_TTL_ATTRIBUTE: &str = "TABLE_TTL_ATTRIBUTE";
    pub const TTL_DAYS: &str = "TTL_DAYS";
    pub const QUARANTINE_PREFIX: &str = "QUARANTINE_PREFIX";
}
