//! The plan as people read it, in the conventions of `terraform plan` and `cdk diff`.

use super::iam::{Change, StatementChange};
use super::{Action, Plan, PropertyChange};
use crate::style::Style;
use serde_json::Value;
use std::fmt::Write;

const MAX_VALUE: usize = 100;

/// A property value on one line, shortened past `MAX_VALUE` characters.
fn show(v: Option<&Value>) -> String {
    let s = match v {
        None => return "(absent)".to_owned(),
        Some(v) => super::iam::short(v),
    };
    let s = s.replace('\n', " ");
    if s.chars().count() > MAX_VALUE {
        let cut: String = s.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn marker(style: Style, action: Action) -> String {
    let sym = action.symbol();
    match action {
        Action::Create => style.green(sym),
        Action::Update => style.yellow(sym),
        Action::Replace | Action::Delete => style.red(sym),
    }
}

fn property_line(style: Style, p: &PropertyChange) -> String {
    let (sym, body) = match (&p.before, &p.after) {
        (None, Some(a)) => ("+", show(Some(a))),
        (Some(b), None) => ("-", show(Some(b))),
        (b, a) => ("~", format!("{} -> {}", show(b.as_ref()), show(a.as_ref()))),
    };
    let mut line = format!("      {sym} {}: {body}", p.path);
    if p.replacement {
        line.push_str(&style.red("  # forces replacement"));
    }
    line
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
        let _ = write!(
            s,
            "{pad}{sym} {:<width$}  {}",
            c.resource_type, c.logical_id
        );
        if c.data_loss {
            let what = if c.action == Action::Delete {
                "deleted"
            } else {
                "replaced"
            };
            let _ = write!(
                s,
                "  {}",
                style.red(&format!(
                    "DATA LOSS: this holds the pipeline's data and would be {what}"
                ))
            );
        }
        s.push('\n');
        for p in &c.properties {
            let _ = writeln!(s, "{}", property_line(style, p));
        }
    }
    if !plan.iam_changes.is_empty() {
        s.push('\n');
        s.push_str(&iam_table(plan, style));
    }
    let sum = &plan.summary;
    let _ = writeln!(
        s,
        "\n{} {} to add, {} to change, {} to destroy.",
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
