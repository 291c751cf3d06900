//! SQS queues: retention, encryption, and any access policy (the model's queues have none).

use super::{Problem, Read, expected_str, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Map, Value, json};

const NO_QUEUE: &[&str] = &[
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
];

pub async fn queue(aws: &Aws, t: &Target) -> Read {
    let sqs = aws.sqs();
    let name = expected_str(t, &["QueueName"])?;
    let url = match &t.physical_id {
        Some(url) => url.clone(),
        None => sqs
            .get_queue_url()
            .queue_name(name)
            .send()
            .await
            .map_err(|e| problem(aws, &format!("finding queue {name}"), NO_QUEUE, &e))?
            .queue_url()
            .unwrap_or_default()
            .to_owned(),
    };
    let doing = format!("reading queue {name}");
    let out = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, NO_QUEUE, &e))?;
    let Some(attrs) = out.attributes() else {
        return Err(Problem::Unreadable(format!(
            "{doing}: no attributes returned"
        )));
    };
    let get = |k: QueueAttributeName| attrs.get(&k).map(|v| json!(v));
    let mut m = Map::new();
    m.insert("QueueName".into(), json!(name));
    put(
        &mut m,
        "MessageRetentionPeriod",
        get(QueueAttributeName::MessageRetentionPeriod),
    );
    put(
        &mut m,
        "SqsManagedSseEnabled",
        get(QueueAttributeName::SqsManagedSseEnabled),
    );
    put(
        &mut m,
        "KmsMasterKeyId",
        get(QueueAttributeName::KmsMasterKeyId),
    );
    put(
        &mut m,
        "QueuePolicy",
        attrs
            .get(&QueueAttributeName::Policy)
            .map(|p| crate::cfn::policy::decode_policy(p).unwrap_or_else(|_| json!(p)))
            .map(|doc| json!({ "PolicyDocument": doc })),
    );
    Ok(Value::Object(m))
}
