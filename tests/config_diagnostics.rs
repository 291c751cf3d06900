//! Config errors read like a compiler's: every problem of the file in one run, each as
//! `file:line:col: field: message` with the source line and a caret under the value, types in
//! plain words, "did you mean" for misspellings, YAML syntax errors where the problem is.

mod common;
use common::*;

/// Runs `validate` on `yaml` and returns its exit code and stderr, the temp path as FILE.
fn validate(yaml: &str) -> (i32, String) {
    let f = config_file(yaml);
    let path = f.path().display().to_string();
    let (code, _out, err) = run(&["validate", "-c", &path]);
    (code, err.replace(&path, "FILE"))
}

/// The diagnostics of a config that must fail.
fn diagnostics(yaml: &str) -> String {
    let (code, err) = validate(yaml);
    assert_eq!(code, 1, "expected failure, got: {err}");
    err
}

/// MINIMAL with `extra` appended, as a numbered file of 5 + n lines.
fn minimal_with(extra: &str) -> String {
    format!("{MINIMAL}{extra}")
}

#[test]
fn a_tab_is_named_at_the_line_it_indents() {
    let yaml = minimal_with("collectors:\n  mode: simulated\n\tmetrics: [cpu]\n");
    insta::assert_snapshot!("tab", diagnostics(&yaml));
}

#[test]
fn a_duplicate_key_is_reported_where_it_repeats() {
    let yaml = minimal_with("alarms:\n  cpu_high_percent: 80\n  cpu_high_percent: 90\n");
    insta::assert_snapshot!("duplicate_key", diagnostics(&yaml));
}

#[test]
fn an_unclosed_quote_is_reported_where_it_opens() {
    let yaml = MINIMAL.replace("environment: prod", "environment: \"prod");
    insta::assert_snapshot!("unclosed_quote", diagnostics(&yaml));
}

#[test]
fn a_wrong_type_is_said_in_plain_words() {
    let yaml = minimal_with("alarms:\n  cpu_high_percent: lots\n");
    insta::assert_snapshot!("wrong_type", diagnostics(&yaml));
}

#[test]
fn a_list_given_one_value_is_said_in_plain_words() {
    let err = diagnostics(&MINIMAL.replace("[us-east-1]", "us-east-1"));
    assert!(
        err.contains(
            "regions: must be a list of regions, such as [us-east-1, eu-west-1] (got \"us-east-1\")"
        ),
        "{err}"
    );
}

#[test]
fn an_unknown_field_suggests_the_known_one() {
    let yaml = minimal_with("alarms:\n  cpu_hgih_percent: 80\n");
    insta::assert_snapshot!("unknown_field", diagnostics(&yaml));
}

#[test]
fn three_invalid_fields_are_three_located_diagnostics() {
    let yaml = minimal_with(
        "alarms:\n  cpu_high_percent: 180\n  memory_high_percent: lots\ncollectors:\n  mode: cloudwach\n",
    );
    let err = diagnostics(&yaml);
    let located = err
        .lines()
        .filter(|l| {
            l.starts_with("error: FILE:")
                && l.split(':')
                    .nth(2)
                    .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .count();
    assert_eq!(located, 3, "{err}");
    insta::assert_snapshot!("three_problems", err);
}

#[test]
fn an_unknown_region_suggests_the_known_one() {
    let yaml = MINIMAL.replace("[us-east-1]", "[us-east-1, eu-wset-1]");
    insta::assert_snapshot!("unknown_region", diagnostics(&yaml));
}

/// The budget's derived limit needs prices, which these regions have none of bundled: the
/// config names its limit (without it, the budget is left out with a warning).
const OWN_BUDGET: &str = "monitoring:\n  budget:\n    monthly_usd: 10\n";

#[test]
fn the_newest_regions_validate() {
    let yaml = format!(
        "{}{OWN_BUDGET}",
        MINIMAL.replace("[us-east-1]", "[mx-central-1, ap-southeast-7]")
    );
    let (code, err) = validate(&yaml);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_region_shaped_like_one_but_unknown_is_a_warning_not_a_refusal() {
    let f = config_file(&format!(
        "{}{OWN_BUDGET}",
        MINIMAL.replace("[us-east-1]", "[us-east-1, xx-name-3]")
    ));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_infrapipe"))
        .args(["validate", "-c"])
        .arg(f.path())
        .output()
        .expect("run infrapipe");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(":3:22: regions[1]: xx-name-3 is not a region this build of infrapipe knows"),
        "{err}"
    );
}

#[test]
fn every_missing_required_field_is_named() {
    let err = diagnostics("environment: prod\n");
    for field in ["name", "regions", "notifications"] {
        assert!(
            err.contains(&format!("FILE: {field}: is required")),
            "{err}"
        );
    }
}

#[test]
fn a_cross_field_rule_is_reported_with_a_type_error() {
    let yaml = minimal_with("alarms:\n  lambda_duration_ms: 30000\n  cpu_high_percent: lots\n");
    let err = diagnostics(&yaml);
    assert!(
        err.contains("alarms.lambda_duration_ms: must be below"),
        "{err}"
    );
    assert!(
        err.contains("alarms.cpu_high_percent: must be a number"),
        "{err}"
    );
}
