//! `infrapipe status`: the stack, its resources, the last collection run, alarms, the schedule.

use crate::aws::alarms::{self, AlarmState};
use crate::aws::cloudformation::{self, StackResource};
use crate::aws::executions::{self, Execution};
use crate::aws::schedules::{self, ScheduleState};
use crate::aws::{Aws, AwsError};
use crate::cli::{Global, StatusArgs};
use crate::config::{Config, Region};
use crate::error::{Error, Result};
use crate::model::{Pipeline, ids};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// The status of a region where the stack does not exist.
const NOT_DEPLOYED: &str = "NOT_DEPLOYED";

#[derive(Serialize)]
struct Status {
    stack: String,
    region: String,
    status: String,
    last_change: Option<String>,
    outputs: BTreeMap<String, String>,
    resources: Vec<StackResource>,
    last_run: Option<Execution>,
    alarms: Vec<AlarmState>,
    schedule: Option<ScheduleState>,
    /// When the schedule should next fire, from the last run and the interval (an estimate:
    /// Scheduler's API does not say).
    next_run_estimate: Option<String>,
    /// Parts that could not be read, with why (never silently missing).
    unavailable: Vec<String>,
}

pub fn run(global: &Global, args: &StatusArgs, out: &mut dyn Write) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let regions = super::regions_to_check(global, &config, args.all_regions)?;
    let pipelines = regions
        .iter()
        .map(|r| Ok((r.clone(), super::build(&config, r)?)))
        .collect::<Result<Vec<(Region, Pipeline)>>>()?;
    let rt = super::runtime()?;
    let options = super::aws_options(global);
    let stack = config.stack_name();
    let interval = config.schedule.seconds();
    let results = rt.block_on(super::per_region(
        pipelines,
        "status",
        |region, pipeline| {
            let (options, stack) = (options.clone(), stack.clone());
            async move {
                let aws = Aws::connect(&options, region.as_str()).await;
                Ok(read(&aws, &stack, &pipeline, interval).await?)
            }
        },
    ));
    let statuses: Vec<Status> = results.into_iter().collect::<Result<_>>()?;
    if global.json {
        let doc = match statuses.as_slice() {
            [one] => serde_json::to_value(one),
            all => serde_json::to_value(all).map(|a| serde_json::json!({ "regions": a })),
        }
        .map_err(|e| Error::Usage(format!("cannot render the status as JSON: {e}")))?;
        writeln!(out, "{doc}")?;
    } else {
        for (i, s) in statuses.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            write!(out, "{}", text(s))?;
        }
        if statuses.len() > 1 {
            let deployed = statuses.iter().filter(|s| s.status != NOT_DEPLOYED).count();
            writeln!(out, "\n{deployed} of {} regions deployed.", statuses.len())?;
        }
    }
    Ok(0)
}

