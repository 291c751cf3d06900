//! The suite's report: one line per step as it ends (passed, skipped with why, failed with why),
//! what was created and deleted, and one summary line. Written straight to stderr, past the test
//! harness's capture, so a skipped suite says why even without `--nocapture`.

use std::io::Write;
use std::sync::Mutex;

pub enum Outcome {
    Passed,
    Skipped(String),
    Failed(String),
}

#[derive(Default)]
struct Inner {
    steps: Vec<(String, Outcome)>,
    created: Vec<String>,
    deleted: Vec<String>,
    left: Vec<String>,
    cleanup_failed: Vec<String>,
}

/// Shared by the steps and the clean-up guards (which record from `Drop`).
#[derive(Default)]
pub struct Report {
    inner: Mutex<Inner>,
}

/// A line on stderr that the test harness does not capture.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

impl Report {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        // A step that panicked while holding the lock must not hide the rest of the report.
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Records a step's outcome under its short `name`, printing `name (what it proves)`.
    pub fn step(&self, name: &str, proves: &str, outcome: Outcome) {
        say(&match &outcome {
            Outcome::Passed => format!("acceptance: {name} ({proves}) ... passed"),
            Outcome::Skipped(why) => format!("acceptance: {name} ({proves}) ... skipped: {why}"),
            Outcome::Failed(why) => format!("acceptance: {name} ({proves}) ... FAILED: {why}"),
        });
        self.with(|i| i.steps.push((name.to_owned(), outcome)));
    }

    pub fn created(&self, what: String) {
        self.with(|i| i.created.push(what));
    }
    pub fn deleted(&self, what: String) {
        self.with(|i| i.deleted.push(what));
    }
    /// The binary's destroy failed (the sweep then finished the job): a failure of the product.
    pub fn cleanup_failed(&self, why: String) {
        self.with(|i| i.cleanup_failed.push(why));
    }
    pub fn left(&self, what: String) {
        self.with(|i| i.left.push(what));
    }

    pub fn failures(&self) -> Vec<String> {
        self.with(|i| {
            let failed = i.steps.iter().filter_map(|(n, o)| match o {
                Outcome::Failed(why) => Some(format!("{n}: {why}")),
                _ => None,
            });
            let left = i.left.iter().map(|l| format!("left behind: {l}"));
            let cleanup = i.cleanup_failed.iter().cloned();
            failed.chain(left).chain(cleanup).collect()
        })
    }

    /// Created / deleted / left behind, then `acceptance: N passed; M skipped (...); K failed`.
    pub fn summary(&self) -> String {
        self.with(|i| {
            let list = |v: &[String]| if v.is_empty() { "nothing".to_owned() } else { v.join(", ") };
            say(&format!("acceptance: created: {}", list(&i.created)));
            say(&format!("acceptance: deleted: {}", list(&i.deleted)));
            if !i.left.is_empty() {
                say(&format!(
                    "acceptance: LEFT BEHIND: {} (remove with `INFRAPIPE_ACC_SWEEP=1 cargo test --test acceptance -- --exact sweep`)",
                    i.left.join(", ")
                ));
            }
            let passed = i.steps.iter().filter(|(_, o)| matches!(o, Outcome::Passed)).count();
            // Skips grouped by reason: `reason: step, step`.
            let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
            for (n, o) in &i.steps {
                if let Outcome::Skipped(why) = o {
                    match by_reason.iter_mut().find(|(r, _)| r == why) {
                        Some((_, steps)) => steps.push(n),
                        None => by_reason.push((why, vec![n])),
                    }
                }
            }
            let skipped: usize = by_reason.iter().map(|(_, s)| s.len()).sum();
            let failed = i.steps.iter().filter(|(_, o)| matches!(o, Outcome::Failed(_))).count();
            let reasons = if by_reason.is_empty() {
                String::new()
            } else {
                let each: Vec<String> = by_reason
                    .iter()
                    .map(|(r, s)| if s.len() == i.steps.len() { format!("all: {r}") } else { format!("{}: {r}", s.join(", ")) })
                    .collect();
                format!(" [{}]", each.join("; "))
            };
            let line = format!("acceptance: {passed} passed; {skipped} skipped{reasons}; {failed} failed");
            say(&line);
            line
        })
    }
}
