//! `infrapipe synth`: the CloudFormation template, to stdout or one file per region.

use crate::cli::{Global, SynthArgs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::template;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// The file a region's template is written to inside `--out`.
pub fn file_name(region: &str) -> String {
    format!("infrapipe-{region}.json")
}

pub fn run(
    global: &Global,
    args: &SynthArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let regions = super::target_regions(global, &config)?;
    match &args.out {
        None => {
            let region = &regions[0];
            if regions.len() > 1 {
                writeln!(
                    err,
                    "note: {} lists {} regions; printing {region}'s template (use --region R or --out DIR)",
                    global.config.display(),
                    regions.len()
                )?;
            }
            let t = template::render(&super::build(&config, region)?);
            if global.json {
                let doc = json!({ "stack": config.stack_name(), "region": region.as_str(), "template": t });
                writeln!(out, "{doc}")?;
            } else {
                write!(out, "{}", template::to_string(&t))?;
            }
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| Error::Write {
                path: dir.clone(),
                source,
            })?;
            let mut written = Vec::new();
            for region in &regions {
                let text = template::to_string(&template::render(&super::build(&config, region)?));
                let path: PathBuf = dir.join(file_name(region.as_str()));
                std::fs::write(&path, &text).map_err(|source| Error::Write {
                    path: path.clone(),
                    source,
                })?;
                written.push(json!({ "region": region.as_str(), "path": path.display().to_string(), "bytes": text.len() }));
                if !global.json {
                    writeln!(out, "wrote {} ({} bytes)", path.display(), text.len())?;
                }
            }
            if global.json {
                writeln!(
                    out,
                    "{}",
                    json!({ "stack": config.stack_name(), "written": written })
                )?;
            }
        }
    }
    Ok(0)
}
