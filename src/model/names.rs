//! Every physical name and ARN of the pipeline, derived in one place from name, environment,
//! and the account and region CloudFormation deploys to (as pseudo parameters, so one template
//! serves any account and two environments or regions never collide).

use crate::cfn::ResourceType;
use crate::config::Config;
use serde::Serialize;
use std::fmt;

/// A CloudFormation `Fn::Sub` template string: `${AWS::AccountId}`-style references resolve at
/// deploy time; literal `${` is written `${!`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Sub(pub String);

impl Sub {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// True when the string references nothing and can be written as a plain literal.
    pub fn is_literal(&self) -> bool {
        !self.0.contains("${")
    }
    /// The string with pseudo parameters replaced, for showing to people and for names that are
    /// known once account and region are (drift, status, destroy).
    pub fn resolve(&self, account: &str, region: &str) -> String {
        crate::cfn::resolve::pseudo_parameters(&self.0, account, region).replace("${!", "${")
    }
}

impl fmt::Display for Sub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The ARN partition of a region.
pub use crate::cfn::partition;

const ARN: &str = "arn:${AWS::Partition}";
const REGION_ACCOUNT: &str = "${AWS::Region}:${AWS::AccountId}";

/// The ARN of a resource of type `ty` named `name`, in the shape its type's facts give.
fn arn(ty: ResourceType, name: &str) -> Sub {
    Sub::new(ty.arn_of(name).unwrap_or_default())
}

#[derive(Debug, Clone, Serialize)]
pub struct Names {
    /// `name-environment`: the stack name and every resource name's prefix.
    pub prefix: String,
    pub raw_bucket: Sub,
    pub results_bucket: Sub,
    pub artifact_bucket: Sub,
    pub table: String,
    pub collector_function: String,
    pub processor_function: String,
    pub state_machine: String,
    pub schedule: String,
    pub schedule_group: String,
    pub topic: String,
    pub schedule_dlq: String,
    pub processor_dlq: String,
    pub state_machine_log_group: String,
    pub glue_database: String,
    pub glue_table: String,
    pub workgroup: String,
    /// The names the config's `adopt:` section gives (existing resources the stack imports).
    pub adopted: Vec<String>,
    /// Compaction: its state machine and schedule, the Parquet table and the view over both.
    pub compaction_state_machine: String,
    pub compaction_schedule: String,
    pub parquet_table: String,
    pub metrics_view: String,
}

/// The tag (valued with the stack name) that marks a data resource as this pipeline's own.
pub const PIPELINE_TAG: &str = "infrapipe:pipeline";

/// Folder of the bundled Lambda zips inside the artifact bucket.
pub const ARTIFACT_PREFIX: &str = "infrapipe";

