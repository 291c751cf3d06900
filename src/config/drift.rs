//! The `drift:` section: property paths a team accepts as changed by hand, which `infrapipe
//! drift` then lists as ignored instead of as drift.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DriftConfig {
    /// Property paths, each `LogicalId.Property[.Sub...]` as `infrapipe drift` prints them
    /// (`CollectorFunction.Timeout`, `RawMetricsBucket.LifecycleConfiguration`); `*` as the
    /// logical id matches every resource. A path covers everything below it.
    pub ignore: Vec<IgnorePath>,
}

/// One validated `drift.ignore` entry: a logical id (or `*`) and a property path below it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IgnorePath {
    logical_id: String,
    property: String,
}

impl IgnorePath {
    pub fn parse(s: &str) -> Result<Self, String> {
        let usage = "must be `LogicalId.Property` as `infrapipe drift` prints it, for example `CollectorFunction.Timeout` or `*.Tags`";
        let Some((id, property)) = s.split_once('.') else {
            return Err(format!("{usage} (got {s:?}, which names no property)"));
        };
        let id_ok = id == "*"
            || (!id.is_empty() && id.len() <= 255 && id.chars().all(|c| c.is_ascii_alphanumeric()));
        if !id_ok {
            return Err(format!(
                "{usage}: the logical id is letters and digits, or `*` (got {id:?})"
            ));
        }
        let first = property.split(['.', '[']).next().unwrap_or_default();
        if first.is_empty() || property.chars().any(char::is_whitespace) {
            return Err(format!(
                "{usage}: the property path must start with a property name and hold no spaces (got {property:?})"
            ));
        }
        Ok(Self {
            logical_id: id.to_owned(),
            property: property.to_owned(),
        })
    }

    /// The logical id, or `*`.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// The property path below the logical id.
    pub fn property(&self) -> &str {
        &self.property
    }

    /// True when this entry covers `path` of resource `logical_id`: the same path or one below
    /// it (`Environment` covers `Environment.Variables.X`, not `EnvironmentX`).
    pub fn covers(&self, logical_id: &str, path: &str) -> bool {
        if self.logical_id != "*" && self.logical_id != logical_id {
            return false;
        }
        match path.strip_prefix(self.property.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
            None => false,
        }
    }
}

impl TryFrom<String> for IgnorePath {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<IgnorePath> for String {
    fn from(p: IgnorePath) -> String {
        p.to_string()
    }
}

impl fmt::Display for IgnorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.logical_id, self.property)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_covers_itself_and_what_is_below_it_only() {
        let p = IgnorePath::parse("CollectorFunction.Environment").expect("valid");
        assert!(p.covers("CollectorFunction", "Environment"));
        assert!(p.covers("CollectorFunction", "Environment.Variables.X"));
        assert!(!p.covers("CollectorFunction", "EnvironmentX"));
        assert!(!p.covers("LogProcessorFunction", "Environment"));
    }

    #[test]
    fn a_star_matches_every_logical_id() {
        let p = IgnorePath::parse("*.LoggingConfig").expect("valid");
        assert!(p.covers("CollectorFunction", "LoggingConfig.LogFormat"));
        assert!(p.covers("LogProcessorFunction", "LoggingConfig"));
    }

    #[test]
    fn keyed_list_entries_are_below_their_list() {
        let p = IgnorePath::parse("CollectorRole.Policies").expect("valid");
        assert!(p.covers("CollectorRole", "Policies[extra].PolicyDocument"));
    }

    #[test]
    fn malformed_paths_are_rejected_with_an_example() {
        for bad in [
            "CollectorFunction",
            ".Timeout",
            "Collector-Function.Timeout",
            "CollectorFunction.",
            "CollectorFunction.[0]",
            "CollectorFunction.Time out",
        ] {
            let e = IgnorePath::parse(bad).expect_err(bad);
            assert!(e.contains("CollectorFunction.Timeout"), "{bad}: {e}");
        }
    }
}
