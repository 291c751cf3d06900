//! Renders the chat channels AWS Chatbot posts the alarms to (`model::chatbot`): one channel
//! configuration per Slack or Teams channel, subscribed to the alerts topic, and their role.

use super::{get_att, r#ref, sub};
use crate::model::Pipeline;
use crate::model::chatbot::{ChatTarget, GUARDRAIL_POLICY, LOGGING_LEVEL, ROLE_POLICY};
use crate::model::names::Sub;
use serde_json::{Value, json};

pub(super) fn chatbot(p: &Pipeline, add: &mut impl FnMut(&str, Value)) {
    let Some(cb) = &p.chatbot else {
        return;
    };
    // No inline policy: the AWS managed CloudWatch read-only policy is what Chatbot reads to
    // draw an alarm's notification (its state, history and metric graph), and AWS keeps it
    // current as Chatbot's rendering changes. It reads and lists only; the trust policy lets
    // only Chatbot acting for this account assume the role.
    add(
        cb.role_logical_id,
        json!({
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": "AWS Chatbot reads CloudWatch to render the alarms it posts to Slack and Teams",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": { "Service": "chatbot.amazonaws.com" },
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "StringEquals": { "aws:SourceAccount": r#ref("AWS::AccountId") }
                        },
                    }],
                },
                "ManagedPolicyArns": [sub(&Sub::new(ROLE_POLICY))],
            }
        }),
    );
    for c in &cb.channels {
        // Chatbot subscribes itself to each topic of SnsTopicArns (an HTTPS subscription SNS
        // decrypts for, so the key policy needs no Chatbot principal: README, "Paging in Slack
        // or Teams").
        let mut props = json!({
            "ConfigurationName": c.configuration_name,
            "IamRoleArn": get_att(cb.role_logical_id, "Arn"),
            "SnsTopicArns": [r#ref(p.topic.logical_id)],
            "LoggingLevel": LOGGING_LEVEL,
            "GuardrailPolicies": [sub(&Sub::new(GUARDRAIL_POLICY))],
        });
        let ty = match &c.target {
            ChatTarget::Slack {
                workspace_id,
                channel_id,
            } => {
                props["SlackWorkspaceId"] = json!(workspace_id);
                props["SlackChannelId"] = json!(channel_id);
                "AWS::Chatbot::SlackChannelConfiguration"
            }
            ChatTarget::Teams {
                team_id,
                channel_id,
                tenant_id,
            } => {
                props["TeamId"] = json!(team_id);
                props["TeamsChannelId"] = json!(channel_id);
                props["TeamsTenantId"] = json!(tenant_id);
                "AWS::Chatbot::MicrosoftTeamsChannelConfiguration"
            }
        };
        add(&c.logical_id, json!({ "Type": ty, "Properties": props }));
    }
}
