//! `-v` and `-vv`: `tracing` logs on stderr. Nothing is set up without `-v`, so a plain run pays
//! nothing for it; `RUST_LOG`, when set, replaces the default filter.

use tracing_subscriber::EnvFilter;

/// The filter for a verbosity. `-v` tells the story at `info`: the config read, the endpoint and
/// where credentials come from, the account, each step with the API calls it makes, and what each
/// wait waits for. `-vv` adds infrapipe's `debug` details and every SDK call, attempt and retry
/// with its AWS request id.
pub fn directives(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "warn",
        1 => "warn,infrapipe=info,aws_config=info",
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

#[cfg(test)]
mod tests {
    use super::directives;

    #[test]
    fn one_v_shows_infrapipe_steps_and_not_each_sdk_request() {
        let v = directives(1);
        assert!(
            v.contains("infrapipe=info") && !v.contains("aws_smithy_runtime"),
            "{v}"
        );
    }

    #[test]
    fn two_v_show_each_sdk_request() {
        assert!(directives(2).contains("aws_smithy_runtime=debug"));
    }
}
