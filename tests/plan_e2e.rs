//! `infrapipe plan` end to end: the real binary against moto on loopback.
//! moto's CloudFormation stores the template and creates only some resource types; a plan reads
//! only the stored template and the stack's status, which moto implements fully.

mod common;
use common::moto::Moto;
use common::*;

#[test]
fn plan_with_no_stack_adds_every_resource_and_exits_2() {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--detailed-exitcode"]);
    assert_eq!(code, 2, "{err}");
    let resources = example()["Resources"].as_object().expect("resources").len();
    assert!(
        out.contains(&format!(
            "Plan: {resources} to add, 0 to change, 0 to destroy."
        )),
        "{out}"
    );
    assert!(out.contains("not deployed"), "{out}");
}

#[test]
fn plan_against_the_deployed_template_has_no_changes_and_exits_0() {
    let moto = Moto::start();
    moto.deploy("infra-monitoring-prod", &example());
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn changing_the_cpu_threshold_plans_exactly_one_update_of_threshold() {
    let moto = Moto::start();
    moto.deploy("infra-monitoring-prod", &example());
    let changed =
        config_file(&example_text().replace("cpu_high_percent: 80", "cpu_high_percent: 85"));
    let path = changed.path().display().to_string();
    let (code, out, err) = moto.infrapipe(&["plan", "-c", &path, "--json", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let changes = doc["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{out}");
    assert_eq!(changes[0]["logical_id"], "HighCpuAlarm");
    assert_eq!(changes[0]["action"], "update");
    let paths: Vec<&str> = changes[0]["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .filter_map(|p| p["path"].as_str())
        .collect();
    assert!(paths.contains(&"Threshold"), "{paths:?}");
    assert_eq!(
        doc["summary"],
        serde_json::json!({ "add": 0, "change": 1, "destroy": 0 })
    );
}

#[test]
fn changing_the_table_key_plans_a_replacement_with_a_data_loss_warning() {
    let moto = Moto::start();
    // Deploy a table keyed the seed's way, then plan ours: the key change replaces the table.
    let mut deployed = example();
    deployed["Resources"]["MetricsTable"]["Properties"]["KeySchema"][1]["AttributeName"] =
        serde_json::json!("timestamp");
    moto.deploy("infra-monitoring-prod", &deployed);
    let (code, out, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--detailed-exitcode"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.contains("-/+ AWS::DynamoDB::Table"), "{out}");
    assert!(out.contains("DATA LOSS"), "{out}");
    assert!(
        // At 80 columns the note goes under the property, which keeps its values whole.
        out.contains(
            "KeySchema[1].AttributeName: timestamp -> metric_key\n        # forces replacement"
        ),
        "{out}"
    );
}

#[test]
fn plan_out_saves_the_template_and_stack_identity() {
    let moto = Moto::start();
    moto.deploy("infra-monitoring-prod", &example());
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("plan.json");
    let file_s = file.display().to_string();
    let (code, _, err) = moto.infrapipe(&["plan", "-c", EXAMPLE, "--out", &file_s]);
    assert_eq!(code, 0, "{err}");
    let saved = infrapipe::plan::saved::SavedPlan::read(&file).expect("saved plan");
    // The template as plan renders it: the config recorded in its Metadata.
    let config = config(&example_text());
    let rendered = infrapipe::commands::template(&config, &config.regions[0]).expect("renders");
    assert_eq!(saved.template, rendered);
    assert!(
        saved
            .stack_id
            .is_some_and(|id| id.contains("infra-monitoring-prod"))
    );
    assert!(saved.last_change.is_some());
}

#[test]
fn aws_errors_are_one_line_naming_the_stack_and_region() {
    let moto = Moto::start();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_infrapipe"))
        .args([
            "plan",
            "-c",
            EXAMPLE,
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .envs(moto.env("us-east-1"))
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.starts_with("error: reading stack infra-monitoring-prod in us-east-1 failed:"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// The plan of the undeployed example as a CI log with `COLUMNS` sees it, plus `extra` flags.
fn plan_at_80_columns(moto: &Moto, extra: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_infrapipe"))
        .args(["plan", "-c", EXAMPLE])
        .args(extra)
        .envs(moto.env("us-east-1"))
        .env("COLUMNS", "80")
        .env_remove("AWS_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{:?}", out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The lines wider than `width` display columns (characters, not bytes: the table's rules are
/// three bytes a column).
fn lines_wider_than(text: &str, width: usize) -> Vec<&str> {
    text.lines().filter(|l| l.chars().count() > width).collect()
}

#[test]
fn with_columns_80_plan_prints_no_line_longer_than_80_columns() {
    let moto = Moto::start();
    let out = plan_at_80_columns(&moto, &[]);
    assert!(out.contains("IAM and resource-policy"), "{out}");
    assert_eq!(lines_wider_than(&out, 80), Vec::<&str>::new(), "{out}");
}

#[test]
fn with_wide_plan_prints_the_full_iam_table_past_80_columns() {
    let moto = Moto::start();
    let out = plan_at_80_columns(&moto, &["--wide"]);
    let header = out
        .lines()
        .find(|l| l.contains("│ Resource"))
        .unwrap_or_else(|| panic!("no IAM table:\n{out}"));
    assert!(header.chars().count() > 80, "{header}");
}
