//! AWS settings that cannot work are refused in one plain line, by the real binary: an undefined
//! profile names the profiles that are defined, an endpoint URL without a scheme says what to
//! write, a dead endpoint fails after the connect timeout with the right hint. None of them makes
//! a request to AWS: the endpoint is always loopback.

use std::process::Command;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/infrapipe.yaml");

/// Runs the binary in a fresh directory holding `files`, with nothing of the caller's AWS
/// environment but `env`; returns the exit code and stderr.
fn infrapipe(args: &[&str], files: &[(&str, &str)], env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write a test file");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_infrapipe"))
        .args(["-c", EXAMPLE])
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // No file of the user's is read: HOME is the empty temp dir.
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", "aws-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "aws-credentials")
        // The instance metadata address is not loopback: never asked.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run infrapipe");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
];

#[test]
fn an_undefined_profile_names_the_defined_ones_even_with_environment_keys() {
    let files = [
        (
            "aws-config",
            "[default]\nregion = us-east-1\n[profile prod]\n",
        ),
        ("aws-credentials", "[ci]\naws_access_key_id = x\n"),
    ];
    let (code, err) = infrapipe(
        &[
            "--profile",
            "prdo",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "plan",
        ],
        &files,
        &KEYS,
    );
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("undefined_profile", err);
}

#[test]
fn an_endpoint_without_a_scheme_is_refused_with_what_to_write() {
    let (code, err) = infrapipe(&["--endpoint-url", "127.0.0.1:5000", "plan"], &[], &KEYS);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("endpoint_without_scheme", err);
}

#[test]
fn an_endpoint_from_the_environment_without_a_scheme_is_refused_too() {
    let mut env = KEYS.to_vec();
    env.push(("AWS_ENDPOINT_URL", "localhost:5000"));
    let (code, err) = infrapipe(&["plan"], &[], &env);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("write `http://localhost:5000`"), "{err}");
}

#[test]
fn a_dead_endpoint_is_one_plain_line_that_says_it_is_unreachable() {
    let (code, err) = infrapipe(
        &["--endpoint-url", "http://127.0.0.1:1", "plan"],
        &[],
        &KEYS,
    );
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("dead_endpoint", err);
}

#[test]
fn a_named_profile_wins_over_environment_keys() {
    let files = [
        ("aws-config", "[profile prod]\nregion = us-east-1\n"),
        (
            "aws-credentials",
            "[prod]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = s\n",
        ),
    ];
    let (code, err) = infrapipe(
        &[
            "-v",
            "--profile",
            "prod",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "plan",
        ],
        &files,
        &KEYS,
    );
    assert_eq!(code, 1, "{err}");
    // The SDK logs the credentials it loaded (the secret redacted) at -v.
    assert!(
        err.contains("access_key_id: \"PROFILEKEY\"")
            && !err.contains("access_key_id: \"testing\""),
        "{err}"
    );
}

#[test]
fn verbose_tells_the_config_the_credentials_and_the_step() {
    let (_, err) = infrapipe(
        &["-v", "--endpoint-url", "http://127.0.0.1:1", "plan"],
        &[],
        &KEYS,
    );
    for told in [
        "config read",
        "every AWS call goes to http://127.0.0.1:1",
        "credentials from the SDK's default chain",
        "reading the deployed stack (cloudformation:DescribeStacks, GetTemplate)",
    ] {
        assert!(err.contains(told), "-v does not say {told:?}:\n{err}");
    }
}
