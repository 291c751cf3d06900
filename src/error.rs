//! The one error type the CLI reports: each variant carries what the user needs to act.

use crate::config::ConfigError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot package the bundled Lambda code: {0}")]
    Package(std::io::Error),
    #[error("{0}")]
    Aws(#[from] crate::aws::AwsError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write to the terminal: {0}")]
    Output(#[from] std::io::Error),
}

impl Error {
    /// The process exit status: 1 for every error (2 is reserved for "changes found").
    pub fn code(&self) -> i32 {
        1
    }
}

pub type Result<T> = std::result::Result<T, Error>;
