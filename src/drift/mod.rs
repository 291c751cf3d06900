//! Drift: every resource of the model read live through its own service's API, concurrently,
//! and compared with what the model sets, property by property. Each resource ends IN_SYNC,
//! MODIFIED (with each path, expected and actual), DELETED or NOT_CHECKED (with the reason):
//! nothing is skipped silently. `drift.ignore` moves accepted differences to their own list.
//!
//! Drift is the difference between what is deployed and what is live: the expected side is
//! the stack's own template (GetTemplate, stage Original) with its own parameters, never the
//! template the current config renders (an edited but unapplied config is plan's business).
//!
//! The flow: `expected` resolves the deployed template against the stack's physical ids and
//! parameters (through the core's `cfn::resolve`), `read` fetches each live resource in the same shape,
//! `compare` puts both in the core's canonical form and lists the differences with drift's
//! options, `cloudformation` optionally merges CloudFormation's own detection, `render` prints
//! the report.

pub mod cloudformation;
pub mod compare;
pub mod expected;
pub mod read;
pub mod render;
pub mod report;
pub mod stack_set;

pub use report::{CloudFormationCheck, Difference, Ignored, Report, ResourceDrift, Status};

use crate::aws::{Aws, AwsError};
use crate::config::IgnorePath;
use expected::{Place, Target};
use serde_json::Value;

/// How to run a drift check.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Also run CloudFormation's own drift detection and merge it.
    pub cloudformation: bool,
    /// Read one resource after another (to measure what concurrency saves).
    pub sequential: bool,
}

/// The `drift.ignore` entries that name no resource of `template` (most likely a typo).
pub fn unknown_ignores<'a>(template: &Value, ignore: &'a [IgnorePath]) -> Vec<&'a IgnorePath> {
    let resources = template["Resources"].as_object();
    ignore
        .iter()
        .filter(|i| {
            i.logical_id() != "*" && resources.is_none_or(|r| !r.contains_key(i.logical_id()))
        })
        .collect()
}

/// Why a drift check could not run.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// There is no stack to compare with.
    #[error("stack {stack} is not deployed in {region}, so there is no drift to detect")]
    NotDeployed { stack: String, region: String },
    /// There is no stack set to check (`drift --stack-set`).
    #[error(
        "no stack set {name} is administered from {region}, so there is no drift to detect; create it with `infrapipe rollout --accounts ...`, or pass --region for the region it was created from"
    )]
    NoStackSet { name: String, region: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Checks every resource of stack `stack` against the template it was deployed with.
pub async fn detect(
    aws: &Aws,
    stack: &str,
    ignore: &[IgnorePath],
    options: Options,
) -> Result<Report, DetectError> {
    let Some(deployed) = crate::aws::cloudformation::deployed(aws, stack).await? else {
        return Err(DetectError::NotDeployed {
            stack: stack.to_owned(),
            region: aws.region.clone(),
        });
    };
    let (account, physical, parameters) = tokio::join!(
        crate::aws::sts::account_id(aws),
        cloudformation::physical_ids(aws, stack),
        crate::aws::cloudformation::parameters(aws, stack)
    );
    let (account, physical, parameters) = (account?, physical?, parameters?);
    let place = Place {
        account: &account,
        region: &aws.region,
        stack,
        physical: &physical,
        parameters: &parameters,
    };
    Ok(detect_against(aws, stack, &deployed.template, &place, ignore, options).await)
}

/// Checks every resource of `template` (what is deployed), resolved at `place`.
async fn detect_against(
    aws: &Aws,
    stack: &str,
    template: &Value,
    place: &Place<'_>,
    ignore: &[IgnorePath],
    options: Options,
) -> Report {
    let (targets, not_comparable) = expected::targets(template, place);

    let cfn = async {
        if options.cloudformation {
            Some(cloudformation::detect(aws, stack).await)
        } else {
            None
        }
    };
    let (live, cfn) = tokio::join!(read_all(aws, &targets, options.sequential), cfn);

    let mut resources: Vec<ResourceDrift> = targets
        .iter()
        .zip(live)
        .map(|(t, live)| judge(t, live))
        .collect();
    let cloudformation = cfn.map(|outcome| cloudformation::merge(&mut resources, outcome));
    let ignored = apply_ignore(&mut resources, ignore);
    let mut report = Report {
        stack: stack.to_owned(),
        region: aws.region.clone(),
        resources,
        drifted: 0,
        ignored,
        not_comparable,
        cloudformation,
    };
    report.tally();
    report
}

/// Reads every target, concurrently unless asked not to; results in `targets`' order.
async fn read_all(aws: &Aws, targets: &[Target], sequential: bool) -> Vec<read::Read> {
    if sequential {
        let mut out = Vec::with_capacity(targets.len());
        for t in targets {
            out.push(read::read(aws, t).await);
        }
        return out;
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in targets.iter().enumerate() {
        let (aws, t) = (aws.clone(), t.clone());
        set.spawn(async move { (i, read::read(&aws, &t).await) });
    }
    let mut out: Vec<read::Read> = targets
        .iter()
        .map(|t| {
            Err(read::Problem::Unreadable(format!(
                "reading {} stopped before it finished",
                t.logical_id
            )))
        })
        .collect();
    while let Some(joined) = set.join_next().await {
        if let Ok((i, r)) = joined
            && let Some(slot) = out.get_mut(i)
        {
            *slot = r;
        }
    }
    out
}

/// One resource's verdict from its expected and live properties.
pub fn judge(t: &Target, live: read::Read) -> ResourceDrift {
    let (status, differences, reason) = match live {
        Ok(actual) => {
            let e = compare::resource(&t.resource_type, &t.expected);
            let a = compare::resource(&t.resource_type, &actual);
            let d = compare::differences(&e, &a);
            let status = if d.is_empty() {
                Status::InSync
            } else {
                Status::Modified
            };
            (status, d, None)
        }
        Err(read::Problem::Missing(why)) => (Status::Deleted, Vec::new(), Some(why)),
        Err(read::Problem::Unreadable(why)) => (Status::NotChecked, Vec::new(), Some(why)),
    };
    ResourceDrift {
        logical_id: t.logical_id.clone(),
        resource_type: t.resource_type.clone(),
        physical_id: t.shown_id(),
        status,
        differences,
        reason,
    }
}

/// Moves the differences `ignore` covers out of the resources; a resource left with none is
/// IN_SYNC.
pub fn apply_ignore(resources: &mut [ResourceDrift], ignore: &[IgnorePath]) -> Vec<Ignored> {
    let mut ignored = Vec::new();
    for r in resources.iter_mut() {
        if r.status != Status::Modified {
            continue;
        }
        let (kept, dropped): (Vec<Difference>, Vec<Difference>) =
            std::mem::take(&mut r.differences)
                .into_iter()
                .partition(|d| !ignore.iter().any(|i| i.covers(&r.logical_id, &d.path)));
        for d in dropped {
            let rule = ignore
                .iter()
                .find(|i| i.covers(&r.logical_id, &d.path))
                .map(ToString::to_string)
                .unwrap_or_default();
            ignored.push(Ignored {
                logical_id: r.logical_id.clone(),
                rule,
                difference: d,
            });
        }
        r.differences = kept;
        if r.differences.is_empty() {
            r.status = Status::InSync;
        }
    }
    ignored
}
