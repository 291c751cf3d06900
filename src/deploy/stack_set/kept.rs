//! Where the caller's own account is a target, the data a new instance would collide with is
//! looked for first (the raw bucket and the table kept by an earlier deployment), and said up
//! front: a stack set has no stack policy and cannot import, so its instance would fail there.

use super::plan::SetPlan;
use crate::aws::{Aws, Options, existing};
use crate::model::names::Names;

/// One note per region where the caller's account is about to get an instance and already
/// holds kept data (or where that could not be checked).
pub async fn in_caller_account(
    options: &Options,
    names: &Names,
    caller: &str,
    plan: &SetPlan,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (account, region) in plan.to_create.iter().filter(|(a, _)| a == caller) {
        let aws = Aws::connect(options, region).await;
        let bucket = names.raw_bucket.resolve(account, region);
        let mut found = Vec::new();
        match existing::bucket(&aws, &bucket, account).await {
            Ok(existing::Bucket::Ours { .. }) => found.push(format!("bucket {bucket}")),
            Ok(_) => {}
            Err(e) => notes.push(format!("could not check for kept data in {region}: {e}")),
        }
        match existing::table(&aws, &names.table).await {
            Ok(Some(_)) => found.push(format!("table {}", names.table)),
            Ok(None) => {}
            Err(e) => notes.push(format!("could not check for kept data in {region}: {e}")),
        }
        if !found.is_empty() {
            notes.push(format!(
                "this account ({account}) already holds {} in {region}, kept by an earlier deployment: its new instance will fail on them. Purge them first (`infrapipe destroy --purge-data --region {region}`) or adopt them (`infrapipe apply --region {region}` imports them into a stack, then `aws cloudformation import-stacks-to-stack-set` brings that stack into the set)",
                found.join(" and ")
            ));
        }
    }
    notes
}
