//! Prompts answered in-process through an in-memory console: the question goes to the
//! console's stderr and the answer comes from its input, as a person at a terminal gives it.
//! The binary's environment is this test process's own, so this file holds one test, which
//! points the SDK at moto before anything reads the environment.

mod common;
use common::moto::Moto;
use common::*;

#[test]
fn answering_no_to_destroy_through_the_console_keeps_the_stack() {
    let moto = Moto::start();
    for (key, value) in moto.env("us-east-1") {
        // SAFETY: the only test of this binary, and no other thread has started that reads the
        // environment (the runtime starts inside `run_in`, after this).
        unsafe { std::env::set_var(key, value) };
    }
    moto.deploy("infra-monitoring-prod", &common::moto::example_template());
    let (code, _, err) = common::run_answering("n\n", &["destroy", "-c", EXAMPLE]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.ends_with("? [y/N] Destroy cancelled. Nothing was changed.\n"),
        "{err}"
    );
    let (_, status, _) = common::run_answering("", &["status", "-c", EXAMPLE]);
    assert!(!status.contains("NOT_DEPLOYED"), "{status}");
}
