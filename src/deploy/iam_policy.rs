//! The minimal IAM policy a person or CI needs to run infrapipe (`infrapipe iam-policy`):
//! every AWS operation the code calls, with the IAM action(s) it needs, the commands that make it
//! and the resource it acts on, in one table (`CALLS`); the policy for `--for read` or
//! `--for apply` is generated from it and the model's names. Without a deploy role, CloudFormation
//! acts with the caller's own rights, so the apply policy also grants what it needs to build each
//! resource type the template holds (`provisioning`).

use crate::cfn::ResourceType;
use crate::console::Report;
use crate::model::names::Names;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which commands a policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    /// plan (without --change-set), drift, status, cost: reading only.
    Read,
    /// apply, destroy (with --purge-data), run, rollout, redrive, plan --change-set.
    Apply,
}

/// What an operation acts on, resolved to ARNs from the model's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum On {
    Stack,
    ArtifactBucket,
    ArtifactObjects,
    RawBucket,
    RawObjects,
    ResultsBucket,
    ResultsObjects,
    Table,
    Functions,
    StateMachine,
    Executions,
    LogGroups,
    Topic,
    Schedule,
    Queues,
    Roles,
    Glue,
    WorkGroup,
    /// The stack set named after the stack, its targets and its operations (`rollout --accounts`).
    StackSet,
    /// The central bucket of `aggregation.region`, which `apply` in another region checks exists
    /// before replicating to it (`deploy::aggregation::guard`); nothing without aggregation.
    CentralBucket,
    /// The action has no resource type (sts:GetCallerIdentity, cloudwatch:DescribeAlarms).
    Any,
}

/// One SDK operation the code calls: `service` is the `Aws` client accessor, `operation` the
/// client method, as written in the code (tests/iam_policy.rs finds each call there).
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub service: &'static str,
    pub operation: &'static str,
    pub actions: &'static [&'static str],
    pub uses: &'static [Use],
    pub on: On,
}

const R: &[Use] = &[Use::Read];
const A: &[Use] = &[Use::Apply];
const RA: &[Use] = &[Use::Read, Use::Apply];

const fn call(
    service: &'static str,
    operation: &'static str,
    actions: &'static [&'static str],
    uses: &'static [Use],
    on: On,
) -> Call {
    Call {
        service,
        operation,
        actions,
        uses,
        on,
    }
}

