//! What a run leaves behind, found by name prefix or by the suite's tag, and its removal: the
//! clean-up guard's check, and the sweep for what a killed run (SIGKILL, a lost machine) left.

use super::aws::{Clients, plain};
use anyhow::{Context, Result};
use std::time::{Duration, Instant};

/// The tag every resource of the suite carries (through the config's `tags:`, which
/// CloudFormation propagates); its value is the run id.
pub const TAG: &str = "infrapipe-acceptance";
/// Every pipeline the suite deploys is named `ipacc-<run id>`; nothing else may start so.
pub const PREFIX: &str = "ipacc-";

/// Resources of the suite that exist, by kind.
#[derive(Debug, Default)]
pub struct Leftovers {
    pub stack_sets: Vec<String>,
    pub stacks: Vec<String>,
    pub buckets: Vec<String>,
    pub tables: Vec<String>,
    pub queues: Vec<String>,
    pub log_groups: Vec<String>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.names().is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        let kind = |k: &str, v: &[String]| v.iter().map(|n| format!("{k} {n}")).collect::<Vec<_>>();
        [
            kind("stack set", &self.stack_sets),
            kind("stack", &self.stacks),
            kind("bucket", &self.buckets),
            kind("table", &self.tables),
            kind("queue", &self.queues),
            kind("log group", &self.log_groups),
        ]
        .concat()
    }
}

/// Stacks, buckets, tables, queues and log groups whose names start with `prefix` in the
/// clients' region, and stacks tagged `TAG` (with `run`'s value when given) whatever their name.
pub fn find(c: &Clients, prefix: &str, run: Option<&str>) -> Result<Leftovers> {
    let region = c.config.region().map(|r| r.to_string()).unwrap_or_default();
    let mut found = Leftovers::default();

    let cf = c.cloudformation();
    let sets = c
        .block(cf.list_stack_sets().send())
        .map_err(plain)
        .context("listing stack sets")?;
    found.stack_sets = sets
        .summaries()
        .iter()
        .filter(|s| s.status().is_none_or(|st| st.as_str() != "DELETED"))
        .filter_map(|s| s.stack_set_name())
        .filter(|n| n.starts_with(prefix))
        .map(str::to_owned)
        .collect();
    let mut pages = cf.describe_stacks().into_paginator().send();
    while let Some(page) = c.block(pages.next()) {
        for s in page.map_err(plain).context("listing stacks")?.stacks() {
            let name = s.stack_name().unwrap_or_default();
            let tagged = s
                .tags()
                .iter()
                .any(|t| t.key() == Some(TAG) && run.is_none_or(|r| t.value() == Some(r)));
            if name.starts_with(prefix) || tagged {
                found.stacks.push(name.to_owned());
            }
        }
    }

    let buckets = c
        .block(c.s3().list_buckets().send())
        .map_err(plain)
        .context("listing buckets")?;
    // Bucket names end with the region (docs/architecture.md, "Names"); a client of this region cannot delete
    // another region's bucket, so each region is swept on its own.
    found.buckets = buckets
        .buckets()
        .iter()
        .filter_map(|b| b.name())
        .filter(|n| n.starts_with(prefix) && n.ends_with(&format!("-{region}")))
        .map(str::to_owned)
        .collect();

    let ddb = c.dynamodb();
    let mut pages = ddb.list_tables().into_paginator().items().send();
    while let Some(t) = c.block(pages.next()) {
        let t = t.map_err(plain).context("listing tables")?;
        if t.starts_with(prefix) {
            found.tables.push(t);
        }
    }

    let queues = c
        .block(c.sqs().list_queues().queue_name_prefix(prefix).send())
        .map_err(plain)
        .context("listing queues")?;
    found.queues = queues.queue_urls().to_vec();

    for group_prefix in [
        format!("/aws/lambda/{prefix}"),
        format!("/aws/vendedlogs/states/{prefix}"),
    ] {
        let logs = c.logs();
        let mut pages = logs
            .describe_log_groups()
            .log_group_name_prefix(group_prefix)
            .into_paginator()
            .send();
        while let Some(page) = c.block(pages.next()) {
            for g in page
                .map_err(plain)
                .context("listing log groups")?
                .log_groups()
            {
                found
                    .log_groups
                    .extend(g.log_group_name().map(str::to_owned));
            }
        }
    }
    Ok(found)
}

