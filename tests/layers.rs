//! Each layer imports only the layers before it (docs/architecture.md, "Import rules"): the AWS layer takes
//! plain values, the model knows nothing of packaging, and cost reads only the config's `cost:`.

use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::from(dir)];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("read source dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                // Code only: a comment may name the rule it keeps.
                let code: Vec<&str> = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect();
                files.push((path, code.join("\n")));
            }
        }
    }
    files.sort();
    files
}

/// Files under `dir` that mention any of `names` as a whole identifier path.
fn naming(dir: &str, names: &[&str]) -> Vec<String> {
    sources(dir)
        .into_iter()
        .filter(|(_, text)| names.iter().any(|n| mentions(text, n)))
        .map(|(path, _)| path.display().to_string())
        .collect()
}

fn mentions(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

#[test]
fn the_aws_layer_imports_neither_the_model_nor_the_template() {
    assert!(Path::new("src/aws").is_dir());
    let offenders = naming("src/aws", &["crate::model", "crate::template"]);
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn the_model_does_not_import_packaging() {
    let offenders = naming("src/model", &["crate::package"]);
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn cost_never_sees_the_whole_config() {
    let offenders = naming("src/cost", &["Config"]);
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn drift_shares_the_core_instead_of_importing_plan() {
    let offenders = naming("src/drift", &["crate::plan"]);
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn no_command_file_is_longer_than_150_lines() {
    let long: Vec<String> = std::fs::read_dir("src/commands")
        .expect("read src/commands")
        .map(|e| e.expect("dir entry").path())
        .filter_map(|p| {
            let lines = std::fs::read_to_string(&p).ok()?.lines().count();
            (lines > 150).then(|| format!("{} ({lines} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "{long:?}");
}

#[test]
fn commands_and_deploy_write_only_through_the_console() {
    let banned = [
        "println!",
        "eprintln!",
        "print!",
        "eprint!",
        "std::io::stdin",
        "std::process::exit",
    ];
    let offenders: Vec<String> = ["src/commands", "src/deploy"]
        .into_iter()
        .flat_map(sources)
        .filter(|(_, text)| banned.iter().any(|b| mentions(text, b)))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn exit_codes_2_and_130_are_spelled_only_in_the_error_module() {
    // An exit code as code: `Ok(2)`, `=> 130`, `exit(2)`, `code: 130` and the like.
    let shapes = [
        "Ok(2)",
        "Ok(130)",
        "=> 2,",
        "=> 130,",
        "exit(2)",
        "exit(130)",
        ": i32 = 2",
        ": i32 = 130",
    ];
    let offenders: Vec<String> = sources("src")
        .into_iter()
        .filter(|(path, _)| path != Path::new("src/error.rs"))
        .filter(|(_, text)| shapes.iter().any(|s| text.contains(s)))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "{offenders:?}");
}
