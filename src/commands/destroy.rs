//! `infrapipe destroy`: delete the stack; the raw bucket and table are kept unless --purge-data.

use super::ui::{self, Progress};
use crate::aws::{Aws, cloudformation, sts};
use crate::cli::{DestroyArgs, Global};
use crate::config::Config;
use crate::deploy::{destroy, wait};
use crate::error::{Error, Result};
use crate::model::names::Names;
use serde_json::json;
use std::io::Write;

pub fn run(
    global: &Global,
    args: &DestroyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let region = super::one_region(global, &config)?;
    let stack = config.stack_name();
    let names = Names::new(&config);
    let rt = super::runtime()?;
    let options = super::aws_options(global);
    let json = global.json;
    rt.block_on(async {
        let aws = Aws::connect(&options, region.as_str()).await;
        let Some(deployed) = cloudformation::deployed(&aws, &stack).await? else {
            if args.purge_data {
                // The stack is gone but its retained data may not be: purge what is left.
                let account = sts::account_id(&aws).await?;
                let kept = destroy::retained(&names, &account, region.as_str());
                ui::require_consent_possible(args.yes, "purge data")?;
                let q = format!("Stack {stack} is not deployed. PURGE the retained data ({} and {})?", kept.raw_bucket, kept.table);
                if !ui::confirm(args.yes, &q, err)? {
                    writeln!(err, "Purge cancelled. Nothing was changed.")?;
                    return Ok(1);
                }
                let (objects, bucket, table) = destroy::purge(&aws, &kept).await?;
                if json {
                    writeln!(out, "{}", json!({ "stack": stack, "region": region.as_str(), "result": "not_deployed",
                        "purged": { "objects": objects, "bucket": bucket, "table": table } }))?;
                } else {
                    writeln!(out, "Stack {stack} is not deployed in {region}. {}", purge_text(&kept, objects, bucket, table))?;
                }
                return Ok(0);
            }
            if json {
                writeln!(out, "{}", json!({ "stack": stack, "region": region.as_str(), "result": "not_deployed" }))?;
            } else {
                writeln!(out, "Nothing to destroy: stack {stack} does not exist in {region}. (Retained data, if any, stays; `--purge-data` removes it.)")?;
            }
            return Ok(0);
        };
        if cloudformation::termination_protection(&aws, &stack).await? {
            return Err(Error::Usage(format!(
                "stack {stack} has termination protection on; set `termination_protection: false` in {} and apply, then destroy",
                global.config.display()
            )));
        }
        let account = sts::account_id(&aws).await?;
        let kept = destroy::retained(&names, &account, region.as_str());
        let what = if args.purge_data {
            format!("and PURGE the data: every version in {} and the table {}", kept.raw_bucket, kept.table)
        } else {
            format!("keeping the data ({} and {})", kept.raw_bucket, kept.table)
        };
        ui::require_consent_possible(args.yes, "destroy")?;
        if !ui::confirm(args.yes, &format!("Destroy stack {stack} in {region}, {what}?"), err)? {
            writeln!(err, "Destroy cancelled. Nothing was changed.")?;
            return Ok(1);
        }
        let emptied = destroy::empty_results(&aws, &names, &account).await?;
        let total = cloudformation::resources(&aws, &deployed.stack_id).await?.len();
        let seen = wait::seen_events(&aws, &deployed.stack_id).await?;
        cloudformation::delete_stack(&aws, &stack).await?;
        let progress = Progress::new(total, "destroying");
        let mut on_tick = |t: wait::Tick<'_>| progress.event(t.event, t.done, &mut std::io::stderr());
        let finished = tokio::select! {
            f = wait::wait(&aws, &deployed.stack_id, seen, &mut on_tick) => Some(f),
            _ = tokio::signal::ctrl_c() => None,
        };
        progress.finish();
        let Some(finished) = finished else {
            return super::interrupted(
                global,
                out,
                err,
                &format!("CloudFormation goes on deleting; watch it with `infrapipe status --region {region}`."),
            );
        };
        let finished = finished?;
        if !finished.succeeded() {
            let cause = finished.first_failure.as_ref().map_or(finished.reason.clone(), |f| {
                format!("{} ({}): {}", f.logical_id, f.resource_type, f.reason)
            });
            return Err(Error::Usage(format!("deleting stack {stack} failed ({}): {cause}", finished.status)));
        }
        let purged = if args.purge_data { Some(destroy::purge(&aws, &kept).await?) } else { None };
        if json {
            writeln!(out, "{}", json!({
                "stack": stack, "region": region.as_str(), "result": "destroyed",
                "results_objects_deleted": emptied,
                "kept": if purged.is_some() { json!([]) } else { json!([kept.raw_bucket, kept.table]) },
                "purged": purged.map(|(objects, bucket, table)| json!({ "objects": objects, "bucket": bucket, "table": table })),
            }))?;
            return Ok(0);
        }
        writeln!(out, "Destroyed stack {stack} in {region}.")?;
        match purged {
            Some((objects, bucket, table)) => writeln!(out, "{}", purge_text(&kept, objects, bucket, table))?,
            None => writeln!(
                out,
                "Kept (DeletionPolicy Retain): bucket {} and table {}. Remove them later with `infrapipe destroy --purge-data`.",
                kept.raw_bucket, kept.table
            )?,
        }
        Ok(0)
    })
}

fn purge_text(kept: &destroy::Retained, objects: u64, bucket: bool, table: bool) -> String {
    let gone = |b: bool| if b { "deleted" } else { "was already gone" };
    format!(
        "Purged the data: {objects} object versions deleted; bucket {} {}; table {} {}.",
        kept.raw_bucket,
        gone(bucket),
        kept.table,
        gone(table)
    )
}
