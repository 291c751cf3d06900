//! The plan as people read it, in the conventions of `terraform plan` and `cdk diff`.

use super::iam::{Change, StatementChange};
use super::{Action, Plan, PropertyChange};
use crate::style::{self, Style};
use serde_json::Value;
use std::fmt::Write;

/// How much of a value shows when nothing limits the width (`--wide`, a file).
const MAX_VALUE: usize = 100;

/// The fewest characters of a value worth showing, however narrow the width.
const MIN_VALUE: usize = 12;

const REPLACEMENT_NOTE: &str = "  # forces replacement";

/// A property value on one line, cut with an ellipsis past `max` characters.
fn show(v: Option<&Value>, max: usize) -> String {
    let s = match v {
        None => return "(absent)".to_owned(),
        Some(v) => super::iam::short(v),
    };
    style::cut(&s.replace('\n', " "), max)
}

/// How to share `room` characters between a before and an after value of these lengths: each
/// gets half, and what one does not use goes to the other.
fn share(room: usize, before: usize, after: usize) -> (usize, usize) {
    let half = room / 2;
    match (before <= half, after <= room - half) {
        (true, _) => (before, room - before),
        (_, true) => (room - after, after),
        _ => (half, room - half),
    }
}

fn marker(style: Style, action: Action) -> String {
    let sym = action.symbol();
    match action {
        Action::Create | Action::Import => style.green(sym),
        Action::Update => style.yellow(sym),
        Action::Replace | Action::Delete => style.red(sym),
    }
}

/// One changed property: `path: value` or `path: before -> after`, cut to the width (the values
/// first, then the line, should the path alone be too long); `# forces replacement` beside it,
/// or under it when it would not fit beside.
fn property_line(style: Style, p: &PropertyChange) -> String {
    let head = format!("      {} {}: ", symbol(p), p.path);
    let room = style.width.map_or(MAX_VALUE, |w| {
        w.saturating_sub(head.chars().count()).max(MIN_VALUE)
    });
    let body = match (&p.before, &p.after) {
        (None, Some(a)) => show(Some(a), room),
        (Some(b), None) => show(Some(b), room),
        (b, a) if style.width.is_none() => {
            format!("{} -> {}", show(b.as_ref(), room), show(a.as_ref(), room))
        }
        (b, a) => {
            let (b, a) = (show(b.as_ref(), usize::MAX), show(a.as_ref(), usize::MAX));
            let room = room.saturating_sub(4);
            let (b, a) = without_common_start(&b, &a, room);
            let (bw, aw) = share(room, b.chars().count(), a.chars().count());
            format!("{} -> {}", style::cut(&b, bw), style::cut(&a, aw))
        }
    };
    let mut line = format!("{head}{body}");
    if let Some(w) = style.width {
        line = style::cut(&line, w);
    }
    if p.replacement {
        let beside = style
            .width
            .is_none_or(|w| line.chars().count() + REPLACEMENT_NOTE.len() <= w);
        if !beside {
            line.push_str("\n      ");
        }
        line.push_str(&style.red(REPLACEMENT_NOTE));
    }
    line
}

/// Two values too long together for `room` that begin alike, with as much of what they share
/// as they must lose replaced by "…", so that what differs stays in sight.
fn without_common_start(before: &str, after: &str, room: usize) -> (String, String) {
    // Kept of the shared start, so the reader sees where the difference sits.
    const CONTEXT: usize = 8;
    let common = before
        .chars()
        .zip(after.chars())
        .take_while(|(b, a)| b == a)
        .count();
    let over = (before.chars().count() + after.chars().count()).saturating_sub(room);
    if over == 0 {
        return (before.to_owned(), after.to_owned());
    }
    // Each value loses half of the excess, plus one for its "…".
    let skip = common.saturating_sub(CONTEXT).min(over.div_ceil(2) + 1);
    if skip <= 1 {
        return (before.to_owned(), after.to_owned());
    }
    let tail = |s: &str| format!("…{}", s.chars().skip(skip).collect::<String>());
    (tail(before), tail(after))
}

