//! The replacement rules (each `cfn::ResourceType`'s create-only paths) cover every create-only
//! property that CloudFormation's own registry schemas (shipped with the pinned cfn-lint) list
//! for the resource types we render.

mod common;
use infrapipe::cfn::{ResourceType, replacement::forces_replacement};
use serde_json::Value;

#[test]
fn replacement_table_covers_the_registry_schemas() {
    let dir =
        std::path::Path::new(".venv/lib/python3.11/site-packages/cfnlint/data/schemas/resources");
    assert!(
        dir.exists(),
        "cfn-lint's schemas are missing: run `make test` (it installs .venv)"
    );
    // The example, and the same with every optional resource of `security:` (the KMS key).
    let rendered = [
        common::example(),
        common::render(&format!(
            "{}security:\n  kms: create\n  access_logs: true\n",
            common::MINIMAL
        )),
        // Both AWS Chatbot channel configurations.
        common::render(&format!("{}{}", common::MINIMAL, common::CHAT_CHANNELS)),
    ];
    let types: std::collections::BTreeSet<&str> = rendered
        .iter()
        .flat_map(|t| t["Resources"].as_object().expect("resources").values())
        .filter_map(|r| r["Type"].as_str())
        .collect();
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("schemas dir").flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let Ok(schema) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(ty) = schema["typeName"].as_str() else {
            continue;
        };
        if !types.contains(ty) {
            continue;
        }
        assert!(
            ResourceType::parse(ty).is_some(),
            "{ty} is missing from cfn::ResourceType"
        );
        for p in schema["createOnlyProperties"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let path = p
                .as_str()
                .unwrap_or_default()
                .trim_start_matches("/properties/")
                .replace('/', ".");
            assert!(
                forces_replacement(ty, &path),
                "{ty}.{path} replaces the resource but the plan would not say so"
            );
        }
        checked += 1;
    }
    assert_eq!(
        checked,
        types.len(),
        "a rendered type has no schema in cfn-lint"
    );
}
