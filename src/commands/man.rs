//! `infrapipe man`: the man page, generated from the clap definitions; `--out DIR` writes
//! `infrapipe.1` and one `infrapipe-COMMAND.1` per command.

use super::context::Context;
use crate::cli::{Cli, ManArgs};
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use clap::CommandFactory;
use serde::Serialize;

/// The pages `--out DIR` wrote.
#[derive(Serialize)]
struct Written {
    written: Vec<String>,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.written
            .iter()
            .try_for_each(|p| writeln!(f, "wrote {p}"))
    }
}

impl Report for Written {
    fn what(&self) -> &'static str {
        "list of man pages"
    }
}

pub fn run(ctx: &Context, args: &ManArgs) -> Result<Exit> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let Some(dir) = &args.out else {
        if ctx.json() {
            return Err(Error::Usage(
                "man prints roff, which has no JSON form; run it without --json, or with --out DIR"
                    .into(),
            ));
        }
        ctx.console.out().write_all(&render(&cmd)?)?;
        return Ok(Exit::Success);
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
        written.push(path.display().to_string());
    }
    ctx.report(&Written { written })
}

fn render(cmd: &clap::Command) -> Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    Ok(page)
}
