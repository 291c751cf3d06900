//! The lifecycle of a deployed pipeline: plan against what is deployed, bootstrap and upload of
//! the bundled code, apply through change sets, rollout in waves, destroy, a run on demand, and
//! waiting on CloudFormation; each flow returns its typed report.

pub mod account;
pub mod aggregation;
pub mod applied;
pub mod apply;
pub mod artifacts;
pub mod assets;
pub mod compaction;
pub mod cost;
pub mod destroy;
pub mod destroyed;
pub mod iam_policy;
pub mod import;
pub mod metrics;
pub mod plan;
pub mod query;
pub mod recorded;
pub mod redrive;
pub mod revert;
pub mod rollout;
pub mod run;
pub mod stack_set;
pub mod stack_set_destroy;
pub mod stack_set_plan;
pub mod wait;
