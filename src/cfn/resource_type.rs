//! The CloudFormation resource types infrapipe renders, each with every fact the tool needs
//! about it in one place: its type name, the property that names it, what `Ref` and
//! `Fn::GetAtt … Arn` give, which property changes replace it, how its properties normalise,
//! and which properties AWS never returns. Adding a type starts here.

use serde_json::{Value, json};
use std::fmt;

/// A resource type of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    AthenaNamedQuery,
    AthenaWorkGroup,
    CloudWatchAlarm,
    DynamoDbTable,
    GlueDatabase,
    GlueTable,
    IamRole,
    KmsAlias,
    KmsKey,
    LambdaFunction,
    LambdaPermission,
    LogsLogGroup,
    S3Bucket,
    S3BucketPolicy,
    SchedulerSchedule,
    SnsSubscription,
    SnsTopic,
    SnsTopicPolicy,
    SqsQueue,
    StepFunctionsStateMachine,
    CloudWatchDashboard,
    CloudWatchAnomalyDetector,
    BudgetsBudget,
    ChatbotSlackChannel,
    ChatbotTeamsChannel,
}

/// What `Ref` gives for a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// Its physical name.
    Name,
    /// The name placed in this shape (an ARN or a URL): see [`Shape`].
    Shaped(Shape),
    /// An id AWS generates, which nothing derives from the template.
    Generated,
}

/// A physical value built from a resource's name: an `Fn::Sub` string in which `{name}` stands
/// for the name and the pseudo parameters (`${AWS::Region}`, …) for where it is deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape(pub &'static str);

impl Shape {
    /// The shape with `name` in place (still an `Fn::Sub` string).
    pub fn with_name(self, name: &str) -> String {
        self.0.replace("{name}", name)
    }

    /// The name inside a value of this shape: what follows its last separator. The shapes all
    /// end in `/{name}` or `:{name}` (or `{name}` alone).
    pub fn name_in(self, value: &str) -> &str {
        let before = self.0.strip_suffix("{name}").unwrap_or(self.0);
        match before.chars().last() {
            Some(sep) => value.rsplit(sep).next().unwrap_or(value),
            None => value,
        }
    }
}

/// `Fn::GetAtt [id, attribute]` for the resource's ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn {
    pub attribute: &'static str,
    pub shape: Shape,
}

/// Every fact about one resource type.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub type_name: &'static str,
    /// Path (in `Properties`) of the property that names the resource; empty: none.
    pub name_property: &'static [&'static str],
    pub reference: Reference,
    pub arn: Option<Arn>,
    /// Property paths (dotted) whose change replaces the resource: the registry schema's
    /// `createOnlyProperties` (tests/replacement_schema.rs compares them), plus what the
    /// docs' "Update requires: Replacement" lines add.
    pub create_only: &'static [&'static str],
    /// Lists AWS does not keep in order, compared as maps by a key field (path, key). A `*`
    /// in a path stands for every entry of the map or list there.
    pub keyed_lists: &'static [(&'static [&'static str], &'static str)],
    /// Lists of values whose order means nothing: sorted before comparing.
    pub sets: &'static [&'static [&'static str]],
    /// Properties AWS never returns, with why (drift cannot compare them).
    pub write_only: &'static [(&'static str, &'static str)],
}

/// Facts shared by most types; each type overrides what it has.
const NONE: Facts = Facts {
    type_name: "",
    name_property: &[],
    reference: Reference::Name,
    arn: None,
    create_only: &[],
    keyed_lists: &[],
    sets: &[],
    write_only: &[],
};

const TOPIC_ARN: Shape = Shape("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:{name}");
const STATE_MACHINE_ARN: Shape =
    Shape("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:{name}");

impl ResourceType {
    pub const ALL: [ResourceType; 25] = [
        ResourceType::AthenaNamedQuery,
        ResourceType::AthenaWorkGroup,
        ResourceType::CloudWatchAlarm,
        ResourceType::DynamoDbTable,
        ResourceType::GlueDatabase,
        ResourceType::GlueTable,
        ResourceType::IamRole,
        ResourceType::KmsAlias,
        ResourceType::KmsKey,
        ResourceType::LambdaFunction,
        ResourceType::LambdaPermission,
        ResourceType::LogsLogGroup,
        ResourceType::S3Bucket,
        ResourceType::S3BucketPolicy,
        ResourceType::SchedulerSchedule,
        ResourceType::SnsSubscription,
        ResourceType::SnsTopic,
        ResourceType::SnsTopicPolicy,
        ResourceType::SqsQueue,
        ResourceType::StepFunctionsStateMachine,
        ResourceType::CloudWatchDashboard,
        ResourceType::CloudWatchAnomalyDetector,
        ResourceType::BudgetsBudget,
        ResourceType::ChatbotSlackChannel,
        ResourceType::ChatbotTeamsChannel,
    ];

