//! Shared fixtures: configs rendered in-process, and the CLI run in-process.
#![allow(dead_code)]

use infrapipe::config::{Config, Region};
use infrapipe::model::Pipeline;
use serde_json::Value;
use std::path::Path;

pub const EXAMPLE: &str = "examples/infrapipe.yaml";

/// A minimal valid config; tests append or replace lines to vary it.
pub const MINIMAL: &str = "name: infra-monitoring\nenvironment: prod\nregions: [us-east-1]\nnotifications:\n  emails: [ops@example.com]\n";

/// The example config's text, for tests that change a line of it.
/// Appended to `MINIMAL` (it ends inside `notifications:`): one Slack and one Teams channel.
pub const CHAT_CHANNELS: &str = "  slack: [{workspace_id: T0123ABCD, channel_id: C0123ABCD}]\n  teams: [{team_id: 12345678-abcd-4ef0-1234-56789abcdef0, channel_id: '19%3ab6ef35dc342d4e8ab0bdc4a2d1d3fc5b%40thread.tacv2', tenant_id: 87654321-abcd-4ef0-1234-56789abcdef0}]\n";

pub fn example_text() -> String {
    std::fs::read_to_string(EXAMPLE).expect("examples/infrapipe.yaml exists")
}

/// `yaml` written to a `.yaml` temp file, removed when the handle drops.
pub fn config_file(yaml: &str) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut f = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile()
        .expect("temp file");
    f.write_all(yaml.as_bytes()).expect("write");
    f
}

pub fn config(yaml: &str) -> Config {
    match Config::parse(yaml, Path::new("test.yaml")) {
        Ok(c) => c,
        Err(e) => panic!("fixture config is invalid: {e}"),
    }
}

pub fn pipeline(yaml: &str) -> Pipeline {
    let c = config(yaml);
    let region = c.regions[0].clone();
    infrapipe::commands::build(&c, &region).expect("package bundled lambdas")
}

pub fn render(yaml: &str) -> Value {
    infrapipe::template::render(&pipeline(yaml))
}

pub fn example() -> Value {
    let text = std::fs::read_to_string(EXAMPLE).expect("examples/infrapipe.yaml exists");
    render(&text)
}

pub fn region(s: &str) -> Region {
    Region::parse(s).expect("known region")
}

/// Resources of a template with the given type, by logical id.
pub fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    t["Resources"]
        .as_object()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

pub fn resource<'a>(t: &'a Value, id: &str) -> &'a Value {
    let r = &t["Resources"][id];
    assert!(!r.is_null(), "template has no resource {id}");
    r
}

/// Runs the CLI in-process; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let mut argv = vec!["infrapipe".into()];
    argv.extend(args.iter().map(|a| (*a).into()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = infrapipe::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}
/// Runs the CLI in-process with `answer` as the typed input and stdin a terminal; returns
/// (exit code, stdout, stderr).
pub fn run_answering(answer: &str, args: &[&str]) -> (i32, String, String) {
    let mut argv = vec!["infrapipe".into()];
    argv.extend(args.iter().map(|a| (*a).into()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = answer.as_bytes();
    let terminals = infrapipe::console::Terminals {
        input: true,
        ..infrapipe::console::Terminals::default()
    };
    let code = infrapipe::run_in(
        argv,
        &infrapipe::console::Console::new(&mut out, &mut err, &mut input, terminals),
    );
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

pub mod faultproxy;
pub mod mocks;
pub mod moto;

/// The `security:` sections each example is also rendered with (checkov, cfn-lint): the stack's
/// own key with access logs, and a key of yours (in the examples' region).
pub const SECURITY_VARIANTS: &[(&str, &str)] = &[
    (
        "kms-create",
        "security:\n  kms: create\n  access_logs: true\n",
    ),
    (
        "kms-existing",
        "security:\n  kms: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n",
    ),
];

/// Every example (examples/*.yaml) as written and with each of `SECURITY_VARIANTS`, rendered
/// for each of its regions: (file name, template).
pub fn rendered_examples() -> Vec<(String, Value)> {
    examples_with(|config, region| {
        infrapipe::template::render(
            &infrapipe::commands::build(config, region).expect("package bundled lambdas"),
        )
    })
}

/// The same templates exactly as `synth` writes them: with the config recorded in `Metadata`.
#[allow(dead_code)] // not every test binary uses every helper
pub fn synthesized_examples() -> Vec<(String, Value)> {
    examples_with(|config, region| {
        infrapipe::commands::template(config, region).expect("package bundled lambdas")
    })
}

/// Every example and variant of `rendered_examples`, each region's template made by `make`.
fn examples_with(make: impl Fn(&Config, &Region) -> Value) -> Vec<(String, Value)> {
    let mut examples: Vec<_> = std::fs::read_dir("examples")
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    examples.sort();
    let mut out = Vec::new();
    for path in examples {
        let text = std::fs::read_to_string(&path).expect("read example");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("example")
            .to_owned();
        let mut variants = vec![(stem.clone(), text.clone())];
        for (name, section) in SECURITY_VARIANTS {
            // A key of yours serves one region: a multi-region example cannot name one.
            if *name == "kms-existing" && config(&text).regions.len() > 1 {
                continue;
            }
            variants.push((format!("{stem}-{name}"), format!("{text}\n{section}")));
        }
        for (name, yaml) in variants {
            let config = config(&yaml);
            for region in &config.regions {
                out.push((format!("{name}-{region}.json"), make(&config, region)));
            }
        }
    }
    out
}