async fn read(
    aws: &Aws,
    stack: &str,
    p: &Pipeline,
    interval: u64,
) -> std::result::Result<Status, AwsError> {
    let mut s = Status {
        stack: stack.to_owned(),
        region: aws.region.clone(),
        status: NOT_DEPLOYED.into(),
        last_change: None,
        outputs: BTreeMap::new(),
        resources: Vec::new(),
        last_run: None,
        alarms: Vec::new(),
        schedule: None,
        next_run_estimate: None,
        unavailable: Vec::new(),
    };
    let Some(deployed) = cloudformation::deployed(aws, stack).await? else {
        return Ok(s);
    };
    s.status = deployed.status;
    s.last_change = deployed.last_change;
    s.outputs = deployed.outputs;
    let alarm_names: Vec<String> = p.alarms.iter().map(|a| a.name.clone()).collect();
    let (resources, alarms, schedule) = tokio::join!(
        cloudformation::resources(aws, &deployed.stack_id),
        alarms::states(aws, &alarm_names),
        schedules::get(aws, &p.schedule.name, &p.names.schedule_group),
    );
    // An emulator reports resources it did not create with no ids: leave them out, and name
    // the template's resources that have no physical resource instead.
    s.resources = resources?
        .into_iter()
        .filter(|r| !r.logical_id.is_empty())
        .collect();
    let missing: Vec<String> = deployed.template["Resources"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|id| !s.resources.iter().any(|r| &r.logical_id == *id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if !missing.is_empty() {
        s.unavailable.push(format!(
            "no physical resource reported for: {}",
            missing.join(", ")
        ));
    }
    match alarms {
        Ok(a) => s.alarms = a,
        Err(e) => s.unavailable.push(format!("alarms: {e}")),
    }
    match schedule {
        Ok(Some(sch)) => s.schedule = Some(sch),
        Ok(None) => s
            .unavailable
            .push(format!("schedule {}: not found", p.schedule.name)),
        Err(e) => s.unavailable.push(format!("schedule: {e}")),
    }
    let machine = s
        .resources
        .iter()
        .find(|r| r.logical_id == ids::STATE_MACHINE)
        .map(|r| r.physical_id.clone())
        .filter(|id| !id.is_empty());
    match machine {
        Some(arn) => match executions::last(aws, &arn).await {
            Ok(run) => s.last_run = run,
            Err(e) => s.unavailable.push(format!("last run: {e}")),
        },
        None => s
            .unavailable
            .push("last run: the state machine is not in the stack".into()),
    }
    s.next_run_estimate = s
        .last_run
        .as_ref()
        .and_then(|r| add_seconds(&r.started, interval));
    Ok(s)
}

/// RFC 3339 time plus seconds, in RFC 3339.
fn add_seconds(t: &str, secs: u64) -> Option<String> {
    use aws_smithy_types::DateTime;
    use aws_smithy_types::date_time::Format;
    let d = DateTime::from_str(t, Format::DateTime).ok()?;
    DateTime::from_secs(d.secs() + secs as i64)
        .fmt(Format::DateTime)
        .ok()
}

fn text(s: &Status) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(t, "Stack {} in {}: {}", s.stack, s.region, s.status);
    if s.status == NOT_DEPLOYED {
        let _ = writeln!(t, "Nothing is deployed. Create it with `infrapipe apply`.");
        return t;
    }
    if let Some(c) = &s.last_change {
        let _ = writeln!(t, "Last change: {c}");
    }
    let _ = writeln!(t, "\nResources:");
    let w = s
        .resources
        .iter()
        .map(|r| r.logical_id.len())
        .max()
        .unwrap_or(0);
    for r in &s.resources {
        let _ = writeln!(
            t,
            "  {:<w$}  {:<18}  {}",
            r.logical_id, r.status, r.physical_id
        );
    }
    let _ = writeln!(t, "\nLast collection run:");
    match &s.last_run {
        Some(r) => {
            let _ = writeln!(
                t,
                "  {} {} (started {}{})",
                r.name,
                r.status,
                r.started,
                r.stopped
                    .as_deref()
                    .map(|x| format!(", stopped {x}"))
                    .unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(t, "  none yet (start one with `infrapipe run`)");
        }
    }
    let _ = writeln!(t, "\nSchedule:");
    match &s.schedule {
        Some(sch) => {
            let _ = writeln!(t, "  {} {} {}", sch.name, sch.state, sch.expression);
            if let Some(n) = &s.next_run_estimate {
                let _ = writeln!(t, "  next run about {n} (estimated from the last run)");
            }
        }
        None => {
            let _ = writeln!(t, "  not readable (see below)");
        }
    }
    if !s.alarms.is_empty() {
        let _ = writeln!(t, "\nAlarms:");
        for a in &s.alarms {
            let actions = if a.actions_enabled || a.state == "NOT_FOUND" {
                ""
            } else {
                "  (actions disabled)"
            };
            let _ = writeln!(t, "  {:<18} {}{actions}", a.state, a.name);
        }
    }
    if !s.outputs.is_empty() {
        let _ = writeln!(t, "\nOutputs:");
        for (k, v) in &s.outputs {
            let _ = writeln!(t, "  {k} = {v}");
        }
    }
    if !s.unavailable.is_empty() {
        let _ = writeln!(t, "\nNot available:");
        for u in &s.unavailable {
            let _ = writeln!(t, "  {u}");
        }
    }
    t
}
