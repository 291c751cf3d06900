//! `infrapipe cost`: each line hand-computed on small configs, with and without the free tier;
//! totals that are exact sums; fleet scaling; every region priced; one JSON document.

mod common;
use common::*;
use infrapipe::cost::usage;
use serde_json::Value;

/// One metric type, hourly: 730 runs a month, 3 transitions a run (Parallel, task, Succeed).
const HOURLY_CPU: &str = "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1]\nschedule: rate(1 hour)\ncollectors:\n  metrics: [cpu]\nnotifications:\n  emails: [ops@example.com]\n";

/// Runs `infrapipe cost --json` on `yaml` with `extra` arguments; the parsed document.
fn cost_json(yaml: &str, extra: &[&str]) -> Value {
    let (code, out, err) = cost(yaml, &[&["--json"], extra].concat());
    assert_eq!(code, 0, "cost failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Runs `infrapipe cost` on `yaml` written to a temp file.
fn cost(yaml: &str, extra: &[&str]) -> (i32, String, String) {
    let f = config_file(yaml);
    let path = f.path().display().to_string();
    let mut args = vec!["cost", "-c", path.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

/// The first line whose service is `service` and whose item starts with `item`.
fn line<'a>(doc: &'a Value, service: &str, item: &str) -> &'a Value {
    doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["service"] == service && l["item"].as_str().unwrap_or("").starts_with(item))
        .unwrap_or_else(|| panic!("no line {service} / {item}*"))
}

fn micros(l: &Value) -> i64 {
    l["monthly_cost_micros"]
        .as_i64()
        .expect("monthly_cost_micros")
}

fn with_cost(yaml: &str, cost: &str) -> String {
    format!("{yaml}cost:\n{cost}")
}

// ---------------------------------------------------------------- usage derived from the model

#[test]
fn scheduler_invocations_follow_the_schedule_over_730_hours() {
    let doc = cost_json(HOURLY_CPU, &[]);
    assert_eq!(
        line(&doc, "EventBridge Scheduler", "schedule")["quantity"],
        730.0
    );
}

#[test]
fn transitions_count_every_state_a_run_enters() {
    let doc = cost_json(HOURLY_CPU, &[]);
    assert_eq!(
        line(&doc, "Step Functions", "state transitions")["quantity"],
        2_190.0
    );
}

#[test]
fn transitions_cost_2_5_cents_a_thousand_without_the_free_tier() {
    // 2,190 x $0.025 / 1,000 = $0.05475
    let doc = cost_json(HOURLY_CPU, &["--no-free-tier"]);
    assert_eq!(
        micros(line(&doc, "Step Functions", "state transitions")),
        54_750
    );
}

#[test]
fn transitions_under_4000_are_free() {
    let doc = cost_json(HOURLY_CPU, &[]);
    assert_eq!(micros(line(&doc, "Step Functions", "state transitions")), 0);
}

#[test]
fn retries_add_a_transition_each() {
    let yaml = with_cost(HOURLY_CPU, "  retries_per_run: 1\n");
    let doc = cost_json(&yaml, &[]);
    assert_eq!(
        line(&doc, "Step Functions", "state transitions")["quantity"],
        2_920.0
    );
}

#[test]
fn collector_compute_uses_the_arm64_price() {
    // 730 x 128/1024 GB x 1 s = 91.25 GB-s x $0.0000133334 = $0.00121667
    let doc = cost_json(HOURLY_CPU, &["--no-free-tier"]);
    assert_eq!(micros(line(&doc, "Lambda", "collector compute")), 1_217);
}

#[test]
fn x86_64_collectors_pay_the_x86_price() {
    // 91.25 GB-s x $0.0000166667 = $0.00152084
    let yaml = HOURLY_CPU.replace(
        "  metrics: [cpu]\n",
        "  metrics: [cpu]\n  architecture: x86_64\n",
    );
    let doc = cost_json(&yaml, &["--no-free-tier"]);
    assert_eq!(micros(line(&doc, "Lambda", "collector compute")), 1_521);
}

#[test]
fn lambda_stays_free_under_a_million_requests() {
    let doc = cost_json(HOURLY_CPU, &[]);
    assert_eq!(micros(line(&doc, "Lambda", "collector requests")), 0);
}

#[test]
fn s3_puts_are_one_object_per_metric_type_per_run() {
    // 2 x 730 = 1,460 PUTs x $0.005 / 1,000 = $0.0073
    let yaml = HOURLY_CPU.replace("[cpu]", "[cpu, memory]");
    let doc = cost_json(&yaml, &[]);
    assert_eq!(micros(line(&doc, "S3", "PUT requests")), 7_300);
}

#[test]
fn dynamodb_writes_count_the_table_and_its_index() {
    // 730 runs x 10 instances x (1 WRU table + 1 WRU index) = 14,600 x $0.625 / 1M = $0.009125
    let yaml = with_cost(HOURLY_CPU, "  instances: 10\n");
    let doc = cost_json(&yaml, &[]);
    assert_eq!(micros(line(&doc, "DynamoDB", "write request units")), 9_125);
}

#[test]
fn dynamodb_storage_under_25_gb_is_free() {
    let doc = cost_json(HOURLY_CPU, &[]);
    assert_eq!(micros(line(&doc, "DynamoDB", "storage")), 0);
}

#[test]
fn dynamodb_storage_override_is_priced_without_the_free_tier() {
    // 1 GB x $0.25
    let yaml = with_cost(HOURLY_CPU, "  dynamodb_storage_gb: 1\n");
    let doc = cost_json(&yaml, &["--no-free-tier"]);
    assert_eq!(micros(line(&doc, "DynamoDB", "storage")), 250_000);
}

#[test]
fn point_in_time_recovery_bills_the_table_size() {
    // 1 GB x $0.20, no free tier for backups
    let yaml = with_cost(HOURLY_CPU, "  dynamodb_storage_gb: 1\n");
    let doc = cost_json(&yaml, &[]);
    assert_eq!(
        micros(line(&doc, "DynamoDB", "point-in-time recovery")),
        200_000
    );
}

#[test]
fn custom_metrics_are_prorated_by_the_hours_they_receive_data() {
    // rate(3 hours): 4 metrics x 243.33 of 730 hours = 1.3333 metric-months
    let doc = cost_json(MINIMAL, &[]);
    let q = line(&doc, "CloudWatch", "custom metrics: fleet")["quantity"]
        .as_f64()
        .unwrap_or(0.0);
    assert!((q - 4.0 / 3.0).abs() < 1e-9, "{q}");
}

#[test]
fn per_instance_metrics_cost_30_cents_beyond_the_free_ten() {
    // hourly: 4 aggregates + 40 per instance; the free 10 cover the 4 and 6 more: 34 x $0.30
    let yaml = HOURLY_CPU.replace(
        "  metrics: [cpu]\n",
        "  metrics: [cpu, memory, disk, network]\n  per_instance_metrics: true\n",
    );
    let doc = cost_json(&with_cost(&yaml, "  instances: 10\n"), &[]);
    assert_eq!(
        micros(line(&doc, "CloudWatch", "custom metrics: per instance")),
        10_200_000
    );
}

/// The seed's six alarms alone (the alarms that catch silent loss turned off).
const SEED_ALARMS_ONLY: &str = "monitoring:\n  silent_loss:\n    executions_failed: false\n    executions_timed_out: false\n    lambda_errors: false\n    lambda_throttles: false\n    dead_letter_queues: false\n    heartbeat: false\n";

#[test]
fn the_throttle_alarm_counts_as_two_alarm_metrics() {
    // Six seed alarms, the throttle alarm's second metric, compaction's alarm.
    let doc = cost_json(&format!("{MINIMAL}{SEED_ALARMS_ONLY}"), &[]);
    assert_eq!(line(&doc, "CloudWatch", "alarm metrics")["quantity"], 8.0);
}

#[test]
fn alarm_metrics_cost_ten_cents_each_without_the_free_tier() {
    let doc = cost_json(&format!("{MINIMAL}{SEED_ALARMS_ONLY}"), &["--no-free-tier"]);
    assert_eq!(micros(line(&doc, "CloudWatch", "alarm metrics")), 800_000);
}

#[test]
fn athena_bills_at_least_10_mb_a_query() {
    // 100 queries x 10 MiB = 1,000 MiB = 0.00095367 TiB x $5 = $0.00476837
    let yaml = with_cost(
        HOURLY_CPU,
        "  athena_queries_per_month: 100\n  athena_mb_per_query: 1\n",
    );
    let doc = cost_json(&yaml, &[]);
    assert_eq!(micros(line(&doc, "Athena", "data scanned")), 4_768);
}

#[test]
fn athena_scans_stop_at_the_workgroup_cutoff() {
    // cutoff 1,024,000,000 bytes = 976.56 MiB, rounded up to 977 MiB a query
    let yaml = with_cost(
        HOURLY_CPU,
        "  athena_queries_per_month: 1\n  athena_mb_per_query: 5000\n",
    );
    let doc = cost_json(&yaml, &[]);
    let q = line(&doc, "Athena", "data scanned")["quantity"]
        .as_f64()
        .unwrap_or(0.0);
    assert!((q - 977.0 / 1_048_576.0).abs() < 1e-12, "{q}");
}

#[test]
fn sns_sends_one_email_per_subscriber_per_notification() {
    let yaml = HOURLY_CPU.replace("[ops@example.com]", "[ops@example.com, sre@example.com]");
    let doc = cost_json(
        &with_cost(&yaml, "  alarm_notifications_per_month: 10\n"),
        &[],
    );
    assert_eq!(line(&doc, "SNS", "e-mail notifications")["quantity"], 20.0);
}

#[test]
fn sns_emails_cost_2_dollars_a_100000_without_the_free_tier() {
    let yaml = with_cost(HOURLY_CPU, "  alarm_notifications_per_month: 100\n");
    let doc = cost_json(&yaml, &["--no-free-tier"]);
    assert_eq!(micros(line(&doc, "SNS", "e-mail notifications")), 2_000);
}

#[test]
fn objects_under_128_kb_never_reach_glacier() {
    let doc = cost_json(MINIMAL, &[]);
    assert_eq!(line(&doc, "S3", "Glacier")["quantity"], 0.0);
}

#[test]
fn large_parquet_objects_move_to_glacier_after_the_lifecycle_days() {
    // Hourly, one type, 100,000 instances: a day's Parquet object passes 128 KB. At the end of
    // month 12 (8,760 h) the days older than 90 (2,160 h) are in Glacier with 32 KB overhead each.
    let yaml = with_cost(HOURLY_CPU, "  instances: 100000\n");
    let line_bytes = usage::record_line(
        infrapipe::config::MetricType::Cpu,
        "us-east-1",
        "i-0123456789abcdef0",
        "simulated",
    )
    .len() as f64;
    let parquet =
        usage::PARQUET_FIXED_BYTES + usage::PARQUET_SHARE_OF_JSON * 24.0 * 100_000.0 * line_bytes;
    let expected = (8_760.0 - 2_160.0) / 24.0 * (parquet + 32_768.0) / usage::GIB;
    let doc = cost_json(&yaml, &[]);
    let q = line(&doc, "S3", "Glacier")["quantity"]
        .as_f64()
        .unwrap_or(0.0);
    assert!((q - expected).abs() < 1e-9, "{q} != {expected}");
}

#[test]
fn the_report_names_the_fleet_from_which_parquet_reaches_glacier() {
    let doc = cost_json(MINIMAL, &[]);
    let facts = doc.to_string();
    assert!(facts.contains("parquet_glacier_min_fleet"), "{facts}");
}

#[test]
fn compaction_scans_at_least_10_mb_a_day() {
    let doc = cost_json(MINIMAL, &[]);
    let q = line(&doc, "Athena", "compaction scans")["quantity"]
        .as_f64()
        .unwrap_or(0.0);
    let expected = 730.0 / 24.0 * 10.0 * 1_048_576.0 / 1_099_511_627_776.0;
    assert!((q - expected).abs() < 1e-12, "{q} != {expected}");
}

#[test]
fn record_line_matches_the_collector_format() {
    let l = usage::record_line(
        infrapipe::config::MetricType::Cpu,
        "us-east-1",
        "i-0123456789abcdef0",
        "simulated",
    );
    assert_eq!(
        l,
        "{\"instance_id\":\"i-0123456789abcdef0\",\"metadata\":{\"collection_method\":\"simulated\",\"pipeline_version\":\"1.0\"},\"metric_type\":\"cpu\",\"region\":\"us-east-1\",\"timestamp\":\"2026-11-25T18:00:00Z\",\"unit\":\"percent\",\"value\":42.17}\n"
    );
}

// ---------------------------------------------------------------- free tier, totals, scale

#[test]
fn the_free_tier_is_used_once_across_regions() {
    // 2,190 collection and 182.5 compaction transitions a region: us-east-1 takes 2,372.5 free,
    // eu-west-1's collection the other 1,627.5 and pays for 562.5 x $0.025 / 1,000 = $0.0140625.
    let yaml = HOURLY_CPU.replace("[us-east-1]", "[us-east-1, eu-west-1]");
    let doc = cost_json(&yaml, &[]);
    let eu = doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["region"] == "eu-west-1" && l["service"] == "Step Functions")
        .expect("eu-west-1 transitions");
    assert_eq!(micros(eu), 14_063);
}

