//! Shell completions and the man page, generated from the clap definitions.

mod common;

#[test]
fn completions_generate_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef infrapipe"),
        ("fish", "complete -c infrapipe"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[infrapipe]"),
    ] {
        let (code, out, err) = common::run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains(marker), "{shell} script lacks {marker:?}");
        assert!(
            out.contains("rollout") || out.contains("synth"),
            "{shell} script names no command"
        );
    }
}

#[test]
fn bash_completion_script_parses() {
    let (_, script, _) = common::run(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("infrapipe.bash");
    std::fs::write(&path, script).expect("write");
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .expect("bash is installed");
    assert!(status.success(), "bash -n refuses the completion script");
}

#[test]
fn completions_refuse_an_unknown_shell() {
    let (code, _, err) = common::run(&["completions", "tcsh"]);
    assert_eq!(code, 1);
    assert!(err.contains("possible values"), "{err}");
}

#[test]
fn man_prints_a_page_naming_every_command() {
    let (code, out, err) = common::run(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(".ie \\n(.g .ds Aq"),
        "not roff: {}",
        &out[..out.len().min(80)]
    );
    for command in [
        "validate", "synth", "plan", "apply", "destroy", "init", "graph",
    ] {
        assert!(out.contains(command), "the page does not name {command}");
    }
}

#[test]
fn man_out_writes_one_page_per_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("utf-8");
    let (code, _, err) = common::run(&["man", "--out", d]);
    assert_eq!(code, 0, "{err}");
    for page in ["infrapipe.1", "infrapipe-plan.1", "infrapipe-init.1"] {
        assert!(dir.path().join(page).is_file(), "{page} missing");
    }
}
