//! Planning against what is deployed: read each region's stack, diff it with the rendered
//! template (optionally beside CloudFormation's own change set), and the report of all regions.

use crate::aws::cloudformation::{self, ChangeSetEntry, DeployedStack};
use crate::aws::{Aws, Options};
use crate::config::Region;
use crate::console::Report;
use crate::error::{Exit, Result};
use crate::plan::render;
use crate::plan::{self, Plan, Summary, saved::SavedPlan};
use crate::style::Style;
use crate::template;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// One region's plan with what it was made from.
pub struct RegionPlan {
    pub plan: Plan,
    pub template: Value,
    pub deployed: Option<DeployedStack>,
    pub change_set: Option<Vec<ChangeSetEntry>>,
    /// CloudFormation's last drift detection found the stack drifted: a plain apply leaves it.
    pub drift: Option<DriftNote>,
}

/// Drift a plain apply will not revert, from CloudFormation's last drift detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftNote {
    pub status: String,
    pub checked: Option<String>,
    pub message: String,
}

impl DriftNote {
    /// A note when `last` says the stack has drifted; None otherwise.
    pub fn from_last(last: Option<cloudformation::LastDrift>) -> Option<Self> {
        let last = last.filter(|l| l.status == "DRIFTED")?;
        let when = last
            .checked
            .as_deref()
            .map(|t| format!(" (checked {t})"))
            .unwrap_or_default();
        Some(Self {
            message: format!(
                "CloudFormation's last drift detection{when} found resources changed out of band. A plain apply does not revert drift: `infrapipe drift` shows it, `infrapipe apply --revert-drift` puts back what the template sets."
            ),
            status: last.status,
            checked: last.checked,
        })
    }
}

impl RegionPlan {
    /// The plan saved for `apply FILE`: the template and the stack state it was made against.
    pub fn saved(&self) -> SavedPlan {
        let d = self.deployed.as_ref();
        SavedPlan {
            format: plan::saved::FORMAT,
            infrapipe_version: env!("CARGO_PKG_VERSION").to_owned(),
            stack: self.plan.stack.clone(),
            region: self.plan.region.clone(),
            stack_id: d.map(|d| d.stack_id.clone()),
            last_change: d.and_then(|d| d.last_change.clone()),
            deployed_template_sha256: d.map(|d| plan::saved::template_sha256(&d.template)),
            template: self.template.clone(),
            plan: self.plan.clone(),
        }
    }
}

/// Reads the deployed stack of `region` and diffs `template` against it.
pub async fn plan_region(
    options: &Options,
    stack: &str,
    region: &Region,
    template: Value,
    with_change_set: bool,
) -> Result<RegionPlan> {
    let aws = Aws::connect(options, region.as_str()).await;
    tracing::info!(stack, region = %region, "reading the deployed stack (cloudformation:DescribeStacks, GetTemplate)");
    let deployed = cloudformation::deployed(&aws, stack).await?;
    let plan = plan::diff(
        stack,
        region.as_str(),
        deployed.as_ref().map(|d| d.status.as_str()),
        deployed.as_ref().map(|d| &d.template),
        &template,
    );
    let drift = match &deployed {
        Some(_) => DriftNote::from_last(cloudformation::last_drift(&aws, stack).await?),
        None => None,
    };
    let change_set = if with_change_set && plan.has_changes() {
        Some(
            cloudformation::preview_change_set(
                &aws,
                stack,
                &crate::template::body(&template),
                deployed.is_some(),
            )
            .await?,
        )
    } else {
        None
    };
    Ok(RegionPlan {
        plan,
        template,
        deployed,
        change_set,
        drift,
    })
}

/// The plans of every region asked for: one plan's document alone, several with a total.
pub struct PlanReport {
    pub plans: Vec<RegionPlan>,
    pub style: Style,
    /// Also show the unified diff of the templates.
    pub template_diff: bool,
    /// Exit with `Exit::Changes` when anything would change.
    pub detailed_exitcode: bool,
}

