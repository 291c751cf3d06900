//! `infrapipe cost`: a monthly estimate from first principles. `usage` derives what each
//! region's pipeline uses from the model and the `cost:` assumptions, `prices` holds the embedded
//! price files (and reads a user's, `--prices`), `pricing` multiplies and applies the free tier,
//! `report` shows the result.

pub mod change;
pub mod prices;
mod pricing;
pub mod report;
pub mod usage;

pub use change::{CostChange, CostDiff, Side, Sides};
pub use prices::PriceBook;
pub use report::{Line, Report};

use crate::config::CostAssumptions;
use crate::model::Pipeline;
use report::{Assumption, PriceFile, QueryScans, ScaleColumn, ScaleLine, Subtotal};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub free_tier: bool,
    /// Multiples of the fleet to add as columns (empty: none); one column for each distinct
    /// multiple, in the order first given.
    pub scales: Vec<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            free_tier: true,
            scales: Vec::new(),
        }
    }
}

/// Prices `pipelines` (one a region, in the order the free tier is applied) under the config's
/// `cost:` assumptions; everything else it knows of the pipeline comes from the model.
pub fn estimate(
    assumed: &CostAssumptions,
    pipelines: &[Pipeline],
    book: &PriceBook,
    options: &Options,
) -> Result<Report, String> {
    let Some(first) = pipelines.first() else {
        return Err("there is no region to price: the config lists none".to_owned());
    };
    let region_prices = pipelines
        .iter()
        .map(|p| book.region(p.region.as_str()))
        .collect::<Result<Vec<_>, _>>()?;
    let (instances, from) = usage::fleet(assumed, &first.fleet);
    let at = |multiple: u32| {
        let n = instances as f64 * f64::from(multiple);
        let priced: Vec<_> = region_prices
            .iter()
            .zip(pipelines)
            .map(|(prices, p)| (*prices, usage::usage(assumed, p, n).charges))
            .collect();
        pricing::price(&priced, book, options.free_tier)
    };
    let lines = at(1);
    let subtotals = region_prices
        .iter()
        .map(|r| {
            let micros = lines
                .iter()
                .filter(|l| l.region == r.region)
                .map(|l| l.monthly_cost_micros)
                .sum();
            Subtotal {
                region: r.region.clone(),
                monthly_cost: report::dollars(micros),
                monthly_cost_micros: micros,
            }
        })
        .collect();
    let total: i64 = lines.iter().map(|l| l.monthly_cost_micros).sum();
    // A multiple asked for twice is one column, where it was first asked for.
    let mut multiples: Vec<u32> = Vec::new();
    for &k in &options.scales {
        if !multiples.contains(&k) {
            multiples.push(k);
        }
    }
    let scale = multiples
        .iter()
        .map(|&k| {
            let lines: Vec<ScaleLine> = at(k)
                .into_iter()
                .map(|l| ScaleLine {
                    region: l.region,
                    service: l.service,
                    item: l.item,
                    monthly_cost: l.monthly_cost,
                    monthly_cost_micros: l.monthly_cost_micros,
                })
                .collect();
            let micros = lines.iter().map(|l| l.monthly_cost_micros).sum();
            let query_scans =
                query_scans(assumed, first, region_prices[0], instances * u64::from(k));
            ScaleColumn {
                multiple: k,
                instances: instances * u64::from(k),
                total_monthly_cost: report::dollars(micros),
                total_monthly_cost_micros: micros,
                dominant_line: Report::dominant(&lines),
                lines,
                query_scans,
            }
        })
        .collect();
    let derived = usage::usage(assumed, first, instances as f64)
        .facts
        .into_iter()
        .map(|f| Assumption {
            key: f.key.to_owned(),
            value: num(round6(f.value)),
            meaning: f.meaning,
        })
        .collect();
    Ok(Report {
        currency: "USD",
        stack: first.stack_name.clone(),
        instances,
        free_tier_applied: options.free_tier,
        lines,
        subtotals,
        total_monthly_cost: report::dollars(total),
        total_monthly_cost_micros: total,
        assumptions: assumptions(assumed, instances, from),
        derived,
        notes: {
            let mut n = notes(options, first.chatbot.is_some());
            n.extend(unpriced_notes(assumed, pipelines, &region_prices));
            n
        },
        prices: region_prices
            .iter()
            .map(|r| PriceFile {
                region: r.region.clone(),
                name: r.name.clone(),
                checked: r.checked.clone(),
                file: r.file.as_ref().map(|f| f.display().to_string()),
            })
            .collect(),
        scale,
    })
}

