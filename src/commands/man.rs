//! `infrapipe man`: the man page, generated from the clap definitions; `--out DIR` writes
//! `infrapipe.1` and one `infrapipe-COMMAND.1` per command.

use crate::cli::{Cli, Global, ManArgs};
use crate::error::{Error, Result};
use clap::CommandFactory;
use serde_json::json;
use std::io::Write;

pub fn run(global: &Global, args: &ManArgs, out: &mut dyn Write) -> Result<i32> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let Some(dir) = &args.out else {
        if global.json {
            return Err(Error::Usage(
                "man prints roff, which has no JSON form; run it without --json, or with --out DIR"
                    .into(),
            ));
        }
        out.write_all(&render(&cmd)?)?;
        return Ok(0);
    };
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    let pages = std::iter::once(&cmd).chain(cmd.get_subcommands().filter(|s| !s.is_hide_set()));
    let mut written = Vec::new();
    for page in pages {
        let path = dir.join(clap_mangen::Man::new(page.clone()).get_filename());
        std::fs::write(&path, render(page)?).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        if !global.json {
            writeln!(out, "wrote {}", path.display())?;
        }
        written.push(path.display().to_string());
    }
    if global.json {
        writeln!(out, "{}", json!({ "written": written }))?;
    }
    Ok(0)
}

fn render(cmd: &clap::Command) -> Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    Ok(page)
}
