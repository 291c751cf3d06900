//! Talking to the person at the terminal: confirmation prompts and progress while waiting, all
//! through the injected console.

use crate::aws::cloudformation::Event;
use crate::console::Console;
use crate::error::{Error, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Refuses early, before anything changes, when there is nobody to ask and no --yes.
pub fn require_consent_possible(console: &Console, yes: bool, action: &str) -> Result<()> {
    if yes || console.terminals.input {
        Ok(())
    } else {
        Err(Error::NoConsent {
            action: action.to_owned(),
        })
    }
}

/// Asks `question [y/N]` on stderr; anything but y/yes is no. --yes answers yes.
pub fn confirm(console: &Console, yes: bool, question: &str) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    {
        let mut err = console.err();
        write!(err, "{question} [y/N] ")?;
        err.flush()?;
    }
    let line = console.read_line()?;
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
    pub fn new(console: &Console, total: usize, verb: &str) -> Self {
        let bar = console.terminals.err.then(|| {
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
    pub fn event(&self, e: &Event, done: usize, console: &Console) {
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
                let _ = writeln!(console.err(), "  {}", line.trim_end());
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Terminals;

    #[test]
    fn a_yes_typed_at_the_prompt_confirms_and_the_question_goes_to_stderr() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut input: &[u8] = b"Yes\n";
        let terminals = Terminals {
            input: true,
            ..Terminals::default()
        };
        let answered = confirm(
            &Console::new(&mut out, &mut err, &mut input, terminals),
            false,
            "Go?",
        )
        .ok();
        assert_eq!(
            (answered, String::from_utf8_lossy(&err).into_owned()),
            (Some(true), "Go? [y/N] ".to_owned())
        );
    }
}
