//! The config's YAML as a small tree of located values, built by one pass over the parser's
//! events with explicit limits (nesting depth, aliases, number of values) checked as each event
//! arrives and an explicit stack: nothing recursive runs until the input is known to be shallow
//! and small, so no input can overflow the stack or expand an alias bomb.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// Deepest nesting of lists and mappings accepted; a config nests four levels.
pub const MAX_DEPTH: usize = 64;
/// Most values (scalars, lists and mappings) accepted; a config holds a few hundred.
pub const MAX_VALUES: usize = 10_000;

/// Where a value is written: 1-based line and column (in characters) and how many characters
/// the caret underlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Spot {
    pub line: usize,
    pub column: usize,
    pub width: usize,
}

impl Spot {
    fn at(mark: &Marker) -> Self {
        Self {
            line: mark.line(),
            column: mark.col() + 1,
            width: 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub spot: Spot,
}

#[derive(Debug, Clone)]
pub enum Value {
    /// `plain` is false for a quoted or `!!str`-tagged scalar, which is always a string.
    Scalar {
        text: Box<str>,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Node {
    /// A plain scalar YAML reads as null (`key:` with nothing after it, `~`, `null`).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if matches!(&**text, "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The entry of a mapping with this scalar key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|e| matches!(&e.key.value, Value::Scalar { text, .. } if &**text == key)),
            _ => None,
        }
    }

    /// The node at a field path such as `alarms.evaluation_periods.cpu` or `regions[1]`, with
    /// the spot an error about it should point at: a scalar's value, a list's or mapping's key
    /// (where the reader looks for it). Falls back to the nearest written ancestor; None when
    /// not even the first segment is written.
    pub fn locate(&self, path: &str) -> Option<Spot> {
        let mut node = self;
        let mut found = None;
        for segment in path_segments(path) {
            let next = match segment {
                Segment::Key(k) => node.entry(k).map(|e| {
                    let pointed =
                        if e.value.is_null() || !matches!(e.value.value, Value::Scalar { .. }) {
                            e.key.spot
                        } else {
                            e.value.spot
                        };
                    (&e.value, pointed)
                }),
                Segment::Index(i) => match &node.value {
                    Value::Seq(items) => items.get(i).map(|n| (n, n.spot)),
                    _ => None,
                },
            };
            match next {
                Some((n, spot)) => {
                    node = n;
                    found = Some(spot);
                }
                None => break,
            }
        }
        found
    }
}

pub enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `a.b[2].c` as its keys and indexes.
pub fn path_segments(path: &str) -> impl Iterator<Item = Segment<'_>> {
    path.split('.').filter(|s| !s.is_empty()).flat_map(|part| {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        let indexes = rest
            .split('[')
            .filter_map(|i| i.trim_end_matches(']').parse().ok())
            .map(Segment::Index);
        (!key.is_empty())
            .then_some(Segment::Key(key))
            .into_iter()
            .chain(indexes.collect::<Vec<_>>())
    })
}

/// Why the text is not a config tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeError {
    /// Not YAML, at this spot; shown with the source line.
    Syntax(Spot, String),
    /// Over one of the limits; one line, since the offending line may be megabytes of brackets.
    Limit(Option<Spot>, String),
}

enum Frame {
    Seq {
        spot: Spot,
        items: Vec<Node>,
    },
    Map {
        spot: Spot,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

/// The tree of the one YAML document in `text` (an empty document is an empty mapping).
pub fn parse(text: &str) -> Result<Node, TreeError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut values = 0usize;
    let mut documents = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| syntax(text, &e, &stack))?;
        let spot = Spot::at(&mark);
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(TreeError::Syntax(
                        spot,
                        "starts a second YAML document; a config is one document".to_owned(),
                    ));
                }
            }
            Event::Alias(_) => {
                return Err(TreeError::Limit(
                    Some(spot),
                    "uses a YAML alias (*name); aliases are not accepted, since a config never needs them: write the value out".to_owned(),
                ));
            }
            Event::Scalar(text, style, _, tag) => {
                count(&mut values, spot)?;
                let mut plain = style == TScalarStyle::Plain;
                if let Some(tag) = tag {
                    let standard = tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:";
                    if standard && tag.suffix == "str" {
                        plain = false;
                    } else {
                        return Err(TreeError::Syntax(
                            spot,
                            format!(
                                "uses the YAML tag {}{}; a config uses no tags",
                                tag.handle, tag.suffix
                            ),
                        ));
                    }
                }
                let width = if text.contains('\n') {
                    1
                } else {
                    text.chars().count().max(1)
                };
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_boxed_str(),
                        plain,
                    },
                    spot: Spot { width, ..spot },
                };
                attach(&mut stack, &mut root, node)?;
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                count(&mut values, spot)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(TreeError::Limit(Some(spot), depth_message()));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        spot,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        spot,
                        entries: Vec::new(),
                        key: None,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match stack.pop() {
                    Some(Frame::Seq { spot, items }) => Node {
                        value: Value::Seq(items),
                        spot,
                    },
                    Some(Frame::Map { spot, entries, .. }) => {
                        // A block mapping's event is marked at its first colon; the reader
                        // looks for its first key.
                        let spot = entries.first().map_or(spot, |e| {
                            spot.min(Spot {
                                width: 1,
                                ..e.key.spot
                            })
                        });
                        Node {
                            value: Value::Map(entries),
                            spot,
                        }
                    }
                    None => continue,
                };
                attach(&mut stack, &mut root, node)?;
            }
            _ => {}
        }
    }
    Ok(root.unwrap_or(Node {
        value: Value::Map(Vec::new()),
        spot: Spot {
            line: 1,
            column: 1,
            width: 1,
        },
    }))
}

