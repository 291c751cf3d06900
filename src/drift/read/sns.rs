//! SNS topics (encryption, and subscriptions the model does not declare), topic policies and
//! subscriptions.

use super::{Problem, Read, expected_str, problem, put, reference};
use crate::aws::Aws;
use crate::cfn::policy::decode_policy;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

const NO_TOPIC: &[&str] = &["NotFound", "NotFoundException"];

async fn attributes(
    aws: &Aws,
    topic: &str,
) -> Result<std::collections::HashMap<String, String>, Problem> {
    let out = aws
        .sns()
        .get_topic_attributes()
        .topic_arn(topic)
        .send()
        .await
        .map_err(|e| problem(aws, &format!("reading topic {topic}"), NO_TOPIC, &e))?;
    Ok(out.attributes().cloned().unwrap_or_default())
}

/// `(protocol, endpoint, subscription ARN)` of every subscription of `topic`.
async fn subscriptions(aws: &Aws, topic: &str) -> Result<Vec<(String, String, String)>, Problem> {
    let subs = aws
        .sns()
        .list_subscriptions_by_topic()
        .topic_arn(topic)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            problem(
                aws,
                &format!("listing the subscriptions of {topic}"),
                NO_TOPIC,
                &e,
            )
        })?;
    Ok(subs
        .iter()
        .map(|s| {
            (
                s.protocol().unwrap_or_default().to_owned(),
                s.endpoint().unwrap_or_default().to_owned(),
                s.subscription_arn().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

pub async fn topic(aws: &Aws, t: &Target) -> Read {
    let arn = reference(t)?;
    let (attrs, subs) = tokio::join!(attributes(aws, arn), subscriptions(aws, arn));
    let attrs = attrs?;
    let declared: Vec<(String, String)> = t.hints["subscriptions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|s| {
            (
                s["Protocol"].as_str().unwrap_or_default().to_owned(),
                s["Endpoint"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let unmanaged: Vec<String> = subs?
        .into_iter()
        .filter(|(p, e, _)| !declared.iter().any(|(dp, de)| dp == p && de == e))
        .map(|(p, e, _)| format!("{p}:{e}"))
        .collect();
    let mut m = Map::new();
    m.insert(
        "TopicName".into(),
        json!(arn.rsplit(':').next().unwrap_or(arn)),
    );
    put(
        &mut m,
        "KmsMasterKeyId",
        attrs
            .get("KmsMasterKeyId")
            .filter(|k| !k.is_empty())
            .map(|k| json!(k)),
    );
    // Who else receives the alerts: subscriptions the model does not declare.
    put(
        &mut m,
        "UnmanagedSubscriptions",
        (!unmanaged.is_empty()).then(|| json!(unmanaged)),
    );
    Ok(Value::Object(m))
}

pub async fn topic_policy(aws: &Aws, t: &Target) -> Read {
    let arn = expected_str(t, &["Topics", "0"])
        .or_else(|_| t.expected["Topics"][0].as_str().ok_or(()))
        .map_err(|_| Problem::Unreadable(format!("{}: the topic is not known", t.logical_id)))?;
    let attrs = attributes(aws, arn).await?;
    let text = attrs.get("Policy").map(String::as_str).unwrap_or("{}");
    let doc = decode_policy(text)
        .map_err(|m| Problem::Unreadable(format!("reading the policy of {arn}: {m}")))?;
    // A topic's policy is never empty: without ours it is the default SNS writes.
    if doc["Id"] == "__default_policy_ID" {
        return Err(Problem::Missing(format!(
            "{arn} has the default policy SNS gives every topic"
        )));
    }
    Ok(json!({ "Topics": [arn], "PolicyDocument": doc }))
}

pub async fn subscription(aws: &Aws, t: &Target) -> Read {
    let topic = expected_str(t, &["TopicArn"])?;
    let protocol = t.expected["Protocol"].as_str().unwrap_or_default();
    let endpoint = t.expected["Endpoint"].as_str().unwrap_or_default();
    let subs = subscriptions(aws, topic).await?;
    let found = subs
        .iter()
        .find(|(_, _, arn)| t.physical_id.as_deref() == Some(arn.as_str()))
        .or_else(|| subs.iter().find(|(p, e, _)| p == protocol && e == endpoint));
    match found {
        Some((p, e, _)) => Ok(json!({ "Protocol": p, "Endpoint": e, "TopicArn": topic })),
        None => Err(Problem::Missing(format!(
            "{topic} has no {protocol} subscription for {endpoint}"
        ))),
    }
}
