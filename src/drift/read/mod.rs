//! Live resources, read through each service's own API and returned in the shape of their
//! CloudFormation properties (so they compare with the template's), plus what CloudFormation's
//! drift cannot see (extra inline and managed policies, extra subscriptions, code hashes).
//! A reader returns only what the model can set or what matters for security, never the
//! defaults AWS fills in.

mod athena;
mod budgets;
mod cloudwatch;
mod dynamodb;
mod glue;
mod iam;
mod kms;
mod lambda;
mod logs;
mod s3;
mod scheduler;
mod sfn;
mod sns;
mod sqs;

use super::expected::Target;
use crate::aws::{Aws, AwsError};
use crate::cfn::ResourceType;
use serde_json::Value;

/// Why a live resource has no properties to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// It does not exist (DELETED), with what the service said.
    Missing(String),
    /// It could not be read (NOT_CHECKED), with the one-line error.
    Unreadable(String),
}

pub type Read = Result<Value, Problem>;

/// Reads `t`'s live resource: one reader for each type the core knows.
pub async fn read(aws: &Aws, t: &Target) -> Read {
    use ResourceType::*;
    let Some(ty) = ResourceType::parse(&t.resource_type) else {
        return Err(Problem::Unreadable(format!(
            "infrapipe has no reader for {}",
            t.resource_type
        )));
    };
    match ty {
        S3Bucket => s3::bucket(aws, t).await,
        S3BucketPolicy => s3::bucket_policy(aws, t).await,
        DynamoDbTable => dynamodb::table(aws, t).await,
        LambdaFunction => lambda::function(aws, t).await,
        LambdaPermission => lambda::permission(aws, t).await,
        IamRole => iam::role(aws, t).await,
        KmsKey => kms::key(aws, t).await,
        KmsAlias => kms::alias(aws, t).await,
        SqsQueue => sqs::queue(aws, t).await,
        LogsLogGroup => logs::log_group(aws, t).await,
        StepFunctionsStateMachine => sfn::state_machine(aws, t).await,
        SchedulerSchedule => scheduler::schedule(aws, t).await,
        SnsTopic => sns::topic(aws, t).await,
        SnsTopicPolicy => sns::topic_policy(aws, t).await,
        SnsSubscription => sns::subscription(aws, t).await,
        CloudWatchAlarm => cloudwatch::alarm(aws, t).await,
        GlueDatabase => glue::database(aws, t).await,
        GlueTable => glue::table(aws, t).await,
        AthenaWorkGroup => athena::workgroup(aws, t).await,
        AthenaNamedQuery => athena::named_query(aws, t).await,
        CloudWatchDashboard => cloudwatch::dashboard(aws, t).await,
        CloudWatchAnomalyDetector => cloudwatch::anomaly_detector(aws, t).await,
        BudgetsBudget => budgets::budget(aws, t).await,
        // infrapipe carries no AWS Chatbot client (and moto has no Chatbot API to test one
        // against): these are reported NOT_CHECKED, never guessed IN_SYNC.
        ChatbotSlackChannel | ChatbotTeamsChannel => Err(Problem::Unreadable(format!(
            "infrapipe has no AWS Chatbot reader yet: check {} in the AWS Chatbot console",
            t.logical_id
        ))),
    }
}

/// Turns an SDK error into a Problem: one of the `missing` error codes means the resource is
/// gone, anything else that it could not be read.
pub(crate) fn problem<E>(aws: &Aws, doing: &str, missing: &[&str], e: &E) -> Problem
where
    E: crate::aws::SdkFailure,
{
    let err = AwsError::new(doing, &aws.region, e);
    if missing.iter().any(|c| err.is_code(c)) {
        Problem::Missing(err.message)
    } else {
        Problem::Unreadable(err.to_string())
    }
}

/// The id a reader looks the resource up by, or NOT_CHECKED when neither the stack nor the
/// model gives one.
pub(crate) fn id(t: &Target) -> Result<&str, Problem> {
    t.id().ok_or_else(|| {
        Problem::Unreadable(format!(
            "the stack lists no physical id for {} and the model does not name it",
            t.logical_id
        ))
    })
}

/// What `Ref` gives for `t` (an ARN for topics and state machines).
pub(crate) fn reference(t: &Target) -> Result<&str, Problem> {
    t.reference.as_deref().ok_or_else(|| {
        Problem::Unreadable(format!(
            "the stack lists no physical id for {} and the model does not name it",
            t.logical_id
        ))
    })
}

/// A string field of the expected properties (an ARN or name another resource gives).
pub(crate) fn expected_str<'a>(t: &'a Target, path: &[&str]) -> Result<&'a str, Problem> {
    let mut v = &t.expected;
    for p in path {
        v = &v[*p];
    }
    v.as_str()
        .filter(|s| !s.starts_with("(unknown"))
        .ok_or_else(|| {
            Problem::Unreadable(format!(
                "{}.{} is not known, so the live resource cannot be found",
                t.logical_id,
                path.join(".")
            ))
        })
}

/// Inserts `v` under `k` unless it is None.
pub(crate) fn put(m: &mut serde_json::Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.to_owned(), v);
    }
}

/// The template's `Tags` as read from the live resource: only the keys the template sets, in its
/// order (CloudFormation adds its own `aws:` tags and the stack's tags to each resource, and
/// those are not the resource's drift). None when the template sets no tags.
pub(crate) fn template_tags(
    t: &Target,
    live: &std::collections::BTreeMap<String, String>,
) -> Option<Value> {
    let wanted = t.expected["Tags"].as_array()?;
    let read: Vec<Value> = wanted
        .iter()
        .filter_map(|w| {
            let key = w["Key"].as_str()?;
            let value = live.get(key)?;
            Some(serde_json::json!({ "Key": key, "Value": value }))
        })
        .collect();
    Some(Value::Array(read))
}
