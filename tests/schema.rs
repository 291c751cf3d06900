//! `infrapipe schema`: the JSON Schema of the config, generated from the Rust types. Every
//! example validates against it, and its patterns and ranges agree with the config's parsers.

mod common;

use serde_json::Value;
use std::path::Path;

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&infrapipe::config::schema::json_schema())
        .expect("the generated schema is a valid JSON Schema")
}

fn yaml_to_json(text: &str) -> Value {
    serde_yaml_ng::from_str(text).expect("YAML")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_example_validates_against_the_schema() {
    let v = validator();
    let mut checked = 0;
    for entry in std::fs::read_dir("examples").expect("examples/") {
        let path = entry.expect("entry").path();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            continue;
        }
        let doc = yaml_to_json(&std::fs::read_to_string(&path).expect("read"));
        let errs = errors(&v, &doc);
        assert!(errs.is_empty(), "{}: {errs:?}", path.display());
        checked += 1;
    }
    assert!(checked >= 2, "found only {checked} examples");
}

#[test]
fn the_init_template_validates_against_the_schema() {
    let doc = yaml_to_json(include_str!("../src/init_template.yaml"));
    assert_eq!(errors(&validator(), &doc), Vec::<String>::new());
}

#[test]
fn the_printed_schema_is_the_generated_one() {
    let (code, out, _) = common::run(&["schema"]);
    assert_eq!(code, 0);
    let printed: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(printed, infrapipe::config::schema::json_schema());
}

#[test]
fn the_schema_rejects_unknown_fields_as_the_parser_does() {
    let doc = yaml_to_json(&format!("{}alarm: {{}}\n", common::MINIMAL));
    assert!(!validator().is_valid(&doc));
}

