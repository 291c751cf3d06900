//! The standard streams, injected: every command writes, prompts and reads through a `Console`,
//! so that tests run each of them in-process with in-memory streams and a scripted answer.

use crate::error::{Error, Exit, Result};
use std::cell::{RefCell, RefMut};
use std::io::{BufRead, Write};

/// Which of the streams is a terminal (colour, progress bars, and whether anyone can answer).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminals {
    pub input: bool,
    pub out: bool,
    pub err: bool,
}

/// Output, error and input. Shared (`&Console`) by everything a command runs at once, such as
/// rollout's regions; each write borrows its stream only for that write.
pub struct Console<'a> {
    out: RefCell<&'a mut dyn Write>,
    err: RefCell<&'a mut dyn Write>,
    input: RefCell<&'a mut dyn BufRead>,
    pub terminals: Terminals,
}

impl<'a> Console<'a> {
    pub fn new(
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
        input: &'a mut dyn BufRead,
        terminals: Terminals,
    ) -> Self {
        Self {
            out: RefCell::new(out),
            err: RefCell::new(err),
            input: RefCell::new(input),
            terminals,
        }
    }

    /// Standard output, for one write (never hold it across an `.await`).
    pub fn out(&self) -> RefMut<'_, dyn Write + 'a> {
        RefMut::map(self.out.borrow_mut(), |w| &mut **w)
    }

    /// Standard error, for one write (never hold it across an `.await`).
    pub fn err(&self) -> RefMut<'_, dyn Write + 'a> {
        RefMut::map(self.err.borrow_mut(), |w| &mut **w)
    }

    /// One line of input, without its line end; empty at the end of input.
    pub fn read_line(&self) -> std::io::Result<String> {
        let mut line = String::new();
        self.input.borrow_mut().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Prints a report: its JSON document with `--json`, else its text, and returns its exit.
    pub fn report<R: Report + ?Sized>(&self, json: bool, report: &R) -> Result<Exit> {
        if json {
            let doc = report.document().map_err(|source| Error::Json {
                what: report.what(),
                source,
            })?;
            writeln!(self.out(), "{doc}")?;
        } else if report.text_on_err() {
            write!(self.err(), "{report}")?;
        } else {
            write!(self.out(), "{report}")?;
        }
        Ok(report.exit())
    }
}

/// A command's result: `Display` is the text people read (with its final newline),
/// `Serialize` the one `--json` document.
pub trait Report: std::fmt::Display + serde::Serialize {
    /// What the report is, for the message when it cannot be rendered as JSON.
    fn what(&self) -> &'static str;

    /// How the command exits after printing it.
    fn exit(&self) -> Exit {
        Exit::Success
    }

    /// Whether the text tells of a failure or a cancellation, which belongs on stderr.
    fn text_on_err(&self) -> bool {
        false
    }

    /// The `--json` document, on one line.
    fn document(&self) -> serde_json::Result<String> {
        serde_json::to_string(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_line_gives_each_answer_without_its_line_end() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut input: &[u8] = b"yes\r\nno\n";
        let console = Console::new(&mut out, &mut err, &mut input, Terminals::default());
        let answers = [console.read_line().ok(), console.read_line().ok()];
        assert_eq!(answers, [Some("yes".to_owned()), Some("no".to_owned())]);
    }
}
