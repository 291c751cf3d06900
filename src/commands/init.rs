//! `infrapipe init [DIR]`: a commented `infrapipe.yaml` with the seed's defaults, and the
//! config's JSON Schema beside it, so editors complete and check the file offline.

use super::context::Context;
use crate::cli::InitArgs;
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use serde::Serialize;
use std::path::PathBuf;

/// The file `init` writes, with placeholders that validate and comments that say what to change.
pub const TEMPLATE: &str = include_str!("../init_template.yaml");
pub const CONFIG_FILE: &str = "infrapipe.yaml";
/// Named on the template's first line (`# yaml-language-server: $schema=...`).
pub const SCHEMA_FILE: &str = "infrapipe.schema.json";

pub fn run(ctx: &Context, args: &InitArgs) -> Result<Exit> {
    let files: [(PathBuf, String); 2] = [
        (args.dir.join(CONFIG_FILE), TEMPLATE.to_owned()),
        (args.dir.join(SCHEMA_FILE), super::schema::text()),
    ];
    // Each file read once: one that already holds exactly what init writes is left alone and
    // is no conflict; one that holds anything else is a conflict.
    let same: [bool; 2] = files
        .each_ref()
        .map(|(path, text)| std::fs::read_to_string(path).ok().as_deref() == Some(text.as_str()));
    let conflicts: Vec<String> = files
        .iter()
        .zip(same)
        .filter(|((path, _), same)| !same && path.exists())
        .map(|((path, _), _)| path.display().to_string())
        .collect();
    if !conflicts.is_empty() && !args.force {
        return Err(Error::Usage(format!(
            "{} already exist{}; nothing was written. Pass --force to overwrite, or choose another directory: `infrapipe init DIR`",
            conflicts.join(" and "),
            if conflicts.len() == 1 { "s" } else { "" }
        )));
    }
    std::fs::create_dir_all(&args.dir).map_err(|source| Error::Write {
        path: args.dir.clone(),
        source,
    })?;
    let mut written = Vec::new();
    let mut unchanged = Vec::new();
    for ((path, text), same) in files.iter().zip(same) {
        let name = path.display().to_string();
        if same {
            unchanged.push(name);
            continue;
        }
        std::fs::write(path, text).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        tracing::debug!(path = %name, bytes = text.len(), "wrote");
        written.push(name);
    }
    let [(config, _), (schema, _)] = &files;
    let [_, schema_same] = same;
    ctx.report(&Initialised {
        config: config.display().to_string(),
        schema: schema.display().to_string(),
        written,
        unchanged,
        schema_same,
    })
}

/// What init wrote and what it left alone.
#[derive(Serialize)]
struct Initialised {
    config: String,
    schema: String,
    written: Vec<String>,
    unchanged: Vec<String>,
    #[serde(skip)]
    schema_same: bool,
}

impl std::fmt::Display for Initialised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for name in &self.written {
            writeln!(f, "wrote {name}")?;
        }
        for name in &self.unchanged {
            writeln!(f, "{name} already holds what init writes; left as it is")?;
        }
        if !self.schema_same {
            writeln!(
                f,
                "Refresh {SCHEMA_FILE} after upgrading infrapipe: infrapipe schema > {SCHEMA_FILE}"
            )?;
        }
        writeln!(
            f,
            "Next: set name, environment, regions and notifications.emails in {}, then run `infrapipe validate -c {}`.",
            self.config, self.config
        )
    }
}

impl Report for Initialised {
    fn what(&self) -> &'static str {
        "init result"
    }
}
