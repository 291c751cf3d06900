//! Terminal styling shared by every report (plan, drift, the commands): ANSI colour, on only
//! when asked, so the same text renders plain in files, pipes and tests; and the width a report
//! may fill, so that wide tables and long values fit the terminal or the CI log.

/// The width of a CI log or a pipe when nothing says otherwise.
pub const DEFAULT_WIDTH: usize = 80;

/// Narrower than this, no layout stays readable, so reports lay out for this many columns.
pub const MIN_WIDTH: usize = 60;

/// ANSI colour, on only when asked (a terminal, no NO_COLOR, no --no-color), and the columns a
/// report may fill (`None`: as wide as its content, as with `--wide`).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: Option<usize>,
}

impl Style {
    /// No colour and no width limit: what files and tests of full output want.
    pub const PLAIN: Style = Style {
        color: false,
        width: None,
    };

    /// The same style with no width limit (`--wide`).
    pub fn wide(self) -> Self {
        Style {
            width: None,
            ..self
        }
    }

    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// The columns output may fill: the terminal's when stdout is one, else `COLUMNS` when set (a
/// terminal's size is not inherited through a pipe), else 80; never fewer than `MIN_WIDTH`.
pub fn output_width(stdout_is_terminal: bool) -> usize {
    let terminal = if stdout_is_terminal {
        ::console::Term::stdout()
            .size_checked()
            .map(|(_, columns)| usize::from(columns))
    } else {
        None
    };
    choose_width(terminal, std::env::var("COLUMNS").ok().as_deref())
}

fn choose_width(terminal: Option<usize>, columns: Option<&str>) -> usize {
    terminal
        .filter(|w| *w > 0)
        .or_else(|| {
            columns
                .and_then(|c| c.trim().parse().ok())
                .filter(|w| *w > 0)
        })
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// `text` in at most `width` characters: cut with an ellipsis (counted in the width) if longer.
pub fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// `text` in lines of at most `width` characters, broken after a space, `,`, `/`, `:`, `-` or `=`
/// outside `${...}` (so an ARN breaks between its parts, never inside a substitution), and
/// anywhere when a part alone is longer than the width.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let chars: Vec<char> = text.chars().collect();
    let mut depth = 0usize;
    // breakable[i]: a line may end after chars[i].
    let breakable: Vec<bool> = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            match c {
                '{' if i > 0 && chars[i - 1] == '$' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            let next = chars.get(i + 1).copied();
            depth == 0 && matches!(c, ' ' | ',' | '/' | ':' | '-' | '=') && next != Some(c)
        })
        .collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while chars.len() - start > width {
        let end = (start + 1..=start + width)
            .rev()
            .find(|&e| breakable[e - 1] || chars[e] == ' ')
            .unwrap_or(start + width);
        let line: String = chars[start..end].iter().collect();
        lines.push(line.trim_end().to_owned());
        start = end;
        while chars.get(start) == Some(&' ') {
            start += 1;
        }
    }
    if start < chars.len() || lines.is_empty() {
        lines.push(chars[start..].iter().collect());
    }
    lines
}

/// `rows` under `headers` as plain columns, each as wide as its widest cell, two spaces apart,
/// indented two (the instance tables of the stack-set reports).
pub fn columns(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    let mut s = line(headers.to_vec());
    for row in rows {
        s.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_width_wins_over_columns_which_wins_over_the_default() {
        let widths = [
            choose_width(Some(120), Some("100")),
            choose_width(None, Some("100")),
            choose_width(None, None),
            choose_width(None, Some("wide")),
        ];
        assert_eq!(widths, [120, 100, DEFAULT_WIDTH, DEFAULT_WIDTH]);
    }

    #[test]
    fn a_width_below_the_minimum_lays_out_for_the_minimum() {
        assert_eq!(choose_width(None, Some("20")), MIN_WIDTH);
    }

    #[test]
    fn wrap_breaks_an_arn_between_its_parts_and_never_inside_a_substitution() {
        let arn =
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/x";
        let lines = wrap(arn, 30);
        assert_eq!(
            lines,
            [
                "arn:${AWS::Partition}:logs:",
                "${AWS::Region}:",
                "${AWS::AccountId}:log-group:/",
                "aws/lambda/x",
            ]
        );
    }

    #[test]
    fn wrap_cuts_a_part_longer_than_the_width_and_loses_nothing() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        let lines = wrap(text, 10);
        assert_eq!(lines.concat(), text);
        assert!(lines.iter().all(|l| l.chars().count() <= 10), "{lines:?}");
    }

    #[test]
    fn wrap_breaks_words_at_spaces_without_keeping_them() {
        assert_eq!(
            wrap("StringEquals aws:SourceAccount=1", 14),
            ["StringEquals", "aws:", "SourceAccount=", "1"]
        );
    }

    #[test]
    fn cut_ends_a_long_value_with_an_ellipsis_within_the_width() {
        assert_eq!(cut("abcdefgh", 5), "abcd…");
        assert_eq!(cut("abc", 5), "abc");
    }
}
