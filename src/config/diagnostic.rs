//! Config problems as a compiler prints them: `file:line:col: field: message`, then the source
//! line and a caret under the value, one block per problem, every problem of the file at once.

use super::tree::Spot;
use std::fmt;
use std::path::{Path, PathBuf};

/// Widest source excerpt shown under a problem; longer lines are cut around the caret.
const EXCERPT_CHARS: usize = 100;

/// One problem (or warning) at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub field: Option<String>,
    pub message: String,
    /// The source line (cut to a window) and the caret's offset and width within it.
    pub excerpt: Option<Excerpt>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub text: String,
    pub caret_at: usize,
    pub caret_width: usize,
}

impl Diagnostic {
    /// A problem of the whole file (unreadable, too large): no position, one line.
    pub fn file(file: &Path, message: String) -> Self {
        Self {
            file: file.to_owned(),
            line: None,
            column: None,
            field: None,
            message,
            excerpt: None,
        }
    }

    /// A problem at `spot` of `text`; `excerpt` false keeps it to one line (for limits, whose
    /// line may be a megabyte of brackets).
    pub fn at(
        file: &Path,
        text: &str,
        spot: Option<Spot>,
        field: Option<String>,
        message: String,
        excerpt: bool,
    ) -> Self {
        Self {
            file: file.to_owned(),
            line: spot.map(|s| s.line),
            column: spot.map(|s| s.column),
            field,
            message,
            excerpt: spot.filter(|_| excerpt).and_then(|s| excerpt_of(text, s)),
        }
    }

    /// The first line: `file:line:col: field: message`.
    pub fn headline(&self) -> String {
        let mut s = self.file.display().to_string();
        if let (Some(l), Some(c)) = (self.line, self.column) {
            s.push_str(&format!(":{l}:{c}"));
        }
        s.push_str(": ");
        if let Some(f) = &self.field {
            s.push_str(f);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        s
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if let (Some(x), Some(line)) = (&self.excerpt, self.line) {
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            write!(
                f,
                "\n{pad} |\n{line} | {}\n{pad} | {}{}",
                x.text,
                " ".repeat(x.caret_at),
                "^".repeat(x.caret_width.max(1))
            )?;
        }
        Ok(())
    }
}

/// The source line of `spot`, tabs shown as one space each (so the caret lines up), cut to
/// `EXCERPT_CHARS` around the caret; the caret spans a quoted value's quotes.
fn excerpt_of(text: &str, spot: Spot) -> Option<Excerpt> {
    let line = text.lines().nth(spot.line.checked_sub(1)?)?;
    let chars: Vec<char> = line
        .trim_end()
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let at = spot.column.checked_sub(1)?.min(chars.len());
    let mut width = spot.width.max(1);
    if let Some(q @ ('"' | '\'')) = chars.get(at).copied() {
        let close = chars[at + 1..].iter().position(|c| *c == q);
        width = close.map_or(chars.len() - at, |c| c + 2);
    }
    width = width.min(chars.len().saturating_sub(at).max(1));
    let start = if chars.len() <= EXCERPT_CHARS {
        0
    } else {
        at.saturating_sub(EXCERPT_CHARS / 2)
    };
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    let mut caret_at = at - start;
    if start > 0 {
        shown.insert_str(0, "...");
        caret_at += 3;
    }
    if end < chars.len() {
        shown.push_str("...");
    }
    Some(Excerpt {
        text: shown,
        caret_at,
        caret_width: width.min(EXCERPT_CHARS),
    })
}

/// Everything wrong with one config file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    pub problems: Vec<Diagnostic>,
}

impl ConfigError {
    pub fn one(problem: Diagnostic) -> Self {
        Self {
            file: problem.file.clone(),
            problems: vec![problem],
        }
    }
}

impl fmt::Display for ConfigError {
    /// The CLI prints `error: ` before the first block; each further block gets its own.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\nerror: ")?;
            }
            write!(f, "{p}")?;
        }
        if self.problems.len() > 1 {
            write!(
                f,
                "\nerror: {} problems in {}",
                self.problems.len(),
                self.file.display()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spot(line: usize, column: usize, width: usize) -> Option<Spot> {
        Some(Spot {
            line,
            column,
            width,
        })
    }

    #[test]
    fn the_caret_sits_under_the_value() {
        let d = Diagnostic::at(
            Path::new("c.yaml"),
            "alarms:\n  cpu_high_percent: 180\n",
            spot(2, 21, 3),
            Some("alarms.cpu_high_percent".into()),
            "must be between 1 and 100 (got 180)".into(),
            true,
        );
        assert_eq!(
            d.to_string(),
            "c.yaml:2:21: alarms.cpu_high_percent: must be between 1 and 100 (got 180)\n  |\n2 |   cpu_high_percent: 180\n  |                     ^^^"
        );
    }

    #[test]
    fn a_quoted_value_is_underlined_with_its_quotes() {
        let d = Diagnostic::at(
            Path::new("c.yaml"),
            "name: \"Bad Name\" # x\n",
            spot(1, 7, 8),
            None,
            "m".into(),
            true,
        );
        let x = d.excerpt.expect("excerpt");
        assert_eq!((x.caret_at, x.caret_width), (6, 10));
    }

    #[test]
    fn a_long_line_is_cut_around_the_caret() {
        let text = format!("{}x", "[".repeat(5000));
        let d = Diagnostic::at(
            Path::new("c"),
            &text,
            spot(1, 5001, 1),
            None,
            "m".into(),
            true,
        );
        let x = d.excerpt.expect("excerpt");
        assert!(x.text.chars().count() <= EXCERPT_CHARS + 6, "{}", x.text);
        assert_eq!(x.text.chars().nth(x.caret_at), Some('x'));
    }
}
