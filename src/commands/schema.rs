//! `infrapipe schema`: the JSON Schema of `infrapipe.yaml` (already one JSON document, so
//! `--json` prints the same).

use super::context::Context;
use crate::config::schema::json_schema;
use crate::error::{Exit, Result};

/// The schema as `init` writes it and `schema` prints it: pretty, with a final newline.
pub fn text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    s.push('\n');
    s
}

pub fn run(ctx: &Context) -> Result<Exit> {
    write!(ctx.console.out(), "{}", text())?;
    Ok(Exit::Success)
}
