//! `infrapipe init`: a commented config with the seed's defaults that validates as written, its
//! schema beside it, and no overwriting without --force.

mod common;

use std::path::Path;

const TEMPLATE: &str = include_str!("../src/init_template.yaml");

fn dir_arg(dir: &Path) -> &str {
    dir.to_str().expect("temp dir path is UTF-8")
}

#[test]
fn init_writes_a_config_that_validates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, err) = common::run(&["init", dir_arg(dir.path())]);
    assert_eq!(code, 0, "{err}");
    let config = dir.path().join("infrapipe.yaml");
    let (code, out, err) = common::run(&["validate", "-c", config.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "the written config must validate: {out}{err}");
}

#[test]
fn init_creates_a_missing_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("new").join("pipeline");
    let (code, _, err) = common::run(&["init", target.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{err}");
    assert!(target.join("infrapipe.yaml").is_file());
}

#[test]
fn init_points_editors_at_the_schema_it_writes_beside_the_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, err) = common::run(&["init", dir_arg(dir.path())]);
    assert_eq!(code, 0, "{err}");
    let config = std::fs::read_to_string(dir.path().join("infrapipe.yaml")).expect("config");
    assert_eq!(
        config.lines().next(),
        Some("# yaml-language-server: $schema=./infrapipe.schema.json")
    );
    let written =
        std::fs::read_to_string(dir.path().join("infrapipe.schema.json")).expect("schema");
    let (_, printed, _) = common::run(&["schema"]);
    assert_eq!(
        written, printed,
        "init writes exactly what `infrapipe schema` prints"
    );
}

#[test]
fn init_refuses_to_overwrite_an_existing_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("infrapipe.yaml");
    std::fs::write(&config, "name: mine\n").expect("write");
    let (code, out, err) = common::run(&["init", dir_arg(dir.path())]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&config).expect("read"),
        "name: mine\n"
    );
    assert!(
        !dir.path().join("infrapipe.schema.json").exists(),
        "a refused init writes nothing"
    );
}

#[test]
fn init_force_overwrites_an_existing_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("infrapipe.yaml");
    std::fs::write(&config, "name: mine\n").expect("write");
    let (code, _, err) = common::run(&["init", "--force", dir_arg(dir.path())]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&config).expect("read"), TEMPLATE);
}

#[test]
fn init_again_over_its_own_unchanged_files_is_no_conflict() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(common::run(&["init", dir_arg(dir.path())]).0, 0);
    let (code, out, err) = common::run(&["init", dir_arg(dir.path())]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("wrote"), "{out}");
    assert!(
        out.contains("infrapipe.yaml already holds what init writes"),
        "{out}"
    );
}

#[test]
fn init_json_names_the_files_it_wrote() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, out, err) = common::run(&["--json", "init", dir_arg(dir.path())]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let config = dir.path().join("infrapipe.yaml").display().to_string();
    assert_eq!(doc["config"], config.as_str());
    assert_eq!(doc["written"].as_array().map(Vec::len), Some(2));
}

#[test]
fn the_template_holds_exactly_the_seed_defaults() {
    // MINIMAL sets only the required fields, to the template's placeholders; all else defaults.
    let written = serde_json::to_value(common::config(TEMPLATE)).expect("serialize");
    let defaults = serde_json::to_value(common::config(common::MINIMAL)).expect("serialize");
    assert_eq!(written, defaults);
}

/// Every property name in the schema, through `$ref`s, as `key`.
fn schema_keys(schema: &serde_json::Value, node: &serde_json::Value, keys: &mut Vec<String>) {
    if let Some(r) = node["$ref"].as_str() {
        let name = r.trim_start_matches("#/definitions/");
        schema_keys(schema, &schema["definitions"][name], keys);
    }
    for sub in node["allOf"].as_array().into_iter().flatten() {
        schema_keys(schema, sub, keys);
    }
    if let Some(props) = node["properties"].as_object() {
        for (k, v) in props {
            keys.push(k.clone());
            schema_keys(schema, v, keys);
        }
    }
}

#[test]
fn the_template_mentions_every_config_field() {
    let schema = infrapipe::config::schema::json_schema();
    let mut keys = Vec::new();
    schema_keys(&schema, &schema, &mut keys);
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !TEMPLATE.contains(&format!("{k}:")))
        .collect();
    assert!(
        missing.is_empty(),
        "src/init_template.yaml does not mention {missing:?}: add each with its default (commented out when optional)"
    );
}
