//! `infrapipe cost` and its prices: a region without bundled prices is refused with the flag that
//! prices it, `--prices FILE` prices it (checked, every problem at its line), unconfirmed prices
//! are marked in every format, and `--scale` prices each multiple once.

mod common;
use common::*;
use serde_json::Value;

/// The minimal config, deployed to `region`.
fn in_region(region: &str) -> String {
    MINIMAL.replace("[us-east-1]", &format!("[{region}]"))
}

/// Runs `infrapipe cost` on `yaml` written to a temp file.
fn cost(yaml: &str, extra: &[&str]) -> (i32, String, String) {
    let f = config_file(yaml);
    let path = f.path().display().to_string();
    let mut args = vec!["cost", "-c", path.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

fn cost_json(yaml: &str, extra: &[&str]) -> Value {
    let (code, out, err) = cost(yaml, &[&["--json"], extra].concat());
    assert_eq!(code, 0, "cost failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// The bundled us-east-1 prices, relabelled as `region`'s: a complete price file.
fn price_file_text(region: &str) -> String {
    std::fs::read_to_string("prices/us-east-1.yaml")
        .expect("prices/us-east-1.yaml")
        .replace("region: us-east-1", &format!("region: {region}"))
}

fn price_file(text: &str) -> tempfile::NamedTempFile {
    config_file(text)
}

/// The (1-based) line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}"))
        + 1
}

#[test]
fn a_region_without_bundled_prices_is_refused_with_the_flag_that_prices_it() {
    let (code, _, err) = cost(&in_region("mx-central-1"), &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(err);
}

#[test]
fn a_price_file_prices_a_region_without_bundled_prices() {
    let file = price_file(&price_file_text("mx-central-1"));
    let path = file.path().display().to_string();
    let doc = cost_json(&in_region("mx-central-1"), &["--prices", &path]);
    let regions: Vec<&str> = doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["region"].as_str())
        .collect();
    assert!(!regions.is_empty() && regions.iter().all(|r| *r == "mx-central-1"));
    assert_eq!(doc["prices"][0]["file"], path.as_str());
}

#[test]
fn a_price_file_is_priced_as_the_bundled_file_it_copies() {
    let file = price_file(&price_file_text("mx-central-1"));
    let path = file.path().display().to_string();
    let theirs = cost_json(&in_region("mx-central-1"), &["--prices", &path]);
    let bundled = cost_json(&in_region("us-east-1"), &[]);
    // Usage differs a little (names hold the region, and sizes follow names); prices may not.
    let prices = |doc: &Value| -> Vec<Value> {
        doc["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| l["price"].clone())
            .collect()
    };
    assert_eq!(prices(&theirs), prices(&bundled));
}

#[test]
fn a_price_file_for_another_region_is_named_in_the_refusal() {
    let file = price_file(&price_file_text("mx-centrl-1"));
    let path = file.path().display().to_string();
    let (code, _, err) = cost(&in_region("mx-central-1"), &["--prices", &path]);
    assert!(
        code == 1 && err.contains(&format!("({path} prices mx-centrl-1)")),
        "{err}"
    );
}

#[test]
fn every_problem_of_a_price_file_is_reported_at_its_line() {
    let text = price_file_text("mx-central-1")
        .replacen("usd: 0.20", "usd: -0.20", 1)
        .replacen("per: 1000\n", "per: 0\n", 1);
    let file = price_file(&text);
    let path = file.path().display().to_string();
    let (code, _, err) = cost(&in_region("mx-central-1"), &["--prices", &path]);
    assert_eq!(code, 1);
    let usd = format!(
        "{path}:{}:10: prices.lambda_requests.usd: must be a number of dollars",
        line_of(&text, "usd: -0.20")
    );
    let per = format!(":{}:10: prices.", line_of(&text, "per: 0"));
    assert!(err.contains(&usd) && err.contains(&per), "{err}");
}

#[test]
fn a_price_file_missing_a_price_names_the_missing_key() {
    let text = price_file_text("mx-central-1").replace("  sqs_requests:", "  sqs_requests_typo:");
    let file = price_file(&text);
    let path = file.path().display().to_string();
    let (code, _, err) = cost(&in_region("mx-central-1"), &["--prices", &path]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&path) && err.contains("sqs_requests_typo"),
        "{err}"
    );
}

#[test]
fn unconfirmed_prices_are_false_in_each_json_line() {
    let doc = cost_json(&in_region("eu-west-1"), &[]);
    let confirmed = |item: &str| -> Value {
        doc["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .find(|l| l["service"] == "S3" && l["item"].as_str().unwrap_or("").starts_with(item))
            .map(|l| l["confirmed"].clone())
            .unwrap_or_else(|| panic!("no S3 line {item}"))
    };
    // eu-west-1's S3 Standard storage is confirmed from the price list API; its PUTs are not.
    assert_eq!(
        (confirmed("Standard storage"), confirmed("PUT")),
        (Value::Bool(true), Value::Bool(false))
    );
}

#[test]
fn unconfirmed_prices_are_marked_in_the_table_with_a_footnote() {
    let (code, out, err) = cost(&in_region("eu-west-1"), &[]);
    assert_eq!(code, 0, "{err}");
    let marked = out.lines().any(|l| l.contains("per 1K requests *"));
    assert!(marked && out.contains("\n* price not confirmed"), "{out}");
}

#[test]
fn unconfirmed_prices_are_marked_in_the_markdown_with_a_footnote() {
    let (code, out, err) = cost(&in_region("eu-west-1"), &["--format", "markdown"]);
    assert_eq!(code, 0, "{err}");
    let marked = out.lines().any(|l| l.contains("per 1K requests \\* |"));
    assert!(marked && out.contains("\n\\* price not confirmed"), "{out}");
}

#[test]
fn confirmed_prices_carry_no_marker_and_no_footnote() {
    let (code, out, err) = cost(&in_region("us-east-1"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("not confirmed") && !out.contains(" *\n"),
        "{out}"
    );
}

#[test]
fn scale_prices_each_multiple_once_in_the_order_first_given() {
    let doc = cost_json(MINIMAL, &["--scale", "10,1,10,1"]);
    let multiples: Vec<u64> = doc["scale"]
        .as_array()
        .expect("scale")
        .iter()
        .filter_map(|c| c["multiple"].as_u64())
        .collect();
    assert_eq!(multiples, vec![10, 1]);
}

/// A price file as written before `kms_keys` and `kms_requests` were added.
fn price_file_text_without_kms(region: &str) -> String {
    let text = price_file_text(region);
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("  ") && !line.starts_with("    ") {
            skipping = line.starts_with("  kms_");
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(!out.contains("kms_"), "the fixture still prices KMS");
    out
}

/// `cost --json` of a stack with its own key in mx-central-1, priced from an old-style file.
fn kms_priced_from_an_old_file() -> Value {
    let file = price_file(&price_file_text_without_kms("mx-central-1"));
    let path = file.path().display().to_string();
    let yaml = format!("{}security:\n  kms: create\n", in_region("mx-central-1"));
    cost_json(&yaml, &["--prices", &path])
}

#[test]
fn a_price_file_written_before_kms_prices_is_accepted_and_says_kms_is_not_priced() {
    let doc = kms_priced_from_an_old_file();
    let notes: Vec<&str> = doc["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| n.starts_with("Not priced in mx-central-1") && n.contains("`kms_keys`"))
        .collect();
    assert_eq!(notes.len(), 1, "{:#?}", doc["notes"]);
}

#[test]
fn kms_is_never_priced_at_a_guess_when_the_price_file_lacks_it() {
    let doc = kms_priced_from_an_old_file();
    let kms: Vec<&Value> = doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["service"] == "KMS" || l["item"].as_str().is_some_and(|i| i.contains("key")))
        .collect();
    assert!(kms.is_empty(), "{kms:#?}");
}
