//! The chat channels AWS Chatbot posts the alarms to (`notifications.slack` and `.teams`): one
//! channel configuration each, subscribed to the alerts topic, and the one role they share.

use crate::config::Config;
use serde::Serialize;

/// The role every channel configuration gives AWS Chatbot.
pub const ROLE: &str = "ChatbotRole";
/// CloudWatch read-only: what Chatbot reads to render an alarm notification (the alarm's
/// graph and state history). An AWS managed policy, not an inline one: AWS keeps it current
/// as Chatbot's rendering changes, and it grants reads only.
pub const ROLE_POLICY: &str = "arn:${AWS::Partition}:iam::aws:policy/CloudWatchReadOnlyAccess";
/// The channel guardrail: the most any channel member can do through Chatbot, whatever the
/// role allows. Read-only, so the chat cannot change the account.
pub const GUARDRAIL_POLICY: &str = "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess";
/// What Chatbot logs to CloudWatch Logs: only its errors (failed deliveries).
pub const LOGGING_LEVEL: &str = "ERROR";

#[derive(Debug, Clone, Serialize)]
pub struct Chatbot {
    pub role_logical_id: &'static str,
    pub channels: Vec<ChatChannel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChatChannel {
    pub logical_id: String,
    /// `{prefix}-slack-N` or `{prefix}-teams-N`: create-only, so it never changes after.
    pub configuration_name: String,
    pub target: ChatTarget,
}

#[derive(Debug, Clone, Serialize)]
pub enum ChatTarget {
    Slack {
        workspace_id: String,
        channel_id: String,
    },
    Teams {
        team_id: String,
        channel_id: String,
        tenant_id: String,
    },
}

pub fn slack_logical_id(n: usize) -> String {
    format!("SlackChannel{n}")
}

pub fn teams_logical_id(n: usize) -> String {
    format!("TeamsChannel{n}")
}

/// The channels of `config`; none configured, no Chatbot resource at all.
pub fn chatbot(config: &Config, prefix: &str) -> Option<Chatbot> {
    let n = &config.notifications;
    let slack = n.slack.iter().enumerate().map(|(i, c)| ChatChannel {
        logical_id: slack_logical_id(i + 1),
        configuration_name: format!("{prefix}-slack-{}", i + 1),
        target: ChatTarget::Slack {
            workspace_id: c.workspace_id.as_str().to_owned(),
            channel_id: c.channel_id.as_str().to_owned(),
        },
    });
    let teams = n.teams.iter().enumerate().map(|(i, c)| ChatChannel {
        logical_id: teams_logical_id(i + 1),
        configuration_name: format!("{prefix}-teams-{}", i + 1),
        target: ChatTarget::Teams {
            team_id: c.team_id.as_str().to_owned(),
            channel_id: c.channel_id.as_str().to_owned(),
            tenant_id: c.tenant_id.as_str().to_owned(),
        },
    });
    let channels: Vec<ChatChannel> = slack.chain(teams).collect();
    (!channels.is_empty()).then_some(Chatbot {
        role_logical_id: ROLE,
        channels,
    })
}
