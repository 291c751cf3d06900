//! `infrapipe synth`: the CloudFormation template, to stdout or one file per region.

use super::context::Context;
use crate::cli::SynthArgs;
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use crate::template;
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;

/// The file a region's template is written to inside `--out`.
pub fn file_name(region: &str) -> String {
    format!("infrapipe-{region}.json")
}

/// What synth made: one region's template, or the files written with `--out`.
#[derive(Serialize)]
#[serde(untagged)]
enum Synthesized {
    Template {
        stack: String,
        region: String,
        template: Value,
    },
    Written {
        stack: String,
        written: Vec<WrittenFile>,
    },
}

#[derive(Serialize)]
struct WrittenFile {
    region: String,
    path: String,
    bytes: usize,
}

impl std::fmt::Display for Synthesized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Synthesized::Template { template, .. } => f.write_str(&template::to_string(template)),
            Synthesized::Written { written, .. } => written
                .iter()
                .try_for_each(|w| writeln!(f, "wrote {} ({} bytes)", w.path, w.bytes)),
        }
    }
}

impl Report for Synthesized {
    fn what(&self) -> &'static str {
        "template"
    }
}

pub fn run(ctx: &Context, args: &SynthArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let regions = ctx.target_regions()?;
    let stack = config.stack_name();
    let Some(dir) = &args.out else {
        let region = &regions[0];
        if regions.len() > 1 {
            writeln!(
                ctx.console.err(),
                "note: {} lists {} regions; printing {region}'s template (use --region R or --out DIR)",
                ctx.global.config.display(),
                regions.len()
            )?;
        }
        let template = super::template(config, region)?;
        return ctx.report(&Synthesized::Template {
            stack,
            region: region.to_string(),
            template,
        });
    };
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    let mut written = Vec::new();
    for region in &regions {
        let text = template::to_string(&super::template(config, region)?);
        let path: PathBuf = dir.join(file_name(region.as_str()));
        std::fs::write(&path, &text).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        written.push(WrittenFile {
            region: region.to_string(),
            path: path.display().to_string(),
            bytes: text.len(),
        });
    }
    ctx.report(&Synthesized::Written { stack, written })
}
