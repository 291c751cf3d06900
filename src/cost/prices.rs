//! The price files under `prices/` (one a region, plus the account's free tier), embedded in the
//! binary and checked complete when loaded; a region without one is priced from a file the user
//! supplies (`--prices FILE`), read and checked the same way, every problem at its line.

use crate::config::tree::{self, Spot};
use crate::config::{ConfigError, Diagnostic};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest price file read from disk: a complete one is about 10 KB.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The embedded price files, by region.
const REGION_FILES: &[(&str, &str)] = &[
    (
        "ap-southeast-2",
        include_str!("../../prices/ap-southeast-2.yaml"),
    ),
    (
        "eu-central-1",
        include_str!("../../prices/eu-central-1.yaml"),
    ),
    ("eu-west-1", include_str!("../../prices/eu-west-1.yaml")),
    ("us-east-1", include_str!("../../prices/us-east-1.yaml")),
    ("us-west-2", include_str!("../../prices/us-west-2.yaml")),
];

const FREE_TIER_FILE: &str = include_str!("../../prices/free-tier.yaml");

/// Everything the report can bill; every region's file must price each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PriceKey {
    #[serde(rename = "lambda_requests")]
    LambdaRequests,
    #[serde(rename = "lambda_arm64_gb_seconds")]
    LambdaArm64GbSeconds,
    #[serde(rename = "lambda_x86_64_gb_seconds")]
    LambdaX86GbSeconds,
    #[serde(rename = "step_functions_transitions")]
    StepFunctionsTransitions,
    #[serde(rename = "s3_standard_storage")]
    S3StandardStorage,
    #[serde(rename = "s3_glacier_storage")]
    S3GlacierStorage,
    #[serde(rename = "s3_put_requests")]
    S3PutRequests,
    #[serde(rename = "s3_get_requests")]
    S3GetRequests,
    #[serde(rename = "s3_glacier_transition_requests")]
    S3GlacierTransitionRequests,
    #[serde(rename = "dynamodb_write_request_units")]
    DynamoDbWriteRequestUnits,
    #[serde(rename = "dynamodb_read_request_units")]
    DynamoDbReadRequestUnits,
    #[serde(rename = "dynamodb_storage")]
    DynamoDbStorage,
    #[serde(rename = "dynamodb_pitr")]
    DynamoDbPitr,
    #[serde(rename = "cloudwatch_metrics")]
    CloudWatchMetrics,
    #[serde(rename = "cloudwatch_alarm_metrics")]
    CloudWatchAlarmMetrics,
    #[serde(rename = "cloudwatch_api_requests")]
    CloudWatchApiRequests,
    #[serde(rename = "cloudwatch_get_metric_data")]
    CloudWatchGetMetricData,
    #[serde(rename = "logs_ingestion")]
    LogsIngestion,
    #[serde(rename = "logs_storage")]
    LogsStorage,
    #[serde(rename = "athena_scanned")]
    AthenaScanned,
    #[serde(rename = "sns_email")]
    SnsEmail,
    #[serde(rename = "sns_publish")]
    SnsPublish,
    #[serde(rename = "scheduler_invocations")]
    SchedulerInvocations,
    #[serde(rename = "glue_objects")]
    GlueObjects,
    #[serde(rename = "glue_requests")]
    GlueRequests,
    #[serde(rename = "sqs_requests")]
    SqsRequests,
    #[serde(rename = "cloudwatch_dashboards")]
    CloudWatchDashboards,
    #[serde(rename = "budgets")]
    Budgets,
    #[serde(rename = "kms_keys")]
    KmsKeys,
    #[serde(rename = "kms_requests")]
    KmsRequests,
    #[serde(rename = "s3_inter_region_transfer")]
    S3InterRegionTransfer,
}

