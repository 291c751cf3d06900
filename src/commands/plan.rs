//! `infrapipe plan`: what would change, property by property, before anything changes.

use crate::aws::{Aws, cloudformation};
use crate::cli::{Global, PlanArgs};
use crate::config::{Config, Region};
use crate::error::{Error, Result};
use crate::plan::{self, Plan, render, saved::SavedPlan};
use crate::template;
use serde_json::{Value, json};
use std::io::Write;

/// One region's plan with what it was made from.
struct RegionPlan {
    plan: Plan,
    template: Value,
    deployed: Option<cloudformation::DeployedStack>,
    change_set: Option<Vec<cloudformation::ChangeSetEntry>>,
}

pub fn run(
    global: &Global,
    args: &PlanArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let regions = super::regions_to_check(global, &config, args.all_regions)?;
    if args.out.is_some() && regions.len() > 1 {
        return Err(Error::Usage(
            "--out saves one region's plan; pass --region R (without --all-regions)".into(),
        ));
    }
    let templates = super::rendered(&config, &regions)?;
    let rt = super::runtime()?;
    let options = super::aws_options(global);
    let stack = config.stack_name();
    let change_set = args.change_set;
    let results = rt.block_on(super::per_region(templates, "plan", |region, template| {
        let (options, stack) = (options.clone(), stack.clone());
        async move { plan_region(&options, &stack, &region, template, change_set).await }
    }));
    let plans: Vec<RegionPlan> = results.into_iter().collect::<Result<_>>()?;

    if let (Some(path), Some(p)) = (&args.out, plans.first()) {
        let saved = SavedPlan {
            format: plan::saved::FORMAT,
            infrapipe_version: env!("CARGO_PKG_VERSION").to_owned(),
            stack: p.plan.stack.clone(),
            region: p.plan.region.clone(),
            stack_id: p.deployed.as_ref().map(|d| d.stack_id.clone()),
            last_change: p.deployed.as_ref().and_then(|d| d.last_change.clone()),
            deployed_template_sha256: p
                .deployed
                .as_ref()
                .map(|d| plan::saved::template_sha256(&d.template)),
            template: p.template.clone(),
            plan: p.plan.clone(),
        };
        saved.write(path).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        if !global.json {
            writeln!(
                err,
                "Saved the plan to {}; apply exactly it with `infrapipe apply {}`.",
                path.display(),
                path.display()
            )?;
        }
    }

    let any_changes = plans.iter().any(|p| p.plan.has_changes());
    if global.json {
        let docs: Vec<Value> = plans.iter().map(json_doc).collect();
        let doc = if docs.len() == 1 {
            docs.into_iter().next().unwrap_or(Value::Null)
        } else {
            let total = plans.iter().fold((0, 0, 0), |(a, c, d), p| {
                (
                    a + p.plan.summary.add,
                    c + p.plan.summary.change,
                    d + p.plan.summary.destroy,
                )
            });
            json!({ "plans": docs, "summary": { "add": total.0, "change": total.1, "destroy": total.2 } })
        };
        writeln!(out, "{doc}")?;
    } else {
        let style = super::style(global);
        for (i, p) in plans.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            write!(out, "{}", render::text(&p.plan, style))?;
            if args.template_diff {
                write!(out, "{}", template_diff(p))?;
            }
            if let Some(cs) = &p.change_set {
                write!(out, "{}", change_set_text(&p.plan, cs))?;
            }
        }
        if plans.len() > 1 {
            let changed = plans.iter().filter(|p| p.plan.has_changes()).count();
            writeln!(out, "\n{changed} of {} regions have changes.", plans.len())?;
        }
    }
    Ok(if args.detailed_exitcode && any_changes {
        2
    } else {
        0
    })
}

async fn plan_region(
    options: &crate::aws::Options,
    stack: &str,
    region: &Region,
    template: Value,
    with_change_set: bool,
) -> Result<RegionPlan> {
    let aws = Aws::connect(options, region.as_str()).await;
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

fn json_doc(p: &RegionPlan) -> Value {
    let mut doc = serde_json::to_value(&p.plan).unwrap_or(Value::Null);
    if let Some(cs) = &p.change_set {
        doc["cloudformation_change_set"] = serde_json::to_value(cs).unwrap_or(Value::Null);
    }
    doc
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
fn change_set_text(plan: &Plan, cs: &[cloudformation::ChangeSetEntry]) -> String {
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
