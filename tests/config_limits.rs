//! The config parser is bounded: inputs built to crash, exhaust or hang a YAML parser (deep
//! nesting, alias bombs, devices, pipes, huge files, directories) each end in one error line
//! naming the file and the limit, exit 1, from the real binary.

mod common;
use proptest::prelude::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the real binary's `validate -c path` (a crash or a hang must show as one), giving up
/// after a minute; returns the exit code and stderr.
fn validate(path: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_infrapipe"))
        .args(["validate", "-c"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start infrapipe");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).expect("stderr");
            }
            return (status.code(), err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("validate -c {} did not finish in a minute", path.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts exit 1 and one error line that names the file and contains `limit`.
fn refused(path: &Path, limit: &str) {
    let (code, err) = validate(path);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    let shown = path.display().to_string();
    assert!(err.starts_with(&format!("error: {shown}")), "{err}");
    assert!(err.contains(limit), "{err}");
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile()
        .expect("temp file");
    f.write_all(bytes).expect("write");
    f
}

const DEPTH_LIMIT: &str = "more than 64 levels deep, the limit";
const SIZE_LIMIT: &str = "more than the limit of 1048576 bytes (1 MiB)";
const NOT_A_FILE: &str = "not a regular file";

#[test]
fn thirty_thousand_levels_of_block_nesting_are_refused() {
    let f = file_with(format!("{}x\n", "- ".repeat(30_000)).as_bytes());
    refused(f.path(), DEPTH_LIMIT);
}

#[test]
fn a_hundred_thousand_levels_of_flow_nesting_are_refused() {
    let f = file_with(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).as_bytes());
    refused(f.path(), DEPTH_LIMIT);
}

#[test]
fn twenty_thousand_aliases_of_a_mebibyte_string_are_refused_by_size() {
    let text = format!(
        "name: &big {}\nregions: [{}]\n",
        "x".repeat(1 << 20),
        "*big, ".repeat(20_000)
    );
    let f = file_with(text.as_bytes());
    refused(f.path(), SIZE_LIMIT);
}

#[test]
fn an_alias_bomb_within_the_size_limit_is_refused_at_its_first_alias() {
    let text = format!(
        "name: &big {}\nregions: [{}]\n",
        "x".repeat(500_000),
        "*big, ".repeat(20_000)
    );
    let f = file_with(text.as_bytes());
    refused(f.path(), "aliases are not accepted");
    let (_, err) = validate(f.path());
    assert!(err.contains(":2:11: uses a YAML alias"), "{err}");
}

#[test]
fn dev_zero_is_refused_as_a_device() {
    refused(
        Path::new("/dev/zero"),
        "a character device, not a regular file",
    );
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("config.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available here, so no FIFO can be made");
        return;
    }
    refused(&fifo, "a FIFO (named pipe), not a regular file");
}

#[test]
fn a_300_megabyte_file_is_refused_by_size_without_being_read() {
    let f = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile()
        .expect("temp file");
    // Sparse: no 300 MB is written, yet the file says it holds that much.
    f.as_file().set_len(300 << 20).expect("set_len");
    refused(f.path(), SIZE_LIMIT);
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    refused(dir.path(), &format!("a directory, {NOT_A_FILE}"));
}

fn parse(text: &str) -> Result<infrapipe::config::Config, String> {
    infrapipe::config::Config::parse(text, Path::new("p.yaml")).map_err(|e| e.to_string())
}

/// Text nested `depth` levels in one of four ways.
fn nested(depth: usize, kind: u8) -> String {
    match kind % 4 {
        0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        1 => format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
        2 => format!("{}x\n", "- ".repeat(depth)),
        _ => (0..depth)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect::<String>(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn nesting_past_the_limit_is_refused_with_the_limit_named(depth in 65usize..20_000, kind in 0u8..4) {
        // Block mappings indent one more space a level: keep that file small.
        let depth = if kind % 4 == 3 { depth.min(1_400) } else { depth };
        let err = parse(&nested(depth, kind)).expect_err("too deep");
        prop_assert!(err.contains(DEPTH_LIMIT), "{}", err);
        prop_assert_eq!(err.lines().count(), 1);
    }

    #[test]
    fn nesting_within_the_limit_is_never_refused_for_depth(depth in 1usize..=63, kind in 0u8..4) {
        let result = parse(&nested(depth, kind));
        prop_assert!(!result.is_err_and(|e| e.contains(DEPTH_LIMIT)));
    }

    #[test]
    fn any_alias_bomb_is_refused_at_its_first_alias(len in 1usize..100_000, aliases in 1usize..5_000) {
        let text = format!("name: &a {}\nregions: [{}]\n", "x".repeat(len), "*a, ".repeat(aliases));
        let err = parse(&text).expect_err("alias");
        prop_assert!(err.contains("p.yaml:2:11: uses a YAML alias"), "{}", err);
        prop_assert_eq!(err.lines().count(), 1);
    }

    #[test]
    fn a_billion_laughs_is_refused(levels in 2usize..10) {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..levels {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", [prev.as_str(); 9].join(", ")));
        }
        let err = parse(&text).expect_err("alias");
        prop_assert!(err.contains("aliases are not accepted"), "{}", err);
    }
}
