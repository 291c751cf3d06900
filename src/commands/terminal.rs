//! The person at the terminal as apply and destroy see them (`deploy::apply::Ui`): the plan
//! and the questions on the console, progress as a bar or as event lines.

use super::context::Context;
use super::ui::{self, Progress};
use crate::console::Console;
use crate::deploy::apply::{Answer, Ui};
use crate::deploy::assets::{Upload, Uploaded};
use crate::deploy::revert::RevertPreview;
use crate::deploy::wait::Tick;
use crate::plan::{Plan, render};

pub struct Terminal<'a, 'b> {
    console: &'a Console<'b>,
    yes: bool,
    json: bool,
    style: crate::style::Style,
    /// What the progress bar says is happening ("applying", "destroying").
    verb: &'static str,
    progress: Option<Progress>,
}

impl<'a, 'b> Terminal<'a, 'b> {
    pub fn new(ctx: &Context<'a, 'b>, yes: bool, verb: &'static str) -> Self {
        Self {
            console: ctx.console,
            yes,
            json: ctx.json(),
            style: ctx.style(),
            verb,
            progress: None,
        }
    }

    /// The plan at its full width when `wide` (`--wide`), else fitted to the terminal.
    pub fn wide(self, wide: bool) -> Self {
        if wide {
            Self {
                style: self.style.wide(),
                ..self
            }
        } else {
            self
        }
    }

    /// Clears the progress bar, if one was drawn.
    pub fn finish(&self) {
        if let Some(p) = &self.progress {
            p.finish();
        }
    }
}

impl Ui for Terminal<'_, '_> {
    fn ask(&mut self, question: &str) -> Answer {
        if !self.yes && !self.console.terminals.input {
            return Answer::NobodyToAsk;
        }
        match ui::confirm(self.console, self.yes, question) {
            Ok(true) => Answer::Yes,
            Ok(false) | Err(_) => Answer::No,
        }
    }

    fn confirm(&mut self, plan: &Plan) -> bool {
        if !self.json {
            let _ = write!(self.console.out(), "{}", render::text(plan, self.style));
        }
        self.ask("Apply these changes?") == Answer::Yes
    }

    fn published(&mut self, u: &Uploaded) {
        if self.json {
            return;
        }
        let mut err = self.console.err();
        if u.created_bucket {
            let _ = writeln!(err, "Bootstrapped artifact bucket {}.", u.bucket);
            if !u.tls_policy {
                let _ = writeln!(
                    err,
                    "note: its TLS-only policy was left off: the endpoint is plain HTTP (an emulator), which such a policy would lock out."
                );
            }
        }
        for o in &u.objects {
            let line = match o.how {
                Upload::Reused => continue,
                Upload::Uploaded => format!("Uploaded s3://{}/{}.", u.bucket, o.key),
                Upload::Replaced => format!(
                    "Uploaded s3://{}/{} again: the object there did not have the zip's SHA-256 checksum.",
                    u.bucket, o.key
                ),
            };
            let _ = writeln!(err, "{line}");
        }
    }

    fn type_in(&mut self, prompt: &str) -> Option<String> {
        if !self.console.terminals.input {
            return None;
        }
        {
            let mut err = self.console.err();
            let _ = write!(err, "{prompt}");
            let _ = err.flush();
        }
        self.console.read_line().ok()
    }

    fn replacing_failed_create(&mut self, status: &str) {
        if !self.json {
            let _ = writeln!(
                self.console.err(),
                "The stack is in {status} after a failed create and holds nothing: deleting it to create it again."
            );
        }
    }

    fn removed_leftovers(&mut self, change_sets: &[String]) {
        if !self.json {
            let _ = writeln!(
                self.console.err(),
                "Deleted change sets an earlier apply left behind: {}.",
                change_sets.join(", ")
            );
        }
    }

    fn drift_to_revert(&mut self, preview: &RevertPreview) {
        if !self.json {
            let _ = write!(self.console.out(), "{preview}");
        }
    }

    fn tick(&mut self, t: Tick<'_>, total: usize) {
        let (console, verb) = (self.console, self.verb);
        let p = self
            .progress
            .get_or_insert_with(|| Progress::new(console, total, verb));
        p.event(t.event, t.done, console);
    }
}