/// Every AWS operation infrapipe calls. S3's IAM actions are not always its operations' names
/// (HeadBucket needs s3:ListBucket, HeadObject s3:GetObject, DeleteObjects a DeleteObject each).
pub const CALLS: &[Call] = &[
    call(
        "sts",
        "get_caller_identity",
        &["sts:GetCallerIdentity"],
        RA,
        On::Any,
    ),
    // CloudFormation: the stack, its change sets, its events and drift.
    call(
        "cloudformation",
        "describe_stacks",
        &["cloudformation:DescribeStacks"],
        RA,
        On::Stack,
    ),
    call(
        "cloudformation",
        "get_template",
        &["cloudformation:GetTemplate"],
        RA,
        On::Stack,
    ),
    // Apply deletes the change sets of ours an earlier apply left AVAILABLE.
    call(
        "cloudformation",
        "list_change_sets",
        &["cloudformation:ListChangeSets"],
        A,
        On::Stack,
    ),
    call(
        "cloudformation",
        "list_stack_resources",
        &["cloudformation:ListStackResources"],
        RA,
        On::Stack,
    ),
    // `status --stack-set`: the set's last operation.
    call(
        "cloudformation",
        "list_stack_set_operations",
        &["cloudformation:ListStackSetOperations"],
        RA,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "describe_stack_events",
        &["cloudformation:DescribeStackEvents"],
        RA,
        On::Stack,
    ),
    call(
        "cloudformation",
        "detect_stack_drift",
        &["cloudformation:DetectStackDrift"],
        R,
        On::Stack,
    ),
    call(
        "cloudformation",
        "describe_stack_drift_detection_status",
        &["cloudformation:DescribeStackDriftDetectionStatus"],
        R,
        On::Any,
    ),
    call(
        "cloudformation",
        "describe_stack_resource_drifts",
        &["cloudformation:DescribeStackResourceDrifts"],
        R,
        On::Stack,
    ),
    call(
        "cloudformation",
        "create_change_set",
        &["cloudformation:CreateChangeSet"],
        A,
        On::Stack,
    ),
    call(
        "cloudformation",
        "describe_change_set",
        &["cloudformation:DescribeChangeSet"],
        A,
        On::Stack,
    ),
    call(
        "cloudformation",
        "delete_change_set",
        &["cloudformation:DeleteChangeSet"],
        A,
        On::Stack,
    ),
    call(
        "cloudformation",
        "execute_change_set",
        &["cloudformation:ExecuteChangeSet"],
        A,
        On::Stack,
    ),
    call(
        "cloudformation",
        "set_stack_policy",
        &["cloudformation:SetStackPolicy"],
        A,
        On::Stack,
    ),
    call(
        "cloudformation",
        "update_termination_protection",
        &["cloudformation:UpdateTerminationProtection"],
        A,
        On::Stack,
    ),
    call(
        "cloudformation",
        "delete_stack",
        &["cloudformation:DeleteStack"],
        A,
        On::Stack,
    ),
    // The artifact bucket: bootstrap and upload (apply), the template above 51,200 bytes.
    call(
        "s3",
        "head_bucket",
        &["s3:ListBucket"],
        A,
        On::ArtifactBucket,
    ),
    // apply in a replicating region: the central bucket must exist first.
    call(
        "s3",
        "head_bucket",
        &["s3:ListBucket"],
        A,
        On::CentralBucket,
    ),
    // plan's and apply's import check (plan reads it too, for a bucket the plan creates) and
    // rollout --accounts' kept-data check: the raw bucket.
    call("s3", "head_bucket", &["s3:ListBucket"], RA, On::RawBucket),
    call(
        "s3",
        "create_bucket",
        &["s3:CreateBucket"],
        A,
        On::ArtifactBucket,
    ),
    call(
        "s3",
        "put_public_access_block",
        &["s3:PutBucketPublicAccessBlock"],
        A,
        On::ArtifactBucket,
    ),
    call(
        "s3",
        "put_bucket_encryption",
        &["s3:PutEncryptionConfiguration"],
        A,
        On::ArtifactBucket,
    ),
    call(
        "s3",
        "put_bucket_versioning",
        &["s3:PutBucketVersioning"],
        A,
        On::ArtifactBucket,
    ),
    call(
        "s3",
        "put_bucket_policy",
        &["s3:PutBucketPolicy"],
        A,
        On::ArtifactBucket,
    ),
    call(
        "s3",
        "head_object",
        &["s3:GetObject"],
        A,
        On::ArtifactObjects,
    ),
    call(
        "s3",
        "put_object",
        &["s3:PutObject"],
        A,
        On::ArtifactObjects,
    ),
    // destroy: the results bucket emptied; --purge-data: the raw bucket and the table.
    call(
        "s3",
        "list_object_versions",
        &["s3:ListBucketVersions"],
        A,
        On::ResultsBucket,
    ),
    call(
        "s3",
        "delete_objects",
        &["s3:DeleteObject", "s3:DeleteObjectVersion"],
        A,
        On::ResultsObjects,
    ),
    call(
        "s3",
        "get_bucket_tagging",
        &["s3:GetBucketTagging"],
        RA,
        On::RawBucket,
    ),
    call(
        "s3",
        "delete_bucket_policy",
        &["s3:DeleteBucketPolicy"],
        A,
        On::RawBucket,
    ),
    call(
        "s3",
        "delete_bucket",
        &["s3:DeleteBucket"],
        A,
        On::RawBucket,
    ),
    call(
        "dynamodb",
        "list_tags_of_resource",
        &["dynamodb:ListTagsOfResource"],
        RA,
        On::Table,
    ),
    call(
        "dynamodb",
        "create_backup",
        &["dynamodb:CreateBackup"],
        A,
        On::Table,
    ),
    call(
        "dynamodb",
        "update_table",
        &["dynamodb:UpdateTable"],
        A,
        On::Table,
    ),
    call(
        "dynamodb",
        "delete_table",
        &["dynamodb:DeleteTable"],
        A,
        On::Table,
    ),
    // apply's CodeSha256 check; drift's reads.
    call(
        "lambda",
        "get_function_configuration",
        &["lambda:GetFunctionConfiguration"],
        RA,
        On::Functions,
    ),
    call(
        "lambda",
        "get_function_concurrency",
        &["lambda:GetFunctionConcurrency"],
        R,
        On::Functions,
    ),
    call(
        "lambda",
        "get_policy",
        &["lambda:GetPolicy"],
        R,
        On::Functions,
    ),
    // run and status: the collection's executions.
    call(
        "sfn",
        "start_execution",
        &["states:StartExecution"],
        A,
        On::StateMachine,
    ),
    call(
        "sfn",
        "list_executions",
        &["states:ListExecutions"],
        RA,
        On::StateMachine,
    ),
    call(
        "sfn",
        "describe_execution",
        &["states:DescribeExecution"],
        RA,
        On::Executions,
    ),
    call(
        "sfn",
        "get_execution_history",
        &["states:GetExecutionHistory"],
        RA,
        On::Executions,
    ),
    call(
        "sfn",
        "describe_state_machine",
        &["states:DescribeStateMachine"],
        R,
        On::StateMachine,
    ),
    // query and metrics read the pipeline's data: not in the read policy, which only describes
    // the infrastructure (a query also writes its results to the results bucket).
    call(
        "athena",
        "start_query_execution",
        &["athena:StartQueryExecution"],
        A,
        On::WorkGroup,
    ),
    call(
        "athena",
        "get_query_execution",
        &["athena:GetQueryExecution"],
        A,
        On::WorkGroup,
    ),
    call(
        "athena",
        "get_query_results",
        &["athena:GetQueryResults"],
        A,
        On::WorkGroup,
    ),
    call(
        "athena",
        "stop_query_execution",
        &["athena:StopQueryExecution"],
        A,
        On::WorkGroup,
    ),
    call("dynamodb", "query", &["dynamodb:Query"], A, On::Table),
    // drift: the dashboard, the anomaly detectors and the budget; status: the budget's tag.
    call(
        "cloudwatch",
        "get_dashboard",
        &["cloudwatch:GetDashboard"],
        R,
        On::Any,
    ),
    call(
        "cloudwatch",
        "describe_anomaly_detectors",
        &["cloudwatch:DescribeAnomalyDetectors"],
        R,
        On::Any,
    ),
    call(
        "budgets",
        "describe_budget",
        &["budgets:ViewBudget"],
        R,
        On::Any,
    ),
    call(
        "cost_explorer",
        "list_cost_allocation_tags",
        &["ce:ListCostAllocationTags"],
        R,
        On::Any,
    ),
    // drift: the customer-managed key (security.kms: create) and its alias.
    call("kms", "describe_key", &["kms:DescribeKey"], R, On::Any),
    call(
        "kms",
        "get_key_rotation_status",
        &["kms:GetKeyRotationStatus"],
        R,
        On::Any,
    ),
    call("kms", "get_key_policy", &["kms:GetKeyPolicy"], R, On::Any),
    call("kms", "list_aliases", &["kms:ListAliases"], R, On::Any),
    // status and drift: alarms, schedule, topic, and the rest of drift's readers.
    call(
        "cloudwatch",
        "describe_alarms",
        &["cloudwatch:DescribeAlarms"],
        R,
        On::Any,
    ),
    call(
        "scheduler",
        "get_schedule",
        &["scheduler:GetSchedule"],
        R,
        On::Schedule,
    ),
    call(
        "sns",
        "list_subscriptions_by_topic",
        &["sns:ListSubscriptionsByTopic"],
        R,
        On::Topic,
    ),
    call(
        "sns",
        "get_topic_attributes",
        &["sns:GetTopicAttributes"],
        R,
        On::Topic,
    ),
    call(
        "dynamodb",
        "describe_table",
        &["dynamodb:DescribeTable"],
        RA,
        On::Table,
    ),
    call(
        "dynamodb",
        "describe_continuous_backups",
        &["dynamodb:DescribeContinuousBackups"],
        R,
        On::Table,
    ),
    call(
        "dynamodb",
        "describe_time_to_live",
        &["dynamodb:DescribeTimeToLive"],
        R,
        On::Table,
    ),
    call(
        "s3",
        "get_bucket_encryption",
        &["s3:GetEncryptionConfiguration"],
        R,
        On::RawBucket,
    ),
    call(
        "s3",
        "get_bucket_lifecycle_configuration",
        &["s3:GetLifecycleConfiguration"],
        R,
        On::RawBucket,
    ),
    call(
        "s3",
        "get_bucket_notification_configuration",
        &["s3:GetBucketNotification"],
        R,
        On::RawBucket,
    ),
    call(
        "s3",
        "get_bucket_ownership_controls",
        &["s3:GetBucketOwnershipControls"],
        R,
        On::RawBucket,
    ),
    call(
        "s3",
        "get_bucket_policy",
        &["s3:GetBucketPolicy"],
        R,
        On::RawBucket,
    ),
    call(
        "s3",
        "get_bucket_versioning",
        &["s3:GetBucketVersioning"],
        R,
        On::RawBucket,
    ),
    call(
        "s3",
        "get_public_access_block",
        &["s3:GetBucketPublicAccessBlock"],
        R,
        On::RawBucket,
    ),
    call("iam", "get_role", &["iam:GetRole"], R, On::Roles),
    call(
        "iam",
        "get_role_policy",
        &["iam:GetRolePolicy"],
        R,
        On::Roles,
    ),
    call(
        "iam",
        "list_role_policies",
        &["iam:ListRolePolicies"],
        R,
        On::Roles,
    ),
    call(
        "iam",
        "list_attached_role_policies",
        &["iam:ListAttachedRolePolicies"],
        R,
        On::Roles,
    ),
    call(
        "logs",
        "describe_log_groups",
        &["logs:DescribeLogGroups"],
        R,
        On::LogGroups,
    ),
    call("sqs", "get_queue_url", &["sqs:GetQueueUrl"], R, On::Queues),
    // redrive: receiving hides a dead letter from other readers, so even --dry-run writes.
    call(
        "sqs",
        "receive_message",
        &["sqs:ReceiveMessage"],
        A,
        On::Queues,
    ),
    call(
        "sqs",
        "delete_message",
        &["sqs:DeleteMessage"],
        A,
        On::Queues,
    ),
    call(
        "sqs",
        "change_message_visibility",
        &["sqs:ChangeMessageVisibility"],
        A,
        On::Queues,
    ),
    // redrive re-invokes the log processor with the event S3 could not deliver.
    call(
        "lambda",
        "invoke",
        &["lambda:InvokeFunction"],
        A,
        On::Functions,
    ),
    call(
        "sqs",
        "get_queue_attributes",
        &["sqs:GetQueueAttributes"],
        R,
        On::Queues,
    ),
    call("glue", "get_database", &["glue:GetDatabase"], R, On::Glue),
    call("glue", "get_table", &["glue:GetTable"], R, On::Glue),
    call(
        "athena",
        "get_work_group",
        &["athena:GetWorkGroup"],
        R,
        On::WorkGroup,
    ),
    call(
        "athena",
        "get_named_query",
        &["athena:GetNamedQuery"],
        R,
        On::WorkGroup,
    ),
    call(
        "athena",
        "list_named_queries",
        &["athena:ListNamedQueries"],
        R,
        On::WorkGroup,
    ),
    // StackSets (`rollout --accounts / --organizational-units`, and plan/status/drift/destroy
    // of a set): the set named after the stack, its instances and operations.
    call(
        "cloudformation",
        "describe_stack_set",
        &["cloudformation:DescribeStackSet"],
        RA,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "create_stack_set",
        &["cloudformation:CreateStackSet"],
        A,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "update_stack_set",
        &["cloudformation:UpdateStackSet"],
        A,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "delete_stack_set",
        &["cloudformation:DeleteStackSet"],
        A,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "create_stack_instances",
        &["cloudformation:CreateStackInstances"],
        A,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "update_stack_instances",
        &["cloudformation:UpdateStackInstances"],
        A,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "delete_stack_instances",
        &["cloudformation:DeleteStackInstances"],
        A,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "list_stack_instances",
        &["cloudformation:ListStackInstances"],
        RA,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "describe_stack_set_operation",
        &["cloudformation:DescribeStackSetOperation"],
        RA,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "list_stack_set_operation_results",
        &["cloudformation:ListStackSetOperationResults"],
        RA,
        On::StackSet,
    ),
    call(
        "cloudformation",
        "detect_stack_set_drift",
        &["cloudformation:DetectStackSetDrift"],
        R,
        On::StackSet,
    ),
];

