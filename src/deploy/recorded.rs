//! The config recorded with each apply. Every template infrapipe renders for a stack carries,
//! in its top-level `Metadata`, the config that rendered it (without its `cost:` section), so
//! that `plan` and `apply` can price what is deployed, under today's `cost:` assumptions,
//! from the deployed template alone: no state file and no extra request.

use crate::config::Config;
use serde_json::{Value, json};
use std::path::Path;

/// `Metadata.<KEY>.Config` holds the recorded config.
pub const KEY: &str = "Infrapipe";

/// The config as recorded: its JSON, `cost:` left out (both sides of a cost change are priced
/// with the current `cost:` section, and an assumption alone must not change the template).
pub fn record(config: &Config) -> Value {
    let mut value = serde_json::to_value(config).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.remove("cost");
    }
    value
}

/// Adds the recorded config to `template`'s top-level `Metadata`.
pub fn stamp(template: &mut Value, config: &Config) {
    if let Some(t) = template.as_object_mut() {
        t.insert(
            "Metadata".to_owned(),
            json!({ KEY: { "Config": record(config) } }),
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
    let where_from = Path::new("the deployed template's Metadata.Infrapipe.Config");
    match Config::parse(&recorded.to_string(), where_from) {
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