impl Names {
    pub fn new(config: &Config) -> Self {
        let prefix = config.stack_name();
        let p = &prefix;
        let adopt = &config.adopt;
        Self {
            raw_bucket: match &adopt.raw_bucket {
                // A literal name: `Sub::new` of it renders as a plain string.
                Some(b) => Sub::new(b.as_str()),
                None => Sub::new(format!("{p}-raw-${{AWS::AccountId}}-${{AWS::Region}}")),
            },
            results_bucket: Sub::new(format!("{p}-athena-${{AWS::AccountId}}-${{AWS::Region}}")),
            artifact_bucket: Sub::new("infrapipe-assets-${AWS::AccountId}-${AWS::Region}"),
            table: adopt
                .table
                .as_ref()
                .map_or_else(|| format!("{p}-metrics"), |t| t.as_str().to_owned()),
            collector_function: format!("{p}-collector"),
            processor_function: format!("{p}-log-processor"),
            state_machine: format!("{p}-collection"),
            schedule: format!("{p}-collection"),
            schedule_group: "default".to_owned(),
            topic: format!("{p}-alerts"),
            schedule_dlq: format!("{p}-schedule-dlq"),
            processor_dlq: format!("{p}-log-processor-dlq"),
            state_machine_log_group: format!("/aws/vendedlogs/states/{p}-collection"),
            glue_database: p.replace('-', "_"),
            glue_table: "infra_metrics".to_owned(),
            workgroup: p.clone(),
            adopted: [
                adopt.raw_bucket.as_ref().map(|b| b.as_str().to_owned()),
                adopt.table.as_ref().map(|t| t.as_str().to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            compaction_state_machine: format!("{p}-compaction"),
            compaction_schedule: format!("{p}-compaction"),
            parquet_table: "infra_metrics_parquet".to_owned(),
            metrics_view: "infra_metrics_all".to_owned(),
            prefix,
        }
    }

    pub fn function_log_group(function: &str) -> String {
        format!("/aws/lambda/{function}")
    }

    pub fn alarm(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix)
    }

    pub fn bucket_arn(bucket: &Sub) -> Sub {
        arn(ResourceType::S3Bucket, &bucket.0)
    }

    pub fn objects_arn(bucket: &Sub, key_pattern: &str) -> Sub {
        Sub::new(format!("{ARN}:s3:::{bucket}/{key_pattern}"))
    }

    pub fn function_arn(function: &str) -> Sub {
        arn(ResourceType::LambdaFunction, function)
    }

    pub fn state_machine_arn(&self) -> Sub {
        arn(ResourceType::StepFunctionsStateMachine, &self.state_machine)
    }

    pub fn compaction_state_machine_arn(&self) -> Sub {
        arn(
            ResourceType::StepFunctionsStateMachine,
            &self.compaction_state_machine,
        )
    }

    /// The ARN of a Glue table (or view) of the pipeline's database.
    pub fn glue_table_arn_of(&self, table: &str) -> Sub {
        Sub::new(format!(
            "{ARN}:glue:{REGION_ACCOUNT}:table/{}/{table}",
            self.glue_database
        ))
    }

    pub fn table_arn(&self) -> Sub {
        Sub::new(format!(
            "{ARN}:dynamodb:{REGION_ACCOUNT}:table/{}",
            self.table
        ))
    }

    pub fn queue_arn(queue: &str) -> Sub {
        arn(ResourceType::SqsQueue, queue)
    }

    pub fn topic_arn(&self) -> Sub {
        arn(ResourceType::SnsTopic, &self.topic)
    }

    pub fn log_group_arn(group: &str) -> Sub {
        Sub::new(format!("{ARN}:logs:{REGION_ACCOUNT}:log-group:{group}"))
    }

    pub fn log_streams_arn(group: &str) -> Sub {
        Sub::new(format!(
            "{ARN}:logs:{REGION_ACCOUNT}:log-group:{group}:log-stream:*"
        ))
    }

    pub fn workgroup_arn(&self) -> Sub {
        Sub::new(format!(
            "{ARN}:athena:{REGION_ACCOUNT}:workgroup/{}",
            self.workgroup
        ))
    }

    pub fn glue_catalog_arn() -> Sub {
        Sub::new(format!("{ARN}:glue:{REGION_ACCOUNT}:catalog"))
    }

    pub fn glue_database_arn(&self) -> Sub {
        Sub::new(format!(
            "{ARN}:glue:{REGION_ACCOUNT}:database/{}",
            self.glue_database
        ))
    }

    pub fn glue_table_arn(&self) -> Sub {
        Sub::new(format!(
            "{ARN}:glue:{REGION_ACCOUNT}:table/{}/{}",
            self.glue_database, self.glue_table
        ))
    }

    /// The schedule group's ARN: what EventBridge Scheduler sends as `aws:SourceArn` when it
    /// assumes a schedule's role (its documentation: a group, never one schedule).
    pub fn schedule_group_arn(&self) -> Sub {
        Sub::new(format!(
            "{ARN}:scheduler:{REGION_ACCOUNT}:schedule-group/{}",
            self.schedule_group
        ))
    }

    pub fn alarm_arns() -> Sub {
        Sub::new(format!("{ARN}:cloudwatch:{REGION_ACCOUNT}:alarm:*"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ENVIRONMENT_MAX, NAME_MAX, REGION_MAX_LEN};

    #[test]
    fn longest_allowed_names_keep_buckets_within_63_characters() {
        let prefix_len = NAME_MAX + 1 + ENVIRONMENT_MAX;
        let prefix = "a".repeat(prefix_len);
        let account = "123456789012";
        let region = "a".repeat(REGION_MAX_LEN);
        for suffix in ["raw", "athena"] {
            let bucket = Sub::new(format!(
                "{prefix}-{suffix}-${{AWS::AccountId}}-${{AWS::Region}}"
            ));
            let len = bucket.resolve(account, &region).len();
            assert!(len <= 63, "{suffix} bucket would be {len} characters");
        }
    }

    #[test]
    fn resolve_substitutes_pseudo_parameters() {
        let s = Sub::new("arn:${AWS::Partition}:s3:::b-${AWS::AccountId}-${AWS::Region}/${!year}");
        assert_eq!(
            s.resolve("123456789012", "eu-west-1"),
            "arn:aws:s3:::b-123456789012-eu-west-1/${year}"
        );
    }
}
