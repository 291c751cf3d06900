//! The pipeline's encryption key and its S3 access-log bucket, from the config's `security:`
//! section: which key encrypts the data (and who must be able to use it), and where the raw
//! and results buckets' server access logs go.

use super::iam::{Access, Actor, Condition, Edge, Node, Statement};
use super::names::{Names, Sub};
use crate::config::{Config, KmsKey};
use serde::Serialize;
use std::collections::BTreeMap;

/// Logical ids of the security resources.
pub mod ids {
    pub const KEY: &str = "PipelineKey";
    pub const KEY_ALIAS: &str = "PipelineKeyAlias";
    pub const ACCESS_LOGS_BUCKET: &str = "AccessLogsBucket";
}

#[derive(Debug, Clone, Serialize)]
pub struct Security {
    /// The customer-managed key of the data; None: AWS-owned and AWS-managed keys.
    pub key: Option<Key>,
    /// The bucket receiving the raw and results buckets' server access logs.
    pub access_logs: Option<AccessLogs>,
}

#[derive(Debug, Clone, Serialize)]
pub enum Key {
    /// A key the stack creates (rotated, retained), with an alias.
    Created {
        logical_id: &'static str,
        alias_logical_id: &'static str,
        alias: String,
        /// The log groups CloudWatch Logs may encrypt with it (the encryption context's ARNs).
        log_groups: Vec<Sub>,
    },
    /// A key of yours, by ARN: its policy is yours to keep (README, "Encryption").
    Existing(String),
}

impl Key {
    /// The key's ARN as an `Fn::Sub` string.
    pub fn arn(&self) -> Sub {
        match self {
            Key::Created { logical_id, .. } => Sub::new(format!("${{{logical_id}.Arn}}")),
            Key::Existing(arn) => Sub::new(arn.clone()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessLogs {
    pub logical_id: &'static str,
    pub name: Sub,
    pub expire_after_days: u32,
    /// The buckets that log here: (logical id, name, key prefix of their logs).
    pub sources: Vec<(&'static str, Sub, &'static str)>,
}

impl Security {
    pub fn build(config: &Config, names: &Names, log_group_names: &[&str]) -> Self {
        let s = &config.security;
        let key = match &s.kms {
            KmsKey::None => None,
            KmsKey::Create => Some(Key::Created {
                logical_id: ids::KEY,
                alias_logical_id: ids::KEY_ALIAS,
                alias: format!("alias/{}", names.prefix),
                log_groups: log_group_names
                    .iter()
                    .map(|g| log_group_arn_without_star(g))
                    .collect(),
            }),
            KmsKey::Existing(arn) => Some(Key::Existing(arn.as_str().to_owned())),
        };
        let access_logs = s.access_logs.then(|| AccessLogs {
            logical_id: ids::ACCESS_LOGS_BUCKET,
            // "access" keeps the longest name within S3's 63 characters, as "athena" does.
            name: Sub::new(format!(
                "{}-access-${{AWS::AccountId}}-${{AWS::Region}}",
                names.prefix
            )),
            expire_after_days: s.access_log_retention_days.int() as u32,
            sources: vec![
                (super::ids::RAW_BUCKET, names.raw_bucket.clone(), "raw/"),
                (
                    super::ids::RESULTS_BUCKET,
                    names.results_bucket.clone(),
                    "athena/",
                ),
            ],
        });
        Self { key, access_logs }
    }
}

/// A log group's ARN as CloudWatch Logs puts it in the encryption context (no `:*`).
fn log_group_arn_without_star(group: &str) -> Sub {
    let arn = Names::log_group_arn(group);
    Sub::new(arn.0.strip_suffix(":*").unwrap_or(&arn.0).to_owned())
}

/// The service through which an actor's access reaches the key: the key is usable only through
/// these services (the key policy and each statement's `kms:ViaService`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    S3,
    DynamoDb,
    Sqs,
}

impl Via {
    fn endpoint(self) -> &'static str {
        match self {
            Via::S3 => "s3.${AWS::Region}.amazonaws.com",
            Via::DynamoDb => "dynamodb.${AWS::Region}.amazonaws.com",
            Via::Sqs => "sqs.${AWS::Region}.amazonaws.com",
        }
    }
}

/// The KMS actions an edge needs on the key when its target is encrypted with it, and the
/// service that calls KMS for it. Logs and metrics need none: CloudWatch Logs encrypts with its
/// own principal (the key policy), and metrics are not encrypted.
pub fn key_use(edge: &Edge) -> Option<(Via, &'static [&'static str])> {
    use Access::*;
    const DECRYPT: &[&str] = &["kms:Decrypt"];
    const ENCRYPT: &[&str] = &["kms:GenerateDataKey"];
    const BOTH: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey"];
    let bucket = matches!(edge.to, Node::RawBucket | Node::ResultsBucket);
    let queue = matches!(edge.to, Node::ScheduleDlq | Node::ProcessorDlq);
    match edge.access {
        // SSE-KMS: a put asks KMS for a data key; a get decrypts it.
        PutObjects if bucket => Some((Via::S3, ENCRYPT)),
        ReadPartitions | ReadObjects if bucket => Some((Via::S3, DECRYPT)),
        // Get and put (the quarantine; Athena's results, read back and written in parts).
        QuarantineObjects | WriteObjects if bucket => Some((Via::S3, BOTH)),
        // A write to a table under a customer-managed key decrypts the table key with the
        // caller's rights (PutItem and BatchWriteItem fail without it: aws/aws-cdk#10010).
        WriteItems if edge.to == Node::Table => Some((Via::DynamoDb, DECRYPT)),
        // An SQS producer of an encrypted queue needs both (SQS's key management docs).
        SendMessages if queue => Some((Via::Sqs, BOTH)),
        _ => None,
    }
}

/// Each actor's statements on the key, derived from its edges: one per service it reaches the
/// key through, with the union of the actions its edges need there.
pub fn key_statements(edges: &[Edge], key: &Key) -> BTreeMap<Actor, Vec<Statement>> {
    let mut needs: BTreeMap<(Actor, Via), Vec<&'static str>> = BTreeMap::new();
    for e in edges {
        if let Some((via, actions)) = key_use(e) {
            let entry = needs.entry((e.from, via)).or_default();
            entry.extend(actions);
            entry.sort_unstable();
            entry.dedup();
        }
    }
    let mut out: BTreeMap<Actor, Vec<Statement>> = BTreeMap::new();
    for ((actor, via), actions) in needs {
        let condition: Condition = BTreeMap::from([(
            "StringEquals",
            BTreeMap::from([("kms:ViaService", Sub::new(via.endpoint()))]),
        )]);
        out.entry(actor).or_default().push(Statement {
            sid: format!("UseKeyVia{via:?}"),
            actions,
            resources: Some(vec![key.arn()]),
            condition,
        });
    }
    out
}
