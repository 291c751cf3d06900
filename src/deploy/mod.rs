//! Changing accounts: bootstrap and upload of the bundled code, apply through change sets,
//! destroy, and waiting on CloudFormation.

pub mod apply;
pub mod assets;
pub mod destroy;
pub mod rollout;
pub mod wait;
