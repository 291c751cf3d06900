//! `infrapipe apply [PLAN]`: publish the code, make a change set, show it, ask, execute, wait.

use super::ui::{self, Progress};
use crate::aws::Aws;
use crate::cli::{ApplyArgs, Global};
use crate::config::Config;
use crate::deploy::apply::{self, ApplyError, Outcome, Request, Ui};
use crate::deploy::assets::Uploaded;
use crate::deploy::wait::Tick;
use crate::error::{Error, Result};
use crate::model::names::Names;
use crate::plan::{Plan, render, saved::SavedPlan};
use crate::template;
use serde_json::json;
use std::io::Write;

struct Terminal<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    yes: bool,
    json: bool,
    style: crate::style::Style,
    progress: Option<Progress>,
}

impl Ui for Terminal<'_> {
    fn confirm(&mut self, plan: &Plan) -> bool {
        if !self.json {
            let _ = write!(self.out, "{}", render::text(plan, self.style));
        }
        ui::confirm(self.yes, "Apply these changes?", self.err).unwrap_or(false)
    }

    fn published(&mut self, u: &Uploaded) {
        if self.json {
            return;
        }
        if u.created_bucket {
            let _ = writeln!(self.err, "Bootstrapped artifact bucket {}.", u.bucket);
            if !u.tls_policy {
                let _ = writeln!(
                    self.err,
                    "note: its TLS-only policy was left off: the endpoint is plain HTTP (an emulator), which such a policy would lock out."
                );
            }
        }
        for (key, uploaded) in &u.objects {
            if *uploaded {
                let _ = writeln!(self.err, "Uploaded s3://{}/{key}.", u.bucket);
            }
        }
    }

    fn replacing_failed_create(&mut self, status: &str) {
        if !self.json {
            let _ = writeln!(
                self.err,
                "The stack is in {status} after a failed create and holds nothing: deleting it to create it again."
            );
        }
    }

    fn tick(&mut self, t: Tick<'_>, total: usize) {
        let p = self
            .progress
            .get_or_insert_with(|| Progress::new(total, "applying"));
        p.event(t.event, t.done, self.err);
    }
}

pub fn run(
    global: &Global,
    args: &ApplyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let saved = match &args.plan {
        Some(path) => Some(SavedPlan::read(path).map_err(Error::Usage)?),
        None => None,
    };
    let region = match &saved {
        Some(s) => crate::config::Region::parse(&s.region).map_err(Error::Usage)?,
        None => super::one_region(global, &config)?,
    };
    ui::require_consent_possible(args.yes, "apply")?;
    let template = match &saved {
        Some(s) => s.template.clone(),
        None => template::render(&super::build(&config, &region)?),
    };
    let names = Names::new(&config);
    let stack = config.stack_name();
    let req = Request {
        stack: &stack,
        names: &names,
        template: &template,
        saved: saved.as_ref(),
        allow_data_loss: args.allow_data_loss,
        termination_protection: config.termination_protection,
        tags: apply::stack_tags(&config.tags, &names),
        endpoint_url: global.endpoint_url.as_deref(),
    };
    let rt = super::runtime()?;
    let options = super::aws_options(global);
    let style = super::style(global);
    let json = global.json;
    let mut term = Terminal {
        out,
        err,
        yes: args.yes,
        json,
        style,
        progress: None,
    };
    let result = rt.block_on(async {
        let aws = Aws::connect(&options, region.as_str()).await;
        tokio::select! {
            r = apply::apply(&aws, &req, &mut term) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    if let Some(p) = &term.progress {
        p.finish();
    }
    let Terminal { out, err, .. } = term;
    let Some(result) = result else {
        return super::interrupted(
            global,
            out,
            err,
            &format!(
                "CloudFormation goes on with what it started; watch it with `infrapipe status --region {region}`."
            ),
        );
    };
    let outcome = result.map_err(|e| match e {
        ApplyError::Aws(a) => Error::Aws(a),
        ApplyError::Refused(r) => Error::Usage(r.to_string()),
    })?;
    report(&outcome, &stack, region.as_str(), json, out, err)
}

fn report(
    outcome: &Outcome,
    stack: &str,
    region: &str,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let (result, code, plan) = match outcome {
        Outcome::NoChanges { plan } => ("no_changes", 0, plan),
        Outcome::Cancelled { plan } => ("cancelled", 1, plan),
        Outcome::Executed { plan, finished } if finished.succeeded() => ("applied", 0, plan),
        Outcome::Executed { plan, .. } => ("failed", 1, plan),
    };
    if json {
        let mut doc =
            json!({ "stack": stack, "region": region, "result": result, "summary": plan.summary });
        if let Outcome::Executed { finished, .. } = outcome {
            doc["stack_status"] = json!(finished.status);
            doc["first_failure"] =
                serde_json::to_value(&finished.first_failure).unwrap_or_default();
        }
        writeln!(out, "{doc}")?;
        return Ok(code);
    }
    match outcome {
        Outcome::NoChanges { .. } => {
            writeln!(out, "No changes. Stack {stack} in {region} is up to date.")?
        }
        Outcome::Cancelled { .. } => writeln!(err, "Apply cancelled. Nothing was changed.")?,
        Outcome::Executed { plan, finished } if finished.succeeded() => writeln!(
            out,
            "Apply complete: {} added, {} changed, {} destroyed. Stack {stack} is {}.",
            plan.summary.add, plan.summary.change, plan.summary.destroy, finished.status
        )?,
        Outcome::Executed { finished, .. } => {
            let lines = apply::failure_report(stack, finished);
            writeln!(err, "error: {}", lines.join("\n"))?;
        }
    }
    Ok(code)
}
