//! Talking to the person at the terminal: confirmation prompts and progress while waiting.

use crate::aws::cloudformation::Event;
use crate::error::{Error, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{BufRead, IsTerminal, Write};

/// Refuses early, before anything changes, when there is nobody to ask and no --yes.
pub fn require_consent_possible(yes: bool, action: &str) -> Result<()> {
    if yes || std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "refusing to {action} without --yes: stdin is not a terminal, so nobody can confirm. Nothing was changed."
        )))
    }
}

/// Asks `question [y/N]` on stderr; anything but y/yes is no. --yes answers yes.
pub fn confirm(yes: bool, question: &str, err: &mut dyn Write) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Progress while CloudFormation works: a bar on a terminal, plain event lines otherwise.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(total: usize, verb: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {prefix} [{bar:30}] {pos}/{len} {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(verb.to_owned());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    /// One new stack event with the count of resources done.
    pub fn event(&self, e: &Event, done: usize, err: &mut dyn Write) {
        let line = format!(
            "{} {} {} {}",
            e.status, e.resource_type, e.logical_id, e.reason
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(done as u64);
                bar.set_message(line.trim_end().to_owned());
            }
            None => {
                let _ = writeln!(err, "  {}", line.trim_end());
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