/// Deletes everything in `found`: stacks first (their retained bucket and table stay, so they
/// are listed again after), then buckets with every object version, tables, queues, log groups.
/// Returns what was deleted; stops at the first failure, saying what it was doing.
pub fn remove(
    c: &Clients,
    found: &Leftovers,
    prefix: &str,
    run: Option<&str>,
) -> Result<Vec<String>> {
    let mut deleted = Vec::new();
    for set in &found.stack_sets {
        delete_stack_set(c, set)?;
        deleted.push(format!("stack set {set}"));
    }
    for stack in &found.stacks {
        delete_stack(c, stack)?;
        deleted.push(format!("stack {stack}"));
    }
    // Deleting a stack keeps its retained bucket and table: list again to see them.
    let listed_again;
    let found = if found.stacks.is_empty() && found.stack_sets.is_empty() {
        found
    } else {
        listed_again = find(c, prefix, run)?;
        &listed_again
    };
    for bucket in &found.buckets {
        let objects = purge_bucket(c, bucket)?;
        deleted.push(format!("bucket {bucket} ({objects} object versions)"));
    }
    for table in &found.tables {
        // apply deploys the table with deletion protection on: a sweep of the suite's own
        // pipelines turns it off first (the names were matched above, so it is ours).
        c.block(
            c.dynamodb()
                .update_table()
                .table_name(table)
                .deletion_protection_enabled(false)
                .send(),
        )
        .map_err(plain)
        .with_context(|| format!("turning off deletion protection of table {table}"))?;
        c.block(c.dynamodb().delete_table().table_name(table).send())
            .map_err(plain)
            .with_context(|| format!("deleting table {table}"))?;
        deleted.push(format!("table {table}"));
    }
    for queue in &found.queues {
        c.block(c.sqs().delete_queue().queue_url(queue).send())
            .map_err(plain)
            .with_context(|| format!("deleting queue {queue}"))?;
        deleted.push(format!("queue {queue}"));
    }
    for group in &found.log_groups {
        c.block(c.logs().delete_log_group().log_group_name(group).send())
            .map_err(plain)
            .with_context(|| format!("deleting log group {group}"))?;
        deleted.push(format!("log group {group}"));
    }
    Ok(deleted)
}

/// DeleteStack, then waits by stack id (by name a deleted stack is "does not exist"). A stack
/// whose deletion failed is deleted again keeping the resources that failed, which the bucket
/// and table passes then remove by name.
fn delete_stack(c: &Clients, stack: &str) -> Result<()> {
    let cf = c.cloudformation();
    let described = c
        .block(cf.describe_stacks().stack_name(stack).send())
        .map_err(plain)
        .with_context(|| format!("reading stack {stack}"))?;
    let Some(id) = described
        .stacks()
        .first()
        .and_then(|s| s.stack_id())
        .map(str::to_owned)
    else {
        return Ok(());
    };
    for attempt in 0..2 {
        let mut req = cf.delete_stack().stack_name(&id);
        if attempt == 1 {
            let failed = c
                .block(cf.list_stack_resources().stack_name(&id).send())
                .map_err(plain)?
                .stack_resource_summaries()
                .iter()
                .filter(|r| {
                    r.resource_status()
                        .is_some_and(|s| s.as_str() == "DELETE_FAILED")
                })
                .filter_map(|r| r.logical_resource_id().map(str::to_owned))
                .collect::<Vec<_>>();
            req = req.set_retain_resources(Some(failed));
        }
        c.block(req.send())
            .map_err(plain)
            .with_context(|| format!("deleting stack {stack}"))?;
        match wait_for_deletion(c, &id)? {
            true => return Ok(()),
            false if attempt == 0 => continue,
            false => break,
        }
    }
    anyhow::bail!(
        "stack {stack} could not be deleted (DELETE_FAILED twice); see its events in the console"
    )
}

