//! SNS: who a topic's messages reach, and which of them have not yet confirmed.

use super::{Aws, AwsError};
use serde::Serialize;

/// What ListSubscriptionsByTopic gives for a subscription the endpoint has not confirmed yet.
pub const PENDING: &str = "PendingConfirmation";

/// One subscription of a topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// email, sms, sqs...
    pub protocol: String,
    /// The address messages go to (an e-mail address for `email`).
    pub endpoint: String,
    /// True until the endpoint confirms: nothing published reaches it before then.
    pub pending_confirmation: bool,
}

/// Every subscription of the topic `topic_arn`, in the order SNS lists them.
pub async fn subscriptions(aws: &Aws, topic_arn: &str) -> Result<Vec<Subscription>, AwsError> {
    let mut out = Vec::new();
    let mut pages = aws
        .sns()
        .list_subscriptions_by_topic()
        .topic_arn(topic_arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            AwsError::new(
                format!("listing the subscriptions of {topic_arn}"),
                &aws.region,
                &e,
            )
        })?;
        out.extend(page.subscriptions().iter().map(|s| Subscription {
            protocol: s.protocol().unwrap_or_default().to_owned(),
            endpoint: s.endpoint().unwrap_or_default().to_owned(),
            pending_confirmation: s.subscription_arn() == Some(PENDING),
        }));
    }
    Ok(out)
}

/// The addresses of the subscriptions still waiting for their confirmation, sorted.
pub fn pending(subscriptions: &[Subscription]) -> Vec<String> {
    let mut out: Vec<String> = subscriptions
        .iter()
        .filter(|s| s.pending_confirmation)
        .map(|s| s.endpoint.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}
