//! `cost --diff OTHER` (two configs side by side, only the lines that differ) and `validate`
//! against `cost.max_monthly_usd`, offline.

mod common;
use common::*;

/// The example with per-instance metrics on and a fleet of 1,000 (and `extra` under `cost:`).
fn expensive(extra: &str) -> tempfile::NamedTempFile {
    let text = example_text().replace(
        "  metrics: [cpu, memory, disk, network]\n",
        "  metrics: [cpu, memory, disk, network]\n  per_instance_metrics: true\n",
    );
    config_file(&format!("{text}cost:\n  instances: 1000\n{extra}"))
}

#[test]
fn cost_diff_lists_the_per_instance_metrics_line_first() {
    let f = expensive("");
    let other = f.path().display().to_string();
    let (code, out, err) = run(&["cost", "-c", EXAMPLE, "--diff", &other, "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(
        doc["lines"][0]["item"]
            .as_str()
            .map(|i| i.starts_with("custom metrics: per instance")),
        Some(true),
        "{out}"
    );
}

#[test]
fn cost_diff_leaves_out_the_lines_that_do_not_change() {
    let f = expensive("");
    let other = f.path().display().to_string();
    let (code, out, err) = run(&["cost", "-c", EXAMPLE, "--diff", &other]);
    assert_eq!(code, 0, "{err}");
    // Dashboard reads are a fixed assumption: the same in both configs.
    assert!(
        out.contains("custom metrics: per instance")
            && !out.contains("read request units (dashboards)"),
        "{out}"
    );
}

#[test]
fn cost_diff_of_a_config_with_itself_lists_no_line() {
    let (code, out, err) = run(&["cost", "-c", EXAMPLE, "--diff", EXAMPLE]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(no line differs)"), "{out}");
}

#[test]
fn validate_reports_a_config_whose_own_estimate_is_above_its_ceiling() {
    let f = expensive("  max_monthly_usd: 10\n");
    let path = f.path().display().to_string();
    let (code, _, err) = run(&["validate", "-c", &path]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("above the ceiling of $10.00"), "{err}");
}

#[test]
fn validate_accepts_a_config_within_its_ceiling() {
    let f = config_file(&format!("{}cost:\n  max_monthly_usd: 10\n", example_text()));
    let path = f.path().display().to_string();
    let (code, out, err) = run(&["validate", "-c", &path]);
    assert_eq!(code, 0, "{out}{err}");
}
