//! The cost model prices the record lines the collector really writes: the real handler, given the
//! rendered template's environment, renders byte for byte the line `cost::usage::record_line`
//! assumes (field names, key order, unit, metadata, timestamp format).

mod common;
use infrapipe::config::MetricType;
use infrapipe::cost::usage::record_line;
use std::process::Command;

/// The collector's environment from the rendered example, as strings (the bucket's `Fn::Sub`
/// resolved to a placeholder: the line does not carry it).
fn collector_environment() -> Vec<(String, String)> {
    let template = common::example();
    let vars =
        &common::resource(&template, "CollectorFunction")["Properties"]["Environment"]["Variables"];
    let object = vars
        .as_object()
        .expect("the collector has environment variables");
    object
        .iter()
        .map(|(k, v)| {
            let value = v
                .as_str()
                .map_or_else(|| "raw-bucket".to_owned(), str::to_owned);
            (k.clone(), value)
        })
        .collect()
}

/// The line the real collector renders for one instance and metric at the cost model's sample time.
fn handler_line(metric: MetricType, instance_id: &str, value: &serde_json::Value) -> String {
    let script = format!(
        "import sys\nsys.path.insert(0, 'lambdas/collector')\nimport handler, os\nfrom datetime import datetime, timezone\n\
         s = handler.Settings.from_env(os.environ)\n\
         sys.stdout.write(handler.render_lines({{'{instance_id}': {value}}}, '{}', datetime(2026, 11, 25, 18, tzinfo=timezone.utc), s).decode())",
        metric.as_str()
    );
    let output = Command::new(".venv/bin/python")
        .args(["-c", &script])
        .env_clear()
        .envs(collector_environment())
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("run .venv/bin/python (make test installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the collector writes UTF-8")
}

#[test]
fn the_cost_model_prices_the_line_the_real_collector_writes_for_every_metric_type() {
    let mode = collector_environment()
        .into_iter()
        .find(|(k, _)| k == "COLLECTOR_MODE")
        .map(|(_, v)| v)
        .expect("the collector's mode is in its environment");
    for metric in [
        MetricType::Cpu,
        MetricType::Memory,
        MetricType::Disk,
        MetricType::Network,
    ] {
        let assumed = record_line(metric, "us-east-1", "i-0123456789abcdef0", &mode);
        let parsed: serde_json::Value =
            serde_json::from_str(&assumed).expect("the cost model's line is JSON");
        let written = handler_line(metric, "i-0123456789abcdef0", &parsed["value"]);
        assert_eq!(written, assumed, "{}", metric.as_str());
    }
}
