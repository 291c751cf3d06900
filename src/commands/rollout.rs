//! `infrapipe rollout`: apply to several regions in waves, with a canary and a brake.

use super::context::Context;
use super::ui;
use crate::cli::RolloutArgs;
use crate::config::Region;
use crate::console::Console;
use crate::deploy::apply::{self, Answer, Ui};
use crate::deploy::assets::{Upload, Uploaded};
use crate::deploy::rollout::{self, RegionResult, RegionUi, Rollout};
use crate::deploy::wait::Tick;
use crate::error::{Error, Exit, Result};
use crate::model::names::Names;
use crate::plan::Plan;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// One region's line: a spinner on a terminal, plain `[region] ...` lines on stderr otherwise.
struct RegionLine<'a, 'b> {
    region: String,
    console: &'a Console<'b>,
    bar: Option<ProgressBar>,
}

impl<'a, 'b> RegionLine<'a, 'b> {
    /// A spinner under `multi` on a terminal; plain lines otherwise.
    fn new(region: &Region, console: &'a Console<'b>, multi: Option<&MultiProgress>) -> Self {
        let bar = multi.map(|m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("{spinner} {prefix:16} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_prefix(region.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        let region = region.to_string();
        Self {
            region,
            console,
            bar,
        }
    }

    fn say(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.set_message(msg.to_owned()),
            None => {
                let _ = writeln!(self.console.err(), "[{}] {msg}", self.region);
            }
        }
    }
}

impl Ui for RegionLine<'_, '_> {
    fn ask(&mut self, _question: &str) -> Answer {
        Answer::Yes // the whole rollout was confirmed once, up front
    }
    fn confirm(&mut self, _plan: &Plan) -> bool {
        true
    }
    fn published(&mut self, u: &Uploaded) {
        let n = u.objects.iter().filter(|o| o.how != Upload::Reused).count();
        self.say(&format!("code published ({n} uploaded)"));
    }
    fn tick(&mut self, t: Tick<'_>, total: usize) {
        let e = t.event;
        let line = format!(
            "{}/{total} {} {} {}",
            t.done, e.status, e.logical_id, e.reason
        );
        self.say(line.trim_end());
    }
    fn replacing_failed_create(&mut self, status: &str) {
        self.say(&format!(
            "deleting the stack left by a failed create ({status})"
        ));
    }
}

impl RegionUi for RegionLine<'_, '_> {
    fn finish(&mut self, result: &RegionResult) {
        match &self.bar {
            Some(b) => b.finish_with_message(result.label()),
            None => self.say(&result.label()),
        }
    }
}

pub fn run(ctx: &Context, args: &RolloutArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let regions: Vec<Region> = match &args.regions {
        Some(list) => list
            .iter()
            .map(|r| Region::parse(r.trim()).map_err(|m| Error::Usage(format!("--regions: {m}"))))
            .collect::<Result<_>>()?,
        None => config.regions.clone(),
    };
    if regions.is_empty() {
        return Err(Error::Usage("--regions lists no region".into()));
    }
    ui::require_consent_possible(ctx.console, args.yes, "roll out")?;
    let names = Names::new(config);
    let stack = config.stack_name();
    let templates = super::rendered_for_deploy(config, &regions)?;
    let options = ctx.aws_options()?;
    let plan = Rollout {
        stack: &stack,
        names: &names,
        options: &options,
        max_concurrent: usize::from(args.max_concurrent),
        failure_tolerance: args.failure_tolerance,
        allow_data_loss: args.allow_data_loss,
        termination_protection: config.termination_protection,
        tags: apply::stack_tags(&config.resource_tags(), &names),
        endpoint_url: ctx.global.endpoint_url.as_deref(),
    };
    let rt = ctx.runtime()?;
    super::changing(ctx, config, &regions)?;
    // Every region planned first, concurrently, for the one prompt, with the cost change.
    let preview = super::cost::previewed(rt, config, &plan, &templates, args)?;
    if !ctx.json() {
        write!(ctx.console.out(), "{preview}")?;
    }
    if !ui::confirm(ctx.console, args.yes, "Roll out these changes?")? {
        writeln!(ctx.console.err(), "Rollout cancelled. Nothing was changed.")?;
        return Ok(Exit::Failure);
    }
    let multi = ctx
        .console
        .terminals
        .err
        .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
    let line = |r: &Region| RegionLine::new(r, ctx.console, multi.as_ref());
    let report = rt.block_on(rollout::waves_of(
        &plan,
        &templates,
        line,
        tokio::signal::ctrl_c(),
    ));
    let exit = ctx.report(&report)?;
    if report.interrupted {
        writeln!(
            ctx.console.err(),
            "\nInterrupted. CloudFormation goes on in the regions marked interrupted; watch each with `infrapipe status --region R`. Run the rollout again to finish what is left."
        )?;
    }
    Ok(exit)
}
