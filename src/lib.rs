//! infrapipe: typed, safe, fast infrastructure as code for one serverless AWS monitoring
//! pipeline. Data flows one way: config -> model -> template -> (plan, apply) -> AWS.

pub mod aws;
pub mod cfn;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod cost;
pub mod deploy;
pub mod drift;
pub mod error;
pub mod graph;
pub mod logging;
pub mod model;
pub mod package;
pub mod plan;
pub mod status;
pub mod style;
pub mod template;

pub use error::Error;

use console::{Console, Terminals};
use serde::Serialize;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};

/// Runs the CLI on the process's own streams and returns the exit code. `main` is this and
/// nothing else, so tests run every command exactly as users do.
pub fn run_terminal(args: Vec<OsString>) -> i32 {
    let terminals = Terminals {
        input: std::io::stdin().is_terminal(),
        out: std::io::stdout().is_terminal(),
        err: std::io::stderr().is_terminal(),
    };
    // Not locked for the whole run: -v logs and progress bars write to stderr from other threads.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut input = std::io::stdin().lock();
    run_in(
        args,
        &Console::new(&mut out, &mut err, &mut input, terminals),
    )
}

/// Runs the CLI in-process on in-memory streams: nothing is a terminal and there is no input,
/// as under CI. Tests that answer a prompt use `run_in` with their own console.
pub fn run(args: Vec<OsString>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut input = std::io::empty();
    run_in(
        args,
        &Console::new(out, err, &mut input, Terminals::default()),
    )
}

/// What `--json` prints when the command line itself did not parse.
#[derive(Serialize)]
#[serde(untagged)]
enum ParseDocument<'a> {
    Version { name: &'a str, version: &'a str },
    Help { help: &'a str },
    Error { error: &'a str },
}

/// What `--json` prints when a command fails.
#[derive(Serialize)]
#[serde(untagged)]
enum ErrorDocument<'a> {
    Interrupted { interrupted: bool, message: &'a str },
    Error { error: String },
}

/// Runs the CLI with `console` for every stream: parses `args` (program name first), runs the
/// command, prints its report or its error, and returns the exit code.
pub fn run_in(args: Vec<OsString>, console: &Console) -> i32 {
    use clap::Parser;
    // Parsing failed before --json could be read from the result; look for it in the words.
    let json = args.iter().skip(1).any(|a| a == "--json");
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are answers (0); anything else on stderr is a failure (1).
            let code = error::Exit::from_ok(!e.use_stderr()).code();
            let rendered = e.render().to_string();
            if json {
                let doc = match e.kind() {
                    clap::error::ErrorKind::DisplayVersion => ParseDocument::Version {
                        name: env!("CARGO_PKG_NAME"),
                        version: env!("CARGO_PKG_VERSION"),
                    },
                    _ if code == 0 => ParseDocument::Help { help: &rendered },
                    _ => ParseDocument::Error {
                        error: rendered.trim_end(),
                    },
                };
                let _ = writeln!(console.out(), "{}", document(&doc));
            }
            if code != 0 || !json {
                let mut target = if e.use_stderr() {
                    console.err()
                } else {
                    console.out()
                };
                let _ = write!(target, "{rendered}");
            }
            return code;
        }
    };
    if cli.global.verbose > 0 {
        logging::init(
            cli.global.verbose,
            cli.global.color_allowed() && console.terminals.err,
        );
        tracing::debug!(
            version = env!("CARGO_PKG_VERSION"),
            command = ?cli.command,
            config = %cli.global.config.display(),
            "starting"
        );
    }
    match commands::dispatch(&cli, console) {
        Ok(exit) => exit.code(),
        Err(e) => {
            let doc = match &e {
                Error::Interrupted { goes_on } => ErrorDocument::Interrupted {
                    interrupted: true,
                    message: goes_on,
                },
                _ => ErrorDocument::Error {
                    error: e.to_string(),
                },
            };
            if cli.global.json {
                let _ = writeln!(console.out(), "{}", document(&doc));
            }
            // An interruption is no error of ours: it says what goes on, after a blank line.
            let _ = match &e {
                Error::Interrupted { .. } => writeln!(console.err(), "\n{e}"),
                _ => writeln!(console.err(), "error: {e}"),
            };
            e.code()
        }
    }
}

/// A small document on one line (these hold only strings, so rendering cannot fail).
fn document<T: Serialize>(doc: &T) -> String {
    serde_json::to_string(doc).unwrap_or_default()
}
