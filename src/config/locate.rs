//! Positions of every value in a YAML text, by field path (`alarms.cpu_high_percent`,
//! `regions[1]`): the parser that deserialises the config loses them, so errors look them up
//! here to print `file:line:column`.

use std::collections::BTreeMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// 1-based (line, column) of each value, by the path serde_path_to_error prints.
pub type Positions = BTreeMap<String, (usize, usize)>;

pub fn positions(text: &str) -> Positions {
    let mut r = Recorder::default();
    // A syntax error stops the walk; what was recorded before it is still right.
    let _ = Parser::new_from_str(text).load(&mut r, false);
    r.positions
}

/// The position of `path`, or of its nearest written ancestor (a default value has none).
pub fn locate(positions: &Positions, path: &str) -> Option<(usize, usize)> {
    let mut p = path;
    loop {
        if let Some(pos) = positions.get(p) {
            return Some(*pos);
        }
        let cut = p.rfind(['.', '['])?;
        p = &p[..cut];
    }
}

enum Frame {
    /// `key`: the pending key and its position, between a key and its value.
    Map {
        path: String,
        key: Option<(String, (usize, usize))>,
    },
    Seq {
        path: String,
        index: usize,
    },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    positions: Positions,
}

impl Recorder {
    /// The path of the value about to start and its key's position, or None when the event is
    /// a mapping key.
    fn next_value_path(
        &mut self,
        key_text: Option<&str>,
        pos: (usize, usize),
    ) -> Option<(String, Option<(usize, usize)>)> {
        match self.stack.last_mut() {
            None => Some((String::new(), None)),
            Some(Frame::Map { path, key }) => match key.take() {
                None => {
                    *key = Some((key_text.unwrap_or("?").to_owned(), pos));
                    None
                }
                Some((k, at)) => {
                    let p = if path.is_empty() {
                        k
                    } else {
                        format!("{path}.{k}")
                    };
                    Some((p, Some(at)))
                }
            },
            Some(Frame::Seq { path, index }) => {
                let p = format!("{path}[{index}]");
                *index += 1;
                Some((p, None))
            }
        }
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = (mark.line(), mark.col() + 1);
        match ev {
            // A scalar value is located at itself.
            Event::Scalar(ref s, ..) => {
                if let Some((p, _)) = self.next_value_path(Some(s), pos) {
                    self.positions.entry(p).or_insert(pos);
                }
            }
            Event::Alias(_) => {
                if let Some((p, _)) = self.next_value_path(Some("?"), pos) {
                    self.positions.entry(p).or_insert(pos);
                }
            }
            // A mapping or sequence is located at its key, where the reader looks for it.
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                // A complex (non-scalar) mapping key gets the path "?"; nothing real names it.
                let (path, key_pos) = self
                    .next_value_path(None, pos)
                    .unwrap_or_else(|| ("?".to_owned(), None));
                self.positions
                    .entry(path.clone())
                    .or_insert(key_pos.unwrap_or(pos));
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { path, key: None }
                } else {
                    Frame::Seq { path, index: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_value() {
        let p = positions("name: a\nalarms:\n  # c\n  cpu_high_percent: 180\n");
        assert_eq!(locate(&p, "alarms.cpu_high_percent"), Some((4, 21)));
    }

    #[test]
    fn finds_sequence_items_in_flow_style() {
        let p = positions("regions: [us-east-1, euwest1]\n");
        assert_eq!(locate(&p, "regions[1]"), Some((1, 22)));
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        let p = positions("alarms:\n  memory_high_percent: 9\nname: x\n");
        assert_eq!(locate(&p, "alarms.lambda_duration_ms"), Some((1, 1)));
    }
}
