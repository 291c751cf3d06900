//! Least privilege, derived: each actor's policy is computed from the model's edges (who reads
//! or writes what), never written by hand. One edge, one statement.

use super::names::{Names, Sub};
use serde::Serialize;
use std::collections::BTreeMap;

/// Something that acts with its own IAM role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Actor {
    Scheduler,
    StateMachine,
    Collector,
    LogProcessor,
    /// People and dashboards that query with Athena (trusted by the principals the config names).
    Analyst,
    /// The compaction state machine: Athena rewrites the raw JSON as Parquet with its role.
    Compactor,
}

impl Actor {
    pub const ALL: [Actor; 6] = [
        Actor::Scheduler,
        Actor::StateMachine,
        Actor::Collector,
        Actor::LogProcessor,
        Actor::Analyst,
        Actor::Compactor,
    ];

    /// Logical id of the actor's role.
    pub fn role_logical_id(self) -> &'static str {
        match self {
            Actor::Scheduler => "SchedulerRole",
            Actor::StateMachine => "StateMachineRole",
            Actor::Collector => "CollectorRole",
            Actor::LogProcessor => "LogProcessorRole",
            Actor::Analyst => "AnalyticsQueryRole",
            Actor::Compactor => "CompactionRole",
        }
    }

    /// The AWS service that assumes the role, or None for roles people assume.
    pub fn service_principal(self) -> Option<&'static str> {
        match self {
            Actor::Scheduler => Some("scheduler.amazonaws.com"),
            Actor::StateMachine | Actor::Compactor => Some("states.amazonaws.com"),
            Actor::Collector | Actor::LogProcessor => Some("lambda.amazonaws.com"),
            Actor::Analyst => None,
        }
    }

    /// The `aws:SourceArn` the service sends when it assumes this actor's role, pinned in the
    /// trust policy beside `aws:SourceAccount` so that no other resource of the account can
    /// lend the role out. Step Functions sends the state machine's ARN; EventBridge Scheduler
    /// sends the schedule group's (its documentation says not to name one schedule). Lambda's
    /// execution roles have none: Lambda sends no source ARN when it assumes them.
    pub fn trust_source_arn(self, names: &Names) -> Option<Sub> {
        match self {
            Actor::StateMachine => Some(names.state_machine_arn()),
            Actor::Compactor => Some(names.compaction_state_machine_arn()),
            Actor::Scheduler => Some(names.schedule_group_arn()),
            Actor::Collector | Actor::LogProcessor | Actor::Analyst => None,
        }
    }
}

/// A resource (or external service surface) an actor touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Node {
    StateMachine,
    Collector,
    LogProcessor,
    RawBucket,
    ResultsBucket,
    Table,
    ScheduleDlq,
    ProcessorDlq,
    CollectorLogGroup,
    ProcessorLogGroup,
    /// CloudWatch Logs' log-delivery API (vended logs of Step Functions).
    LogDelivery,
    /// The custom metrics namespace in CloudWatch.
    Metrics,
    /// The EC2 fleet and its CloudWatch metrics (cloudwatch collector mode).
    Fleet,
    WorkGroup,
    GlueTable,
    CompactionStateMachine,
}

/// What an actor does to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Access {
    StartExecution,
    Invoke,
    PutObjects,
    /// Read the partitioned data (`year=*`), as the log processor does with each new file.
    ReadPartitions,
    /// Read every object of the bucket, as Athena does for people who query.
    ReadObjects,
    ListBucket,
    WriteObjects,
    /// Put poison lines aside, read them back to replay, delete them once replayed.
    QuarantineObjects,
    WriteItems,
    SendMessages,
    PutMetrics,
    ReadMetrics,
    DescribeInstances,
    WriteLogs,
    DeliverLogs,
    RunQueries,
    ReadCatalog,
    /// Start, follow and stop Athena statements (Step Functions' `.sync` integration).
    RunStatements,
    /// List, write and delete the Parquet objects (`compacted/`): a re-run deletes its day first.
    RewriteCompacted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: Actor,
    pub to: Node,
    pub access: Access,
}

