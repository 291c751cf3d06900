//! SQS, for draining dead-letter queues: receive a batch, delete a message once it is handled,
//! give a listed message back at once; and the asynchronous Lambda invoke a redrive needs.

use super::{Aws, AwsError};

/// One message as received: what a redrive needs to act on it and then delete it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub receipt: String,
    pub body: String,
}

/// SQS's largest batch.
const BATCH: i32 = 10;

/// Up to ten messages from `queue_url`, hidden from other receivers for `hide_secs` (so a
/// message that fails again is not received twice in one run). Empty when the queue is.
pub async fn receive(aws: &Aws, queue_url: &str, hide_secs: i32) -> Result<Vec<Message>, AwsError> {
    let out = aws
        .sqs()
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(BATCH)
        .visibility_timeout(hide_secs)
        .wait_time_seconds(0)
        .send()
        .await
        .map_err(|e| AwsError::new(format!("reading {queue_url}"), &aws.region, &e))?;
    Ok(out
        .messages()
        .iter()
        .map(|m| Message {
            id: m.message_id().unwrap_or_default().to_owned(),
            receipt: m.receipt_handle().unwrap_or_default().to_owned(),
            body: m.body().unwrap_or_default().to_owned(),
        })
        .collect())
}

pub async fn delete(aws: &Aws, queue_url: &str, message: &Message) -> Result<(), AwsError> {
    aws.sqs()
        .delete_message()
        .queue_url(queue_url)
        .receipt_handle(&message.receipt)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("deleting message {} from {queue_url}", message.id),
                &aws.region,
                &e,
            )
        })?;
    Ok(())
}

/// Makes a received message visible again at once (a dry run only looked at it).
pub async fn give_back(aws: &Aws, queue_url: &str, message: &Message) -> Result<(), AwsError> {
    aws.sqs()
        .change_message_visibility()
        .queue_url(queue_url)
        .receipt_handle(&message.receipt)
        .visibility_timeout(0)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("returning message {} to {queue_url}", message.id),
                &aws.region,
                &e,
            )
        })?;
    Ok(())
}

/// Invokes `function` asynchronously (InvocationType Event) with `payload`, as S3 would.
pub async fn invoke_async(aws: &Aws, function: &str, payload: &str) -> Result<(), AwsError> {
    aws.lambda()
        .invoke()
        .function_name(function)
        .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
        .payload(aws_sdk_lambda::primitives::Blob::new(payload.as_bytes()))
        .send()
        .await
        .map_err(|e| AwsError::new(format!("invoking {function}"), &aws.region, &e))?;
    Ok(())
}