impl PriceKey {
    /// The key as a price file spells it (`lambda_requests`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{self:?}"))
    }

    /// The keys added after users wrote price files of their own: a `--prices` file may lack
    /// them, and the items they price are then reported not priced in its region (the bundled
    /// files have every key).
    pub const LATER: [PriceKey; 3] = [
        Self::KmsKeys,
        Self::KmsRequests,
        Self::S3InterRegionTransfer,
    ];

    pub const ALL: [PriceKey; 31] = [
        Self::LambdaRequests,
        Self::LambdaArm64GbSeconds,
        Self::LambdaX86GbSeconds,
        Self::StepFunctionsTransitions,
        Self::S3StandardStorage,
        Self::S3GlacierStorage,
        Self::S3PutRequests,
        Self::S3GetRequests,
        Self::S3GlacierTransitionRequests,
        Self::DynamoDbWriteRequestUnits,
        Self::DynamoDbReadRequestUnits,
        Self::DynamoDbStorage,
        Self::DynamoDbPitr,
        Self::CloudWatchMetrics,
        Self::CloudWatchAlarmMetrics,
        Self::CloudWatchApiRequests,
        Self::CloudWatchGetMetricData,
        Self::LogsIngestion,
        Self::LogsStorage,
        Self::AthenaScanned,
        Self::SnsEmail,
        Self::SnsPublish,
        Self::SchedulerInvocations,
        Self::GlueObjects,
        Self::GlueRequests,
        Self::SqsRequests,
        Self::CloudWatchDashboards,
        Self::Budgets,
        Self::KmsKeys,
        Self::KmsRequests,
        Self::S3InterRegionTransfer,
    ];
}

/// An always-free monthly allowance, shared by every region of the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    LambdaRequests,
    LambdaGbSeconds,
    StepFunctionsTransitions,
    DynamodbStorage,
    CloudwatchMetrics,
    CloudwatchAlarmMetrics,
    CloudwatchApiRequests,
    LogsData,
    SnsPublish,
    SnsEmail,
    SchedulerInvocations,
    GlueObjects,
    GlueRequests,
    SqsRequests,
    CloudwatchDashboards,
    KmsRequests,
}

impl Pool {
    pub const ALL: [Pool; 16] = [
        Self::LambdaRequests,
        Self::LambdaGbSeconds,
        Self::StepFunctionsTransitions,
        Self::DynamodbStorage,
        Self::CloudwatchMetrics,
        Self::CloudwatchAlarmMetrics,
        Self::CloudwatchApiRequests,
        Self::LogsData,
        Self::SnsPublish,
        Self::SnsEmail,
        Self::SchedulerInvocations,
        Self::GlueObjects,
        Self::GlueRequests,
        Self::SqsRequests,
        Self::CloudwatchDashboards,
        Self::KmsRequests,
    ];
}

/// `usd` buys `per` units of `unit`; from `tiers[i].from` billable units on, the price is
/// `tiers[i].usd` instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub usd: f64,
    pub per: f64,
    pub unit: String,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
    /// False for a figure that could not be read on AWS's live page on the `checked` date: the
    /// report marks every line priced with it.
    #[serde(default = "yes")]
    pub confirmed: bool,
    #[serde(default)]
    pub tiers: Vec<Tier>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub from: f64,
    pub usd: f64,
}

impl Price {
    /// The price of one `unit`.
    pub fn unit_price(&self, usd: f64) -> f64 {
        usd / self.per
    }

    /// Where the price changes: `(from, usd)` pairs, the first from zero.
    pub fn bands(&self) -> Vec<(f64, f64)> {
        let mut bands = vec![(0.0, self.usd)];
        bands.extend(self.tiers.iter().map(|t| (t.from, t.usd)));
        bands
    }

    /// "$0.20 per 1M requests".
    pub fn describe(&self, usd: f64) -> String {
        let p = self.per;
        let per = if p == 1.0 {
            String::new()
        } else if p >= 1e6 && (p / 1e6).fract() == 0.0 {
            format!("{}M ", p / 1e6)
        } else if p >= 1e3 && (p / 1e3).fract() == 0.0 {
            format!("{}K ", p / 1e3)
        } else {
            format!("{p} ")
        };
        format!(
            "${} per {per}{}",
            plain(usd),
            singular(&self.unit, self.per)
        )
    }
}

/// A unit name for one of it ("GB-month") or for a batch ("1M requests").
fn singular(unit: &str, per: f64) -> String {
    if per == 1.0 {
        unit.strip_suffix('s').unwrap_or(unit).to_owned()
    } else {
        unit.to_owned()
    }
}

