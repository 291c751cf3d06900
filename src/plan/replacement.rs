//! Which property changes make CloudFormation replace a resource, per resource type we use.
//! From the registry schemas' `createOnlyProperties` (shipped with cfn-lint; a test compares
//! this table with them), plus what the docs' "Update requires: Replacement" lines add.

/// Property paths (dotted, relative to `Properties`) whose change replaces the resource.
pub const CREATE_ONLY: &[(&str, &[&str])] = &[
    (
        "AWS::Athena::NamedQuery",
        &[
            "Database",
            "Description",
            "Name",
            "QueryString",
            "WorkGroup",
        ],
    ),
    ("AWS::Athena::WorkGroup", &["Name"]),
    ("AWS::CloudWatch::Alarm", &["AlarmName"]),
    // KeySchema and LocalSecondaryIndexes: the docs say Replacement; the schema lists neither.
    (
        "AWS::DynamoDB::Table",
        &[
            "ImportSourceSpecification",
            "KeySchema",
            "LocalSecondaryIndexes",
            "TableName",
        ],
    ),
    // CatalogId: the docs say Replacement.
    ("AWS::Glue::Database", &["CatalogId", "DatabaseName"]),
    (
        "AWS::Glue::Table",
        &["CatalogId", "DatabaseName", "Name", "TableInput.Name"],
    ),
    ("AWS::IAM::Role", &["Path", "RoleName"]),
    (
        "AWS::Lambda::Function",
        &["FunctionName", "PackageType", "TenancyConfig"],
    ),
    (
        "AWS::Lambda::Permission",
        &[
            "Action",
            "EventSourceToken",
            "FunctionName",
            "FunctionUrlAuthType",
            "InvokedViaFunctionUrl",
            "Principal",
            "PrincipalOrgID",
            "SourceAccount",
            "SourceArn",
        ],
    ),
    ("AWS::Logs::LogGroup", &["LogGroupName"]),
    (
        "AWS::S3::Bucket",
        &["BucketName", "BucketNamePrefix", "BucketNamespace"],
    ),
    ("AWS::S3::BucketPolicy", &["Bucket"]),
    (
        "AWS::SNS::Subscription",
        &["Endpoint", "Protocol", "TopicArn"],
    ),
    ("AWS::SNS::Topic", &["FifoTopic", "TopicName"]),
    ("AWS::SNS::TopicPolicy", &[]),
    ("AWS::SQS::Queue", &["FifoQueue", "QueueName"]),
    ("AWS::Scheduler::Schedule", &["Name"]),
    (
        "AWS::StepFunctions::StateMachine",
        &["StateMachineName", "StateMachineType"],
    ),
];

/// True when changing `path` (dotted, with `[i]` for list items) replaces a `resource_type`.
/// Unknown types are assumed not to replace: the plan then says "update", and `--change-set`
/// shows CloudFormation's own verdict.
pub fn forces_replacement(resource_type: &str, path: &str) -> bool {
    let Some((_, props)) = CREATE_ONLY.iter().find(|(t, _)| *t == resource_type) else {
        return false;
    };
    props.iter().any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_key_schema_forces_replacement() {
        assert!(forces_replacement(
            "AWS::DynamoDB::Table",
            "KeySchema[1].AttributeName"
        ));
    }

    #[test]
    fn alarm_threshold_does_not() {
        assert!(!forces_replacement("AWS::CloudWatch::Alarm", "Threshold"));
    }

    #[test]
    fn prefix_must_end_at_a_path_boundary() {
        assert!(!forces_replacement("AWS::S3::Bucket", "BucketNameSuffix"));
    }
}
