//! Typed values from the config tree through serde, reporting every problem rather than the
//! first: unknown fields are collected as they are met, and a value that fails is recorded and
//! then left out (or replaced by a known-good placeholder when the field is required) on the
//! next pass, until a pass succeeds. Messages speak of numbers, lists and mappings, never of
//! Rust types.

use super::suggest::closest;
use super::tree::{Node, Spot, Value, path_segments};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Most problems reported from one file; past this the rest is noise.
pub const MAX_PROBLEMS: usize = 50;

/// A problem found while reading typed values: the field path and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub spot: Option<Spot>,
    pub message: String,
}

/// What every pass shares: problems so far, the paths to leave out or replace, and the
/// placeholder document that supplies required values.
struct Ctx<'a> {
    problems: RefCell<BTreeMap<(usize, usize, String), Problem>>,
    repairs: BTreeSet<String>,
    placeholder: &'a Node,
}

impl Ctx<'_> {
    fn record(&self, p: Problem) {
        let key = p.spot.map_or((usize::MAX, 0), |s| (s.line, s.column));
        self.problems
            .borrow_mut()
            .entry((key.0, key.1, p.path.clone()))
            .or_insert(p);
    }

    /// The placeholder's value at `path`, when the placeholder has one (required fields only).
    fn placeholder(&self, path: &str) -> Option<&Node> {
        let mut node = self.placeholder;
        for s in path_segments(path) {
            node = match s {
                super::tree::Segment::Key(k) => &node.entry(k)?.value,
                super::tree::Segment::Index(_) => return None,
            };
        }
        Some(node)
    }
}

/// Deserializes `root` as `T`, with every problem found; `T` is returned when there were none
/// that needed a repair, along with the paths that were repaired (for callers that run further
/// checks and must not report a consequence of a repair as a new problem).
pub fn deserialize<T: de::DeserializeOwned>(
    root: &Node,
    placeholder: &Node,
) -> (Option<T>, Vec<Problem>, BTreeSet<String>) {
    let mut ctx = Ctx {
        problems: RefCell::new(BTreeMap::new()),
        repairs: BTreeSet::new(),
        placeholder,
    };
    let value = loop {
        let result = T::deserialize(NodeDe {
            node: root,
            path: String::new(),
            ctx: &ctx,
        });
        match result {
            Ok(v) => break Some(v),
            Err(e) => {
                let path = e.path.clone().unwrap_or_default();
                let repaired = ctx.repairs.contains(&path);
                ctx.record(Problem {
                    path: path.clone(),
                    spot: e.spot,
                    message: e.message,
                });
                // The root cannot be left out, a path that failed after its repair has no
                // better repair, and past the cap the rest is noise.
                if path.is_empty() || repaired || ctx.problems.borrow().len() >= MAX_PROBLEMS {
                    break None;
                }
                ctx.repairs.insert(path);
            }
        }
    };
    let problems = ctx.problems.into_inner().into_values().collect();
    (value, problems, ctx.repairs)
}

#[derive(Debug)]
pub struct Error {
    message: String,
    path: Option<String>,
    spot: Option<Spot>,
    /// A required field that is absent: located at its section once known.
    missing: Option<&'static str>,
}

impl Error {
    fn new(message: String) -> Self {
        Self {
            message,
            path: None,
            spot: None,
            missing: None,
        }
    }

