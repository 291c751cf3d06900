//! S3 buckets (versioning, encryption, public access block, ownership, lifecycle, notification,
//! the tags the template sets)
//! and bucket policies.

use super::{Problem, Read, id, problem, put};
use crate::aws::Aws;
use crate::cfn::policy::decode_policy;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

const NO_BUCKET: &[&str] = &["NoSuchBucket"];

pub async fn bucket(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let s3 = aws.s3();
    let doing = |what: &str| format!("reading the {what} of bucket {name}");
    let (versioning, encryption, public, ownership, lifecycle, notification, tagging) = tokio::join!(
        s3.get_bucket_versioning().bucket(name).send(),
        s3.get_bucket_encryption().bucket(name).send(),
        s3.get_public_access_block().bucket(name).send(),
        s3.get_bucket_ownership_controls().bucket(name).send(),
        s3.get_bucket_lifecycle_configuration().bucket(name).send(),
        s3.get_bucket_notification_configuration()
            .bucket(name)
            .send(),
        s3.get_bucket_tagging().bucket(name).send(),
    );
    let mut m = Map::new();
    m.insert("BucketName".into(), json!(name));

    let status = match versioning {
        Ok(v) => v.status().map(|s| s.as_str().to_owned()),
        // moto names the response's root element GetBucketVersioningResponse, which the SDK
        // refuses; its Status (absent for a never-versioned bucket) is all there is to read.
        Err(e) if emulator_empty(&e, "GetBucketVersioningResponse") => e
            .raw_response()
            .and_then(|r| r.body().bytes())
            .map(String::from_utf8_lossy)
            .and_then(|body| {
                let start = body.find("<Status>")? + "<Status>".len();
                let end = body[start..].find("</Status>")? + start;
                Some(body[start..end].to_owned())
            }),
        Err(e) => return Err(problem(aws, &doing("versioning"), NO_BUCKET, &e)),
    };
    put(
        &mut m,
        "VersioningConfiguration",
        status.map(|s| json!({ "Status": s })),
    );

    // A bucket always has default encryption now; none at all (older buckets) is "not set".
    match encryption {
        Ok(out) => {
            let rules: Vec<Value> = out
                .server_side_encryption_configuration()
                .map(|c| c.rules())
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    let mut rule = Map::new();
                    if let Some(d) = r.apply_server_side_encryption_by_default() {
                        let mut by_default = Map::new();
                        by_default.insert("SSEAlgorithm".into(), json!(d.sse_algorithm().as_str()));
                        put(
                            &mut by_default,
                            "KMSMasterKeyID",
                            d.kms_master_key_id().map(|k| json!(k)),
                        );
                        rule.insert(
                            "ServerSideEncryptionByDefault".into(),
                            Value::Object(by_default),
                        );
                    }
                    rule.insert(
                        "BucketKeyEnabled".into(),
                        json!(r.bucket_key_enabled().unwrap_or(false)),
                    );
                    Value::Object(rule)
                })
                .collect();
            m.insert(
                "BucketEncryption".into(),
                json!({ "ServerSideEncryptionConfiguration": rules }),
            );
        }
        Err(e) => absent_or(
            aws,
            &doing("encryption"),
            &e,
            "ServerSideEncryptionConfigurationNotFoundError",
        )?,
    }

    // No public access block at all blocks nothing: say so flag by flag.
    let block = match public {
        Ok(out) => out.public_access_block_configuration().map(|c| {
            (
                c.block_public_acls().unwrap_or(false),
                c.block_public_policy().unwrap_or(false),
                c.ignore_public_acls().unwrap_or(false),
                c.restrict_public_buckets().unwrap_or(false),
            )
        }),
        Err(e) => {
            absent_or(
                aws,
                &doing("public access block"),
                &e,
                "NoSuchPublicAccessBlockConfiguration",
            )?;
            None
        }
    }
    .unwrap_or((false, false, false, false));
    m.insert(
        "PublicAccessBlockConfiguration".into(),
        json!({
            "BlockPublicAcls": block.0,
            "BlockPublicPolicy": block.1,
            "IgnorePublicAcls": block.2,
            "RestrictPublicBuckets": block.3,
        }),
    );

    match ownership {
        Ok(out) => {
            let rules: Vec<Value> = out
                .ownership_controls()
                .map(|c| c.rules())
                .unwrap_or_default()
                .iter()
                .map(|r| json!({ "ObjectOwnership": r.object_ownership().as_str() }))
                .collect();
            m.insert("OwnershipControls".into(), json!({ "Rules": rules }));
        }
        Err(e) => absent_or(
            aws,
            &doing("ownership controls"),
            &e,
            "OwnershipControlsNotFoundError",
        )?,
    }

    let live_tags: std::collections::BTreeMap<String, String> = match tagging {
        Ok(out) => out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
        Err(e) => {
            absent_or(aws, &doing("tags"), &e, "NoSuchTagSet")?;
            Default::default()
        }
    };
    put(&mut m, "Tags", super::template_tags(t, &live_tags));

    match lifecycle {
        Ok(out) => {
            let rules: Vec<Value> = out.rules().iter().map(lifecycle_rule).collect();
            m.insert("LifecycleConfiguration".into(), json!({ "Rules": rules }));
        }
        Err(e) => absent_or(aws, &doing("lifecycle"), &e, "NoSuchLifecycleConfiguration")?,
    }

    let n = match notification {
        Ok(n) => n,
        Err(e) if emulator_empty(&e, "GetBucketNotificationResponse") => {
            aws_sdk_s3::operation::get_bucket_notification_configuration::GetBucketNotificationConfigurationOutput::builder().build()
        }
        Err(e) => return Err(problem(aws, &doing("notification"), NO_BUCKET, &e)),
    };
    let mut notify = Map::new();
    let lambdas: Vec<Value> = n
        .lambda_function_configurations()
        .iter()
        .flat_map(|c| {
            let rules: Vec<Value> = c
                .filter()
                .and_then(|f| f.key())
                .map(|k| k.filter_rules())
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    json!({
                        // S3 returns "Suffix"; CloudFormation writes "suffix".
                        "Name": r.name().map(|n| n.as_str().to_ascii_lowercase()),
                        "Value": r.value(),
                    })
                })
                .collect();
            c.events().iter().map(move |e| {
                let mut entry = json!({ "Event": e.as_str(), "Function": c.lambda_function_arn() });
                if !rules.is_empty() {
                    entry["Filter"] = json!({ "S3Key": { "Rules": rules } });
                }
                entry
            })
        })
        .collect();
    put(
        &mut notify,
        "LambdaConfigurations",
        (!lambdas.is_empty()).then(|| json!(lambdas)),
    );
    // Anything else notified is not the model's: show where objects' events go.
    let queues: Vec<&str> = n
        .queue_configurations()
        .iter()
        .map(|q| q.queue_arn())
        .collect();
    put(
        &mut notify,
        "QueueConfigurations",
        (!queues.is_empty()).then(|| json!(queues)),
    );
    let topics: Vec<&str> = n
        .topic_configurations()
        .iter()
        .map(|q| q.topic_arn())
        .collect();
    put(
        &mut notify,
        "TopicConfigurations",
        (!topics.is_empty()).then(|| json!(topics)),
    );
    put(
        &mut notify,
        "EventBridgeConfiguration",
        n.event_bridge_configuration()
            .map(|_| json!({ "EventBridgeEnabled": true })),
    );
    if !notify.is_empty() {
        m.insert("NotificationConfiguration".into(), Value::Object(notify));
    }
    Ok(Value::Object(m))
}

