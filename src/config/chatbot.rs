//! `notifications.slack` and `notifications.teams`: chat channels AWS Chatbot posts the alarms
//! to, each id checked against the shape Slack or Microsoft Teams gives it.

use serde::{Deserialize, Serialize};

/// A Slack channel of a workspace already authorized in the AWS Chatbot console.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct SlackChannel {
    /// The workspace id the AWS Chatbot console shows once the workspace is authorized (T0123ABCD).
    pub workspace_id: ChatId<SlackWorkspace>,
    /// The channel id, the last part of the channel's link (C0123ABCD).
    pub channel_id: ChatId<SlackChannelKind>,
}

/// A Microsoft Teams channel of a tenant already authorized in the AWS Chatbot console.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct TeamsChannel {
    /// The team's id (a UUID, the `groupId` of the channel's link).
    pub team_id: ChatId<Uuid>,
    /// The channel id as the channel's link spells it, URL-encoded (19%3a…%40thread.tacv2).
    pub channel_id: ChatId<TeamsChannelKind>,
    /// The Microsoft Entra tenant's id (a UUID, the `tenantId` of the channel's link).
    pub tenant_id: ChatId<Uuid>,
}

/// What one kind of id looks like.
pub trait IdKind: Clone + Copy + Ord + std::fmt::Debug {
    const NAME: &'static str;
    /// The JSON schema's pattern, which `check` implements.
    const PATTERN: &'static str;
    const EXAMPLE: &'static str;
    fn check(s: &str) -> bool;
}

fn upper_alnum(s: &str, first: &[char]) -> bool {
    (9..=21).contains(&s.len())
        && s.starts_with(first)
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlackWorkspace;
impl IdKind for SlackWorkspace {
    const NAME: &'static str = "a Slack workspace id";
    const PATTERN: &'static str = "^T[0-9A-Z]{8,20}$";
    const EXAMPLE: &'static str = "T0123ABCD";
    fn check(s: &str) -> bool {
        upper_alnum(s, &['T'])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlackChannelKind;
impl IdKind for SlackChannelKind {
    const NAME: &'static str = "a Slack channel id";
    // Private channels made before 2021 keep ids starting with G.
    const PATTERN: &'static str = "^[CG][0-9A-Z]{8,20}$";
    const EXAMPLE: &'static str = "C0123ABCD";
    fn check(s: &str) -> bool {
        upper_alnum(s, &['C', 'G'])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Uuid;
impl IdKind for Uuid {
    const NAME: &'static str = "a UUID";
    const PATTERN: &'static str =
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
    const EXAMPLE: &'static str = "12345678-abcd-4ef0-1234-56789abcdef0";
    fn check(s: &str) -> bool {
        let groups: Vec<&str> = s.split('-').collect();
        groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && groups
                .iter()
                .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TeamsChannelKind;
impl IdKind for TeamsChannelKind {
    const NAME: &'static str = "a Teams channel id (URL-encoded, as in the channel's link)";
    // The AWS Chatbot API's pattern for TeamsChannelId: `:` and `@` URL-encoded.
    const PATTERN: &'static str =
        "^[a-zA-Z0-9\\-_=+/.,]*%3[aA][a-zA-Z0-9\\-_=+/.,]*%40[a-zA-Z0-9\\-_=+/.,]*$";
    const EXAMPLE: &'static str = "19%3ab6ef35dc342d4e8ab0bdc4a2d1d3fc5b%40thread.tacv2";
    fn check(s: &str) -> bool {
        let plain = |t: &str| {
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=+/.,".contains(c))
        };
        let lower = s.replace("%3A", "%3a");
        let Some((before, rest)) = lower.split_once("%3a") else {
            return false;
        };
        let Some((middle, after)) = rest.split_once("%40") else {
            return false;
        };
        s.len() <= 256 && plain(before) && plain(middle) && plain(after)
    }
}

/// An id of kind `K`, checked when the config is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChatId<K: IdKind>(String, std::marker::PhantomData<K>);

impl<K: IdKind> ChatId<K> {
    pub fn parse(s: &str) -> Result<Self, String> {
        if K::check(s) {
            Ok(Self(s.to_owned(), std::marker::PhantomData))
        } else {
            Err(format!(
                "must be {}, such as {} (got {s:?})",
                K::NAME,
                K::EXAMPLE
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<K: IdKind> TryFrom<String> for ChatId<K> {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl<K: IdKind> From<ChatId<K>> for String {
    fn from(id: ChatId<K>) -> String {
        id.0
    }
}

impl<K: IdKind> schemars::JsonSchema for ChatId<K> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ChatId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": K::PATTERN,
            "description": format!("{}, such as {}", K::NAME, K::EXAMPLE),
        })
    }
}
