//! A region this build has no prices for blocks nothing unless a ceiling is set (issue 22): the
//! budget whose limit would come from the cost estimate is left out, with one warning saying
//! why and how to get it; with `cost.max_monthly_usd` set, apply is still refused before any
//! change.

mod common;
use common::moto::Moto;
use common::*;
use serde_json::Value;

/// The example in us-east-1 and sa-east-1 (no bundled prices), with `extra` appended.
fn two_regions(extra: &str) -> tempfile::NamedTempFile {
    let text = example_text().replace("  - us-east-1\n", "  - us-east-1\n  - sa-east-1\n");
    assert!(text.contains("sa-east-1"), "the example changed shape");
    config_file(&format!("{text}{extra}"))
}

fn path(f: &tempfile::NamedTempFile) -> String {
    f.path().display().to_string()
}

const LEFT_OUT: &str = "warning: the monthly budget is left out";

/// `synth --out` for both regions: (exit code, stderr, the templates written).
fn synth_both(f: &tempfile::NamedTempFile) -> (i32, String, Vec<Value>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().display().to_string();
    let (code, _, err) = run(&["synth", "-c", &path(f), "--out", &out]);
    let templates = ["us-east-1", "sa-east-1"]
        .iter()
        .filter_map(|r| {
            std::fs::read_to_string(dir.path().join(format!("infrapipe-{r}.json"))).ok()
        })
        .map(|text| serde_json::from_str(&text).expect("a template"))
        .collect();
    (code, err, templates)
}

#[test]
fn synth_with_an_unpriced_region_renders_every_region_without_the_budget() {
    let (code, err, templates) = synth_both(&two_regions(""));
    assert_eq!((code, templates.len()), (0, 2), "{err}");
    for t in &templates {
        assert!(of_type(t, "AWS::Budgets::Budget").is_empty());
    }
}

#[test]
fn the_budget_left_out_is_said_once_with_why_and_how_to_get_it() {
    let (_, err, _) = synth_both(&two_regions(""));
    assert_eq!(err.matches(LEFT_OUT).count(), 1, "{err}");
    assert!(
        err.contains("no prices for sa-east-1; set monitoring.budget.monthly_usd to get it"),
        "{err}"
    );
}

#[test]
fn a_budget_with_its_own_limit_is_rendered_in_the_first_region_and_nothing_is_said() {
    let f = two_regions("monitoring:\n  budget:\n    monthly_usd: 10\n");
    let (code, err, templates) = synth_both(&f);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains(LEFT_OUT), "{err}");
    assert_eq!(of_type(&templates[0], "AWS::Budgets::Budget").len(), 1);
}

#[test]
fn plan_with_an_unpriced_region_and_no_ceiling_goes_through() {
    let moto = Moto::start();
    let f = two_regions("");
    let (code, out, err) = moto.infrapipe(&["plan", "-c", &path(&f), "--all-regions"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("sa-east-1: not priced"), "{out}");
}

#[test]
fn with_a_ceiling_an_unpriced_region_still_refuses_apply_before_any_change() {
    let moto = Moto::start();
    let f = two_regions("cost:\n  max_monthly_usd: 10\n");
    let (code, _, err) = moto.infrapipe(&["apply", "-c", &path(&f), "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cannot be checked: sa-east-1 is not priced"),
        "{err}"
    );
    let stacks = moto.boto3(
        "import boto3\nprint([s['StackName'] for s in boto3.client('cloudformation').list_stacks()['StackSummaries']])",
        &[],
    );
    assert_eq!(stacks.trim(), "[]", "nothing was created");
}
