//! `infrapipe schema`: the JSON Schema of `infrapipe.yaml` (already one JSON document, so
//! `--json` prints the same).

use crate::config::schema::json_schema;
use crate::error::Result;
use std::io::Write;

/// The schema as `init` writes it and `schema` prints it: pretty, with a final newline.
pub fn text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    s.push('\n');
    s
}

pub fn run(out: &mut dyn Write) -> Result<i32> {
    write!(out, "{}", text())?;
    Ok(0)
}