/// What a resource type needs besides `provisioning` on the pipeline's roles: the Chatbot role
/// is the only one with an AWS managed policy attached (the CloudWatch read-only one), so only
/// a template with a chat channel lets the caller attach policies to the pipeline's roles.
pub fn provisioning_on_roles(ty: ResourceType) -> &'static [&'static str] {
    match ty {
        ResourceType::ChatbotSlackChannel | ResourceType::ChatbotTeamsChannel => &[
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:ListAttachedRolePolicies",
        ],
        _ => &[],
    }
}

/// What CloudFormation needs to create, update and delete a resource type with the caller's own
/// rights (no deploy role), and what those actions act on.
pub fn provisioning(ty: ResourceType) -> (&'static [&'static str], On) {
    use ResourceType::*;
    match ty {
        AthenaNamedQuery => (
            &[
                "athena:CreateNamedQuery",
                "athena:DeleteNamedQuery",
                "athena:GetNamedQuery",
            ],
            On::WorkGroup,
        ),
        AthenaWorkGroup => (
            &[
                "athena:CreateWorkGroup",
                "athena:UpdateWorkGroup",
                "athena:DeleteWorkGroup",
                "athena:GetWorkGroup",
                "athena:TagResource",
                "athena:UntagResource",
                "athena:ListTagsForResource",
            ],
            On::WorkGroup,
        ),
        CloudWatchAlarm => (
            &[
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
            ],
            On::Any,
        ),
        // CreateKey has no resource to scope it to; the key's own policy governs the rest.
        KmsKey => (
            &[
                "kms:CreateKey",
                "kms:DescribeKey",
                "kms:EnableKeyRotation",
                "kms:GetKeyRotationStatus",
                "kms:GetKeyPolicy",
                "kms:PutKeyPolicy",
                "kms:ScheduleKeyDeletion",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:ListResourceTags",
            ],
            On::Any,
        ),
        KmsAlias => (
            &[
                "kms:CreateAlias",
                "kms:UpdateAlias",
                "kms:DeleteAlias",
                "kms:ListAliases",
            ],
            On::Any,
        ),
        CloudWatchDashboard => (
            &[
                "cloudwatch:PutDashboard",
                "cloudwatch:GetDashboard",
                "cloudwatch:DeleteDashboards",
            ],
            On::Any,
        ),
        CloudWatchAnomalyDetector => (
            &[
                "cloudwatch:PutAnomalyDetector",
                "cloudwatch:DescribeAnomalyDetectors",
                "cloudwatch:DeleteAnomalyDetector",
            ],
            On::Any,
        ),
        // Budgets has no resource-level scoping for these in CloudFormation's handler.
        BudgetsBudget => (&["budgets:ModifyBudget", "budgets:ViewBudget"], On::Any),
        // AWS Chatbot's configurations have no resource-level scoping in CloudFormation's
        // handler either; the role they name also needs `provisioning_on_roles`.
        ChatbotSlackChannel => (
            &[
                "chatbot:CreateSlackChannelConfiguration",
                "chatbot:UpdateSlackChannelConfiguration",
                "chatbot:DeleteSlackChannelConfiguration",
                "chatbot:DescribeSlackChannelConfigurations",
                "chatbot:DescribeSlackWorkspaces",
                "chatbot:TagResource",
                "chatbot:UntagResource",
                "chatbot:ListTagsForResource",
            ],
            On::Any,
        ),
        ChatbotTeamsChannel => (
            &[
                "chatbot:CreateMicrosoftTeamsChannelConfiguration",
                "chatbot:UpdateMicrosoftTeamsChannelConfiguration",
                "chatbot:DeleteMicrosoftTeamsChannelConfiguration",
                "chatbot:GetMicrosoftTeamsChannelConfiguration",
                "chatbot:ListMicrosoftTeamsChannelConfigurations",
                "chatbot:ListMicrosoftTeamsConfiguredTeams",
                "chatbot:TagResource",
                "chatbot:UntagResource",
                "chatbot:ListTagsForResource",
            ],
            On::Any,
        ),
        DynamoDbTable => (
            &[
                "dynamodb:CreateTable",
                "dynamodb:UpdateTable",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeTable",
                "dynamodb:UpdateTimeToLive",
                "dynamodb:DescribeTimeToLive",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:DescribeContinuousBackups",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
                "dynamodb:ListTagsOfResource",
            ],
            On::Table,
        ),
        GlueDatabase | GlueTable => (
            &[
                "glue:CreateDatabase",
                "glue:UpdateDatabase",
                "glue:DeleteDatabase",
                "glue:GetDatabase",
                "glue:CreateTable",
                "glue:UpdateTable",
                "glue:DeleteTable",
                "glue:GetTable",
            ],
            On::Glue,
        ),
        IamRole => (
            &[
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:GetRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:PassRole",
            ],
            On::Roles,
        ),
        LambdaFunction => (
            &[
                "lambda:CreateFunction",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:DeleteFunction",
                "lambda:GetFunction",
                "lambda:PutFunctionConcurrency",
                "lambda:DeleteFunctionConcurrency",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:ListTags",
            ],
            On::Functions,
        ),
        LambdaPermission => (
            &["lambda:AddPermission", "lambda:RemovePermission"],
            On::Functions,
        ),
        LogsLogGroup => (
            &[
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
            ],
            On::LogGroups,
        ),
        S3Bucket | S3BucketPolicy => (
            &[
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:PutBucketVersioning",
                "s3:PutLifecycleConfiguration",
                "s3:PutEncryptionConfiguration",
                "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketNotification",
                "s3:PutBucketOwnershipControls",
                "s3:PutBucketTagging",
                "s3:PutBucketPolicy",
                "s3:DeleteBucketPolicy",
                "s3:GetBucketPolicy",
            ],
            On::RawBucket,
        ),
        SchedulerSchedule => (
            &[
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            On::Schedule,
        ),
        SnsTopic | SnsTopicPolicy | SnsSubscription => (
            &[
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:SetTopicAttributes",
                "sns:GetTopicAttributes",
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:TagResource",
                "sns:UntagResource",
            ],
            On::Topic,
        ),
        SqsQueue => (
            &[
                "sqs:CreateQueue",
                "sqs:DeleteQueue",
                "sqs:SetQueueAttributes",
                "sqs:GetQueueAttributes",
                "sqs:TagQueue",
                "sqs:UntagQueue",
            ],
            On::Queues,
        ),
        StepFunctionsStateMachine => (
            &[
                "states:CreateStateMachine",
                "states:UpdateStateMachine",
                "states:DeleteStateMachine",
                "states:DescribeStateMachine",
                "states:TagResource",
                "states:UntagResource",
            ],
            On::StateMachine,
        ),
    }
}

/// One statement of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    pub sid: String,
    pub effect: &'static str,
    pub action: Vec<String>,
    pub resource: Vec<String>,
}