/// A number as JSON: whole numbers without a fraction.
fn num(v: f64) -> serde_json::Value {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Every `cost:` assumption, with its value and what it means.
fn assumptions(a: &CostAssumptions, instances: u64, from: &str) -> Vec<Assumption> {
    let opt = |v: Option<f64>| v.map_or(serde_json::Value::Null, num);
    let rows = [
        (
            "instances",
            json!(instances),
            format!("instances in the fleet ({from})"),
        ),
        (
            "collector_duration_ms",
            num(a.collector_duration_ms.get()),
            "average billed duration of one collector invocation".into(),
        ),
        (
            "processor_duration_ms",
            num(a.processor_duration_ms.get()),
            "average billed duration of one log processor invocation".into(),
        ),
        (
            "log_bytes_per_invocation",
            num(a.log_bytes_per_invocation.get()),
            "CloudWatch Logs bytes an invocation writes (platform records and one summary line)".into(),
        ),
        (
            "retries_per_run",
            num(a.retries_per_run.get()),
            "Lambda task retries a run: each adds a transition, an invocation, a PUT and its writes".into(),
        ),
        (
            "failed_runs_per_month",
            num(a.failed_runs_per_month.get()),
            "runs that fail and publish the error metrics (billed for the hours they send data)".into(),
        ),
        (
            "storage_month",
            num(a.storage_month.get()),
            "storage is priced as it stands at the end of this month of operation (raw objects are never deleted)".into(),
        ),
        (
            "s3_storage_gb",
            opt(a.s3_storage_gb.map(|v| v.get())),
            "when set, replaces the modelled S3 storage (billed as Standard; a fixed figure, not scaled)".into(),
        ),
        (
            "dynamodb_storage_gb",
            opt(a.dynamodb_storage_gb.map(|v| v.get())),
            "when set, replaces the modelled table and index storage (a fixed figure, not scaled)".into(),
        ),
        (
            "dashboard_read_units_per_month",
            num(a.dashboard_read_units_per_month.get()),
            "DynamoDB read request units dashboards consume a month".into(),
        ),
        (
            "athena_queries_per_month",
            num(a.athena_queries_per_month.get()),
            "Athena queries a month".into(),
        ),
        (
            "athena_mb_per_query",
            opt(a.athena_mb_per_query.map(|v| v.get())),
            "MB one query scans (a fixed figure); unset: one month of the Parquet data (every column), as the seed's second query reads it after compaction".into(),
        ),
        (
            "alarm_notifications_per_month",
            num(a.alarm_notifications_per_month.get()),
            "alarm state changes a month, each one SNS publish and one e-mail per subscriber".into(),
        ),
        (
            "dead_letter_messages_per_month",
            num(a.dead_letter_messages_per_month.get()),
            "messages a month in the dead-letter queues (send, receive, delete)".into(),
        ),
    ];
    rows.into_iter()
        .map(|(key, value, meaning)| Assumption {
            key: key.to_owned(),
            value,
            meaning,
        })
        .collect()
}

/// The charges a `--prices` file written before a price was added cannot price (its region
/// bills a KMS key, and the file has no `kms_keys`): one note a region, never a guess.
fn unpriced_notes(
    assumed: &CostAssumptions,
    pipelines: &[Pipeline],
    region_prices: &[&prices::RegionPrices],
) -> Vec<String> {
    region_prices
        .iter()
        .zip(pipelines)
        .filter_map(|(prices, p)| {
            let mut items: Vec<String> = usage::usage(assumed, p, 1.0)
                .charges
                .into_iter()
                .filter(|c| prices.get(c.price).is_none())
                .map(|c| c.item)
                .collect();
            items.dedup();
            if items.is_empty() {
                return None;
            }
            let file = prices
                .file
                .as_ref()
                .map_or_else(|| "its price file".to_owned(), |f| f.display().to_string());
            Some(format!(
                "Not priced in {}: {} ({file} has no {} price; add {}, as in the bundled price files, to price {}). The total leaves them out.",
                prices.region,
                items.join("; "),
                prices.lacking().iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or "),
                if prices.lacking().len() == 1 { "it" } else { "them" },
                if items.len() == 1 { "it" } else { "them" },
            ))
        })
        .collect()
}

fn notes(options: &Options, chatbot: bool) -> Vec<String> {
    let mut notes = vec![
        "A month is 730 hours (8,760 / 12); runs a month follow from the schedule.".to_owned(),
        "GB means 2^30 bytes and TB 2^40 bytes, as AWS bills storage.".to_owned(),
        "Custom metrics are billed for the hours in which they receive data: a metric sent every 3 hours costs a third of a metric-month.".to_owned(),
        "S3 Lifecycle does not transition objects under 128 KB, and Glacier bills 40 KB more per object (8 KB at Standard rates): small fleets keep everything in Standard and save nothing from the Glacier rule.".to_owned(),
        "Not priced: data transfer within the region (free), S3 event notifications and TTL deletes (free), Athena's own S3 reads and result files, the Lambda zips in the artifact bucket, requests on a KMS key of yours (security.kms: ARN).".to_owned(),
        "Each line's cost is rounded once to the micro-dollar; subtotals and the total are exact sums of the lines.".to_owned(),
    ];
    if chatbot {
        notes.push("AWS Chatbot (the Slack and Teams channels) adds no charge of its own: \"no additional charge\", https://aws.amazon.com/chatbot/pricing/ (AWS's statement as of 2026-11-30; now Amazon Q Developer in chat applications); its SNS deliveries are among the alarm notifications.".to_owned());
    }
    if options.free_tier {
        notes.push("The always-free tier is per account, not per region: each allowance is applied once, to the regions in the order listed (the first, the rollout canary, first).".to_owned());
    }
    notes
}

/// The monthly budget's limit in whole dollars: the estimate over every region of `pipelines`
/// (free tier applied, as the bill applies it) plus `headroom_percent`, at least one dollar.
pub fn budget_limit(
    assumed: &CostAssumptions,
    pipelines: &[Pipeline],
    book: &PriceBook,
    headroom_percent: f64,
) -> Result<f64, String> {
    let report = estimate(assumed, pipelines, book, &Options::default())?;
    let with_headroom = report.total_monthly_cost * (1.0 + headroom_percent / 100.0);
    Ok(with_headroom.ceil().max(1.0))
}

/// The month's Athena queries at `instances`, billed on the Parquet and as they would be on the
/// raw JSON (each at least 10 MB, rounded up to the MB, capped by the workgroup's cutoff).
fn query_scans(
    assumed: &CostAssumptions,
    pipeline: &Pipeline,
    prices: &prices::RegionPrices,
    instances: u64,
) -> QueryScans {
    let facts = usage::usage(assumed, pipeline, instances as f64).facts;
    let fact = |key: &str| facts.iter().find(|f| f.key == key).map_or(0.0, |f| f.value);
    let cutoff = pipeline.analytics.bytes_scanned_cutoff as f64;
    let billed = |bytes: f64| {
        ((bytes.min(cutoff) / usage::MIB).ceil() * usage::MIB).max(usage::ATHENA_MIN_BYTES)
    };
    // AthenaScanned is not in `PriceKey::LATER`: every loaded file prices it.
    let unit_price = prices
        .get(prices::PriceKey::AthenaScanned)
        .map_or(0.0, |p| p.unit_price(p.usd));
    let usd = |bytes: f64| assumed.athena_queries_per_month.get() * bytes / usage::TIB * unit_price;
    let micros = |usd: f64| (usd * 1e6).round() as i64;
    QueryScans {
        on_parquet_micros: micros(usd(fact("athena_bytes_per_query"))),
        on_json_micros: micros(usd(billed(fact("athena_json_bytes_per_query")))),
    }
}
