//! Planning against what is deployed: read each region's stack, diff it with the rendered
//! template (optionally beside CloudFormation's own change set), and the report of all regions.

use crate::aws::cloudformation::{self, ChangeSetEntry, DeployedStack};
use crate::aws::{Aws, Options};
use crate::config::Region;
use crate::console::Report;
use crate::cost::CostChange;
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
            cost: None,
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
    /// The monthly cost change of the whole pipeline (every region, summed).
    pub cost: Option<CostChange>,
}

/// One region's JSON document: the plan, with CloudFormation's change set when asked for.
#[derive(Serialize)]
struct PlanDocument<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloudformation_change_set: Option<&'a Vec<ChangeSetEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<&'a CostChange>,
}

impl Serialize for PlanReport {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Regions<'a> {
            plans: Vec<PlanDocument<'a>>,
            summary: Summary,
            #[serde(skip_serializing_if = "Option::is_none")]
            cost: Option<&'a CostChange>,
        }
        let one = self.plans.len() == 1;
        let docs: Vec<PlanDocument> = self
            .plans
            .iter()
            .map(|p| PlanDocument {
                plan: &p.plan,
                cloudformation_change_set: p.change_set.as_ref(),
                cost: self.cost.as_ref().filter(|_| one),
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
                    cost: self.cost.as_ref(),
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
        }
        if self.plans.len() > 1 {
            let changed = self.plans.iter().filter(|p| p.plan.has_changes()).count();
            writeln!(
                f,
                "\n{changed} of {} regions have changes.",
                self.plans.len()
            )?;
        }
        if let Some(cost) = &self.cost {
            write!(f, "\n{}", cost.render(self.style.width))?;
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

/// The monthly cost change of `plans`: each planned region from its deployed stack to its
/// rendered template, the config's other regions as configured (`deploy::cost::change`).
pub fn cost_of(
    config: &crate::config::Config,
    plans: &[RegionPlan],
    book: &crate::cost::PriceBook,
) -> std::result::Result<CostChange, String> {
    let changing = plans
        .iter()
        .map(|p| {
            Ok(super::cost::Changing {
                region: Region::parse(&p.plan.region)?,
                deployed: p.deployed.as_ref().map(|d| &d.template),
                rendered: &p.template,
            })
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    super::cost::change(config, &changing, book)
}
