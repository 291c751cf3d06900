//! Planning against what is deployed: read each region's stack, diff it with the rendered
//! template (optionally beside CloudFormation's own change set), and the report of all regions.

use super::{apply, assets};
use crate::aws::cloudformation::{self, ChangeSetEntry, DeployedStack, TemplateSource};
use crate::aws::{Aws, Options};
use crate::config::Region;
use crate::console::Report;
use crate::cost::CostChange;
use crate::error::{Exit, Result};
use crate::model::names::Names;
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
    /// Why CloudFormation's view was asked for (`--change-set`) but cannot be shown.
    pub change_set_unavailable: Option<String>,
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
            cost: None,
        }
    }
}

/// Reads the deployed stack of `region` and diffs `template` against it. Only reads, unless
/// `with_change_set`: then one change set is created and deleted again (and a template over
/// the inline limit is put in the artifact bucket, when that exists and is ours).
pub async fn plan_region(
    options: &Options,
    stack: &str,
    names: &Names,
    region: &Region,
    template: Value,
    with_change_set: bool,
) -> Result<RegionPlan> {
    let aws = Aws::connect(options, region.as_str()).await;
    plan_in(&aws, stack, names, template, with_change_set, options).await
}

/// `plan_region` with the clients given (tests hand in mock clients to see every call).
pub async fn plan_in(
    aws: &Aws,
    stack: &str,
    names: &Names,
    template: Value,
    with_change_set: bool,
    options: &Options,
) -> Result<RegionPlan> {
    let (aws, region) = (aws, aws.region.as_str());
    tracing::info!(stack, region = %region, "reading the deployed stack (cloudformation:DescribeStacks, GetTemplate)");
    let deployed = cloudformation::deployed(aws, stack).await?;
    let mut plan = plan::diff(
        stack,
        region,
        deployed.as_ref().map(|d| d.status.as_str()),
        deployed.as_ref().map(|d| &d.template),
        &template,
    );
    super::import::find(aws, &mut plan, &template, &names.adopted).await?;
    let drift = match &deployed {
        Some(_) => DriftNote::from_last(cloudformation::last_drift(aws, stack).await?),
        None => None,
    };
    let (mut change_set, mut change_set_unavailable) = (None, None);
    if with_change_set && plan.has_changes() {
        match change_set_source(aws, stack, names, &template, options).await? {
            Ok(source) => {
                let cs =
                    cloudformation::preview_change_set(aws, stack, &source, deployed.is_some())
                        .await?;
                change_set = Some(cs);
            }
            Err(why) => change_set_unavailable = Some(why),
        }
    }
    Ok(RegionPlan {
        plan,
        template,
        deployed,
        change_set,
        change_set_unavailable,
        drift,
    })
}

/// Where `plan --change-set` sends the template: inline when it fits; above 51,200 bytes the
/// artifact bucket when it exists and is ours (plan never creates it); otherwise why not.
async fn change_set_source(
    aws: &Aws,
    stack: &str,
    names: &Names,
    template: &Value,
    options: &Options,
) -> Result<std::result::Result<TemplateSource, String>> {
    if apply::fits_inline(template) {
        return Ok(Ok(TemplateSource::Body(crate::template::body(template))));
    }
    tracing::info!(
        "the template is over 51,200 bytes: looking for the artifact bucket (s3:HeadBucket)"
    );
    let Some((bucket, account)) = assets::existing_bucket(aws, names).await? else {
        return Ok(Err(format!(
            "CloudFormation's view cannot be shown until the first apply: the template is {} bytes, over the 51,200 CloudFormation takes inline, and the artifact bucket it would be read from does not exist yet (plan creates nothing).",
            crate::template::body(template).len()
        )));
    };
    let source = apply::template_source(
        aws,
        &bucket,
        &account,
        stack,
        template,
        options.endpoint_url.as_deref(),
    )
    .await?;
    Ok(Ok(source))
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
    #[serde(skip_serializing_if = "Option::is_none")]
    cloudformation_change_set_unavailable: Option<&'a String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    drift: Option<&'a DriftNote>,
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
                cloudformation_change_set_unavailable: p.change_set_unavailable.as_ref(),
                drift: p.drift.as_ref(),
            })
            .collect();
        match docs.as_slice() {
            [one] => one.serialize(s),
            _ => {
                let summary = self.plans.iter().fold(Summary::default(), |t, p| Summary {
                    import: t.import + p.plan.summary.import,
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
            if let Some(why) = &p.change_set_unavailable {
                writeln!(f, "\nCloudFormation change set: {why}")?;
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
        // A plan apply would refuse (an existing resource it cannot import) is not a plan.
        if self.plans.iter().any(|p| !p.plan.cannot_import.is_empty()) {
            return Exit::Failure;
        }
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