/// A price as written in the file, with at least two decimals.
fn plain(usd: f64) -> String {
    let s = format!("{usd:.10}");
    let s = s.trim_end_matches('0');
    match s.split_once('.') {
        Some((i, f)) if f.len() < 2 => format!("{i}.{f:0<2}"),
        _ => s.to_owned(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionPrices {
    pub region: String,
    pub name: String,
    pub checked: String,
    pub currency: String,
    pub prices: BTreeMap<PriceKey, Price>,
    /// The file it was read from with `--prices`; None for a bundled file.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

impl RegionPrices {
    /// Parses one region's price file and checks it complete and sane, reporting every problem
    /// at its line; `file` only names the file in the messages.
    pub fn parse(file: &Path, text: &str) -> Result<Self, ConfigError> {
        let prices: RegionPrices = serde_yaml_ng::from_str(text).map_err(|e| {
            let spot = e.location().map(|l| Spot {
                line: l.line(),
                column: l.column(),
                width: 1,
            });
            let message = e.to_string();
            // The location is shown as file:line:col already.
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            ConfigError::one(Diagnostic::at(file, text, spot, None, message, true))
        })?;
        // The text parsed as YAML above; the tree only locates the problems found below.
        let root = tree::parse(text).ok();
        let mut problems = Vec::new();
        let mut problem = |path: String, message: String| {
            let spot = root.as_ref().and_then(|r| r.locate(&path));
            problems.push(Diagnostic::at(file, text, spot, Some(path), message, true));
        };
        if prices.currency != "USD" {
            problem(
                "currency".into(),
                "must be USD: the report adds every region's prices in dollars".into(),
            );
        }
        for key in PriceKey::ALL {
            let name = key.name();
            let Some(p) = prices.prices.get(&key) else {
                if PriceKey::LATER.contains(&key) {
                    continue;
                }
                problem(
                    "prices".into(),
                    format!(
                        "has no price for `{name}`: a price file prices every item the report bills"
                    ),
                );
                continue;
            };
            if !(p.usd.is_finite() && p.usd >= 0.0) {
                problem(
                    format!("prices.{name}.usd"),
                    "must be a number of dollars, 0 or more".into(),
                );
            }
            if !(p.per.is_finite() && p.per > 0.0) {
                problem(
                    format!("prices.{name}.per"),
                    "must be a number of units greater than 0".into(),
                );
            }
            if p.source.trim().is_empty() {
                problem(
                    format!("prices.{name}.source"),
                    "must say where the price was read (a URL)".into(),
                );
            }
            for (i, t) in p.tiers.iter().enumerate() {
                if !(t.usd.is_finite() && t.usd >= 0.0) {
                    problem(
                        format!("prices.{name}.tiers[{i}].usd"),
                        "must be a number of dollars, 0 or more".into(),
                    );
                }
                let floor = if i == 0 { 0.0 } else { p.tiers[i - 1].from };
                if !(t.from.is_finite() && t.from > floor) {
                    problem(
                        format!("prices.{name}.tiers[{i}].from"),
                        format!(
                            "must be more than {floor}: tiers start where the one before ends, in rising order"
                        ),
                    );
                }
            }
        }
        if problems.is_empty() {
            return Ok(prices);
        }
        problems.sort_by_key(|d| (d.line.unwrap_or(usize::MAX), d.column));
        Err(ConfigError {
            file: file.to_owned(),
            problems,
        })
    }

    /// The price of `key`; None only for a key of `PriceKey::LATER` that a `--prices` file
    /// lacks (`parse` refuses a file without any other key).
    pub fn get(&self, key: PriceKey) -> Option<&Price> {
        self.prices.get(&key)
    }

    /// The keys of `PriceKey::LATER` this file lacks, by name.
    pub fn lacking(&self) -> Vec<String> {
        PriceKey::LATER
            .iter()
            .filter(|k| !self.prices.contains_key(k))
            .map(|k| k.name())
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    pub amount: f64,
    pub unit: String,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeTier {
    pub checked: String,
    pub allowances: BTreeMap<Pool, Allowance>,
}

/// Every embedded price file, parsed and checked.
#[derive(Debug, Clone)]
pub struct PriceBook {
    pub regions: BTreeMap<String, RegionPrices>,
    pub free_tier: FreeTier,
}

impl PriceBook {
    /// Parses the embedded files; an error names the file and what is wrong with it.
    pub fn load() -> Result<Self, String> {
        let mut regions = BTreeMap::new();
        for (region, text) in REGION_FILES {
            let file = format!("prices/{region}.yaml");
            let prices = RegionPrices::parse(Path::new(&file), text).map_err(|e| e.to_string())?;
            if prices.region != *region {
                return Err(format!("{file}: says region {}", prices.region));
            }
            if let Some(key) = prices.lacking().first() {
                return Err(format!("{file}: has no price for `{key}`"));
            }
            regions.insert((*region).to_owned(), prices);
        }
        let free_tier: FreeTier = serde_yaml_ng::from_str(FREE_TIER_FILE)
            .map_err(|e| format!("prices/free-tier.yaml: {e}"))?;
        if let Some(pool) = Pool::ALL
            .iter()
            .find(|p| !free_tier.allowances.contains_key(p))
        {
            return Err(format!(
                "prices/free-tier.yaml: has no allowance for {pool:?}"
            ));
        }
        Ok(Self { regions, free_tier })
    }

    /// Adds (or replaces) the region a price file of the user's prices; the file is checked as
    /// the bundled ones are, every problem at its line.
    pub fn add_file(&mut self, path: &Path) -> Result<&RegionPrices, ConfigError> {
        let text = read(path).map_err(|m| ConfigError::one(Diagnostic::file(path, m)))?;
        let mut prices = RegionPrices::parse(path, &text)?;
        prices.file = Some(path.to_owned());
        let region = prices.region.clone();
        Ok(self.regions.entry(region).insert_entry(prices).into_mut())
    }

    /// Regions with a price file, sorted.
    pub fn region_names(&self) -> Vec<&str> {
        self.regions.keys().map(String::as_str).collect()
    }

    pub fn region(&self, region: &str) -> Result<&RegionPrices, String> {
        self.regions.get(region).ok_or_else(|| {
            let names = |given: bool| -> Vec<&str> {
                self.regions
                    .values()
                    .filter(|r| r.file.is_some() == given)
                    .map(|r| r.region.as_str())
                    .collect()
            };
            // A file given for another region is most often a typo in its `region:`: show it.
            let given: Vec<String> = self
                .regions
                .values()
                .filter_map(|r| Some(format!("{} prices {}", r.file.as_ref()?.display(), r.region)))
                .collect();
            let given = if given.is_empty() {
                String::new()
            } else {
                format!(" ({})", given.join(", "))
            };
            format!(
                "no prices for {region}: this build bundles prices for {} only{given}. Price {region} from a file of your own with `--prices FILE`: the format of the bundled files (see `cost` in the README), with `region: {region}`",
                names(false).join(", ")
            )
        })
    }

    pub fn allowance(&self, pool: Pool) -> f64 {
        self.free_tier
            .allowances
            .get(&pool)
            .map_or(0.0, |a| a.amount)
    }
}

/// A price file's text: a regular file (a FIFO or a device is refused before it is opened), at
/// most `MAX_FILE_BYTES`, UTF-8.
fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the price file: {e}"))?;
    if !meta.is_file() {
        return Err("cannot read the price file: it is not a regular file".to_owned());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the price file is {} bytes, more than the limit of {MAX_FILE_BYTES}; a complete one is about 10 KB",
            meta.len()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read the price file: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_price_file_loads_complete() {
        let book = PriceBook::load();
        assert!(book.is_ok(), "{book:?}");
    }

    #[test]
    fn every_bundled_price_whose_note_says_not_confirmed_is_marked_unconfirmed() {
        let book = PriceBook::load().unwrap_or_else(|e| panic!("{e}"));
        let unmarked: Vec<String> = book
            .regions
            .values()
            .flat_map(|r| r.prices.iter().map(move |(k, p)| (r, k, p)))
            .filter(|(_, _, p)| {
                p.note.as_deref().unwrap_or("").contains("not confirmed") == p.confirmed
            })
            .map(|(r, k, _)| format!("{} {}", r.region, k.name()))
            .collect();
        assert!(unmarked.is_empty(), "{unmarked:?}");
    }

    #[test]
    fn describe_shows_the_batch_the_price_buys() {
        let p = Price {
            usd: 0.2,
            per: 1e6,
            unit: "requests".into(),
            source: "x".into(),
            note: None,
            confirmed: true,
            tiers: vec![],
        };
        assert_eq!(p.describe(p.usd), "$0.20 per 1M requests");
    }

    #[test]
    fn describe_names_a_single_unit_in_the_singular() {
        let p = Price {
            usd: 0.023,
            per: 1.0,
            unit: "GB-months".into(),
            source: "x".into(),
            note: None,
            confirmed: true,
            tiers: vec![],
        };
        assert_eq!(p.describe(p.usd), "$0.023 per GB-month");
    }
}