/// One region's JSON document: the plan, with CloudFormation's change set when asked for.
#[derive(Serialize)]
struct PlanDocument<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloudformation_change_set: Option<&'a Vec<ChangeSetEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    drift: Option<&'a DriftNote>,
}

impl Serialize for PlanReport {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Regions<'a> {
            plans: Vec<PlanDocument<'a>>,
            summary: Summary,
        }
        let docs: Vec<PlanDocument> = self
            .plans
            .iter()
            .map(|p| PlanDocument {
                plan: &p.plan,
                cloudformation_change_set: p.change_set.as_ref(),
                drift: p.drift.as_ref(),
            })
            .collect();
        match docs.as_slice() {
            [one] => one.serialize(s),
            _ => {
                let summary = self.plans.iter().fold(Summary::default(), |t, p| Summary {
                    add: t.add + p.plan.summary.add,
                    change: t.change + p.plan.summary.change,
                    destroy: t.destroy + p.plan.summary.destroy,
                });
                Regions {
                    plans: docs,
                    summary,
                }
                .serialize(s)
            }
        }
    }
}

impl std::fmt::Display for PlanReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.plans.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            f.write_str(&render::text(&p.plan, self.style))?;
            if self.template_diff {
                f.write_str(&template_diff(p))?;
            }
            if let Some(cs) = &p.change_set {
                f.write_str(&change_set_text(&p.plan, cs))?;
            }
            if let Some(d) = &p.drift {
                writeln!(f, "\nNote: {}", d.message)?;
            }
        }
        if self.plans.len() > 1 {
            let changed = self.plans.iter().filter(|p| p.plan.has_changes()).count();
            writeln!(
                f,
                "\n{changed} of {} regions have changes.",
                self.plans.len()
            )?;
        }
        Ok(())
    }
}

impl Report for PlanReport {
    fn what(&self) -> &'static str {
        "plan"
    }

    fn exit(&self) -> Exit {
        if self.detailed_exitcode && self.plans.iter().any(|p| p.plan.has_changes()) {
            Exit::Changes
        } else {
            Exit::Success
        }
    }
}

/// The full unified diff of the deployed and rendered templates, both as sorted pretty JSON.
fn template_diff(p: &RegionPlan) -> String {
    let old = p
        .deployed
        .as_ref()
        .map(|d| template::to_string(&d.template))
        .unwrap_or_default();
    let new = template::to_string(&p.template);
    let diff = similar::TextDiff::from_lines(&old, &new);
    format!(
        "\nTemplate diff (deployed -> rendered):\n{}",
        diff.unified_diff()
            .context_radius(3)
            .header("deployed", "rendered")
    )
}

/// CloudFormation's change set beside ours.
fn change_set_text(plan: &Plan, cs: &[ChangeSetEntry]) -> String {
    let mut s =
        String::from("\nCloudFormation change set (its own view; Replacement as it reports it):\n");
    if cs.is_empty() {
        s.push_str("  (no changes)\n");
    }
    for c in cs {
        let ours = plan
            .changes
            .iter()
            .find(|r| r.logical_id == c.logical_id)
            .map_or("-", |r| r.action.symbol());
        let replacement = if c.replacement.is_empty() {
            "(not reported)"
        } else {
            &c.replacement
        };
        s.push_str(&format!(
            "  {:<7} {:<34} {:<32} Replacement: {replacement:<14} ours: {ours}\n",
            c.action, c.logical_id, c.resource_type
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drifted_stack_gets_a_note_that_plain_apply_does_not_revert() {
        let note = DriftNote::from_last(Some(cloudformation::LastDrift {
            status: "DRIFTED".into(),
            checked: Some("2026-11-30T10:00:00Z".into()),
        }));
        let note = note.expect("a note");
        assert!(note.message.contains("--revert-drift"), "{}", note.message);
    }

    #[test]
    fn a_stack_in_sync_or_never_checked_gets_no_note() {
        for status in ["IN_SYNC", "NOT_CHECKED", "UNKNOWN"] {
            let last = cloudformation::LastDrift {
                status: status.into(),
                checked: None,
            };
            assert_eq!(DriftNote::from_last(Some(last)), None);
        }
    }
}
