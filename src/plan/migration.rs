//! Changes to the data resources that CloudFormation alone cannot carry out without losing or
//! stranding data: a new key schema, a new name, a new encryption key. The plan names each with
//! why and how to migrate, so an upgrade never surprises.

use super::{Action, ResourceChange};
use crate::model::ids;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    pub logical_id: String,
    /// What the change does to the data.
    pub why: String,
    /// What the user does to keep it.
    pub how: String,
}

/// The migrations `changes` need, in their order.
pub fn needed(changes: &[ResourceChange]) -> Vec<Migration> {
    changes
        .iter()
        .flat_map(|c| migration(c).into_iter().chain(replication_starts(c)))
        .collect()
}

/// The raw bucket starts replicating to the central bucket (`aggregation:` added to a
/// deployed pipeline): S3 replication copies new objects only.
fn replication_starts(c: &ResourceChange) -> Option<Migration> {
    if c.logical_id != ids::RAW_BUCKET || c.action != Action::Update {
        return None;
    }
    let p = c.properties.iter().find(|x| {
        (x.path == "ReplicationConfiguration" || x.path.starts_with("ReplicationConfiguration."))
            && x.before.is_none()
    })?;
    // The destination is one leaf of the diff, or inside the whole new configuration.
    let leaf = c
        .properties
        .iter()
        .find(|x| x.path.contains("Destination.Bucket"))
        .and_then(|x| x.after.as_ref());
    let whole = p
        .after
        .as_ref()
        .and_then(|v| v.pointer("/Rules/0/Destination/Bucket"));
    let central = leaf
        .or(whole)
        .map(|v| value(Some(v)))
        .as_deref()
        .and_then(|arn| arn.rsplit(":::").next())
        .unwrap_or("CENTRAL_BUCKET")
        .to_owned();
    Some(Migration {
        logical_id: c.logical_id.clone(),
        why: format!(
            "the raw bucket starts replicating its raw JSON to {central}: S3 replication copies only objects written from now on, under names that carry the account and region; the objects already there keep their old names (no account or region: two regions' would overwrite each other in {central}) and are not replicated"
        ),
        how: format!(
            "nothing, to query the other regions from now on. To copy the old objects too, copy them renamed, not with S3 Batch Replication (it keeps the old, colliding keys): in each region, with RAW its raw bucket and ACCOUNT and REGION filled in, `aws s3 ls s3://RAW/ --recursive | awk '{{print $4}}' | grep -E '^year=.*/(cpu|memory|disk|network)-metrics-' | while read k; do aws s3 cp \"s3://RAW/$k\" \"s3://{central}/${{k%/*}}/ACCOUNT-REGION-${{k##*/}}\"; done` (the central bucket expires them with the raw JSON's lifecycle)"
        ),
    })
}

fn value(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("Fn::Sub")
            .and_then(Value::as_str)
            .map_or_else(|| Value::Object(o.clone()).to_string(), str::to_owned),
        Some(other) => other.to_string(),
        None => "(unset)".to_owned(),
    }
}

fn migration(c: &ResourceChange) -> Option<Migration> {
    let path = |p: &str| {
        c.properties.iter().find(|x| {
            x.path == p
                || x.path.starts_with(&format!("{p}."))
                || x.path.starts_with(&format!("{p}["))
        })
    };
    let of = |why: String, how: String| {
        Some(Migration {
            logical_id: c.logical_id.clone(),
            why,
            how,
        })
    };
    match (c.logical_id.as_str(), c.action) {
        (ids::TABLE, Action::Replace) => {
            if let Some(p) = path("TableName") {
                let (old, new) = (value(p.before.as_ref()), value(p.after.as_ref()));
                return of(
                    format!(
                        "the table's name changes from {old} to {new}: {new} is a new, empty table and {old} is kept as it is (DeletionPolicy Retain)"
                    ),
                    format!(
                        "after apply, copy the items from {old} into {new} (a DynamoDB export to S3 and import, or a scan and write), then delete {old} yourself"
                    ),
                );
            }
            if path("KeySchema").is_some() || path("AttributeDefinitions").is_some() {
                return of(
                    "the table's key schema changes; DynamoDB cannot change a table's keys, and CloudFormation cannot replace a table with a fixed name".into(),
                    "copy the items out first (a DynamoDB export to S3, or a scan), give the pipeline a new table (another environment, or adopt.table naming one keyed as the plan shows), apply, write the items into it in the new key layout, and delete the old table when done".into(),
                );
            }
            None
        }
        (ids::RAW_BUCKET, Action::Replace) => {
            let p = path("BucketName")?;
            let (old, new) = (value(p.before.as_ref()), value(p.after.as_ref()));
            of(
                format!(
                    "the raw bucket's name changes from {old} to {new}: the new bucket starts empty and the old one is kept as it is (DeletionPolicy Retain)"
                ),
                format!(
                    "after apply, copy the objects with `aws s3 sync s3://{old} s3://{new}` (account and region filled in), then empty and delete the old bucket yourself"
                ),
            )
        }
        (ids::RAW_BUCKET, Action::Update) => {
            let p = path("BucketEncryption")?;
            let kms = p
                .after
                .as_ref()
                .is_some_and(|v| v.to_string().contains("aws:kms"));
            kms.then_some(())?;
            of(
                "the bucket's default encryption changes to a KMS key: new objects use it, the objects already there keep their old encryption".into(),
                "re-encrypt them by copying each onto itself (`aws s3 cp s3://BUCKET/ s3://BUCKET/ --recursive --sse aws:kms --sse-kms-key-id KEY`), and give readers of old objects time before the old key goes".into(),
            )
        }
        _ => None,
    }
}