/// (field line replacing MINIMAL's or appended to it, accepted by the parser?)
const SAMPLES: &[&str] = &[
    "name: a",
    "name: infra-monitoring-1",
    "name: 1infra",
    "name: Infra",
    "name: infra-",
    "name: in--fra",
    "name: abcdefghijklmnopq",
    "environment: abcdefghij",
    "environment: abcdefghijk",
    "regions: [eu-west-1, us-west-2]",
    "regions: [useast1]",
    "regions: []",
    "regions: [us-east-1, us-east-1]",
    "schedule: rate(1 hour)",
    "schedule: rate(1 hours)",
    "schedule: rate(15 minutes)",
    "schedule: rate(0 minutes)",
    "schedule: rate(2 day)",
    "schedule: cron(0 * * * ? *)",
    "notifications: {emails: [a.b+c@mail.example.org]}",
    "notifications: {emails: [ops@localhost]}",
    "notifications: {emails: [.ops@example.com]}",
    "notifications: {emails: [ops@-example.com]}",
    "notifications: {emails: []}",
    "collectors: {instances: [i-0123456789abcdef0]}",
    "collectors: {instances: [i-01234567]}",
    "collectors: {instances: [i-0123]}",
    "collectors: {memory_mb: 127}",
    "collectors: {memory_mb: 10240}",
    "collectors: {timeout_seconds: 2.5}",
    "collectors: {namespace: Infra/Monitoring#1}",
    "collectors: {namespace: AWS/Lambda}",
    "collectors: {namespace: ':x'}",
    "collectors: {metrics: [cpu, disk]}",
    "collectors: {metrics: [cpu, gpu]}",
    "collectors: {runtime: python3.12}",
    "collectors: {runtime: python3.10}",
    "collectors: {reserved_concurrency: 0}",
    "collectors: {reserved_concurrency: 5}",
    "logs: {retention_days: 14}",
    "logs: {retention_days: 15}",
    "alarms: {cpu_high_percent: 92.5}",
    "alarms: {cpu_high_percent: 180}",
    "analytics: {query_principals: ['arn:aws:iam::123456789012:role/Analysts']}",
    "analytics: {query_principals: ['arn:aws:iam::123456789012:root']}",
    "analytics: {query_principals: ['arn:aws:iam::12345:root']}",
    "analytics: {query_principals: ['arn:aws:iam::123456789012:role/*']}",
    "analytics: {bytes_scanned_cutoff_mb: 9}",
    "drift: {ignore: [CollectorFunction.Timeout, '*.Tags', 'CollectorRole.Policies[x]']}",
    "drift: {ignore: [CollectorFunction]}",
    "drift: {ignore: [Collector-Function.Timeout]}",
    "drift: {ignore: ['CollectorFunction.[0]']}",
    "cost: {instances: 1000}",
    "cost: {instances: 0}",
    "cost: {retries_per_run: 0.5}",
    "tags: {project: x}",
    "allowed_account_ids: ['123456789012', '012345678901']",
    "allowed_account_ids: ['123456789012', '123456789012']",
    "allowed_account_ids: []",
    "allowed_account_ids: ['12345678901']",
    "allowed_account_ids: ['12345678901a']",
    "allowed_account_ids: [123456789012]",
    "adopt: {raw_bucket: raw-metrics-bucket, table: InfraMetrics}",
    "adopt: {raw_bucket: Raw_Metrics}",
    "adopt: {table: 'Infra Metrics'}",
    "adopt: {bucket: raw-metrics-bucket}",
    "security: {kms: none}",
    "security: {kms: create, access_logs: true}",
    "security: {kms: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'}",
    "security: {kms: 'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab'}",
    "security: {kms: 'arn:aws:kms:us-east-1:123456789012:alias/mine'}",
    "security: {kms: 'arn:aws:kms:us-east-1:12345:key/1234abcd-12ab-34cd-56ef-1234567890ab'}",
    "security: {kms: Create}",
    "security: {kms: true}",
    "security: {access_log_retention_days: 0}",
    "notifications: {emails: [a@example.com], slack: [{workspace_id: T0123ABCD, channel_id: C0123ABCD}]}",
    "notifications: {emails: [a@example.com], slack: [{workspace_id: t0123abcd, channel_id: C0123ABCD}]}",
    "notifications: {emails: [a@example.com], slack: [{workspace_id: T0123ABCD, channel_id: X0123ABCD}]}",
    "notifications: {emails: [a@example.com], slack: [{workspace_id: T0123ABCD}]}",
    "notifications: {emails: [a@example.com], teams: [{team_id: 12345678-abcd-4ef0-1234-56789abcdef0, channel_id: '19%3aabc%40thread.tacv2', tenant_id: 87654321-abcd-4ef0-1234-56789abcdef0}]}",
    "notifications: {emails: [a@example.com], teams: [{team_id: 12345678-abcd-4ef0-1234, channel_id: '19%3aabc%40thread.tacv2', tenant_id: 87654321-abcd-4ef0-1234-56789abcdef0}]}",
    "notifications: {emails: [a@example.com], teams: [{team_id: 12345678-abcd-4ef0-1234-56789abcdef0, channel_id: '19:abc@thread.tacv2', tenant_id: 87654321-abcd-4ef0-1234-56789abcdef0}]}",
];

fn with(line: &str) -> String {
    let key = line.split(':').next().unwrap_or_default();
    let mut lines: Vec<String> = common::MINIMAL
        .lines()
        .filter(|l| !l.starts_with(&format!("{key}:")))
        .map(str::to_owned)
        .collect();
    if key == "notifications" {
        lines.retain(|l| !l.starts_with("  emails:"));
    }
    lines.push(line.to_owned());
    lines.join("\n") + "\n"
}

#[test]
fn schema_and_parser_agree_on_each_sample_value() {
    let v = validator();
    let mut disagreements = Vec::new();
    for sample in SAMPLES {
        let text = with(sample);
        let parsed = infrapipe::config::Config::parse(&text, Path::new("sample.yaml"));
        let valid = v.is_valid(&yaml_to_json(&text));
        if parsed.is_ok() != valid {
            disagreements.push(format!(
                "{sample}: parser {}, schema {}",
                parsed
                    .err()
                    .map_or("accepts".to_owned(), |e| format!("refuses ({e})")),
                if valid { "accepts" } else { "refuses" }
            ));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