/// moto answers versioning, and an empty notification configuration, under a
/// `<GetBucket...Response>` root element the SDK cannot parse; S3 itself sends
/// `<VersioningConfiguration>` and an empty `<NotificationConfiguration/>`.
fn emulator_empty(e: &dyn std::error::Error, element: &str) -> bool {
    crate::aws::chain(e).contains(element)
}

/// Ok when the error says the configuration is simply not set; the bucket's absence or any
/// other failure is a Problem.
fn absent_or<E>(aws: &Aws, doing: &str, e: &E, not_set: &str) -> Result<(), Problem>
where
    E: crate::aws::SdkFailure,
{
    if e.code() == Some(not_set) {
        Ok(())
    } else {
        Err(problem(aws, doing, NO_BUCKET, e))
    }
}

fn lifecycle_rule(r: &aws_sdk_s3::types::LifecycleRule) -> Value {
    let mut m = Map::new();
    put(&mut m, "Id", r.id().map(|i| json!(i)));
    m.insert("Status".into(), json!(r.status().as_str()));
    #[allow(deprecated)]
    let prefix = r
        .filter()
        .and_then(|f| f.prefix())
        .or(r.prefix())
        .filter(|p| !p.is_empty());
    put(&mut m, "Prefix", prefix.map(|p| json!(p)));
    if let Some(f) = r.filter() {
        put(
            &mut m,
            "ObjectSizeGreaterThan",
            f.object_size_greater_than().map(|n| json!(n)),
        );
        put(
            &mut m,
            "ObjectSizeLessThan",
            f.object_size_less_than().map(|n| json!(n)),
        );
    }
    let transitions: Vec<Value> = r
        .transitions()
        .iter()
        .map(|t| {
            let mut x = Map::new();
            put(
                &mut x,
                "StorageClass",
                t.storage_class().map(|s| json!(s.as_str())),
            );
            put(&mut x, "TransitionInDays", t.days().map(|d| json!(d)));
            Value::Object(x)
        })
        .collect();
    put(
        &mut m,
        "Transitions",
        (!transitions.is_empty()).then(|| json!(transitions)),
    );
    put(
        &mut m,
        "ExpirationInDays",
        r.expiration().and_then(|e| e.days()).map(|d| json!(d)),
    );
    put(
        &mut m,
        "NoncurrentVersionExpiration",
        r.noncurrent_version_expiration().map(|n| {
            let mut x = Map::new();
            put(
                &mut x,
                "NoncurrentDays",
                n.noncurrent_days().map(|d| json!(d)),
            );
            put(
                &mut x,
                "NewerNoncurrentVersions",
                n.newer_noncurrent_versions().map(|d| json!(d)),
            );
            Value::Object(x)
        }),
    );
    put(
        &mut m,
        "AbortIncompleteMultipartUpload",
        r.abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation())
            .map(|d| json!({ "DaysAfterInitiation": d })),
    );
    Value::Object(m)
}

pub async fn bucket_policy(aws: &Aws, t: &Target) -> Read {
    let name = super::expected_str(t, &["Bucket"])?;
    let doing = format!("reading the policy of bucket {name}");
    let out = aws
        .s3()
        .get_bucket_policy()
        .bucket(name)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, &["NoSuchBucket", "NoSuchBucketPolicy"], &e))?;
    let text = out.policy().unwrap_or_default();
    let doc = decode_policy(text).map_err(|m| Problem::Unreadable(format!("{doing}: {m}")))?;
    Ok(json!({ "Bucket": name, "PolicyDocument": doc }))
}