/// Whether the stack reached DELETE_COMPLETE (false on DELETE_FAILED); 20 minutes at most.
fn wait_for_deletion(c: &Clients, id: &str) -> Result<bool> {
    let deadline = Instant::now() + Duration::from_secs(20 * 60);
    loop {
        let d = c
            .block(c.cloudformation().describe_stacks().stack_name(id).send())
            .map_err(plain)
            .with_context(|| format!("waiting for {id} to be deleted"))?;
        let status = d
            .stacks()
            .first()
            .and_then(|s| s.stack_status())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_else(|| "DELETE_COMPLETE".into());
        match status.as_str() {
            "DELETE_COMPLETE" => return Ok(true),
            "DELETE_FAILED" => return Ok(false),
            _ if Instant::now() > deadline => {
                anyhow::bail!("{id} is still {status} after 20 minutes")
            }
            _ => std::thread::sleep(Duration::from_secs(5)),
        }
    }
}

/// Deletes the bucket's policy (a TLS-only or deny policy must not stand in the way), every
/// object version and delete marker, then the bucket. Returns how many versions went.
pub fn purge_bucket(c: &Clients, bucket: &str) -> Result<u64> {
    let s3 = c.s3();
    let _ = c.block(s3.delete_bucket_policy().bucket(bucket).send());
    let mut count = 0u64;
    loop {
        let page = c
            .block(s3.list_object_versions().bucket(bucket).send())
            .map_err(plain)
            .with_context(|| format!("listing the object versions of {bucket}"))?;
        let mut ids: Vec<aws_sdk_s3::types::ObjectIdentifier> = Vec::new();
        let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = page
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        for (key, version) in versions.chain(markers) {
            let id = aws_sdk_s3::types::ObjectIdentifier::builder()
                .key(key.unwrap_or_default())
                .set_version_id(version.map(str::to_owned))
                .build()
                .context("an object identifier")?;
            ids.push(id);
        }
        if ids.is_empty() {
            break;
        }
        count += ids.len() as u64;
        let delete = aws_sdk_s3::types::Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .context("a delete request")?;
        c.block(s3.delete_objects().bucket(bucket).delete(delete).send())
            .map_err(plain)
            .with_context(|| format!("deleting object versions of {bucket}"))?;
    }
    c.block(s3.delete_bucket().bucket(bucket).send())
        .map_err(plain)
        .with_context(|| format!("deleting bucket {bucket}"))?;
    Ok(count)
}

/// Deletes a stack set's instances (and their stacks), waits for that operation, then the set.
pub fn delete_stack_set(c: &Clients, set: &str) -> Result<()> {
    let cf = c.cloudformation();
    let instances = c
        .block(cf.list_stack_instances().stack_set_name(set).send())
        .map_err(plain)
        .with_context(|| format!("listing the instances of stack set {set}"))?;
    let mut accounts: Vec<String> = instances
        .summaries()
        .iter()
        .filter_map(|i| i.account().map(str::to_owned))
        .collect();
    let mut regions: Vec<String> = instances
        .summaries()
        .iter()
        .filter_map(|i| i.region().map(str::to_owned))
        .collect();
    accounts.sort();
    accounts.dedup();
    regions.sort();
    regions.dedup();
    if !accounts.is_empty() {
        let op = c
            .block(
                cf.delete_stack_instances()
                    .stack_set_name(set)
                    .set_accounts(Some(accounts))
                    .set_regions(Some(regions))
                    .retain_stacks(false)
                    .send(),
            )
            .map_err(plain)
            .with_context(|| format!("deleting the instances of stack set {set}"))?;
        let id = op.operation_id().unwrap_or_default().to_owned();
        let deadline = Instant::now() + Duration::from_secs(30 * 60);
        loop {
            let d = c
                .block(
                    cf.describe_stack_set_operation()
                        .stack_set_name(set)
                        .operation_id(&id)
                        .send(),
                )
                .map_err(plain)
                .with_context(|| format!("waiting for operation {id} on {set}"))?;
            let status = d
                .stack_set_operation()
                .and_then(|o| o.status())
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            match status.as_str() {
                "SUCCEEDED" => break,
                "FAILED" | "STOPPED" => {
                    anyhow::bail!("deleting the instances of {set} ended {status}")
                }
                _ if Instant::now() > deadline => anyhow::bail!(
                    "deleting the instances of {set} is still {status} after 30 minutes"
                ),
                _ => std::thread::sleep(Duration::from_secs(10)),
            }
        }
    }
    c.block(cf.delete_stack_set().stack_set_name(set).send())
        .map_err(plain)
        .with_context(|| format!("deleting stack set {set}"))?;
    Ok(())
}
