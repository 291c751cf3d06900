//! `infrapipe completions SHELL`: a completion script generated from the clap definitions.

use crate::cli::{Cli, CompletionsArgs, Global};
use crate::error::{Error, Result};
use clap::CommandFactory;
use std::io::Write;

pub fn run(global: &Global, args: &CompletionsArgs, out: &mut dyn Write) -> Result<i32> {
    if global.json {
        return Err(Error::Usage(
            "completions prints a shell script, which has no JSON form; run it without --json"
                .into(),
        ));
    }
    // Rendered into memory first: clap_complete panics on a failed write (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "infrapipe", &mut script);
    out.write_all(&script)?;
    Ok(0)
}
