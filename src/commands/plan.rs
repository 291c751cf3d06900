//! `infrapipe plan`: what would change, property by property, before anything changes.

use super::context::Context;
use crate::cli::PlanArgs;
use crate::deploy::plan::{PlanReport, RegionPlan, cost_of, plan_region};
use crate::error::{Error, Exit, Result};
use crate::plan::saved::SavedPlan;

pub fn run(ctx: &Context, args: &PlanArgs) -> Result<Exit> {
    if args.stack_set {
        return super::stack_set::plan(ctx, args);
    }
    let config = ctx.config()?;
    let regions = ctx.regions_to_check(args.all_regions)?;
    if args.out.is_some() && regions.len() > 1 {
        return Err(Error::Usage(
            "--out saves one region's plan; pass --region R (without --all-regions)".into(),
        ));
    }
    let templates = super::rendered(config, &regions)?;
    let stack = config.stack_name();
    let change_set = args.change_set;
    let names = crate::model::names::Names::new(config);
    let options = ctx.aws_options()?;
    let results =
        ctx.runtime()?
            .block_on(super::per_region(templates, "plan", |region, template| {
                let (options, stack, names) = (options.clone(), stack.clone(), names.clone());
                async move {
                    plan_region(&options, &stack, &names, &region, template, change_set).await
                }
            }));
    let plans: Vec<RegionPlan> = results.into_iter().collect::<Result<_>>()?;
    let book = super::cost::price_book(&args.prices)?;
    let cost = cost_of(config, &plans, &book).map_err(Error::Prices)?;

    if let (Some(path), Some(p)) = (&args.out, plans.first()) {
        let saved = SavedPlan {
            cost: Some(cost.clone()),
            ..p.saved()
        };
        saved.write(path).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        if !ctx.json() {
            writeln!(
                ctx.console.err(),
                "Saved the plan to {}; apply exactly it with `infrapipe apply {}`.",
                path.display(),
                path.display()
            )?;
        }
    }
    ctx.report(&PlanReport {
        plans,
        style: if args.wide {
            ctx.style().wide()
        } else {
            ctx.style()
        },
        template_diff: args.template_diff,
        detailed_exitcode: args.detailed_exitcode,
        cost: Some(cost),
    })
}
