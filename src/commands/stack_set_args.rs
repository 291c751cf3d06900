//! What `rollout --accounts / --organizational-units` flags mean, checked before any request
//! (a usage error, exit 2, says which flag and the rule), and the line printed per operation
//! and per instance as its result arrives.

use crate::aws::stack_sets::{Amount, OperationResult, Targets};
use crate::cli::{CanaryBy, ConcurrencyModeArg, OnOff, RegionConcurrency, RolloutArgs};
use crate::config::{Config, KmsKey};
use crate::console::Console;
use crate::deploy::stack_set::{Canary, Flags, Roles, Step, code::Readers, flags, run};
use crate::error::{Error, Result};

/// A line per operation and per instance as its result arrives, on stderr.
pub struct Lines<'a, 'b>(pub &'a Console<'b>);

impl run::SetUi for Lines<'_, '_> {
    fn started(&mut self, index: usize, step: &Step, id: &str) {
        let who = if step.accounts.is_empty() {
            "the units".into()
        } else {
            step.accounts.join(",")
        };
        let canary = if step.canary { " (canary)" } else { "" };
        let _ = writeln!(
            self.0.err(),
            "operation {}{canary}: {} {who} x {} [{id}]",
            index + 1,
            step.kind.api(),
            step.regions.join(",")
        );
    }

    fn instance(&mut self, r: &OperationResult) {
        let reason = if r.status_reason.is_empty() {
            String::new()
        } else {
            format!(": {}", r.status_reason)
        };
        let _ = writeln!(
            self.0.err(),
            "[{} {}] {}{reason}",
            r.account,
            r.region,
            r.status
        );
    }
}

/// The flags as valid `Flags`, or a usage error before any request.
pub fn checked(args: &RolloutArgs, config: &Config, regions: Vec<String>) -> Result<Flags> {
    let usage = Error::Usage;
    let targets = match (&args.accounts, &args.organizational_units) {
        (Some(a), _) => Targets::Accounts(flags::account_ids(a).map_err(usage)?),
        (_, Some(o)) => Targets::OrganizationalUnits(flags::ou_ids(o).map_err(usage)?),
        _ => {
            return Err(usage(
                "--accounts or --organizational-units is required".into(),
            ));
        }
    };
    let canary = match args.canary {
        CanaryBy::Region => Canary::Region,
        CanaryBy::Account if matches!(targets, Targets::Accounts(_)) => Canary::Account,
        CanaryBy::Account => return Err(usage("--canary account needs --accounts: the accounts of organizational units are known only once an operation runs".into())),
    };
    if let KmsKey::Existing(arn) = &config.security.kms {
        return Err(usage(format!(
            "security.kms names one key ({}); a stack set deploys one template to every account and region, where that key does not exist: use `security.kms: create` (a key per instance) or none",
            arn.as_str()
        )));
    }
    if matches!(targets, Targets::OrganizationalUnits(_))
        && !organization_id(args, config).is_some_and(|o| o.len() > 2 && o.starts_with("o-"))
    {
        return Err(usage("--organizational-units needs the organization's id, o- then letters and digits (`aws organizations describe-organization`): --organization-id, or stack_set.organization_id in the config".into()));
    }
    let tolerance = u32::try_from(args.failure_tolerance).unwrap_or(u32::MAX);
    let failure_tolerance = args
        .failure_tolerance_percent
        .map_or(Amount::Count(tolerance), Amount::Percent);
    let max_concurrent = match (args.max_concurrent_accounts, args.max_concurrent_percent) {
        (Some(n), _) => Amount::Count(n),
        (None, Some(p)) => Amount::Percent(p),
        (None, None) => match failure_tolerance {
            Amount::Count(t) => Amount::Count(t.saturating_add(1)),
            Amount::Percent(_) => Amount::Count(1),
        },
    };
    let strict = args.concurrency_mode == ConcurrencyModeArg::Strict;
    flags::check_concurrency(failure_tolerance, max_concurrent, strict).map_err(usage)?;
    Ok(Flags {
        targets,
        regions,
        canary,
        failure_tolerance,
        max_concurrent,
        strict,
        sequential: args.region_concurrency == RegionConcurrency::Sequential,
    })
}

/// `--organization-id`, else the config's `stack_set.organization_id`.
fn organization_id<'a>(args: &'a RolloutArgs, config: &'a Config) -> Option<&'a str> {
    args.organization_id.as_deref().or_else(|| {
        config
            .stack_set
            .as_ref()
            .and_then(|s| s.organization_id.as_deref())
    })
}

/// The roles and automatic deployment: the flags', else the config's `stack_set:`, else AWS's
/// documented names.
pub fn roles(args: &RolloutArgs, config: &Config) -> Roles {
    let section = config.stack_set.clone().unwrap_or_default();
    Roles {
        administration_role_arn: args.administration_role_arn.clone().or_else(|| {
            section
                .administration_role_arn
                .map(|r| r.as_str().to_owned())
        }),
        execution_role_name: args
            .execution_role_name
            .clone()
            .or(section.execution_role_name)
            .unwrap_or_else(|| "AWSCloudFormationStackSetExecutionRole".to_owned()),
        auto_deployment: args.auto_deployment == OnOff::On,
    }
}

/// Who may read the code: the organization for organizational units, else the listed accounts.
pub fn readers(args: &RolloutArgs, config: &Config, flags: &Flags) -> Readers {
    match (&flags.targets, organization_id(args, config)) {
        (Targets::OrganizationalUnits(_), Some(org)) => Readers::Organization(org.to_owned()),
        _ => Readers::Accounts(flags.accounts().to_vec()),
    }
}
