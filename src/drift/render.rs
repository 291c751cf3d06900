//! The drift report as people read it, in the layout of `cdk drift`: modified resources with
//! each property's expected (`[-]`) and actual (`[+]`) value, then deleted, then what could not
//! be checked and why, then what `drift.ignore` accepted, then one summary line.

use super::report::{Difference, Report, ResourceDrift, Status};
use crate::style::Style;
use serde_json::Value;
use std::fmt::Write;

/// How much of a value shows when nothing limits the width.
const MAX_VALUE: usize = 160;

/// The fewest characters of a value worth showing, however narrow the width.
const MIN_VALUE: usize = 12;

/// A value on one line, cut with an ellipsis to what is left of the width after `taken`
/// characters (or past `MAX_VALUE` with no width); `--json` has it whole.
fn show(v: Option<&Value>, style: Style, taken: usize) -> String {
    let s = match v {
        None => return "(absent)".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let room = style
        .width
        .map_or(MAX_VALUE, |w| w.saturating_sub(taken).max(MIN_VALUE));
    crate::style::cut(&s.replace('\n', " "), room)
}

fn heading(r: &ResourceDrift, marker: &str) -> String {
    let physical = r.physical_id.as_deref().unwrap_or("(no physical id)");
    format!("{marker} {} {} {physical}", r.resource_type, r.logical_id)
}

fn difference(s: &mut String, style: Style, d: &Difference, last: bool) {
    let (branch, pipe) = if last {
        ("└─", "   ")
    } else {
        ("├─", "│  ")
    };
    let by = d
        .source
        .map(|who| format!("  (found by {who})"))
        .unwrap_or_default();
    let _ = writeln!(s, " {branch} {} {}{by}", style.yellow("[~]"), d.path);
    // " │   ├─ [-] " before the value.
    const TAKEN: usize = 12;
    let _ = writeln!(
        s,
        " {pipe} ├─ {} {}",
        style.red("[-]"),
        show(d.expected.as_ref(), style, TAKEN)
    );
    let _ = writeln!(
        s,
        " {pipe} └─ {} {}",
        style.green("[+]"),
        show(d.actual.as_ref(), style, TAKEN)
    );
}

/// The whole report for one stack.
pub fn text(report: &Report, style: Style) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} in {}",
        style.bold("Stack"),
        style.bold(&report.stack),
        report.region
    );
    let of = |status: Status| report.resources.iter().filter(move |r| r.status == status);
    if report.count(Status::Modified) > 0 {
        let _ = writeln!(s, "\nModified Resources");
        for r in of(Status::Modified) {
            let _ = writeln!(s, "{}", heading(r, &style.yellow("[~]")));
            for (i, d) in r.differences.iter().enumerate() {
                difference(&mut s, style, d, i + 1 == r.differences.len());
            }
        }
    }
    if report.count(Status::Deleted) > 0 {
        let _ = writeln!(s, "\nDeleted Resources");
        for r in of(Status::Deleted) {
            let _ = writeln!(s, "{}", heading(r, &style.red("[-]")));
            if let Some(why) = &r.reason {
                let _ = writeln!(s, " └─ {why}");
            }
        }
    }
    if report.count(Status::NotChecked) > 0 {
        let _ = writeln!(s, "\nNot Checked (the report is incomplete)");
        for r in of(Status::NotChecked) {
            let _ = writeln!(s, "{}", heading(r, &style.yellow("[?]")));
            if let Some(why) = &r.reason {
                let _ = writeln!(s, " └─ {why}");
            }
        }
    }
    if !report.ignored.is_empty() {
        let _ = writeln!(s, "\nIgnored (drift.ignore)");
        for i in &report.ignored {
            let head = format!("    {}.{}: ", i.logical_id, i.difference.path);
            // The two values share what the path, " -> " and the rule leave of the width.
            let taken = head.chars().count() + 4 + i.rule.chars().count() + 4;
            let half = Style {
                width: style.width.map(|w| (w + taken) / 2),
                ..style
            };
            let line = format!(
                "{head}{} -> {}  [{}]",
                show(i.difference.expected.as_ref(), half, taken),
                show(i.difference.actual.as_ref(), half, taken),
                i.rule
            );
            let _ = writeln!(s, "{line}");
        }
    }
    if !report.not_comparable.is_empty() {
        let _ = writeln!(s, "\nNot comparable (AWS does not return them)");
        for n in &report.not_comparable {
            let _ = writeln!(s, "    {n}");
        }
    }
    if let Some(c) = &report.cloudformation {
        let _ = writeln!(
            s,
            "\nCloudFormation drift detection: {}{}",
            c.message,
            if c.available {
                format!("; it added {} finding(s) to the above", c.added)
            } else {
                String::new()
            }
        );
    }
    let in_sync = report.count(Status::InSync);
    let summary = format!(
        "{} modified, {} deleted, {} not checked, {in_sync} in sync.",
        report.count(Status::Modified),
        report.count(Status::Deleted),
        report.count(Status::NotChecked),
    );
    if report.drifted == 0 && !report.incomplete() {
        let _ = writeln!(
            s,
            "\nNo drift. Every resource matches the configuration ({in_sync} checked)."
        );
    } else {
        let noun = if report.drifted == 1 {
            "resource has"
        } else {
            "resources have"
        };
        let _ = writeln!(
            s,
            "\n{} {} {noun} drifted: {summary}",
            style.bold("Drift:"),
            report.drifted
        );
    }
    s
}
