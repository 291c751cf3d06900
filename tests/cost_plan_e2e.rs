//! The monthly cost change in `plan` and the ceiling in `apply`, end to end on moto: apply the
//! example, turn on per-instance metrics for a fleet of 1,000, and plan or apply that.

mod common;
use common::moto::Moto;
use common::*;
use serde_json::Value;

/// The example with per-instance metrics on, a fleet of 1,000, and `extra_cost` lines under
/// `cost:`.
fn expensive(extra_cost: &str) -> tempfile::NamedTempFile {
    let text = example_text().replace(
        "  metrics: [cpu, memory, disk, network]\n",
        "  metrics: [cpu, memory, disk, network]\n  per_instance_metrics: true\n",
    );
    assert!(
        text.contains("per_instance_metrics: true"),
        "the example changed shape"
    );
    config_file(&format!("{text}cost:\n  instances: 1000\n{extra_cost}"))
}

fn path(f: &tempfile::NamedTempFile) -> String {
    f.path().display().to_string()
}

fn applied_example() -> Moto {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    moto
}

#[test]
fn plan_shows_the_monthly_change_led_by_the_per_instance_metrics_line() {
    let moto = applied_example();
    let f = expensive("");
    // --wide: the headline whole on one line, whatever the width.
    let (code, out, err) = moto.infrapipe(&["plan", "-c", &path(&f), "--wide"]);
    assert_eq!(code, 0, "{err}");
    let headline = out
        .lines()
        .find(|l| l.starts_with("Monthly cost: "))
        .unwrap_or_default();
    assert!(
        headline.contains(" -> ")
            && headline.ends_with("led by CloudWatch custom metrics: per instance"),
        "{out}"
    );
}

#[test]
fn plan_json_carries_before_after_and_delta() {
    let moto = applied_example();
    let f = expensive("");
    let (code, out, err) = moto.infrapipe(&["plan", "-c", &path(&f), "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("one JSON document");
    let cost = &doc["cost"];
    let (before, after, delta) = (
        cost["before_micros"].as_i64().expect("before"),
        cost["after_micros"].as_i64().expect("after"),
        cost["delta"].as_f64().expect("delta"),
    );
    assert!(
        after > 100_000_000
            && before < 10_000_000
            && (delta - (after - before) as f64 / 1e6).abs() < 1e-9,
        "{cost}"
    );
}

#[test]
fn a_change_to_the_cost_assumptions_alone_shows_no_cost_change() {
    let moto = applied_example();
    let f = config_file(&format!("{}cost:\n  instances: 1000\n", example_text()));
    let (code, out, err) = moto.infrapipe(&["plan", "-c", &path(&f)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(no change)"), "{out}");
}

#[test]
fn a_saved_plan_keeps_the_cost_change() {
    let moto = applied_example();
    let f = expensive("");
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("plan.json");
    let saved_arg = saved.display().to_string();
    let (code, _, err) = moto.infrapipe(&["plan", "-c", &path(&f), "--out", &saved_arg]);
    assert_eq!(code, 0, "{err}");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("JSON");
    assert!(
        doc["cost"]["delta_micros"].as_i64() > Some(100_000_000),
        "{doc}"
    );
}

#[test]
fn apply_above_the_ceiling_is_refused_before_any_change_with_the_figure_and_the_flag() {
    let moto = applied_example();
    let f = expensive("  max_monthly_usd: 10\n");
    let (code, _, err) = moto.infrapipe(&["apply", "-c", &path(&f), "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("above cost.max_monthly_usd ($10.00)")
            && err.contains("--allow-cost-increase"),
        "{err}"
    );
    // Nothing changed: the example still plans with no changes.
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn apply_above_the_ceiling_proceeds_with_allow_cost_increase() {
    let moto = applied_example();
    let f = expensive("  max_monthly_usd: 10\n");
    let (code, out, err) =
        moto.infrapipe(&["apply", "-c", &path(&f), "--yes", "--allow-cost-increase"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_change_that_lowers_the_cost_goes_through_above_the_ceiling() {
    let moto = applied_example();
    let f = expensive("");
    let (code, out, err) =
        moto.infrapipe(&["apply", "-c", &path(&f), "--yes", "--allow-cost-increase"]);
    assert_eq!(code, 0, "{out}{err}");
    // Back to fleet aggregates, still above a ceiling of $0.001 but far below before.
    let cheaper = config_file(&format!(
        "{}cost:\n  instances: 1000\n  max_monthly_usd: 0.001\n",
        example_text()
    ));
    let (code, out, err) = moto.infrapipe(&["apply", "-c", &path(&cheaper), "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn plan_warns_when_the_change_goes_above_the_ceiling() {
    let moto = applied_example();
    let f = expensive("  max_monthly_usd: 10\n");
    let (code, out, err) = moto.infrapipe(&["plan", "-c", &path(&f), "--wide"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning: the monthly cost estimate after this change is"),
        "{out}"
    );
}

#[test]
fn a_stack_applied_without_a_recorded_config_is_priced_as_unknown() {
    let moto = Moto::start();
    moto.deploy("infra-monitoring-prod", &example());
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Monthly cost: unknown -> "), "{out}");
}

#[test]
fn a_region_without_prices_is_shown_as_not_priced_with_how_to_price_it() {
    let moto = Moto::start();
    // The budget's derived limit needs every region's prices: this config names its own (so
    // the budget is rendered, not left out).
    let f = config_file(&format!(
        "{}monitoring:\n  budget:\n    monthly_usd: 10\n",
        example_text().replace("  - us-east-1\n", "  - us-east-1\n  - sa-east-1\n")
    ));
    let (code, out, err) = moto.infrapipe(&["plan", "-c", &path(&f), "--all-regions"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("sa-east-1: not priced (no price file for it; price it with --prices FILE)"),
        "{out}"
    );
}

#[test]
fn rollout_shows_the_cost_change_summed_over_its_regions() {
    let moto = Moto::start();
    let f =
        config_file(&example_text().replace("  - us-east-1\n", "  - us-east-1\n  - us-west-2\n"));
    let (code, out, err) = moto.infrapipe(&["rollout", "-c", &path(&f), "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let regions: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.starts_with("  us-east-1: $0.00 -> $") || l.starts_with("  us-west-2: $0.00 -> $")
        })
        .collect();
    assert!(
        regions.len() == 2 && out.contains("Monthly cost: $0.00 -> $"),
        "{out}"
    );
}
