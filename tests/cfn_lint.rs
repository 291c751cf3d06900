//! cfn-lint (pinned in requirements.txt, installed by `make test`) reports no error and no
//! warning on every template we render: the examples and configs that turn on each option.

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

#[test]
fn cfn_lint_passes_on_every_rendered_template() {
    let lint = Path::new(".venv/bin/cfn-lint");
    assert!(
        lint.exists(),
        "cfn-lint is not installed in .venv: run `make test` (it creates .venv from requirements.txt)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    let mut examples: Vec<_> = std::fs::read_dir("examples")
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    examples.sort();
    for path in examples {
        let text = std::fs::read_to_string(&path).expect("read example");
        let config = common::config(&text);
        for region in &config.regions {
            let p = infrapipe::commands::build(&config, region).expect("zip");
            let name = format!(
                "{}-{region}.json",
                path.file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("example")
            );
            let file = dir.path().join(name);
            std::fs::write(
                &file,
                infrapipe::template::to_string(&infrapipe::template::render(&p)),
            )
            .expect("write template");
            files.push(file);
        }
    }
    for (name, extra) in VARIANTS {
        let t = common::render(&format!("{}{extra}", common::MINIMAL));
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, infrapipe::template::to_string(&t)).expect("write template");
        files.push(file);
    }
    let out = Command::new(lint)
        .args(&files)
        .output()
        .expect("run cfn-lint");
    assert!(
        out.status.success(),
        "cfn-lint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
