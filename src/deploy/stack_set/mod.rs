//! Rolling out through a CloudFormation StackSet (`rollout --accounts` / `--organizational-units`):
//! the flags checked before any request (`flags`), what the set needs (`plan`: create it, change
//! its template, create missing instances, bring OUTDATED or failed ones current, canary first),
//! the code every target account may read (`code`), the operations run one after another with
//! each instance reported as its result arrives (`run`), and the final table (`report`).

pub mod code;
pub mod flags;
pub mod kept;
pub mod plan;
pub mod report;
pub mod run;

pub use flags::{Canary, Flags};
pub use plan::{SetPlan, Step, StepKind};
pub use report::{Outcome, Row, SetReport};

use crate::aws::cloudformation::TemplateSource;
use crate::aws::stack_sets::{Permissions, SetRef, Targets};
use crate::aws::{Aws, AwsError, Options, sts};
use crate::model::names::Names;
use std::collections::BTreeMap;

/// Who administers the set and how its instances are deployed, as the flags say.
#[derive(Debug, Clone)]
pub struct Roles {
    /// Self-managed: None for this account's AWSCloudFormationStackSetAdministrationRole.
    pub administration_role_arn: Option<String>,
    pub execution_role_name: String,
    /// Service-managed: deploy to accounts that join the units later.
    pub auto_deployment: bool,
}

/// What the rollout will send, read from AWS and planned.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The administering account (the caller's): its buckets hold the code.
    pub caller: String,
    pub permissions: Permissions,
    pub parameters: BTreeMap<String, String>,
    pub plan: SetPlan,
}

/// Reads the caller's account, the set and its instances, and plans the rollout of `body`;
/// adds the notes a user needs before saying yes.
pub async fn prepare(
    aws: &Aws,
    options: &Options,
    names: &Names,
    set: &SetRef,
    flags: &Flags,
    body: &str,
    roles: &Roles,
) -> Result<Prepared, AwsError> {
    let caller = sts::account_id(aws).await?;
    let permissions = match &flags.targets {
        Targets::Accounts(_) => Permissions::SelfManaged {
            administration_role_arn: roles.administration_role_arn.clone().unwrap_or_else(|| {
                format!(
                    "arn:{}:iam::{caller}:role/AWSCloudFormationStackSetAdministrationRole",
                    crate::model::names::partition(&aws.region)
                )
            }),
            execution_role_name: roles.execution_role_name.clone(),
        },
        Targets::OrganizationalUnits(_) => Permissions::ServiceManaged {
            auto_deployment: roles.auto_deployment,
        },
    };
    let parameters: BTreeMap<String, String> = [(
        crate::template::stack_set::CODE_BUCKET_ACCOUNT.to_owned(),
        caller.clone(),
    )]
    .into();
    let (info, instances) = run::read(aws, set).await?;
    let mut plan = plan::plan(
        &set.name,
        info.as_ref(),
        &instances,
        body,
        &parameters,
        flags,
    );
    plan.notes
        .extend(kept::in_caller_account(options, names, &caller, &plan).await);
    if let Permissions::ServiceManaged {
        auto_deployment: true,
    } = permissions
    {
        plan.notes.push("automatic deployment to accounts that join the units later does not follow the operation preferences (no canary, no tolerance): CloudFormation deploys them as they come".into());
    }
    Ok(Prepared {
        caller,
        permissions,
        parameters,
        plan,
    })
}

/// Publishes the code in every region of the rollout (and the administering one), readable by
/// `readers` alone, and puts the template where CloudFormation reads it (inline, or in the
/// administering region's bucket when too large). Returns each region's bucket, and the source.
#[allow(clippy::too_many_arguments)] // each is one plain input the command already holds
pub async fn publish(
    aws: &Aws,
    options: &Options,
    names: &Names,
    flags: &Flags,
    readers: &code::Readers,
    set: &SetRef,
    template: &serde_json::Value,
    endpoint_url: Option<&str>,
) -> Result<(Vec<code::Published>, TemplateSource), AwsError> {
    let mut regions = flags.regions.clone();
    if !regions.contains(&aws.region) {
        regions.push(aws.region.clone());
    }
    let published = code::publish(options, &regions, names, readers).await?;
    let Some(home) = published.iter().find(|p| p.region == aws.region) else {
        return Err(AwsError {
            doing: "publishing the code".into(),
            region: aws.region.clone(),
            code: None,
            message: "no artifact bucket in the administering region".into(),
        });
    };
    let source = crate::deploy::apply::template_source(
        aws,
        &home.uploaded.bucket,
        &home.uploaded.owner,
        &set.name,
        template,
        endpoint_url,
    )
    .await?;
    Ok((published, source))
}