/// An IAM condition: operator -> key -> value.
pub type Condition = BTreeMap<&'static str, BTreeMap<&'static str, Sub>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub sid: String,
    pub actions: Vec<&'static str>,
    /// None means `Resource: "*"`, allowed only for actions with no resource-level scope.
    pub resources: Option<Vec<Sub>>,
    pub condition: Condition,
}

/// Step Functions' log-delivery actions: no resource type and no condition key exist for them,
/// so AWS allows nothing narrower than `*` with no condition.
pub const LOG_DELIVERY_ACTIONS: &[&str] = &[
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
];

impl Edge {
    /// The one statement this edge grants.
    pub fn statement(&self, names: &Names, namespace: &str) -> Statement {
        use Access::*;
        let arn = |n: Node| node_arn(n, names);
        let one = |s: Sub| Some(vec![s]);
        let cond = |op: &'static str, key: &'static str, value: Sub| -> Condition {
            BTreeMap::from([(op, BTreeMap::from([(key, value)]))])
        };
        let this_region = || {
            cond(
                "StringEquals",
                "aws:RequestedRegion",
                Sub::new("${AWS::Region}"),
            )
        };
        let (actions, resources, condition): (Vec<&'static str>, _, _) = match self.access {
            StartExecution => (
                vec!["states:StartExecution"],
                one(arn(self.to)),
                Condition::new(),
            ),
            Invoke => {
                let f = arn(self.to);
                let qualified = Sub::new(format!("{}:*", f.0));
                (
                    vec!["lambda:InvokeFunction"],
                    Some(vec![f, qualified]),
                    Condition::new(),
                )
            }
            PutObjects => (
                vec!["s3:PutObject"],
                one(Names::objects_arn(bucket(self.to, names), "year=*")),
                Condition::new(),
            ),
            ReadPartitions => (
                vec!["s3:GetObject"],
                one(Names::objects_arn(bucket(self.to, names), "year=*")),
                Condition::new(),
            ),
            ReadObjects => (
                vec!["s3:GetObject"],
                one(Names::objects_arn(bucket(self.to, names), "*")),
                Condition::new(),
            ),
            ListBucket => (
                vec!["s3:GetBucketLocation", "s3:ListBucket"],
                one(arn(self.to)),
                Condition::new(),
            ),
            WriteObjects => (
                vec!["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
                one(Names::objects_arn(bucket(self.to, names), "*")),
                Condition::new(),
            ),
            QuarantineObjects => (
                vec!["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                one(Names::objects_arn(
                    bucket(self.to, names),
                    &format!("{}*", crate::model::contract::QUARANTINE_PREFIX),
                )),
                Condition::new(),
            ),
            WriteItems => (
                vec!["dynamodb:BatchWriteItem"],
                one(arn(self.to)),
                Condition::new(),
            ),
            SendMessages => (vec!["sqs:SendMessage"], one(arn(self.to)), Condition::new()),
            // PutMetricData has no resource type; its condition key pins the namespace.
            PutMetrics => (
                vec!["cloudwatch:PutMetricData"],
                None,
                cond("StringEquals", "cloudwatch:namespace", Sub::new(namespace)),
            ),
            // GetMetricData and DescribeInstances have no resource type; pin the region.
            ReadMetrics => (vec!["cloudwatch:GetMetricData"], None, this_region()),
            DescribeInstances => (vec!["ec2:DescribeInstances"], None, this_region()),
            WriteLogs => (
                vec!["logs:CreateLogStream", "logs:PutLogEvents"],
                one(log_streams(self.to, names)),
                Condition::new(),
            ),
            DeliverLogs => (LOG_DELIVERY_ACTIONS.to_vec(), None, Condition::new()),
            RunQueries => (
                vec![
                    "athena:GetQueryExecution",
                    "athena:GetQueryResults",
                    "athena:GetWorkGroup",
                    "athena:StartQueryExecution",
                    "athena:StopQueryExecution",
                ],
                one(arn(self.to)),
                Condition::new(),
            ),
            ReadCatalog => (
                vec!["glue:GetDatabase", "glue:GetPartitions", "glue:GetTable"],
                Some(vec![
                    Names::glue_catalog_arn(),
                    names.glue_database_arn(),
                    names.glue_table_arn(),
                    names.glue_table_arn_of(&names.parquet_table),
                    names.glue_table_arn_of(&names.metrics_view),
                ]),
                Condition::new(),
            ),
            RunStatements => (
                vec![
                    "athena:GetQueryExecution",
                    "athena:StartQueryExecution",
                    "athena:StopQueryExecution",
                ],
                one(arn(self.to)),
                Condition::new(),
            ),
            RewriteCompacted => (
                vec![
                    "s3:AbortMultipartUpload",
                    "s3:DeleteObject",
                    "s3:GetObject",
                    "s3:PutObject",
                ],
                one(super::analytics::compacted_objects_arn(names)),
                Condition::new(),
            ),
        };
        Statement {
            sid: format!("{:?}{:?}", self.access, self.to),
            actions,
            resources,
            condition,
        }
    }
}

