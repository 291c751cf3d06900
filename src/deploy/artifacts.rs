//! `destroy --artifacts`: remove the artifact bucket (every version, then the bucket) of each
//! region where no stack of ours is left. The bucket is shared by every pipeline infrapipe
//! deploys in the account and region, so any stack tagged `infrapipe:pipeline` keeps it.

use super::apply::{Answer, Ui};
use crate::aws::{Aws, cloudformation, owned_bucket, sts};
use crate::console::Report;
use crate::error::{Error, Exit, Result};
use crate::model::names::Names;
use serde::Serialize;

/// The tag every stack infrapipe deploys carries (`apply::stack_tags`).
const OUR_TAG: &str = "infrapipe:pipeline";

/// What became of one region's artifact bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Emptied (this many object versions) and deleted.
    Removed { versions: u64 },
    /// There is no artifact bucket here.
    Absent,
    /// Stacks of ours still use it: kept.
    InUse { stacks: Vec<String> },
    /// The person said no.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionArtifacts {
    pub region: String,
    pub bucket: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Every region's outcome, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactsReport {
    pub regions: Vec<RegionArtifacts>,
}

/// One region as found before asking: its bucket, the account that must own it, and what
/// stands in the way.
struct Found {
    aws: Aws,
    account: String,
    bucket: String,
    outcome: Option<Outcome>,
}

async fn find(aws: &Aws, stack: &str, names: &Names) -> Result<Found> {
    let account = sts::account_id(aws).await?;
    let bucket = super::assets::bucket_name(&account, &aws.region, names);
    let mut stacks = cloudformation::stacks_tagged(aws, OUR_TAG).await?;
    if !stacks.iter().any(|s| s == stack) && cloudformation::deployed(aws, stack).await?.is_some() {
        stacks.push(stack.to_owned());
    }
    stacks.sort();
    let outcome = if !stacks.is_empty() {
        Some(Outcome::InUse { stacks })
    } else if !owned_bucket::exists(aws, &bucket, &account).await? {
        Some(Outcome::Absent)
    } else {
        None
    };
    Ok(Found {
        aws: aws.clone(),
        account,
        bucket,
        outcome,
    })
}

/// Removes the artifact bucket of every region in `regions` that no stack of ours uses, after
/// one question listing them.
pub async fn remove<U: Ui + ?Sized>(
    regions: &[Aws],
    stack: &str,
    names: &Names,
    ui: &mut U,
) -> Result<ArtifactsReport> {
    let mut found = Vec::new();
    for aws in regions {
        found.push(find(aws, stack, names).await?);
    }
    let doomed: Vec<String> = found
        .iter()
        .filter(|f| f.outcome.is_none())
        .map(|f| format!("  - {} in {}\n", f.bucket, f.aws.region))
        .collect();
    let mut go = true;
    if !doomed.is_empty() {
        let q = format!(
            "Remove these artifact buckets, with every object version in them (apply makes one again when needed):\n{}Remove them?",
            doomed.concat()
        );
        go = match ui.ask(&q) {
            Answer::Yes => true,
            Answer::No => false,
            Answer::NobodyToAsk => {
                return Err(Error::NoConsent {
                    action: "remove the artifact buckets".into(),
                });
            }
        };
    }
    let mut out = Vec::new();
    for f in found {
        let outcome = match f.outcome {
            Some(o) => o,
            None if !go => Outcome::Cancelled,
            None => Outcome::Removed {
                versions: owned_bucket::empty_and_delete(&f.aws, &f.bucket, &f.account).await?,
            },
        };
        out.push(RegionArtifacts {
            region: f.aws.region.clone(),
            bucket: f.bucket,
            outcome,
        });
    }
    Ok(ArtifactsReport { regions: out })
}

impl std::fmt::Display for ArtifactsReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for r in &self.regions {
            let (bucket, region) = (&r.bucket, &r.region);
            match &r.outcome {
                Outcome::Removed { versions } => writeln!(
                    f,
                    "Removed artifact bucket {bucket} in {region} ({versions} object versions deleted)."
                )?,
                Outcome::Absent => writeln!(
                    f,
                    "No artifact bucket in {region} ({bucket} does not exist)."
                )?,
                Outcome::InUse { stacks } => writeln!(
                    f,
                    "Kept artifact bucket {bucket} in {region}: stacks of ours still use it ({}); destroy them first.",
                    stacks.join(", ")
                )?,
                Outcome::Cancelled => writeln!(
                    f,
                    "Kept artifact bucket {bucket} in {region}: removal cancelled."
                )?,
            }
        }
        Ok(())
    }
}

impl Report for ArtifactsReport {
    fn what(&self) -> &'static str {
        "artifact bucket removal"
    }

    /// A bucket kept because it is in use or the person said no is not what was asked.
    fn exit(&self) -> Exit {
        Exit::from_ok(
            self.regions
                .iter()
                .all(|r| matches!(r.outcome, Outcome::Removed { .. } | Outcome::Absent)),
        )
    }

    fn text_on_err(&self) -> bool {
        self.regions.iter().any(|r| r.outcome == Outcome::Cancelled)
    }
}
