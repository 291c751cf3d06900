//! The one error type the CLI reports, and every exit status: each variant carries what the
//! user needs to act, and `code()` and `Exit::code()` are the only places that number them.

use crate::config::ConfigError;
use crate::deploy::apply::Refusal;
use std::path::PathBuf;

/// How a command that ran to its end exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done, nothing to report against it.
    Success,
    /// 1: the report itself says it failed or was declined (its text says why).
    Failure,
    /// 2: with --detailed-exitcode, changes (plan) or drift were found.
    Changes,
    /// 130: Ctrl-C after the report was printed (rollout); what goes on without us was said.
    Interrupted,
}

/// The status of a process stopped by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: i32 = 130;

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Changes => 2,
            Exit::Interrupted => INTERRUPTED,
        }
    }

    /// Success, or Failure when `ok` is false.
    pub fn from_ok(ok: bool) -> Exit {
        if ok { Exit::Success } else { Exit::Failure }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// Arguments that do not fit together or name what does not exist.
    #[error("{0}")]
    Usage(String),
    /// A saved plan (`apply FILE`) that cannot be read or is not one.
    #[error("{0}")]
    SavedPlan(String),
    /// A `drift.ignore` entry that names no resource of the pipeline.
    #[error(
        "{}: drift.ignore entry `{entry}` names no resource of the pipeline; use a logical id `infrapipe drift` prints (or `*`)",
        config.display()
    )]
    UnknownIgnore { config: PathBuf, entry: String },
    /// Nothing was changed: a guard of apply or destroy said no.
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error(
        "refusing to {action} without --yes: stdin is not a terminal, so nobody can confirm. Nothing was changed."
    )]
    NoConsent { action: String },
    #[error("stack {stack} is not deployed in {region}; run `infrapipe apply` first")]
    NotDeployed { stack: String, region: String },
    #[error("stack {stack} has no state machine; run `infrapipe apply`")]
    NoStateMachine { stack: String },
    #[error(
        "stack {stack} has termination protection on; set `termination_protection: false` in {} and apply, then destroy",
        config.display()
    )]
    TerminationProtected { stack: String, config: PathBuf },
    /// CloudFormation ended an operation in a failed state; `cause` is the first failed
    /// resource and its reason, or the stack's own reason when no resource failed.
    #[error("{doing} stack {stack} failed ({status}): {cause}")]
    StackFailed {
        doing: &'static str,
        stack: String,
        status: String,
        cause: String,
    },
    #[error("run {name} is still {status} after waiting {seconds} s; {follow}")]
    RunTimedOut {
        name: String,
        status: String,
        seconds: u64,
        /// How to follow the run, which goes on.
        follow: String,
    },
    /// Ctrl-C while waiting on AWS; `goes_on` says what continues without us.
    #[error("Interrupted. {goes_on}")]
    Interrupted { goes_on: String },
    /// One region's task ended without a result (it panicked).
    #[error("the {what} of {region} stopped: {reason}")]
    RegionStopped {
        what: String,
        region: String,
        reason: String,
    },
    /// The bundled price files or the pricing of the model.
    #[error("{0}")]
    Prices(String),
    #[error("cannot render the {what} as JSON: {source}")]
    Json {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot package the bundled Lambda code: {0}")]
    Package(std::io::Error),
    #[error("{0}")]
    Aws(#[from] crate::aws::AwsError),
    /// An AWS setting (profile, endpoint URL) refused before any request.
    #[error("{0}")]
    Environment(#[from] crate::aws::EnvError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write to the terminal: {0}")]
    Output(#[from] std::io::Error),
}

impl Error {
    /// The process exit status: 130 for an interruption, 1 for every other error (2 is
    /// "changes found", never an error).
    pub fn code(&self) -> i32 {
        match self {
            Error::Interrupted { .. } => INTERRUPTED,
            _ => Exit::Failure.code(),
        }
    }
}

impl From<crate::deploy::apply::ApplyError> for Error {
    fn from(e: crate::deploy::apply::ApplyError) -> Self {
        match e {
            crate::deploy::apply::ApplyError::Aws(a) => Error::Aws(a),
            crate::deploy::apply::ApplyError::Refused(r) => Error::Refused(r),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interruption_exits_130_and_every_other_error_1() {
        let interrupted = Error::Interrupted {
            goes_on: "CloudFormation goes on.".into(),
        };
        let usage = Error::Usage("--region is not configured".into());
        assert_eq!((interrupted.code(), usage.code()), (130, 1));
    }

    #[test]
    fn exits_are_numbered_as_shells_and_detailed_exitcode_expect() {
        let codes = [
            Exit::Success,
            Exit::Failure,
            Exit::Changes,
            Exit::Interrupted,
        ]
        .map(Exit::code);
        assert_eq!(codes, [0, 1, 2, 130]);
    }
}
