//! `stack_set:`: the roles and the organization a `rollout --accounts / --organizational-units`
//! uses when its flags do not name them (the flags win).

use super::values::RoleArn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StackSetConfig {
    /// Self-managed: the administration role (default: the administering account's
    /// AWSCloudFormationStackSetAdministrationRole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administration_role_arn: Option<RoleArn>,
    /// Self-managed: the execution role's name in every target account (default:
    /// AWSCloudFormationStackSetExecutionRole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub execution_role_name: Option<String>,
    /// Service-managed: the organization (o-...) whose accounts may read the Lambda code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^o-[a-z0-9]{10,32}$"))]
    pub organization_id: Option<String>,
}
