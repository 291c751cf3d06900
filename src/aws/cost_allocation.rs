//! Cost Explorer: whether a tag is active for cost allocation (a budget filtered by a tag that is
//! not active sees no spend).

use super::{Aws, AwsError};
use serde::Serialize;

/// What Cost Explorer says of one tag key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum TagState {
    Active,
    Inactive,
    /// Cost Explorer does not know the key yet: no billed resource carried it.
    NotSeen,
    /// It could not be read, with why.
    Unknown(String),
}

/// The cost-allocation state of the user-defined tag `key`.
pub async fn tag_state(ce: &aws_sdk_costexplorer::Client, region: &str, key: &str) -> TagState {
    let answer = ce
        .list_cost_allocation_tags()
        .tag_keys(key)
        .r#type(aws_sdk_costexplorer::types::CostAllocationTagType::UserDefined)
        .send()
        .await;
    match answer {
        Err(e) => TagState::Unknown(
            AwsError::new(
                format!("reading the cost-allocation tag {key} (ce:ListCostAllocationTags)"),
                region,
                &e,
            )
            .to_string(),
        ),
        Ok(out) => match out
            .cost_allocation_tags()
            .iter()
            .find(|t| t.tag_key() == key)
            .map(|t| t.status().as_str())
        {
            Some("Active") => TagState::Active,
            Some(_) => TagState::Inactive,
            None => TagState::NotSeen,
        },
    }
}

impl Aws {
    pub fn cost_explorer(&self) -> aws_sdk_costexplorer::Client {
        aws_sdk_costexplorer::Client::new(&self.config)
    }
}