/// The policy document `infrapipe iam-policy` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    pub version: &'static str,
    pub statement: Vec<Statement>,
}

impl std::fmt::Display for PolicyDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = serde_json::to_string_pretty(self).map_err(|_| std::fmt::Error)?;
        writeln!(f, "{text}")
    }
}

impl Report for PolicyDocument {
    fn what(&self) -> &'static str {
        "IAM policy"
    }
}

/// Where the policy applies: the names, the account and the region.
pub struct Place<'a> {
    pub names: &'a Names,
    pub stack: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    /// `aggregation.region`, whose central bucket a replicating region's apply checks.
    pub central_region: Option<&'a crate::config::Region>,
    /// `stack_set.administration_role_arn`; None for the account's
    /// AWSCloudFormationStackSetAdministrationRole, the one `rollout --accounts` defaults to.
    pub administration_role: Option<&'a str>,
}

impl Place<'_> {
    fn arns(&self, on: On) -> Vec<String> {
        let (a, r) = (self.account, self.region);
        let p = crate::model::names::partition(r);
        let n = self.names;
        let bucket = |b: &crate::model::names::Sub| format!("arn:{p}:s3:::{}", b.resolve(a, r));
        match on {
            On::Stack => vec![
                format!("arn:{p}:cloudformation:{r}:{a}:stack/{}/*", self.stack),
                format!("arn:{p}:cloudformation:{r}:{a}:changeSet/infrapipe-*/*"),
            ],
            On::ArtifactBucket => vec![bucket(&n.artifact_bucket)],
            On::ArtifactObjects => vec![format!(
                "{}/{}/*",
                bucket(&n.artifact_bucket),
                crate::model::names::ARTIFACT_PREFIX
            )],
            On::RawBucket => vec![bucket(&n.raw_bucket), bucket(&n.results_bucket)],
            On::RawObjects => vec![format!("{}/*", bucket(&n.raw_bucket))],
            On::ResultsBucket => vec![bucket(&n.results_bucket), bucket(&n.raw_bucket)],
            On::ResultsObjects => vec![
                format!("{}/*", bucket(&n.results_bucket)),
                format!("{}/*", bucket(&n.raw_bucket)),
            ],
            On::Table => vec![
                n.table_arn().resolve(a, r),
                format!("{}/backup/*", n.table_arn().resolve(a, r)),
                format!("{}/index/*", n.table_arn().resolve(a, r)),
            ],
            On::Functions => [&n.collector_function, &n.processor_function]
                .iter()
                .map(|f| Names::function_arn(f).resolve(a, r))
                .collect(),
            On::StateMachine => vec![n.state_machine_arn().resolve(a, r)],
            On::Executions => vec![format!(
                "arn:{p}:states:{r}:{a}:execution:{}:*",
                n.state_machine
            )],
            On::LogGroups => vec![format!("arn:{p}:logs:{r}:{a}:log-group:*")],
            On::Topic => vec![format!("arn:{p}:sns:{r}:{a}:{}", n.topic)],
            On::Schedule => vec![format!(
                "arn:{p}:scheduler:{r}:{a}:schedule/{}/{}",
                n.schedule_group, n.schedule
            )],
            On::Queues => [&n.schedule_dlq, &n.processor_dlq]
                .iter()
                .map(|q| Names::queue_arn(q).resolve(a, r))
                .collect(),
            On::Roles => vec![format!("arn:{p}:iam::{a}:role/{}-*", self.stack)],
            On::Glue => vec![
                format!("arn:{p}:glue:{r}:{a}:catalog"),
                format!("arn:{p}:glue:{r}:{a}:database/{}", n.glue_database),
                format!("arn:{p}:glue:{r}:{a}:table/{}/*", n.glue_database),
            ],
            On::WorkGroup => vec![n.workgroup_arn().resolve(a, r)],
            // Instances and operations are authorized on the set and its targets.
            On::StackSet => vec![
                format!("arn:{p}:cloudformation:{r}:{a}:stackset/{}:*", self.stack),
                format!("arn:{p}:cloudformation:{r}:{a}:stackset-target/*"),
            ],
            On::CentralBucket => self
                .central_region
                .map(|c| {
                    bucket(&crate::model::aggregation::central_bucket_name(
                        &n.prefix, c,
                    ))
                })
                .into_iter()
                .collect(),
            On::Any => vec!["*".to_owned()],
        }
    }

    /// The role a self-managed stack set is administered with (`rollout --accounts`).
    pub fn administration_role_arn(&self) -> String {
        match self.administration_role {
            Some(arn) => arn.to_owned(),
            None => format!(
                "arn:{}:iam::{}:role/AWSCloudFormationStackSetAdministrationRole",
                crate::model::names::partition(self.region),
                self.account
            ),
        }
    }
}

