//! Bad configs give one clear headline each (file:line:column: field: what is allowed, what was
//! given), then the source line with a caret, exit non-zero, and never panic.

mod common;
use common::*;

/// Writes `yaml` to a temp file and runs `infrapipe validate -c` on it.
fn validate(yaml: &str) -> (i32, String, String, String) {
    let f = config_file(yaml);
    let path = f.path().display().to_string();
    let (code, out, err) = run(&["validate", "-c", &path]);
    (code, out, err, path)
}

/// The headline of the only problem: its first line (the source excerpt follows it).
fn error_line(yaml: &str) -> String {
    let (code, _out, err, path) = validate(yaml);
    assert_eq!(code, 1, "expected failure, got: {err}");
    let problems = err.lines().filter(|l| l.starts_with("error: ")).count();
    assert_eq!(problems, 1, "one problem expected: {err}");
    let line = err.lines().next().unwrap_or_default().to_owned();
    line.replace(&path, "FILE")
}

#[test]
fn valid_example_passes() {
    let (code, out, _) = run(&["validate", "-c", EXAMPLE]);
    assert_eq!(code, 0);
    assert!(out.contains("valid"), "{out}");
}

#[test]
fn threshold_out_of_range_names_position_field_range_and_value() {
    let yaml = format!("{MINIMAL}alarms:\n  cpu_high_percent: 180\n");
    assert_eq!(
        error_line(&yaml),
        "error: FILE:7:21: alarms.cpu_high_percent: must be between 1 and 100 (got 180)"
    );
}

#[test]
fn rate_expression_aws_would_refuse_is_rejected() {
    let yaml = format!("{MINIMAL}schedule: rate(1 hours)\n");
    let line = error_line(&yaml);
    assert!(
        line.starts_with("error: FILE:6:11: schedule: must be a rate expression"),
        "{line}"
    );
    assert!(line.contains("write \"rate(1 hour)\""), "{line}");
}

#[test]
fn malformed_email_is_rejected() {
    let yaml = MINIMAL.replace("ops@example.com", "ops.example.com");
    let line = error_line(&yaml);
    assert!(
        line.contains("notifications.emails[0]: must be an e-mail address"),
        "{line}"
    );
    assert!(line.contains("(got \"ops.example.com\")"), "{line}");
}

#[test]
fn unknown_region_is_rejected_with_a_suggestion() {
    let yaml = MINIMAL.replace("[us-east-1]", "[us-east-1, euwest1]");
    let line = error_line(&yaml);
    assert!(
        line.contains(
            "regions[1]: is not a known AWS region (got \"euwest1\"); did you mean eu-west-1?"
        ),
        "{line}"
    );
}

#[test]
fn name_that_would_make_an_invalid_bucket_name_is_rejected() {
    let yaml = MINIMAL.replace("name: infra-monitoring", "name: Infra_Monitoring");
    let line = error_line(&yaml);
    assert!(
        line.starts_with(
            "error: FILE:1:7: name: must use only lowercase letters, digits and hyphens"
        ),
        "{line}"
    );
}

#[test]
fn name_too_long_for_bucket_names_is_rejected() {
    let yaml = MINIMAL.replace("name: infra-monitoring", "name: infrastructure-monitoring");
    let line = error_line(&yaml);
    assert!(
        line.contains(
            "name: must be 1 to 16 characters so that derived S3 bucket names stay within 63"
        ),
        "{line}"
    );
}

#[test]
fn unknown_key_is_an_error() {
    let yaml = format!("{MINIMAL}alarms:\n  cpu_hgih_percent: 80\n");
    let line = error_line(&yaml);
    assert!(line.starts_with("error: FILE:7:3: alarms.cpu_hgih_percent: is not a known field; did you mean cpu_high_percent?"), "{line}");
}

#[test]
fn cross_field_rule_points_at_the_field() {
    let yaml = format!("{MINIMAL}alarms:\n  lambda_duration_ms: 30000\n");
    assert_eq!(
        error_line(&yaml),
        "error: FILE:7:23: alarms.lambda_duration_ms: must be below the collector's timeout of 30000 ms or the alarm can never fire (got 30000)"
    );
}

#[test]
fn cloudwatch_mode_needs_a_fleet() {
    let yaml = format!("{MINIMAL}collectors:\n  mode: cloudwatch\n");
    assert!(error_line(&yaml).contains("collectors.mode: is cloudwatch, which needs the fleet"));
}

#[test]
fn missing_required_field_is_named() {
    let line = error_line("name: a\nenvironment: prod\nregions: [us-east-1]\n");
    assert!(line.ends_with("notifications: is required"), "{line}");
}

#[test]
fn missing_file_says_how_to_get_one() {
    let (code, _, err) = run(&["validate", "-c", "does/not/exist.yaml"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("does/not/exist.yaml: cannot read the config"),
        "{err}"
    );
}

#[test]
fn not_yaml_at_all_is_one_problem_with_position() {
    let line = error_line("name: [unclosed\n");
    assert!(line.starts_with("error: FILE:"), "{line}");
}

#[test]
fn json_error_is_one_document_on_stdout() {
    let (code, out, _) = run(&["validate", "--json", "-c", "does/not/exist.yaml"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    assert!(
        doc["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot read"))
    );
}