    /// The type named `type_name` (`AWS::S3::Bucket`), if infrapipe renders it.
    pub fn parse(type_name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == type_name)
    }

    /// The CloudFormation type name.
    pub fn name(self) -> &'static str {
        self.facts().type_name
    }

    pub fn facts(self) -> Facts {
        use ResourceType::*;
        match self {
            AthenaNamedQuery => Facts {
                type_name: "AWS::Athena::NamedQuery",
                name_property: &["Name"],
                reference: Reference::Generated,
                create_only: &[
                    "Database",
                    "Description",
                    "Name",
                    "QueryString",
                    "WorkGroup",
                ],
                ..NONE
            },
            AthenaWorkGroup => Facts {
                type_name: "AWS::Athena::WorkGroup",
                name_property: &["Name"],
                create_only: &["Name"],
                write_only: &[(
                    "RecursiveDeleteOption",
                    "write-only: it says how CloudFormation deletes the workgroup",
                )],
                ..NONE
            },
            CloudWatchAlarm => Facts {
                type_name: "AWS::CloudWatch::Alarm",
                name_property: &["AlarmName"],
                create_only: &["AlarmName"],
                keyed_lists: &[
                    (&["Metrics"], "Id"),
                    (&["Dimensions"], "Name"),
                    (
                        &["Metrics", "*", "MetricStat", "Metric", "Dimensions"],
                        "Name",
                    ),
                ],
                sets: &[
                    &["AlarmActions"],
                    &["OKActions"],
                    &["InsufficientDataActions"],
                ],
                ..NONE
            },
            DynamoDbTable => Facts {
                type_name: "AWS::DynamoDB::Table",
                name_property: &["TableName"],
                // KeySchema and LocalSecondaryIndexes: the docs say Replacement; the schema
                // lists neither.
                create_only: &[
                    "ImportSourceSpecification",
                    "KeySchema",
                    "LocalSecondaryIndexes",
                    "TableName",
                ],
                keyed_lists: &[
                    (&["AttributeDefinitions"], "AttributeName"),
                    (&["GlobalSecondaryIndexes"], "IndexName"),
                ],
                // The ownership tag purge checks: CloudFormation merges the stack's tags into
                // the resource's, so the live list is never the template's.
                write_only: &[(
                    "Tags",
                    "not compared: CloudFormation adds the stack's tags to it",
                )],
                ..NONE
            },
            GlueDatabase => Facts {
                type_name: "AWS::Glue::Database",
                name_property: &["DatabaseInput", "Name"],
                // CatalogId: the docs say Replacement.
                create_only: &["CatalogId", "DatabaseName"],
                ..NONE
            },
            GlueTable => Facts {
                type_name: "AWS::Glue::Table",
                name_property: &["TableInput", "Name"],
                create_only: &["CatalogId", "DatabaseName", "Name", "TableInput.Name"],
                ..NONE
            },
            IamRole => Facts {
                type_name: "AWS::IAM::Role",
                name_property: &["RoleName"],
                arn: Some(Arn {
                    attribute: "Arn",
                    shape: Shape("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/{name}"),
                }),
                create_only: &["Path", "RoleName"],
                keyed_lists: &[(&["Policies"], "PolicyName")],
                sets: &[&["ManagedPolicyArns"]],
                ..NONE
            },
            KmsAlias => Facts {
                type_name: "AWS::KMS::Alias",
                name_property: &["AliasName"],
                create_only: &["AliasName"],
                ..NONE
            },
            // Unnamed: `Ref` gives the key id KMS generates.
            KmsKey => Facts {
                type_name: "AWS::KMS::Key",
                reference: Reference::Generated,
                arn: Some(Arn {
                    attribute: "Arn",
                    shape: Shape(
                        "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/{name}",
                    ),
                }),
                // The schema lists none; the docs say Replacement for these four.
                create_only: &["KeySpec", "KeyUsage", "MultiRegion", "Origin"],
                write_only: &[
                    (
                        "BypassPolicyLockoutSafetyCheck",
                        "write-only: it applies only while the policy is set",
                    ),
                    (
                        "PendingWindowInDays",
                        "write-only: it applies only when the key is scheduled for deletion",
                    ),
                    ("RotationPeriodInDays", "write-only in the registry schema"),
                ],
                ..NONE
            },
            LambdaFunction => Facts {
                type_name: "AWS::Lambda::Function",
                name_property: &["FunctionName"],
                arn: Some(Arn {
                    attribute: "Arn",
                    shape: Shape(
                        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:{name}",
                    ),
                }),
                create_only: &["FunctionName", "PackageType", "TenancyConfig"],
                sets: &[&["Architectures"]],
                ..NONE
            },
            LambdaPermission => Facts {
                type_name: "AWS::Lambda::Permission",
                create_only: &[
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
                ..NONE
            },
            LogsLogGroup => Facts {
                type_name: "AWS::Logs::LogGroup",
                name_property: &["LogGroupName"],
                // GetAtt Arn ends in `:*` (IAM policies name the group without it).
                arn: Some(Arn {
                    attribute: "Arn",
                    shape: Shape(
                        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:{name}:*",
                    ),
                }),
                create_only: &["LogGroupName"],
                ..NONE
            },
            S3Bucket => Facts {
                type_name: "AWS::S3::Bucket",
                name_property: &["BucketName"],
                arn: Some(Arn {
                    attribute: "Arn",
                    shape: Shape("arn:${AWS::Partition}:s3:::{name}"),
                }),
                create_only: &["BucketName", "BucketNamePrefix", "BucketNamespace"],
                keyed_lists: &[(&["LifecycleConfiguration", "Rules"], "Id")],
                sets: &[&["NotificationConfiguration", "LambdaConfigurations"]],
                // The ownership tag purge checks: CloudFormation merges the stack's tags into
                // the resource's, so the live list is never the template's.
                write_only: &[(
                    "Tags",
                    "not compared: CloudFormation adds the stack's tags to it",
                )],
                ..NONE
            },
            // Named by the bucket it is on: that is how S3 finds it.
            S3BucketPolicy => Facts {
                type_name: "AWS::S3::BucketPolicy",
                name_property: &["Bucket"],
                create_only: &["Bucket"],
                ..NONE
            },
            SchedulerSchedule => Facts {
                type_name: "AWS::Scheduler::Schedule",
                name_property: &["Name"],
                create_only: &["Name"],
                ..NONE
            },
            SnsSubscription => Facts {
                type_name: "AWS::SNS::Subscription",
                create_only: &["Endpoint", "Protocol", "TopicArn"],
                ..NONE
            },
            SnsTopic => Facts {
                type_name: "AWS::SNS::Topic",
                name_property: &["TopicName"],
                reference: Reference::Shaped(TOPIC_ARN),
                arn: Some(Arn {
                    attribute: "TopicArn",
                    shape: TOPIC_ARN,
                }),
                create_only: &["FifoTopic", "TopicName"],
                sets: &[&["UnmanagedSubscriptions"]],
                ..NONE
            },
            SnsTopicPolicy => Facts {
                type_name: "AWS::SNS::TopicPolicy",
                sets: &[&["Topics"]],
                ..NONE
            },
            CloudWatchDashboard => Facts {
                type_name: "AWS::CloudWatch::Dashboard",
                name_property: &["DashboardName"],
                create_only: &["DashboardName"],
                ..NONE
            },
            // Found by what it models (namespace, metric, dimensions, statistic): it has no name.
            CloudWatchAnomalyDetector => Facts {
                type_name: "AWS::CloudWatch::AnomalyDetector",
                reference: Reference::Generated,
                create_only: &[
                    "Dimensions",
                    "MetricCharacteristics",
                    "MetricMathAnomalyDetector",
                    "MetricName",
                    "Namespace",
                    "SingleMetricAnomalyDetector",
                    "Stat",
                ],
                keyed_lists: &[(&["SingleMetricAnomalyDetector", "Dimensions"], "Name")],
                ..NONE
            },
            BudgetsBudget => Facts {
                type_name: "AWS::Budgets::Budget",
                name_property: &["Budget", "BudgetName"],
                create_only: &["Budget.BudgetName", "NotificationsWithSubscribers"],
                write_only: &[(
                    "NotificationsWithSubscribers",
                    "read through two more APIs per notification, which drift does not call yet (a change replaces the budget, so plan shows it)",
                )],
                ..NONE
            },
            // Ref gives the configuration's ARN, whose shape AWS documents per channel kind
            // only in examples: nothing derives it here.
            ChatbotSlackChannel => Facts {
                type_name: "AWS::Chatbot::SlackChannelConfiguration",
                name_property: &["ConfigurationName"],
                reference: Reference::Generated,
                create_only: &["ConfigurationName", "SlackWorkspaceId"],
                sets: &[&["SnsTopicArns"], &["GuardrailPolicies"]],
                ..NONE
            },
            ChatbotTeamsChannel => Facts {
                type_name: "AWS::Chatbot::MicrosoftTeamsChannelConfiguration",
                name_property: &["ConfigurationName"],
                reference: Reference::Generated,
                create_only: &["ConfigurationName", "TeamId", "TeamsTenantId"],
                sets: &[&["SnsTopicArns"], &["GuardrailPolicies"]],
                ..NONE
            },
            SqsQueue => Facts {
                type_name: "AWS::SQS::Queue",
                name_property: &["QueueName"],
                reference: Reference::Shaped(Shape(
                    "https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/{name}",
                )),
                arn: Some(Arn {
                    attribute: "Arn",
                    shape: Shape(
                        "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:{name}",
                    ),
                }),
                create_only: &["FifoQueue", "QueueName"],
                ..NONE
            },
            StepFunctionsStateMachine => Facts {
                type_name: "AWS::StepFunctions::StateMachine",
                name_property: &["StateMachineName"],
                reference: Reference::Shaped(STATE_MACHINE_ARN),
                arn: Some(Arn {
                    attribute: "Arn",
                    shape: STATE_MACHINE_ARN,
                }),
                create_only: &["StateMachineName", "StateMachineType"],
                ..NONE
            },
        }
    }

    /// What `Ref` gives, from the resource's name (an `Fn::Sub` string); None when AWS
    /// generates it.
    pub fn reference_of(self, name: &str) -> Option<String> {
        match self.facts().reference {
            Reference::Name => Some(name.to_owned()),
            Reference::Shaped(shape) => Some(shape.with_name(name)),
            Reference::Generated => None,
        }
    }

    /// The ARN, from the resource's name (an `Fn::Sub` string); None for types without one.
    pub fn arn_of(self, name: &str) -> Option<String> {
        self.facts().arn.map(|a| a.shape.with_name(name))
    }

    /// The name inside what `Ref` gives (a queue's URL, a topic's ARN, or the name itself).
    pub fn name_in_reference(self, reference: &str) -> &str {
        match self.facts().reference {
            Reference::Shaped(shape) => shape.name_in(reference),
            Reference::Name | Reference::Generated => reference,
        }
    }

    /// The template expression for the name of resource `id`: `{"Ref": id}` when `Ref`
    /// gives the name.
    pub fn name_expression(self, id: &str) -> Option<Value> {
        (self.facts().reference == Reference::Name).then(|| json!({ "Ref": id }))
    }

    /// The template expression for the ARN of resource `id`: `Ref` when that gives the ARN,
    /// else `Fn::GetAtt`.
    pub fn arn_expression(self, id: &str) -> Option<Value> {
        let arn = self.facts().arn?;
        Some(if self.reference_is_arn() {
            json!({ "Ref": id })
        } else {
            json!({ "Fn::GetAtt": [id, arn.attribute] })
        })
    }

    /// True when `Ref` already gives the ARN (topics, state machines).
    pub fn reference_is_arn(self) -> bool {
        let f = self.facts();
        matches!((f.reference, f.arn), (Reference::Shaped(r), Some(a)) if r == a.shape)
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_parses_back_from_its_name() {
        for t in ResourceType::ALL {
            assert_eq!(ResourceType::parse(t.name()), Some(t));
        }
    }

    #[test]
    fn a_queue_name_is_read_back_from_its_url() {
        let url = "https://sqs.eu-west-1.amazonaws.com/123456789012/q";
        assert_eq!(ResourceType::SqsQueue.name_in_reference(url), "q");
    }

    #[test]
    fn only_topics_and_state_machines_are_referenced_by_arn() {
        let by_arn: Vec<ResourceType> = ResourceType::ALL
            .into_iter()
            .filter(|t| t.reference_is_arn())
            .collect();
        assert_eq!(
            by_arn,
            [
                ResourceType::SnsTopic,
                ResourceType::StepFunctionsStateMachine
            ]
        );
    }
}
