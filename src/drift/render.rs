//! The drift report as people read it, in the layout of `cdk drift`: modified resources with
//! each property's expected (`[-]`) and actual (`[+]`) value, then deleted, then what could not
//! be checked and why, then what `drift.ignore` accepted, then one summary line.

use super::report::{Difference, Report, ResourceDrift, Status};
use crate::style::Style;
use serde_json::Value;
use std::fmt::Write;

const MAX_VALUE: usize = 160;

/// A value on one line, shortened past `MAX_VALUE` characters.
fn show(v: Option<&Value>) -> String {
    let s = match v {
        None => return "(absent)".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let s = s.replace('\n', " ");
    if s.chars().count() > MAX_VALUE {
        let cut: String = s.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        s
    }
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
    let _ = writeln!(
        s,
        " {pipe} ├─ {} {}",
        style.red("[-]"),
        show(d.expected.as_ref())
    );
    let _ = writeln!(
        s,
        " {pipe} └─ {} {}",
        style.green("[+]"),
        show(d.actual.as_ref())
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
            let _ = writeln!(
                s,
                "    {}.{}: {} -> {}  [{}]",
                i.logical_id,
                i.difference.path,
                show(i.difference.expected.as_ref()),
                show(i.difference.actual.as_ref()),
                i.rule
            );
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