    /// Locates an error that does not know where it happened yet (one made by a value's own
    /// parser, which sees only the value).
    fn at(mut self, path: &str, spot: Spot) -> Self {
        if self.path.is_none() {
            self.path = Some(match self.missing {
                Some(field) => join(path, field),
                None => path.to_owned(),
            });
            // A field missing from the top level has no place to point at.
            self.spot = (self.missing.is_none() || !path.is_empty()).then_some(spot);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Self::new(msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        Self {
            missing: Some(field),
            ..Self::new("is required".to_owned())
        }
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::new(format!(
            "must be {} (got {})",
            plain_expected(&exp.to_string()),
            plain_unexpected(&unexp)
        ))
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::new(format!(
            "must be {} (got {})",
            plain_expected(&exp.to_string()),
            plain_unexpected(&unexp)
        ))
    }

    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        Self::new(format!(
            "must hold {} (got {len} items)",
            plain_expected(&exp.to_string())
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::new(one_of(variant, expected))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self::new(unknown_field(field, expected, ""))
    }
}

/// serde's names of types, in words a config's reader uses.
fn plain_expected(rust: &str) -> String {
    let words = match rust {
        "f32" | "f64" => "a number",
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
        | "isize" => "a whole number",
        "a boolean" => "true or false",
        "a string" | "a borrowed string" | "a character" => "a string",
        "a sequence" => "a list",
        "a map" => "a mapping of keys to values",
        "unit" => "nothing",
        other if other.starts_with("struct ") => "a mapping of fields",
        other if other.starts_with("enum ") => "one of the listed words",
        other if other.starts_with("option") => "a value or nothing",
        other => other,
    };
    words.to_owned()
}

fn plain_unexpected(u: &de::Unexpected<'_>) -> String {
    use de::Unexpected::*;
    match u {
        Bool(b) => b.to_string(),
        Unsigned(n) => n.to_string(),
        Signed(n) => n.to_string(),
        Float(f) => f.to_string(),
        Char(c) => format!("{c:?}"),
        Str(s) => format!("{s:?}"),
        Unit | Option => "nothing".to_owned(),
        Seq => "a list".to_owned(),
        Map => "a mapping".to_owned(),
        _ => "something else".to_owned(),
    }
}

fn one_of(word: &str, expected: &[&str]) -> String {
    let hint = closest(word, expected.iter().copied())
        .map(|c| format!("; did you mean {c}?"))
        .unwrap_or_default();
    format!(
        "must be one of {} (got {word:?}){hint}",
        expected.join(", ")
    )
}

fn unknown_field(field: &str, expected: &[&str], section: &str) -> String {
    match closest(field, expected.iter().copied()) {
        Some(c) => format!("is not a known field; did you mean {c}?"),
        None if expected.is_empty() => "is not a known field".to_owned(),
        None => format!(
            "is not a known field{}; the known ones are {}",
            if section.is_empty() {
                String::new()
            } else {
                format!(" of {section}")
            },
            expected.join(", ")
        ),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The words for what a field holds, where "a list" or "a string" would say too little.
fn noun(path: &str, fallback: &'static str) -> String {
    let generic: String = {
        // `regions[3]` -> `regions[]`: one description for every item.
        let mut out = String::with_capacity(path.len());
        let mut in_index = false;
        for c in path.chars() {
            match c {
                '[' => {
                    in_index = true;
                    out.push('[');
                }
                ']' => {
                    in_index = false;
                    out.push(']');
                }
                _ if in_index => {}
                c => out.push(c),
            }
        }
        out
    };
    let words = match generic.as_str() {
        "regions" => "a list of regions, such as [us-east-1, eu-west-1]",
        "regions[]" => "a region name such as eu-west-1",
        "name" => "a string such as infra-monitoring",
        "environment" => "a string such as prod",
        "schedule" => "a string such as \"rate(3 hours)\"",
        "collectors.metrics" => "a list of metric types, such as [cpu, memory]",
        "collectors.instances" => "a list of EC2 instance ids, such as [i-0123456789abcdef0]",
        "collectors.instances[]" => "an EC2 instance id such as i-0123456789abcdef0",
        "collectors.namespace" => "a string such as InfraMonitoring",
        "notifications.emails" => "a list of e-mail addresses, such as [ops@example.com]",
        "notifications.emails[]" => "an e-mail address such as ops@example.com",
        "analytics.query_principals" => {
            "a list of IAM principal ARNs, such as [arn:aws:iam::123456789012:role/Analysts]"
        }
        "drift.ignore" => "a list of property paths, such as [CollectorFunction.Timeout]",
        "tags" | "collectors.instance_tags" => {
            "a mapping of tag keys to values, such as {owner: sre}"
        }
        _ => fallback,
    };
    words.to_owned()
}

/// What a node is, for "(got ...)".
fn got(node: &Node) -> String {
    match &node.value {
        _ if node.is_null() => "nothing".to_owned(),
        Value::Scalar { text, plain: true } if number(text).is_some() => text.to_string(),
        Value::Scalar { text, plain: true } if boolean(text).is_some() => text.to_string(),
        Value::Scalar { text, .. } => format!("{:?}", shorten(text)),
        Value::Seq(_) => "a list".to_owned(),
        Value::Map(_) => "a mapping".to_owned(),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// A plain scalar as a YAML 1.2 core-schema number.
fn number(s: &str) -> Option<Num> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let n: i128 = digits.parse().ok()?;
        return Some(Num::Int(if neg { -n } else { n }));
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return i128::from_str_radix(hex, 16).ok().map(Num::Int);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return i128::from_str_radix(oct, 8).ok().map(Num::Int);
    }
    match digits {
        ".inf" | ".Inf" | ".INF" => {
            return Some(Num::Float(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }));
        }
        ".nan" | ".NaN" | ".NAN" if s == digits => return Some(Num::Float(f64::NAN)),
        _ => {}
    }
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = all_digits(int) && all_digits(frac) && (!int.is_empty() || !frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    if mantissa_ok && exponent_ok {
        return s.parse::<f64>().ok().map(Num::Float);
    }
    None
}

fn boolean(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

struct NodeDe<'a> {
    node: &'a Node,
    path: String,
    ctx: &'a Ctx<'a>,
}

impl<'a> NodeDe<'a> {
    fn fail(&self, message: String) -> Error {
        Error {
            path: Some(self.path.clone()),
            spot: Some(self.node.spot),
            ..Error::new(message)
        }
    }

    fn expected(&self, what: String) -> Error {
        self.fail(format!("must be {what} (got {})", got(self.node)))
    }

    /// The scalar's text, when the node is a non-null scalar.
    fn text(&self) -> Option<(&'a str, bool)> {
        match &self.node.value {
            Value::Scalar { text, plain } if !self.node.is_null() => Some((text, *plain)),
            _ => None,
        }
    }

    fn num(&self) -> Option<Num> {
        match self.text() {
            Some((t, true)) => number(t),
            _ => None,
        }
    }

    fn whole<T: TryFrom<i128>>(&self, min: i128, max: i128) -> Result<T, Error> {
        let not_whole = || {
            let quoted = matches!(self.text(), Some((_, false)));
            let hint = if quoted {
                "; write it without quotes"
            } else {
                ""
            };
            self.fail(format!(
                "must be a whole number (got {}){hint}",
                got(self.node)
            ))
        };
        match self.num() {
            Some(Num::Int(n)) if (min..=max).contains(&n) => {
                T::try_from(n).map_err(|_| not_whole())
            }
            Some(Num::Int(n)) => Err(self.fail(format!(
                "must be a whole number from {min} to {max} (got {n})"
            ))),
            _ => Err(not_whole()),
        }
    }

    fn child(&self, node: &'a Node, path: String) -> NodeDe<'a> {
        NodeDe {
            node,
            path,
            ctx: self.ctx,
        }
    }
}

macro_rules! whole {
    ($($method:ident $visit:ident $ty:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let n: $ty = self.whole(<$ty>::MIN as i128, <$ty>::MAX as i128)?;
            visitor.$visit(n)
        }
    )*};
}

impl<'de, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Seq(_) => self.deserialize_seq(visitor),
            Value::Map(_) => self.deserialize_map(visitor),
            Value::Scalar { text, plain } => {
                if self.node.is_null() {
                    return visitor.visit_unit();
                }
                if *plain {
                    if let Some(b) = boolean(text) {
                        return visitor.visit_bool(b);
                    }
                    match number(text) {
                        Some(Num::Int(n)) if n >= 0 && n <= u64::MAX as i128 => {
                            return visitor.visit_u64(n as u64);
                        }
                        Some(Num::Int(n)) if n >= i64::MIN as i128 && n < 0 => {
                            return visitor.visit_i64(n as i64);
                        }
                        Some(Num::Int(n)) => return visitor.visit_f64(n as f64),
                        Some(Num::Float(f)) => return visitor.visit_f64(f),
                        None => {}
                    }
                }
                visitor.visit_str(text)
            }
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self
            .text()
            .filter(|(_, plain)| *plain)
            .and_then(|(t, _)| boolean(t))
        {
            Some(b) => visitor.visit_bool(b),
            None => Err(self.expected("true or false".to_owned())),
        }
    }

    whole!(deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16, deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64, deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.num() {
            Some(Num::Int(n)) => visitor.visit_f64(n as f64),
            Some(Num::Float(f)) => visitor.visit_f64(f),
            None => {
                let quoted = matches!(self.text(), Some((t, false)) if number(t).is_some());
                let hint = if quoted {
                    "; write it without quotes"
                } else {
                    ""
                };
                Err(self.fail(format!("must be a number (got {}){hint}", got(self.node))))
            }
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.text() {
            Some((t, _)) => visitor.visit_str(t),
            None => Err(self.expected(noun(&self.path, "a string"))),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.node.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.node.is_null() {
            visitor.visit_unit()
        } else {
            Err(self.expected("nothing".to_owned()))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let empty = Vec::new();
        let items = match &self.node.value {
            Value::Seq(items) => items,
            // `regions:` with nothing after it is an empty list; the checks say it is too short.
            _ if self.node.is_null() => &empty,
            _ => return Err(self.expected(noun(&self.path, "a list"))),
        };
        let spot = self.node.spot;
        let access = SeqAccess {
            items: items.iter().enumerate(),
            de: &self,
        };
        visitor
            .visit_seq(access)
            .map_err(|e| e.at(&self.path, spot))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.mapping(visitor, None)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.mapping(visitor, Some(fields))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Scalar { text, .. } if !self.node.is_null() => {
                if !variants.contains(&&**text) {
                    return Err(self.fail(one_of(text, variants)));
                }
                visitor.visit_enum((**text).into_deserializer())
            }
            Value::Map(entries) if entries.len() == 1 => visitor.visit_enum(EnumAccess {
                de: &self,
                entry: &entries[0],
            }),
            _ => Err(self.fail(format!(
                "must be one of {} (got {})",
                variants.join(", "),
                got(self.node)
            ))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

impl<'a> NodeDe<'a> {
    /// A mapping, or a struct when `fields` are known: unknown fields are recorded and skipped,
    /// so one pass finds them all.
    fn mapping<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        fields: Option<&'static [&'static str]>,
    ) -> Result<V::Value, Error> {
        let empty = Vec::new();
        let entries = match &self.node.value {
            Value::Map(entries) => entries,
            // `collectors:` with nothing after it: every field takes its default.
            _ if self.node.is_null() => &empty,
            _ => {
                let what = if fields.is_some() {
                    "a mapping of fields".to_owned()
                } else {
                    noun(&self.path, "a mapping of keys to values")
                };
                return Err(self.expected(what));
            }
        };
        let mut served = Vec::with_capacity(entries.len());
        for e in entries {
            let Value::Scalar { text, .. } = &e.key.value else {
                self.ctx.record(Problem {
                    path: self.path.clone(),
                    spot: Some(e.key.spot),
                    message: "has a key that is a list or a mapping; keys are plain names"
                        .to_owned(),
                });
                continue;
            };
            let path = join(&self.path, text);
            if let Some(fields) = fields
                && !fields.contains(&&**text)
            {
                let section = self.path.clone();
                self.ctx.record(Problem {
                    path,
                    spot: Some(Spot {
                        width: text.chars().count().max(1),
                        ..e.key.spot
                    }),
                    message: unknown_field(text, fields, &section),
                });
                continue;
            }
            if self.ctx.repairs.contains(&path) {
                if let Some(p) = self.ctx.placeholder(&path) {
                    served.push((&**text, p, path));
                }
                continue;
            }
            served.push((&**text, &e.value, path));
        }
        // A required field that was missing, or refused: the placeholder's value lets the rest
        // of the file be read.
        if let Some(fields) = fields {
            for f in fields {
                let path = join(&self.path, f);
                if self.ctx.repairs.contains(&path)
                    && !served.iter().any(|(k, ..)| k == f)
                    && let Some(p) = self.ctx.placeholder(&path)
                {
                    served.push((f, p, path));
                }
            }
        }
        let spot = self.node.spot;
        let access = MapAccess {
            entries: served.into_iter(),
            value: None,
            de: &self,
        };
        visitor
            .visit_map(access)
            .map_err(|e| e.at(&self.path, spot))
    }
}

struct SeqAccess<'a, 'b> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
    de: &'b NodeDe<'a>,
}

impl<'de, 'a> de::SeqAccess<'de> for SeqAccess<'a, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        for (i, node) in self.items.by_ref() {
            let path = format!("{}[{i}]", self.de.path);
            if self.de.ctx.repairs.contains(&path) {
                continue;
            }
            let spot = node.spot;
            return seed
                .deserialize(self.de.child(node, path.clone()))
                .map(Some)
                .map_err(|e| e.at(&path, spot));
        }
        Ok(None)
    }
}

struct MapAccess<'a, 'b, I> {
    entries: I,
    value: Option<(&'a Node, String)>,
    de: &'b NodeDe<'a>,
}

impl<'de, 'a, I> de::MapAccess<'de> for MapAccess<'a, '_, I>
where
    I: Iterator<Item = (&'a str, &'a Node, String)>,
{
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, node, path)) => {
                self.value = Some((node, path));
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((node, path)) = self.value.take() else {
            return Err(Error::new(
                "a value was asked for before its key".to_owned(),
            ));
        };
        let spot = node.spot;
        seed.deserialize(self.de.child(node, path.clone()))
            .map_err(|e| e.at(&path, spot))
    }
}

struct EnumAccess<'a, 'b> {
    de: &'b NodeDe<'a>,
    entry: &'a super::tree::Entry,
}

impl<'de, 'a, 'b> de::EnumAccess<'de> for EnumAccess<'a, 'b> {
    type Error = Error;
    type Variant = NodeDe<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'a>), Error> {
        let Value::Scalar { text, .. } = &self.entry.key.value else {
            return Err(self
                .de
                .fail("must name its variant with a plain word".to_owned()));
        };
        let path = join(&self.de.path, text);
        let v = seed.deserialize(NodeDe {
            node: &self.entry.key,
            path: path.clone(),
            ctx: self.de.ctx,
        })?;
        Ok((v, self.de.child(&self.entry.value, path)))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.mapping(visitor, Some(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only read by serde: the tests look at the problems
    struct Sample {
        count: f64,
        #[serde(default)]
        items: Vec<u32>,
        #[serde(default)]
        flag: bool,
    }

    fn problems(text: &str) -> Vec<String> {
        let root = super::super::tree::parse(text).expect("yaml");
        let placeholder = super::super::tree::parse("count: 1\n").expect("yaml");
        let (_, problems, _) = deserialize::<Sample>(&root, &placeholder);
        problems
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect()
    }

    #[test]
    fn every_bad_value_is_reported_in_one_run() {
        assert_eq!(
            problems("count: lots\nitems: [1, x, 3]\nflag: maybe\ncuont: 2\n"),
            [
                "count: must be a number (got \"lots\")",
                "items[1]: must be a whole number (got \"x\")",
                "flag: must be true or false (got \"maybe\")",
                "cuont: is not a known field; did you mean count?",
            ]
        );
    }

    #[test]
    fn a_quoted_number_is_named_as_such() {
        assert_eq!(
            problems("count: \"80\"\n"),
            ["count: must be a number (got \"80\"); write it without quotes"]
        );
    }

    #[test]
    fn a_missing_required_field_is_named() {
        assert_eq!(problems("flag: true\n"), ["count: is required"]);
    }

    #[test]
    fn yaml_numbers_follow_the_core_schema() {
        assert!(matches!(number("0x1F"), Some(Num::Int(31))));
        assert!(matches!(number("-1.5e3"), Some(Num::Float(f)) if f == -1500.0));
        assert!(matches!(number(".5"), Some(Num::Float(f)) if f == 0.5));
        assert!(number("1.2.3").is_none());
        assert!(number("inf").is_none());
        assert!(number("e5").is_none());
    }
}