/// The Sid of the statement that lets a self-managed stack set be created with its role.
pub const PASS_ADMINISTRATION_ROLE_SID: &str = "PassTheStackSetAdministrationRole";

/// The Sid of the statements that let CloudFormation build the stack with the caller's rights.
pub const PROVISIONING_SID: &str = "CloudFormationBuildsWithYourRights";

/// The minimal policy for `use_`: the calls of `CALLS` for it, grouped by what they act on;
/// for apply with a deploy role, iam:PassRole on that role alone; without one, what
/// CloudFormation needs to build each resource type of the template.
pub fn policy(
    place: &Place<'_>,
    use_: Use,
    deploy_role: Option<&str>,
    types: &[ResourceType],
) -> PolicyDocument {
    let mut by_on: BTreeMap<On, Vec<String>> = BTreeMap::new();
    for c in CALLS.iter().filter(|c| c.uses.contains(&use_)) {
        by_on
            .entry(c.on)
            .or_default()
            .extend(c.actions.iter().map(|a| (*a).to_owned()));
    }
    // An `On` with no resource here (the central bucket without aggregation) grants nothing.
    let mut statements: Vec<Statement> = by_on
        .into_iter()
        .map(|(on, actions)| (on, actions, place.arns(on)))
        .filter(|(_, _, arns)| !arns.is_empty())
        .map(|(on, actions, arns)| statement(format!("{on:?}"), actions, arns))
        .collect();
    if use_ == Use::Apply {
        // CreateStackSet/UpdateStackSet with self-managed permissions pass the administration
        // role to CloudFormation (`rollout --accounts`).
        statements.push(statement_of(
            PASS_ADMINISTRATION_ROLE_SID,
            vec!["iam:PassRole".into()],
            vec![place.administration_role_arn()],
        ));
        match deploy_role {
            Some(role) => statements.push(statement_of(
                "PassTheDeployRoleToCloudFormation",
                vec!["iam:PassRole".into()],
                vec![role.to_owned()],
            )),
            None => {
                let mut by_on: BTreeMap<On, Vec<String>> = BTreeMap::new();
                for ty in types {
                    let (actions, on) = provisioning(*ty);
                    by_on
                        .entry(on)
                        .or_default()
                        .extend(actions.iter().map(|a| (*a).to_owned()));
                    let on_roles = provisioning_on_roles(*ty);
                    if !on_roles.is_empty() {
                        by_on
                            .entry(On::Roles)
                            .or_default()
                            .extend(on_roles.iter().map(|a| (*a).to_owned()));
                    }
                }
                statements.extend(by_on.into_iter().map(|(on, actions)| {
                    statement(format!("{PROVISIONING_SID}{on:?}"), actions, place.arns(on))
                }));
            }
        }
    }
    PolicyDocument {
        version: "2012-10-17",
        statement: statements,
    }
}

fn statement(sid: String, mut actions: Vec<String>, resource: Vec<String>) -> Statement {
    actions.sort();
    actions.dedup();
    Statement {
        sid,
        effect: "Allow",
        action: actions,
        resource,
    }
}

fn statement_of(sid: &str, actions: Vec<String>, resource: Vec<String>) -> Statement {
    statement(sid.to_owned(), actions, resource)
}