fn bucket(node: Node, names: &Names) -> &Sub {
    match node {
        Node::ResultsBucket => &names.results_bucket,
        _ => &names.raw_bucket,
    }
}

fn log_streams(node: Node, names: &Names) -> Sub {
    let group = match node {
        Node::ProcessorLogGroup => Names::function_log_group(&names.processor_function),
        _ => Names::function_log_group(&names.collector_function),
    };
    Names::log_streams_arn(&group)
}

/// The ARN of a node, for the nodes that have one.
pub fn node_arn(node: Node, names: &Names) -> Sub {
    match node {
        Node::StateMachine => names.state_machine_arn(),
        Node::Collector => Names::function_arn(&names.collector_function),
        Node::LogProcessor => Names::function_arn(&names.processor_function),
        Node::RawBucket => Names::bucket_arn(&names.raw_bucket),
        Node::ResultsBucket => Names::bucket_arn(&names.results_bucket),
        Node::Table => names.table_arn(),
        Node::ScheduleDlq => Names::queue_arn(&names.schedule_dlq),
        Node::ProcessorDlq => Names::queue_arn(&names.processor_dlq),
        Node::CollectorLogGroup => {
            Names::log_group_arn(&Names::function_log_group(&names.collector_function))
        }
        Node::ProcessorLogGroup => {
            Names::log_group_arn(&Names::function_log_group(&names.processor_function))
        }
        Node::WorkGroup => names.workgroup_arn(),
        Node::GlueTable => names.glue_table_arn(),
        Node::CompactionStateMachine => names.compaction_state_machine_arn(),
        Node::LogDelivery | Node::Metrics | Node::Fleet => Sub::new("*"),
    }
}

/// Each actor's statements, in edge order.
pub fn policies(edges: &[Edge], names: &Names, namespace: &str) -> BTreeMap<Actor, Vec<Statement>> {
    let mut out: BTreeMap<Actor, Vec<Statement>> = BTreeMap::new();
    for e in edges {
        out.entry(e.from)
            .or_default()
            .push(e.statement(names, namespace));
    }
    out
}

/// The bucket policy every bucket we create carries: any request over plain HTTP is denied.
/// `bucket_arn` and `objects_arn` are the bucket's ARN and `ARN/*`, as literal strings or as the
/// template's `Fn::Sub` values.
pub fn deny_insecure_transport(
    bucket_arn: serde_json::Value,
    objects_arn: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": { "AWS": "*" },
            "Action": "s3:*",
            "Resource": [bucket_arn, objects_arn],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } },
        }]
    })
}
