//! The config recorded with each apply. Every template infrapipe renders for a stack carries,
//! in its top-level `Metadata`, the config that rendered it (without its `cost:` section), so
//! that `plan` and `apply` can price what is deployed, under today's `cost:` assumptions,
//! from the deployed template alone: no state file and no extra request. It is recorded as one
//! JSON string: cfn-lint's E4002 refuses a null or a non-integral number (`band_width: 2.5`)
//! anywhere in `Metadata`, and a config has both.

use crate::config::Config;
use serde_json::{Value, json};
use std::path::Path;

/// `Metadata.<KEY>.Config` holds the recorded config (the JSON text of `record`).
pub const KEY: &str = "Infrapipe";

/// The config as recorded: its JSON, `cost:` left out (both sides of a cost change are priced
/// with the current `cost:` section, and an assumption alone must not change the template),
/// and unset fields left out rather than written as `null` (an absent optional field reads
/// back as the same `None`, and the record stays short).
pub fn record(config: &Config) -> Value {
    let mut value = serde_json::to_value(config).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.remove("cost");
    }
    drop_nulls(&mut value);
    value
}

/// Removes every object member whose value is `null`, at any depth (a null inside a list is a
/// value of that list and is kept).
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Adds the recorded config to `template`'s top-level `Metadata`.
pub fn stamp(template: &mut Value, config: &Config) {
    if let Some(t) = template.as_object_mut() {
        t.insert(
            "Metadata".to_owned(),
            // Keys sorted: a string is not reordered by `template::to_string` as objects are.
            json!({ KEY: { "Config": crate::cfn::canonical(&record(config)).to_string() } }),
        );
    }
}

/// What a template says about the config it was rendered from.
pub enum Recorded {
    Config(Box<Config>),
    /// The template carries no recorded config (applied by an infrapipe before this one).
    Missing,
    /// The recorded config does not load in this infrapipe (another version wrote it).
    Unreadable(String),
}

/// Reads the config recorded in `template` back, validated as any config is.
pub fn read(template: &Value) -> Recorded {
    let Some(recorded) = template.pointer(&format!("/Metadata/{KEY}/Config")) else {
        return Recorded::Missing;
    };
    // JSON is YAML: the recorded config goes through the same parser and checks as a file.
    // A record is the JSON text; templates stamped before it was one hold the JSON itself.
    let text = match recorded.as_str() {
        Some(text) => text.to_owned(),
        None => recorded.to_string(),
    };
    let where_from = Path::new("the deployed template's Metadata.Infrapipe.Config");
    match Config::parse(&text, where_from) {
        Ok(c) => Recorded::Config(Box::new(c)),
        Err(e) => Recorded::Unreadable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Config {
        let text = include_str!("../../examples/infrapipe.yaml");
        Config::parse(text, Path::new("examples/infrapipe.yaml")).expect("the example loads")
    }

    #[test]
    fn a_stamped_template_gives_its_config_back() {
        let config = example();
        let mut template = json!({ "Resources": {} });
        stamp(&mut template, &config);
        let Recorded::Config(back) = read(&template) else {
            panic!("the recorded config did not load");
        };
        assert_eq!(record(&back), record(&config));
    }

    /// `text`'s config, `cost:` set back to its default (it is not recorded).
    fn without_cost(text: &str, path: &Path) -> Config {
        let mut config = Config::parse(text, path).expect("the example loads");
        config.cost = Default::default();
        config
    }

    #[test]
    fn every_example_reads_back_from_its_record_as_the_same_config() {
        let mut examples: Vec<_> = std::fs::read_dir("examples")
            .expect("examples/")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        examples.sort();
        assert!(!examples.is_empty());
        for path in examples {
            let text = std::fs::read_to_string(&path).expect("read example");
            let config = without_cost(&text, &path);
            let mut template = json!({ "Resources": {} });
            stamp(&mut template, &config);
            let Recorded::Config(back) = read(&template) else {
                panic!("{}: the recorded config did not load", path.display());
            };
            assert_eq!(
                serde_json::to_value(&*back).expect("serialise"),
                serde_json::to_value(&config).expect("serialise"),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn a_config_recorded_as_json_itself_by_an_earlier_infrapipe_still_reads_back() {
        let config = example();
        let template = json!({ "Metadata": { KEY: { "Config": record(&config) } } });
        let Recorded::Config(back) = read(&template) else {
            panic!("the earlier record did not load");
        };
        assert_eq!(record(&back), record(&config));
    }

    #[test]
    fn the_metadata_holds_the_record_as_one_string() {
        let mut template = json!({ "Resources": {} });
        stamp(&mut template, &example());
        assert!(template["Metadata"][KEY]["Config"].is_string());
    }

    #[test]
    fn the_record_holds_no_null() {
        let text = record(&example()).to_string();
        assert!(!text.contains("null"), "{text}");
    }

    #[test]
    fn a_template_without_a_record_is_missing() {
        assert!(matches!(
            read(&json!({ "Resources": {} })),
            Recorded::Missing
        ));
    }

    #[test]
    fn the_cost_section_is_not_recorded() {
        assert!(record(&example()).get("cost").is_none());
    }
}