fn symbol(p: &PropertyChange) -> &'static str {
    match (&p.before, &p.after) {
        (None, Some(_)) => "+",
        (Some(_), None) => "-",
        _ => "~",
    }
}

/// The whole plan for one stack.
pub fn text(plan: &Plan, style: Style) -> String {
    let mut s = String::new();
    let status = plan
        .stack_status
        .as_deref()
        .map_or("not deployed".to_owned(), |st| format!("deployed, {st}"));
    let _ = writeln!(
        s,
        "{} {} in {} ({status})",
        style.bold("Stack"),
        style.bold(&plan.stack),
        plan.region
    );
    if !plan.has_changes() {
        let _ = writeln!(
            s,
            "\nNo changes. The deployed stack matches the configuration."
        );
        return s;
    }
    s.push('\n');
    let width = plan
        .changes
        .iter()
        .map(|c| c.resource_type.len())
        .max()
        .unwrap_or(0);
    for c in &plan.changes {
        let sym = marker(style, c.action);
        let pad = " ".repeat(3 - c.action.symbol().len());
        let head = format!("{:<width$}  {}", c.resource_type, c.logical_id);
        let _ = write!(s, "{pad}{sym} {head}");
        if c.data_loss {
            let what = if c.action == Action::Delete {
                "deleted"
            } else {
                "replaced"
            };
            let warning = format!("DATA LOSS: this holds the pipeline's data and would be {what}");
            // On its own line when it would not fit beside the resource.
            let beside = 4 + head.chars().count() + 2 + warning.len();
            let gap = match style.width {
                Some(w) if beside > w => "\n      ",
                _ => "  ",
            };
            let _ = write!(s, "{gap}{}", style.red(&warning));
        }
        if let Some(note) = super::import::note(plan, &c.logical_id) {
            let _ = write!(s, "  ({note})");
        }
        s.push('\n');
        for p in &c.properties {
            let _ = writeln!(s, "{}", property_line(style, p));
        }
        for m in plan
            .migrations
            .iter()
            .filter(|m| m.logical_id == c.logical_id)
        {
            let _ = writeln!(s, "      {} {}", style.yellow("migration:"), m.why);
            let _ = writeln!(s, "      how: {}", m.how);
        }
    }
    if !plan.iam_changes.is_empty() {
        s.push('\n');
        s.push_str(&iam_table(plan, style));
    }
    s.push_str(&super::import::text(plan, style));
    let sum = &plan.summary;
    // As terraform words it: the imports are named only when there are some.
    let imports = match sum.import {
        0 => String::new(),
        n => format!(" {n} to import,"),
    };
    let _ = writeln!(
        s,
        "\n{}{imports} {} to add, {} to change, {} to destroy.",
        style.bold("Plan:"),
        sum.add,
        sum.change,
        sum.destroy
    );
    s
}

fn iam_table(plan: &Plan, style: Style) -> String {
    let mut s = String::new();
    let verdict = if plan.broadens_access {
        style.yellow("these changes broaden access")
    } else {
        "these changes only narrow access".to_owned()
    };
    let _ = writeln!(s, "IAM and resource-policy statement changes ({verdict}):");
    let head: [Vec<String>; 7] = [
        "",
        "Resource",
        "Effect",
        "Action",
        "On",
        "Principal",
        "Condition",
    ]
    .map(|h| vec![h.to_owned()]);
    let rows: Vec<[Vec<String>; 7]> = plan.iam_changes.iter().map(row).collect();
    let mut widths = [0usize; 7];
    for r in std::iter::once(&head).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = cell.iter().map(|l| l.chars().count()).fold(*w, usize::max);
        }
    }
    let table_width = 2 + widths.iter().map(|w| w + 2).sum::<usize>() + widths.len() - 1;
    if let Some(width) = style.width.filter(|w| table_width > *w) {
        s.push_str(&iam_blocks(plan, style, width));
        return s;
    }
    let rule: String = widths
        .iter()
        .map(|w| "─".repeat(w + 2))
        .collect::<Vec<_>>()
        .join("┼");
    let _ = writeln!(s, "  {rule}");
    for (n, r) in std::iter::once(&head).chain(&rows).enumerate() {
        let height = r.iter().map(Vec::len).max().unwrap_or(1).max(1);
        for line in 0..height {
            let cells: Vec<String> = r
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    let text = cell.get(line).map_or("", String::as_str);
                    let padded = format!(" {text:<w$} ");
                    match (i, text) {
                        (0, "+") => style.green(&padded),
                        (0, "-") => style.red(&padded),
                        _ => padded,
                    }
                })
                .collect();
            let _ = writeln!(s, "  {}", cells.join("│").trim_end());
        }
        if n == 0 || n < rows.len() {
            let _ = writeln!(s, "  {rule}");
        }
    }
    s
}

