//! `infrapipe apply [PLAN]`: publish the code, make a change set, show it, ask, execute, wait.

use super::context::Context;
use super::terminal::Terminal;
use super::ui;
use crate::cli::ApplyArgs;
use crate::deploy::applied::ApplyReport;
use crate::deploy::apply::{self, Request};
use crate::error::{Error, Exit, Result};
use crate::model::names::Names;
use crate::plan::saved::SavedPlan;
use crate::template;

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
    let template = match &saved {
        Some(s) => s.template.clone(),
        None => template::render(&super::build(config, &region)?),
    };
    let names = Names::new(config);
    let stack = config.stack_name();
    let req = Request {
        stack: &stack,
        names: &names,
        template: &template,
        saved: saved.as_ref(),
        allow_data_loss: args.allow_data_loss,
        termination_protection: config.termination_protection,
        tags: apply::stack_tags(&config.resource_tags(), &names),
        endpoint_url: ctx.global.endpoint_url.as_deref(),
    };
    let aws = super::changing(ctx, config, std::slice::from_ref(&region))?;
    let rt = ctx.runtime()?;
    let mut term = Terminal::new(ctx, args.yes, "applying").wide(args.wide);
    let result = rt.block_on(async {
        let outcome = tokio::select! {
            r = apply::apply(&aws, &req, &mut term) => r,
            _ = tokio::signal::ctrl_c() => return None,
        };
        Some(match outcome {
            Ok(o) => Ok(ApplyReport::new(&aws, stack.clone(), o).await),
            Err(e) => Err(e),
        })
    });
    term.finish();
    let Some(result) = result else {
        return Err(Error::Interrupted {
            goes_on: format!(
                "CloudFormation goes on with what it started; watch it with `infrapipe status --region {region}`."
            ),
        });
    };
    ctx.report(&result?)
}
