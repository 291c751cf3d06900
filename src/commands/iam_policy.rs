//! `infrapipe iam-policy --for read|apply`: the minimal IAM policy a person or CI needs, printed
//! as JSON, generated from the model's names (`deploy::iam_policy`) for one account and region.

use super::context::Context;
use crate::cfn::ResourceType;
use crate::cli::{IamPolicyArgs, PolicyFor};
use crate::config::AccountId;
use crate::deploy::iam_policy::{self, Place, Use};
use crate::error::{Error, Exit, Result};
use crate::model::names::Names;

pub fn run(ctx: &Context, args: &IamPolicyArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let account = match &args.account {
        Some(a) => AccountId::parse(a)
            .map_err(|m| Error::Usage(format!("--account {m}")))?
            .as_str()
            .to_owned(),
        None => {
            let rt = ctx.runtime()?;
            rt.block_on(async {
                let aws = crate::aws::Aws::connect(&ctx.aws, region.as_str()).await;
                crate::aws::sts::account_id(&aws).await
            })?
        }
    };
    let template = crate::template::render(&super::build(config, &region)?);
    let mut types: Vec<ResourceType> = template["Resources"]
        .as_object()
        .into_iter()
        .flat_map(|r| r.values())
        .filter_map(|r| ResourceType::parse(r["Type"].as_str().unwrap_or_default()))
        .collect();
    types.sort_by_key(|t| t.name());
    types.dedup();
    let names = Names::new(config);
    let stack = config.stack_name();
    let place = Place {
        names: &names,
        stack: &stack,
        account: &account,
        region: region.as_str(),
        central_region: config.aggregation.region(),
        administration_role: config
            .stack_set
            .as_ref()
            .and_then(|s| s.administration_role_arn.as_ref())
            .map(|r| r.as_str()),
    };
    let use_ = match args.for_ {
        PolicyFor::Read => Use::Read,
        PolicyFor::Apply => Use::Apply,
    };
    let role = config.deploy_role_arn.as_ref().map(|r| r.as_str());
    ctx.report(&iam_policy::policy(&place, use_, role, &types))
}
