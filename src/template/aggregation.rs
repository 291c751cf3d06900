//! Renders one query across regions (`model::aggregation`): the raw bucket's replication
//! configuration and its role in every region; the central bucket (with its TLS-only policy),
//! the central table and workgroup in the aggregation region. Runs after the `security` pass,
//! so the central bucket takes the same key and access logging as the raw bucket.

use super::{get_att, key_arn, raw_json_table, r#ref, skip, statement, sub, workgroup};
use crate::model::Pipeline;
use crate::model::aggregation::Aggregation;
use crate::model::identity::bucket_policy_logical_id;
use crate::model::names::{Names, PIPELINE_TAG};
use serde_json::{Map, Value, json};

/// The access-log prefix of the central bucket, beside the raw bucket's `raw/`.
const ACCESS_LOG_PREFIX: &str = "central/";

pub(super) fn aggregation(p: &Pipeline, resources: &mut Map<String, Value>) {
    let Some(agg) = &p.aggregation else {
        return;
    };
    replication(p, agg, resources);
    resources.insert(agg.replication.role_logical_id.to_owned(), role(p, agg));
    if let Some(central) = &agg.central {
        let mut bucket = super::bucket(&central.bucket);
        bucket["Properties"]["Tags"] = json!([{ "Key": PIPELINE_TAG, "Value": p.stack_name }]);
        if let Some(key) = &p.security.key {
            bucket["Properties"]["BucketEncryption"] = json!({
                "ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": { "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn(key) },
                    // The replication role's kms:Encrypt is held to the bucket's ARN as context.
                    "BucketKeyEnabled": true,
                }]
            });
        }
        match &p.security.access_logs {
            Some(logs) => {
                bucket["Properties"]["LoggingConfiguration"] = json!({
                    "DestinationBucketName": r#ref(logs.logical_id),
                    "LogFilePrefix": ACCESS_LOG_PREFIX,
                });
                bucket["DependsOn"] = json!([bucket_policy_logical_id(logs.logical_id)]);
                allow_access_logs(
                    resources,
                    &bucket_policy_logical_id(logs.logical_id),
                    &logs.name,
                    &central.bucket.name,
                );
            }
            None => skip(
                &mut bucket,
                "CKV_AWS_18",
                "Server access logging is off by default (it adds a log bucket per region); `security.access_logs: true` turns it on, and CloudTrail data events are the audit trail where required.",
            ),
        }
        resources.insert(central.bucket.logical_id.to_owned(), bucket);
        resources.insert(
            bucket_policy_logical_id(central.bucket.logical_id),
            super::tls_only_policy(&central.bucket),
        );
        // In this region the raw bucket replicates to a bucket of its own stack.
        if let Some(raw) = resources.get_mut(p.raw_bucket.logical_id) {
            let id = json!(central.bucket.logical_id);
            match raw["DependsOn"].as_array_mut() {
                Some(list) => list.push(id),
                None => raw["DependsOn"] = json!([id]),
            }
        }
        let a = &p.analytics;
        resources.insert(
            central.table_logical_id.to_owned(),
            raw_json_table(a, &central.table, &central.bucket.name),
        );
        let mut wg = workgroup(
            a,
            &central.workgroup,
            "infrapipe queries over every region's raw metrics (the central bucket)",
            &central.results_location,
        );
        if let Some(key) = &p.security.key {
            wg["Properties"]["WorkGroupConfiguration"]["ResultConfiguration"]["EncryptionConfiguration"] =
                json!({ "EncryptionOption": "SSE_KMS", "KmsKey": key_arn(key) });
        }
        resources.insert(central.workgroup_logical_id.to_owned(), wg);
    }
}

/// The raw bucket's replication configuration: its raw JSON only, to the central bucket.
fn replication(p: &Pipeline, agg: &Aggregation, resources: &mut Map<String, Value>) {
    let r = &agg.replication;
    let mut destination = json!({
        "Bucket": sub(&r.destination_bucket_arn),
        "StorageClass": "STANDARD",
    });
    let mut rule = json!({
        "Id": r.rule_id,
        "Status": "Enabled",
        "Priority": 1,
        "Filter": { "Prefix": r.prefix },
        "DeleteMarkerReplication": { "Status": if r.delete_markers { "Enabled" } else { "Disabled" } },
    });
    if let Some(key) = &r.replica_key {
        destination["EncryptionConfiguration"] = json!({ "ReplicaKmsKeyID": sub(key) });
        // S3 replicates SSE-KMS objects only when told to.
        rule["SourceSelectionCriteria"] =
            json!({ "SseKmsEncryptedObjects": { "Status": "Enabled" } });
    }
    rule["Destination"] = destination;
    if let Some(raw) = resources.get_mut(p.raw_bucket.logical_id) {
        raw["Properties"]["ReplicationConfiguration"] = json!({
            "Role": get_att(r.role_logical_id, "Arn"),
            "Rules": [rule],
        });
    }
}

/// The role S3 assumes to replicate: trusted by S3 for this raw bucket of this account only.
fn role(p: &Pipeline, agg: &Aggregation) -> Value {
    let statements: Vec<Value> = agg.replication.statements.iter().map(statement).collect();
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": format!("S3 replicates the raw JSON to the central bucket in {}", agg.central_region),
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Service": "s3.amazonaws.com" },
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": { "aws:SourceAccount": r#ref("AWS::AccountId") },
                        "ArnLike": { "aws:SourceArn": sub(&Names::bucket_arn(&p.raw_bucket.name)) },
                    },
                }],
            },
            "Policies": [{
                "PolicyName": "least-privilege",
                "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
            }],
        }
    })
}

/// Lets S3's logging service write the central bucket's access logs under its own prefix.
fn allow_access_logs(
    resources: &mut Map<String, Value>,
    policy_id: &str,
    log_bucket: &crate::model::names::Sub,
    central: &crate::model::names::Sub,
) {
    let Some(statements) = resources
        .get_mut(policy_id)
        .and_then(|p| p["Properties"]["PolicyDocument"]["Statement"].as_array_mut())
    else {
        return;
    };
    for s in statements {
        if s["Principal"]["Service"] == "logging.s3.amazonaws.com" {
            let prefix = sub(&Names::objects_arn(
                log_bucket,
                &format!("{ACCESS_LOG_PREFIX}*"),
            ));
            if let Some(list) = s["Resource"].as_array_mut() {
                list.push(prefix);
            }
            if let Some(list) = s["Condition"]["ArnLike"]["aws:SourceArn"].as_array_mut() {
                list.push(sub(&Names::bucket_arn(central)));
            }
        }
    }
}