#[test]
fn the_total_is_exactly_the_sum_of_the_lines() {
    let doc = cost_json(MINIMAL, &["--all-regions", "--no-free-tier"]);
    let sum: i64 = doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(micros)
        .sum();
    assert_eq!(doc["total_monthly_cost_micros"].as_i64(), Some(sum));
}

#[test]
fn region_subtotals_add_up_to_the_total() {
    let doc = cost_json(MINIMAL, &["--all-regions"]);
    let sum: i64 = doc["subtotals"]
        .as_array()
        .expect("subtotals")
        .iter()
        .map(micros)
        .sum();
    assert_eq!(doc["total_monthly_cost_micros"].as_i64(), Some(sum));
}

#[test]
fn scaling_the_fleet_by_10_scales_per_instance_lines_by_10() {
    let yaml = MINIMAL.replace(
        "regions: [us-east-1]\n",
        "regions: [us-east-1]\ncollectors:\n  per_instance_metrics: true\n",
    );
    let c = config(&yaml);
    let p = pipeline(&yaml);
    let one = usage::usage(&c.cost, &p, 3.0).charges;
    let ten = usage::usage(&c.cost, &p, 30.0).charges;
    let off: Vec<String> = one
        .iter()
        .zip(&ten)
        .filter(|(a, _)| a.per_instance)
        .filter(|(a, b)| (b.quantity - 10.0 * a.quantity).abs() > 1e-9 * b.quantity.abs())
        .map(|(a, b)| format!("{}: {} -> {}", a.item, a.quantity, b.quantity))
        .collect();
    assert!(off.is_empty(), "not x10: {off:?}");
}

