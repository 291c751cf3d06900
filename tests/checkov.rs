//! checkov (pinned in requirements-checkov.txt, installed in .venv-checkov by `make test`) finds
//! no failed check on the rendered template of every example, as written and with each
//! `security:` variant (no key, the stack's own key with access logs, a key of yours); every
//! check that stays skipped says why in the resource's Metadata, where checkov reads it.

mod common;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const CHECKOV: &str = ".venv-checkov/bin/checkov";

#[test]
fn checkov_finds_no_failed_check_on_any_rendered_template() {
    assert!(
        Path::new(CHECKOV).exists(),
        "checkov is not installed in .venv-checkov: run `make test` (it creates .venv-checkov from requirements-checkov.txt)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rendered = common::rendered_examples();
    // Both chat channels, with the stack's own key.
    rendered.push((
        "chatbot-us-east-1.json".to_owned(),
        common::render(&format!(
            "{}{}security:\n  kms: create\n",
            common::MINIMAL,
            common::CHAT_CHANNELS
        )),
    ));
    for (name, t) in &rendered {
        std::fs::write(dir.path().join(name), infrapipe::template::to_string(t))
            .expect("write template");
    }
    // One process over the whole directory: checkov's start-up is most of its time.
    // --skip-download: no call to the vendor's platform (guidelines, custom policies).
    let out = Command::new(CHECKOV)
        .args([
            "--framework",
            "cloudformation",
            "--quiet",
            "--skip-download",
        ])
        .args(["--output", "json", "--directory"])
        .arg(dir.path())
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .expect("run checkov");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON report ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let summary = &report["summary"];
    let failed: Vec<String> = report["results"]["failed_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {} on {} ({})",
                c["check_id"].as_str().unwrap_or("?"),
                c["check_name"].as_str().unwrap_or("?"),
                c["resource"].as_str().unwrap_or("?"),
                c["file_path"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        summary["failed"],
        0,
        "checkov failed checks:\n{}",
        failed.join("\n")
    );
    assert_eq!(summary["parsing_errors"], 0, "{summary}");
    // Every template was read: each has a few dozen resources.
    assert!(
        summary["resource_count"].as_u64().unwrap_or(0) >= 20 * rendered.len() as u64,
        "checkov read fewer resources than rendered: {summary}"
    );
}

#[test]
fn every_skipped_check_says_why() {
    for (name, t) in common::rendered_examples() {
        for (id, r) in t["Resources"].as_object().expect("resources") {
            for skip in r["Metadata"]["checkov"]["skip"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let rule = skip["id"].as_str().unwrap_or_default();
                let why = skip["comment"].as_str().unwrap_or_default();
                assert!(
                    rule.starts_with("CKV") && why.len() > 20,
                    "{name}: {id} skips {skip} without a reason"
                );
            }
        }
    }
}

#[test]
fn queues_skip_the_sqs_encryption_check_only_without_a_key_and_say_it_is_a_false_positive() {
    for (name, t) in common::rendered_examples() {
        for (id, q) in common::of_type(&t, "AWS::SQS::Queue") {
            let skips = q["Metadata"]["checkov"]["skip"].to_string();
            let keyed = q["Properties"].get("KmsMasterKeyId").is_some();
            assert_eq!(
                skips.contains("CKV_AWS_27"),
                !keyed,
                "{name}: {id} skip of CKV_AWS_27 with a key: {keyed}"
            );
            if !keyed {
                assert!(
                    skips.contains("False positive") && skips.contains("SqsManagedSseEnabled"),
                    "{name}: {id}: {skips}"
                );
            }
        }
    }
}