fn depth_message() -> String {
    format!(
        "nests lists and mappings more than {MAX_DEPTH} levels deep, the limit (a config needs 4)"
    )
}

fn count(values: &mut usize, spot: Spot) -> Result<(), TreeError> {
    *values += 1;
    if *values > MAX_VALUES {
        return Err(TreeError::Limit(
            Some(spot),
            format!(
                "holds more than {MAX_VALUES} values, the limit (a config holds a few hundred)"
            ),
        ));
    }
    Ok(())
}

/// Puts a finished node where it belongs: a list item, a mapping's key or value, or the root.
fn attach(stack: &mut [Frame], root: &mut Option<Node>, node: Node) -> Result<(), TreeError> {
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Frame::Seq { items, .. }) => items.push(node),
        Some(Frame::Map { entries, key, .. }) => match key.take() {
            None => {
                if let Value::Scalar { text, .. } = &node.value
                    && let Some(first) = entries.iter().find(
                        |e| matches!(&e.key.value, Value::Scalar { text: t, .. } if t == text),
                    )
                {
                    return Err(TreeError::Syntax(
                        node.spot,
                        format!(
                            "repeats the key `{text}`, already set on line {}; YAML keeps one of them, so remove one",
                            first.key.spot.line
                        ),
                    ));
                }
                *key = Some(node);
            }
            Some(k) => entries.push(Entry {
                key: k,
                value: node,
            }),
        },
    }
    Ok(())
}

/// The scanner's error in plain words, at the place the problem is: a tab where it indents, an
/// unclosed quote where it opens.
fn syntax(text: &str, e: &ScanError, stack: &[Frame]) -> TreeError {
    let mark = e.marker();
    let info = e.info();
    let spot = Spot::at(mark);
    // The scanner's own guard against deep flow nesting trips before the parser's events reach
    // our limit: the same limit, in our words.
    if info.contains("recursion limit") {
        let at = first_too_deep_bracket(text).unwrap_or(spot);
        return TreeError::Limit(Some(at), depth_message());
    }
    if let Some(tab) = indenting_tab(text, mark.line(), info.contains("tab")) {
        return TreeError::Syntax(
            tab,
            "a tab character indents this line; YAML indents with spaces only".to_owned(),
        );
    }
    if info.contains("quoted scalar") && !info.contains("escape") && !info.contains("hexadecimal") {
        let quote = line_of(text, mark.line())
            .and_then(|l| l.chars().nth(mark.col()))
            .filter(|c| *c == '"' || *c == '\'')
            .unwrap_or('"');
        let message = if closes_later(text, mark.index(), quote) {
            format!(
                "this quoted string continues on a line indented less than its key; close the {quote} on this line or indent the continuation"
            )
        } else {
            format!("this quoted string is never closed: add the closing {quote}")
        };
        return TreeError::Syntax(spot, message);
    }
    let mut message = info
        .trim_start_matches("while parsing ")
        .trim_start_matches("while scanning ")
        .to_owned();
    if info.contains("flow sequence") || info.contains("flow mapping") {
        let open = stack.iter().rev().find_map(|f| match f {
            Frame::Seq { spot, .. } if info.contains("sequence") => Some(*spot),
            Frame::Map { spot, .. } if info.contains("mapping") => Some(*spot),
            _ => None,
        });
        if let Some(open) = open {
            let bracket = if info.contains("sequence") { '[' } else { '{' };
            message = format!(
                "{message} (the {bracket} opened on line {} column {} is not closed)",
                open.line, open.column
            );
        }
    }
    TreeError::Syntax(spot, message)
}

