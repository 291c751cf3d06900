//! infrapipe: typed, safe, fast infrastructure as code for one serverless AWS monitoring
//! pipeline. Data flows one way: config -> model -> template -> (plan, apply) -> AWS.

pub mod aws;
pub mod cfn;
pub mod cli;
pub mod commands;
pub mod config;
pub mod cost;
pub mod deploy;
pub mod drift;
pub mod error;
pub mod graph;
pub mod logging;
pub mod model;
pub mod package;
pub mod plan;
pub mod style;
pub mod template;

pub use error::Error;

use std::ffi::OsString;
use std::io::Write;

/// Runs the CLI in-process: parses `args` (with the program name first), writes to `out` and
/// `err`, and returns the exit code. `main` is this and nothing else, so tests run every
/// command exactly as users do.
pub fn run(args: Vec<OsString>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    use clap::Parser;
    // Parsing failed before --json could be read from the result; look for it in the words.
    let json = args.iter().skip(1).any(|a| a == "--json");
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let rendered = e.render().to_string();
            if json {
                let doc = match e.kind() {
                    clap::error::ErrorKind::DisplayVersion => serde_json::json!({
                        "name": env!("CARGO_PKG_NAME"),
                        "version": env!("CARGO_PKG_VERSION"),
                    }),
                    _ if code == 0 => serde_json::json!({ "help": rendered }),
                    _ => serde_json::json!({ "error": rendered.trim_end() }),
                };
                let _ = writeln!(out, "{doc}");
            }
            if code != 0 || !json {
                let target: &mut dyn Write = if e.use_stderr() { err } else { out };
                let _ = write!(target, "{rendered}");
            }
            return code;
        }
    };
    if cli.global.verbose > 0 {
        use std::io::IsTerminal;
        logging::init(
            cli.global.verbose,
            cli.global.color_allowed() && std::io::stderr().is_terminal(),
        );
        tracing::debug!(
            version = env!("CARGO_PKG_VERSION"),
            command = ?cli.command,
            config = %cli.global.config.display(),
            "starting"
        );
    }
    match commands::dispatch(&cli, out, err) {
        Ok(code) => code,
        Err(e) => {
            if cli.global.json {
                let doc = serde_json::json!({ "error": e.to_string() });
                let _ = writeln!(out, "{doc}");
            }
            let _ = writeln!(err, "error: {e}");
            e.code()
        }
    }
}