#[test]
fn scale_columns_report_each_multiple_of_the_fleet() {
    let doc = cost_json(MINIMAL, &["--scale", "1,10,100"]);
    let instances: Vec<i64> = doc["scale"]
        .as_array()
        .expect("scale")
        .iter()
        .map(|c| c["instances"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(instances, vec![3, 30, 300]);
}

#[test]
fn per_instance_metrics_dominate_the_seed_at_a_thousand_instances() {
    let doc = cost_json(
        &std::fs::read_to_string("examples/seed.yaml").expect("seed example"),
        &["--scale", "1000"],
    );
    let item = doc["scale"][0]["dominant_line"]["item"]
        .as_str()
        .unwrap_or("");
    assert!(item.starts_with("custom metrics: per instance"), "{item}");
}

#[test]
fn the_seed_example_costs_what_its_own_figures_price_at() {
    let (code, out, err) = run(&["cost", "-c", "examples/seed.yaml", "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    // The silent-loss alarms, the dashboard and budget, and compaction (its daily scans of at
    // least 10 MB, its transitions, the Parquet) included.
    assert_eq!(doc["total_monthly_cost_micros"].as_i64(), Some(1_379_099));
}

// ---------------------------------------------------------------- regions and prices

#[test]
fn every_priced_region_prices_the_same_lines() {
    let doc = cost_json(MINIMAL, &["--all-regions"]);
    let lines = doc["lines"].as_array().expect("lines");
    let items = |region: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["region"] == region)
            // The budget is account-wide: only the first region's stack has it.
            .filter(|l| l["service"] != "AWS Budgets")
            .map(|l| format!("{} / {}", l["service"], l["item"]))
            .collect()
    };
    let regions = [
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-southeast-2",
    ];
    let differing: Vec<&str> = regions
        .iter()
        .filter(|r| items(r) != items("us-east-1"))
        .copied()
        .collect();
    assert!(differing.is_empty(), "lines differ in {differing:?}");
}

#[test]
fn every_line_of_every_priced_region_has_a_price_and_a_source() {
    let doc = cost_json(MINIMAL, &["--all-regions"]);
    let unpriced: Vec<String> = doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| {
            // A budget without actions is free by AWS's price list: its line is priced at $0.
            let free = l["service"] == "AWS Budgets";
            (!free && l["unit_price"].as_f64().unwrap_or(0.0) <= 0.0)
                || !l["price_source"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("https://")
        })
        .map(|l| format!("{} {} {}", l["region"], l["service"], l["item"]))
        .collect();
    assert!(unpriced.is_empty(), "{unpriced:?}");
}

#[test]
fn every_configured_region_is_priced() {
    let yaml = MINIMAL.replace(
        "[us-east-1]",
        "[us-east-1, us-west-2, eu-west-1, eu-central-1, ap-southeast-2]",
    );
    let doc = cost_json(&yaml, &[]);
    assert_eq!(doc["subtotals"].as_array().map(Vec::len), Some(5));
}

#[test]
fn a_region_without_a_price_file_is_refused_by_name() {
    let yaml = MINIMAL.replace("[us-east-1]", "[ap-northeast-1]");
    let (code, _, err) = cost(&yaml, &[]);
    assert!(
        code == 1 && err.contains("no prices for ap-northeast-1"),
        "{err}"
    );
}

// ---------------------------------------------------------------- output

#[test]
fn json_output_is_exactly_one_document() {
    let (code, out, _) = cost(MINIMAL, &["--json", "--scale", "1,10"]);
    let docs = serde_json::Deserializer::from_str(&out)
        .into_iter::<Value>()
        .count();
    assert_eq!((code, docs), (0, 1));
}

#[test]
fn format_json_prints_the_same_document_as_json_flag() {
    let (_, a, _) = cost(MINIMAL, &["--json"]);
    let (_, b, _) = cost(MINIMAL, &["--format", "json"]);
    assert_eq!(a, b);
}

#[test]
fn json_lines_carry_the_documented_fields() {
    let doc = cost_json(MINIMAL, &[]);
    let first = &doc["lines"][0];
    let missing: Vec<&str> = [
        "region",
        "service",
        "item",
        "quantity",
        "unit",
        "unit_price",
        "monthly_cost",
    ]
    .into_iter()
    .filter(|k| first.get(k).is_none())
    .collect();
    assert!(
        missing.is_empty() && doc["currency"] == "USD",
        "{missing:?}"
    );
}

#[test]
fn the_table_prints_every_assumption() {
    let (_, out, _) = cost(MINIMAL, &[]);
    let doc = cost_json(MINIMAL, &[]);
    let missing: Vec<String> = doc["assumptions"]
        .as_object()
        .expect("assumptions")
        .keys()
        .filter(|k| !out.contains(&format!("  {k} = ")))
        .cloned()
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn markdown_format_prints_a_markdown_table() {
    let (_, out, _) = cost(MINIMAL, &["--format", "markdown"]);
    assert!(out.contains("| region | service | item |"), "{out}");
}

#[test]
fn the_table_ends_with_the_overall_total() {
    let (_, out, _) = cost(MINIMAL, &["--no-free-tier"]);
    assert!(out.lines().any(|l| l.starts_with("OVERALL TOTAL")), "{out}");
}

// ---------------------------------------------------------------- config

#[test]
fn a_bad_cost_value_names_file_line_column_and_range() {
    let yaml = with_cost(MINIMAL, "  storage_month: 0\n");
    let (code, _, err) = cost(&yaml, &[]);
    assert!(
        code == 1 && err.contains(":7:18: cost.storage_month: must be between 1 and 120 (got 0)"),
        "{err}"
    );
}

#[test]
fn an_unknown_cost_key_is_refused() {
    let yaml = with_cost(MINIMAL, "  instance: 3\n");
    let (code, _, err) = cost(&yaml, &[]);
    assert!(
        code == 1 && err.contains("cost.instance: is not a known field"),
        "{err}"
    );
}

#[test]
fn all_regions_and_region_are_exclusive() {
    let (code, _, _) = cost(MINIMAL, &["--all-regions", "--region", "us-east-1"]);
    assert_eq!(code, 1);
}

#[test]
fn a_zero_scale_is_refused() {
    let (code, _, _) = cost(MINIMAL, &["--scale", "0"]);
    assert_eq!(code, 1);
}

#[test]
fn scale_shows_queries_on_the_raw_json_costing_more_than_on_parquet() {
    let doc = cost_json(MINIMAL, &["--scale", "1000"]);
    let scans = &doc["scale"][0]["query_scans"];
    let parquet = scans["on_parquet_micros"].as_i64().unwrap_or(0);
    let json = scans["on_json_micros"].as_i64().unwrap_or(0);
    assert!(json > 10 * parquet, "{scans}");
}

// ---------------------------------------------------------------- a key the stack creates

fn with_created_key(yaml: &str) -> String {
    format!("{yaml}security:\n  kms: create\n")
}

#[test]
fn a_created_key_costs_a_dollar_a_month() {
    let doc = cost_json(&with_created_key(HOURLY_CPU), &[]);
    assert_eq!(micros(line(&doc, "KMS", "customer-managed key")), 1_000_000);
}

#[test]
fn requests_on_a_created_key_under_20000_a_month_are_free() {
    let doc = cost_json(&with_created_key(HOURLY_CPU), &[]);
    assert_eq!(micros(line(&doc, "KMS", "requests on the key")), 0);
}

#[test]
fn requests_on_a_created_key_cost_3_cents_a_10000_without_the_free_tier() {
    let doc = cost_json(&with_created_key(HOURLY_CPU), &["--no-free-tier"]);
    let requests = line(&doc, "KMS", "requests on the key");
    let quantity = requests["quantity"].as_f64().expect("quantity");
    assert_eq!(micros(requests), (quantity * 3.0).round() as i64);
}

#[test]
fn cost_shows_the_created_keys_line() {
    let (code, out, err) = cost(&with_created_key(HOURLY_CPU), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("  KMS\n    customer-managed key (security.kms: create"),
        "{out}"
    );
}

#[test]
fn a_key_of_yours_or_none_adds_no_kms_line() {
    let yours = format!(
        "{HOURLY_CPU}security:\n  kms: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n"
    );
    for yaml in [HOURLY_CPU.to_owned(), yours] {
        let doc = cost_json(&yaml, &[]);
        let kms = doc["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .filter(|l| l["service"] == "KMS")
            .count();
        assert_eq!(kms, 0, "{yaml}");
    }
}
