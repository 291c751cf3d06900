//! `infrapipe apply [PLAN]`: publish the code, make a change set, show it, ask, execute, wait.

use super::context::Context;
use super::terminal::Terminal;
use super::ui;
use crate::aws::Aws;
use crate::cli::ApplyArgs;
use crate::deploy::applied::ApplyReport;
use crate::deploy::apply::{self, Request};
use crate::deploy::cost::guard;
use crate::deploy::revert::RevertPreview;
use crate::error::{Error, Exit, Result};
use crate::model::names::Names;
use crate::plan::saved::SavedPlan;

pub fn run(ctx: &Context, args: &ApplyArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let saved = match &args.plan {
        Some(path) => Some(SavedPlan::read(path).map_err(Error::SavedPlan)?),
        None => None,
    };
    let region = match &saved {
        Some(s) => crate::config::Region::parse(&s.region).map_err(Error::SavedPlan)?,
        None => ctx.one_region()?,
    };
    ui::require_consent_possible(ctx.console, args.yes, "apply")?;
    let rendered = super::template(config, &region)?;
    let template = match &saved {
        Some(s) => s.template.clone(),
        None => rendered.clone(),
    };
    let names = Names::new(config);
    let stack = config.stack_name();
    let aws = super::changing(ctx, config, std::slice::from_ref(&region))?;
    let rt = ctx.runtime()?;
    let book = super::cost::price_book(&args.prices)?;
    let allow = args.allow_cost_increase;
    rt.block_on(guard(
        &aws, &stack, config, &region, &template, &book, allow,
    ))?;
    rt.block_on(crate::deploy::aggregation::guard(&aws, config, &region))?;
    let drift = match args.revert_drift {
        true => rt.block_on(drift_preview(&aws, &stack, &config.drift.ignore)),
        false => None,
    };
    let req = Request {
        stack: &stack,
        names: &names,
        template: &template,
        saved: saved.as_ref(),
        allow_data_loss: args.allow_data_loss,
        termination_protection: config.termination_protection,
        tags: apply::stack_tags(&config.resource_tags(), &names),
        endpoint_url: ctx.global.endpoint_url.as_deref(),
        rendered: saved.as_ref().map(|_| &rendered),
        revert_drift: args.revert_drift,
        drift: drift.as_ref(),
    };
    let mut term = Terminal::new(ctx, args.yes, "applying").wide(args.wide);
    let result = rt.block_on(async {
        let outcome = apply::apply_until(&aws, &req, &mut term, tokio::signal::ctrl_c()).await?;
        Ok(match outcome {
            Ok(o) => Ok(ApplyReport::new(&aws, stack.clone(), o).await),
            Err(e) => Err(e),
        })
    });
    term.finish();
    match result {
        Ok(report) => ctx.report(&report?),
        Err(apply::Interrupted { goes_on }) => Err(Error::Interrupted { goes_on }),
    }
}

/// What `--revert-drift` will and will not put back, from drift read now; None when it cannot
/// be read (the drift-aware change set reverts all the same).
async fn drift_preview(
    aws: &Aws,
    stack: &str,
    ignore: &[crate::config::IgnorePath],
) -> Option<RevertPreview> {
    let options = crate::drift::Options::default();
    match crate::drift::detect(aws, stack, ignore, options).await {
        Ok(report) => Some(RevertPreview::from_report(&report)),
        Err(e) => {
            tracing::warn!("cannot show the drift to revert: {e}");
            None
        }
    }
}
