//! The AWS settings checked before any request: a profile that is named must be defined (the
//! SDK would otherwise fail later with a network-sounding error), and an endpoint URL must carry
//! its scheme (the SDK would otherwise print its internal request structure).

use std::path::PathBuf;

/// A setting that cannot work, said in one line with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error(
        "AWS profile `{name}` is not defined in {files}; {}",
        defined_hint(defined, name)
    )]
    UndefinedProfile {
        name: String,
        /// The files read, as the user would name them (`~/.aws/config` or the variable's value).
        files: String,
        defined: Vec<String>,
    },
    #[error(
        "endpoint URL `{url}` (--endpoint-url or AWS_ENDPOINT_URL) has no scheme: write `http://{url}` for a local emulator, or `https://{url}`"
    )]
    EndpointWithoutScheme { url: String },
    #[error("cannot read the AWS profile file {path}: {reason}")]
    Unreadable { path: String, reason: String },
}

fn defined_hint(defined: &[String], name: &str) -> String {
    if defined.is_empty() {
        format!("no profile is defined there: create it with `aws configure --profile {name}`")
    } else {
        format!(
            "the profiles defined are: {} (or create it with `aws configure --profile {name}`)",
            defined.join(", ")
        )
    }
}

/// Refuses an endpoint URL without `http://` or `https://`, before anything is sent.
pub fn check_endpoint(url: &str) -> Result<(), EnvError> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(())
    } else {
        Err(EnvError::EndpointWithoutScheme {
            url: url.trim().to_owned(),
        })
    }
}

/// One shared profile file: where it is and how the user would name it.
struct ProfileFile {
    path: PathBuf,
    shown: String,
    /// The config file names profiles `[profile NAME]` (and `[default]`); the credentials file
    /// names them `[NAME]`.
    is_config: bool,
}

fn profile_files() -> [ProfileFile; 2] {
    let file = |var: &str, default: &str, is_config: bool| match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => ProfileFile {
            path: expand_home(&v),
            shown: v,
            is_config,
        },
        _ => ProfileFile {
            path: expand_home(default),
            shown: default.to_owned(),
            is_config,
        },
    };
    [
        file("AWS_CONFIG_FILE", "~/.aws/config", true),
        file("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", false),
    ]
}

fn expand_home(path: &str) -> PathBuf {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The profile names a file defines, as the SDK reads them (sorted, each once).
pub fn profile_names(text: &str, is_config: bool) -> Vec<String> {
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let inner = line.strip_prefix('[')?.split(']').next()?.trim();
            if is_config {
                match inner.strip_prefix("profile") {
                    Some(rest) if rest.starts_with(char::is_whitespace) => {
                        Some(rest.trim().to_owned())
                    }
                    // `[default]` is the one profile the config file names without the prefix;
                    // other bare sections (sso-session, services) are not profiles.
                    _ => (inner == "default").then(|| inner.to_owned()),
                }
            } else {
                Some(inner.to_owned())
            }
        })
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Refuses a profile that neither shared file defines, naming the ones that are.
pub fn check_profile(name: &str) -> Result<(), EnvError> {
    let files = profile_files();
    let mut defined = Vec::new();
    for f in &files {
        match std::fs::read_to_string(&f.path) {
            Ok(text) => defined.extend(profile_names(&text, f.is_config)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(EnvError::Unreadable {
                    path: f.shown.clone(),
                    reason: e.to_string(),
                });
            }
        }
    }
    defined.sort();
    defined.dedup();
    tracing::debug!(profiles = ?defined, "profiles defined in {} and {}", files[0].shown, files[1].shown);
    if defined.iter().any(|d| d == name) {
        let over_env = if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            "; it wins over AWS_ACCESS_KEY_ID"
        } else {
            ""
        };
        tracing::info!(
            profile = name,
            "credentials from profile `{name}` ({} or {}){over_env}",
            files[0].shown,
            files[1].shown
        );
        Ok(())
    } else {
        Err(EnvError::UndefinedProfile {
            name: name.to_owned(),
            files: format!("{} or {}", files[0].shown, files[1].shown),
            defined,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_file_names_profiles_with_the_prefix_and_default_without() {
        let text = "[default]\nregion = eu-west-1\n[profile prod]\n[ profile  dev ]\n[sso-session corp]\n[services s]\n";
        assert_eq!(profile_names(text, true), ["default", "dev", "prod"]);
    }

    #[test]
    fn the_credentials_file_names_profiles_bare() {
        let text = "# keys\n[default]\naws_access_key_id = x\n[ci]\n";
        assert_eq!(profile_names(text, false), ["ci", "default"]);
    }

    #[test]
    fn an_endpoint_without_a_scheme_is_refused_with_the_url_to_write() {
        let err = check_endpoint("127.0.0.1:5000").unwrap_err();
        assert!(
            err.to_string().contains("write `http://127.0.0.1:5000`"),
            "{err}"
        );
    }

    #[test]
    fn an_endpoint_with_either_scheme_is_accepted() {
        assert!(check_endpoint("http://127.0.0.1:5000").is_ok());
        assert!(check_endpoint("HTTPS://example.com").is_ok());
    }
}