/// The statements one under the other, for a width the table does not fit: each statement's
/// fields on their own lines, long values wrapped inside the value column (`--wide` gives the
/// table, `--json` every value).
fn iam_blocks(plan: &Plan, style: Style, width: usize) -> String {
    const INDENT: usize = 6;
    const LABEL: usize = 11;
    let room = width.saturating_sub(INDENT + LABEL).max(1);
    let mut s = String::new();
    for c in &plan.iam_changes {
        let sym = match c.change {
            Change::Added => style.green("+"),
            Change::Removed => style.red("-"),
        };
        let head = format!("{} {} ({})", c.effect, c.logical_id, c.document);
        let mut head = style::wrap(&head, width.saturating_sub(4)).into_iter();
        let _ = writeln!(s, "\n  {sym} {}", head.next().unwrap_or_default());
        for more in head {
            let _ = writeln!(s, "    {more}");
        }
        let fields = [
            ("Action", &c.actions),
            ("On", &c.resources),
            ("Principal", &c.principal),
            ("Condition", &c.condition),
        ];
        for (label, values) in fields {
            // A value's continuation lines are indented, so they do not read as another value.
            let lines = values.iter().flat_map(|v| {
                let parts = style::wrap(v, room.saturating_sub(2).max(1));
                parts.into_iter().enumerate().map(|(i, l)| match i {
                    0 => l,
                    _ => format!("  {l}"),
                })
            });
            for (i, line) in lines.enumerate() {
                let label = if i == 0 { label } else { "" };
                let _ = writeln!(s, "{:INDENT$}{label:<LABEL$}{line}", "");
            }
        }
    }
    s
}

fn row(c: &StatementChange) -> [Vec<String>; 7] {
    [
        vec![match c.change {
            Change::Added => "+".into(),
            Change::Removed => "-".into(),
        }],
        vec![c.logical_id.clone(), format!("({})", c.document)],
        vec![c.effect.clone()],
        c.actions.clone(),
        c.resources.clone(),
        c.principal.clone(),
        c.condition.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(width: usize) -> Style {
        Style {
            color: false,
            width: Some(width),
        }
    }

    fn changed(before: &str, after: &str) -> PropertyChange {
        PropertyChange {
            path: "AlarmDescription".into(),
            before: Some(json!(before)),
            after: Some(json!(after)),
            replacement: true,
        }
    }

    #[test]
    fn a_changed_value_too_long_for_the_width_keeps_its_difference_in_sight() {
        let long = "WARNING: fleet CPU utilization above 80 % for three periods";
        let line = property_line(at(80), &changed(long, &long.replace("80", "85")));
        assert!(line.lines().all(|l| l.chars().count() <= 80), "{line}");
        assert!(line.contains("80 %") && line.contains("85 %"), "{line}");
    }

    #[test]
    fn the_replacement_note_goes_under_a_property_it_would_push_past_the_width() {
        let line = property_line(at(60), &changed(&"x".repeat(20), &"y".repeat(20)));
        assert!(line.ends_with("\n        # forces replacement"), "{line}");
    }

    #[test]
    fn a_changed_value_is_whole_when_there_is_no_width_limit() {
        let long = "x".repeat(90);
        let line = property_line(Style::PLAIN, &changed(&long, "y"));
        assert!(line.contains(&long), "{line}");
    }
}