/// Where flow brackets first nest past `MAX_DEPTH` (quoted text and comments skipped): the place
/// to point at when the scanner stopped further on.
fn first_too_deep_bracket(text: &str) -> Option<Spot> {
    let (mut line, mut column, mut depth) = (1, 0, 0usize);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                column = 0;
                comment = false;
            }
            _ if comment => {}
            (Some('"'), '\\') => {
                chars.next();
                column += 1;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => comment = true,
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(Spot {
                        line,
                        column,
                        width: 1,
                    });
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn line_of(text: &str, line: usize) -> Option<&str> {
    text.lines().nth(line.checked_sub(1)?)
}

/// The first tab in the leading whitespace of the error's line or the next one: the scanner
/// stops on the line before a tab-indented one, or on it. `named` widens the search to the
/// next few lines when the scanner itself said "tab".
fn indenting_tab(text: &str, line: usize, named: bool) -> Option<Spot> {
    let span = if named { 3 } else { 2 };
    text.lines()
        .enumerate()
        .skip(line.saturating_sub(1))
        .take(span)
        .find_map(|(i, l)| {
            let indent: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            let rest = &l[indent.len()..];
            let tab = indent.chars().position(|c| c == '\t')?;
            (!rest.is_empty() && !rest.starts_with('#')).then_some(Spot {
                line: i + 1,
                column: tab + 1,
                width: 1,
            })
        })
}

/// True when a quote opened at char index `open` is closed somewhere after it.
fn closes_later(text: &str, open: usize, quote: char) -> bool {
    let mut chars = text.chars().skip(open + 1).peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            c if c == quote => {
                // `''` inside single quotes is an escaped quote.
                if quote == '\'' && chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> TreeError {
        parse(text).expect_err("refused")
    }

    #[test]
    fn a_value_is_located_at_itself() {
        let root = parse("name: a\nalarms:\n  # c\n  cpu_high_percent: 180\n").expect("yaml");
        let spot = root.locate("alarms.cpu_high_percent").expect("found");
        assert_eq!((spot.line, spot.column, spot.width), (4, 21, 3));
    }

    #[test]
    fn a_flow_list_item_is_located_at_itself() {
        let root = parse("regions: [us-east-1, euwest1]\n").expect("yaml");
        let spot = root.locate("regions[1]").expect("found");
        assert_eq!((spot.line, spot.column), (1, 22));
    }

    #[test]
    fn an_unwritten_field_falls_back_to_its_section() {
        let root = parse("alarms:\n  memory_high_percent: 9\nname: x\n").expect("yaml");
        let spot = root.locate("alarms.lambda_duration_ms").expect("found");
        assert_eq!((spot.line, spot.column), (1, 1));
    }

    #[test]
    fn nesting_past_the_limit_is_refused_before_it_is_built() {
        let text = "[".repeat(MAX_DEPTH + 1);
        assert!(matches!(err(&text), TreeError::Limit(_, m) if m.contains("64 levels")));
    }

    #[test]
    fn deep_flow_nesting_is_reported_at_the_first_bracket_past_the_limit() {
        let text = "[".repeat(100_000);
        assert!(matches!(err(&text), TreeError::Limit(Some(s), _) if s.column == MAX_DEPTH + 1));
    }

    #[test]
    fn nesting_at_the_limit_is_accepted() {
        let text = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn more_values_than_the_limit_are_refused() {
        let text = format!("[{}]", "1,".repeat(MAX_VALUES));
        assert!(matches!(err(&text), TreeError::Limit(_, m) if m.contains("10000 values")));
    }

    #[test]
    fn an_alias_is_refused_where_it_is() {
        let e = err("a: &x 1\nb: *x\n");
        assert!(
            matches!(&e, TreeError::Limit(Some(s), m) if s.line == 2 && s.column == 4 && m.contains("alias")),
            "{e:?}"
        );
    }

    #[test]
    fn a_tab_is_named_where_it_indents() {
        let e = err("name: a\ncollectors:\n  mode: simulated\n\tmetrics: [cpu]\n");
        assert_eq!(
            e,
            TreeError::Syntax(
                Spot {
                    line: 4,
                    column: 1,
                    width: 1
                },
                "a tab character indents this line; YAML indents with spaces only".to_owned()
            )
        );
    }

    #[test]
    fn a_repeated_key_is_reported_at_the_repetition() {
        let e = err("name: a\nalarms:\n  cpu_high_percent: 1\n  cpu_high_percent: 2\n");
        assert!(
            matches!(&e, TreeError::Syntax(s, m) if s.line == 4 && s.column == 3 && m.contains("line 3")),
            "{e:?}"
        );
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opens() {
        let e = err("name: \"abc\nenvironment: x\nregions: [a]\n");
        assert!(
            matches!(&e, TreeError::Syntax(s, m) if s.line == 1 && s.column == 7 && m.contains("never closed")),
            "{e:?}"
        );
    }

    #[test]
    fn path_segments_split_keys_and_indexes() {
        let parts: Vec<String> = path_segments("a.b[2][3].c")
            .map(|s| match s {
                Segment::Key(k) => k.to_owned(),
                Segment::Index(i) => i.to_string(),
            })
            .collect();
        assert_eq!(parts, ["a", "b", "2", "3", "c"]);
    }
}
