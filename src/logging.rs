//! `-v` and `-vv`: `tracing` logs on stderr. Nothing is set up without `-v`, so a plain run pays
//! nothing for it; `RUST_LOG`, when set, replaces the default filter.

use tracing_subscriber::EnvFilter;

/// The filter for a verbosity: `-v` infrapipe's own debug logs and where credentials came from;
/// `-vv` also every SDK call, attempt and retry with its AWS request id.
pub fn directives(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "warn",
        1 => "warn,infrapipe=debug,aws_config=info",
        _ => {
            "warn,infrapipe=debug,aws_config=debug,aws_sdk=debug,aws_smithy_runtime=debug,aws_runtime=debug"
        }
    }
}

/// Starts the subscriber once per process (later calls, as in-process tests make, keep the first).
pub fn init(verbosity: u8, color: bool) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(s) if !s.trim().is_empty() => EnvFilter::new(s),
        _ => EnvFilter::new(directives(verbosity)),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .try_init();
}
