//! cfn-lint (pinned in requirements.txt, installed by `make test`) reports no error and no
//! warning on every template we render, exactly as synth writes it (the config recorded in
//! `Metadata` included): the examples (also with each `security:` variant) and
//! configs that turn on each option; and none of its informational I3011 (a stateful resource
//! without an explicit DeletionPolicy/UpdateReplacePolicy).

mod common;
use std::path::Path;
use std::process::Command;

const VARIANTS: &[(&str, &str)] = &[
    (
        "cloudwatch-fleet",
        "collectors:\n  mode: cloudwatch\n  instances: [i-0123456789abcdef0]\n  per_instance_metrics: true\n  reserved_concurrency: 2\n  architecture: x86_64\n  runtime: python3.12\n",
    ),
    (
        "analysts",
        "analytics:\n  query_principals: ['arn:aws:iam::123456789012:root']\n  bytes_scanned_cutoff_mb: 10\nstorage:\n  table_deletion_protection: true\nlogs:\n  retention_days: 365\n",
    ),
    (
        "monitoring-options",
        "monitoring:\n  s3_request_metrics: true\n  anomaly_detection:\n    metrics: [cpu, memory]\n    band_width: 2.5\n    replace_threshold: true\n  budget:\n    monthly_usd: 12.5\n",
    ),
    (
        "fast-schedule",
        "schedule: rate(1 minute)\ncollectors:\n  metrics: [cpu]\n",
    ),
];

/// `yaml`'s template for its first region exactly as synth writes it (with `Metadata`).
fn synthesized(yaml: &str) -> serde_json::Value {
    let config = common::config(yaml);
    infrapipe::commands::template(&config, &config.regions[0]).expect("package bundled lambdas")
}

#[test]
fn cfn_lint_passes_on_every_rendered_template() {
    let lint = Path::new(".venv/bin/cfn-lint");
    assert!(
        lint.exists(),
        "cfn-lint is not installed in .venv: run `make test` (it creates .venv from requirements.txt)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    // Exactly as synth writes them, the recorded config in `Metadata` included.
    for (name, t) in common::synthesized_examples() {
        let file = dir.path().join(name);
        std::fs::write(&file, infrapipe::template::to_string(&t)).expect("write template");
        files.push(file);
    }
    // Both chat channels, with the stack's own key (the topic encrypted).
    let chat = format!(
        "{}{}security:\n  kms: create\n",
        common::MINIMAL,
        common::CHAT_CHANNELS
    );
    let file = dir.path().join("chatbot.json");
    std::fs::write(&file, infrapipe::template::to_string(&synthesized(&chat)))
        .expect("write template");
    files.push(file);
    for (name, extra) in VARIANTS {
        let t = synthesized(&format!("{}{extra}", common::MINIMAL));
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, infrapipe::template::to_string(&t)).expect("write template");
        files.push(file);
    }
    let out = Command::new(lint)
        .args(["--include-checks", "I", "--"])
        .args(&files)
        .output()
        .expect("run cfn-lint");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // cfn-lint's exit status is a bit mask: 2 errors, 4 warnings, 8 informational findings.
    let code = out.status.code().unwrap_or(1);
    assert!(
        code & !8 == 0,
        "cfn-lint found errors or warnings:\n{report}"
    );
    assert!(
        !report.contains("I3011"),
        "a stateful resource has no explicit deletion policy:\n{report}"
    );
}

#[test]
fn cfn_lint_passes_on_the_stack_set_template() {
    let lint = Path::new(".venv/bin/cfn-lint");
    assert!(
        lint.exists(),
        "cfn-lint is not installed in .venv: run `make test`"
    );
    let config = common::config(
        &common::example_text().replace("  - us-east-1\n", "  - us-east-1\n  - eu-west-1\n"),
    );
    let (us, eu) = (&config.regions[0], &config.regions[1]);
    let t = infrapipe::commands::stack_set_template(&config, eu, us).expect("stack-set template");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("stack-set.json");
    std::fs::write(&file, infrapipe::template::to_string(&t)).expect("write template");
    let out = Command::new(lint)
        .arg("--")
        .arg(&file)
        .output()
        .expect("run cfn-lint");
    assert!(
        out.status.code().unwrap_or(1) & !8 == 0,
        "cfn-lint found errors or warnings:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
