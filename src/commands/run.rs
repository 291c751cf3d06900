//! `infrapipe run`: start one collection now (the seed's manual trigger) and wait for it,
//! reporting each branch.

use crate::aws::executions::{self, StateOutcome};
use crate::aws::{Aws, cloudformation};
use crate::cli::Global;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{ids, state_machine};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

pub fn run(global: &Global, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let region = super::one_region(global, &config)?;
    let stack = config.stack_name();
    let metrics = config.collectors.metrics.clone();
    // A run cannot outlast every branch's retries: timeout x attempts, with backoff, plus margin.
    let limit = Duration::from_secs(config.collectors.timeout_seconds.int() as u64 * 4 + 120);
    let rt = super::runtime()?;
    let options = super::aws_options(global);
    rt.block_on(async {
        let aws = Aws::connect(&options, region.as_str()).await;
        let resources = cloudformation::resources(&aws, &stack).await.map_err(|e| {
            if cloudformation::is_missing_stack(&e) {
                Error::Usage(format!("stack {stack} is not deployed in {region}; run `infrapipe apply` first"))
            } else {
                Error::Aws(e)
            }
        })?;
        let machine = resources
            .iter()
            .find(|r| r.logical_id == ids::STATE_MACHINE && !r.physical_id.is_empty())
            .map(|r| r.physical_id.clone())
            .ok_or_else(|| Error::Usage(format!("stack {stack} has no state machine; run `infrapipe apply`")))?;
        let name = format!(
            "manual-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default()
        );
        let arn = executions::start(&aws, &machine, &name, r#"{"trigger":"manual"}"#).await?;
        // Progress goes to stderr, also with --json.
        writeln!(err, "Started {name}; waiting for it (Ctrl-C stops waiting, not the run).")?;
        // One listener for the whole wait, so a Ctrl-C during a pause between polls counts too.
        let exec = tokio::select! {
            e = wait_for(&aws, &arn, &name, limit) => e?,
            _ = tokio::signal::ctrl_c() => {
                return super::interrupted(
                    global,
                    out,
                    err,
                    &format!("The run {name} goes on; see it with `infrapipe status --region {region}`."),
                );
            }
        };
        let outcomes = executions::state_outcomes(&aws, &arn).await?;
        let branches: Vec<(String, &'static str, Option<String>)> = metrics
            .iter()
            .map(|m| {
                let task = outcomes.get(&state_machine::task_state(*m));
                let failed = outcomes.get(&state_machine::branch_failed_state(*m)).is_some_and(|o| o.entered);
                let (result, error) = branch_result(task, failed);
                (m.as_str().to_owned(), result, error)
            })
            .collect();
        let ok = exec.status == "SUCCEEDED";
        if global.json {
            let b: BTreeMap<&str, serde_json::Value> = branches
                .iter()
                .map(|(m, r, e)| (m.as_str(), json!({ "result": r, "error": e })))
                .collect();
            writeln!(out, "{}", json!({ "stack": stack, "region": region.as_str(), "execution": exec, "branches": b }))?;
        } else {
            writeln!(out, "Run {name}: {}", exec.status)?;
            for (m, r, e) in &branches {
                writeln!(out, "  {m:<8} {r}{}", e.as_deref().map(|e| format!(": {e}")).unwrap_or_default())?;
            }
        }
        Ok(if ok { 0 } else { 1 })
    })
}

/// Polls the execution, backing off to 3 s, until it ends or outlasts `limit`.
async fn wait_for(
    aws: &Aws,
    arn: &str,
    name: &str,
    limit: Duration,
) -> Result<executions::Execution> {
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(200);
    loop {
        let e = executions::describe(aws, arn).await?;
        if e.status != "RUNNING" && e.status != "PENDING_REDRIVE" {
            return Ok(e);
        }
        if started.elapsed() > limit {
            return Err(Error::Usage(format!(
                "run {name} is still {} after {} s, longer than its retries allow; see `infrapipe status`",
                e.status,
                limit.as_secs()
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(3));
    }
}

fn branch_result(task: Option<&StateOutcome>, failed: bool) -> (&'static str, Option<String>) {
    match task {
        _ if failed => ("failed", task.and_then(|t| t.error.clone())),
        Some(t) if t.exited => ("succeeded", None),
        Some(t) if t.error.is_some() => ("failed", t.error.clone()),
        Some(_) => ("did not finish", None),
        None => ("not started", None),
    }
}
