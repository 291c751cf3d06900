//! `infrapipe completions SHELL`: a completion script generated from the clap definitions.

use super::context::Context;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Error, Exit, Result};
use clap::CommandFactory;

pub fn run(ctx: &Context, args: &CompletionsArgs) -> Result<Exit> {
    if ctx.json() {
        return Err(Error::Usage(
            "completions prints a shell script, which has no JSON form; run it without --json"
                .into(),
        ));
    }
    // Rendered into memory first: clap_complete panics on a failed write (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "infrapipe", &mut script);
    ctx.console.out().write_all(&script)?;
    Ok(Exit::Success)
}
