//! DynamoDB tables: keys, index, billing, TTL (DescribeTimeToLive), point-in-time recovery
//! (DescribeContinuousBackups), encryption, deletion protection and the tags the template sets
//! (ListTagsOfResource).

use super::{Read, id, problem};
use crate::aws::Aws;
use crate::drift::expected::Target;
use serde_json::{Value, json};

const NO_TABLE: &[&str] = &["ResourceNotFoundException", "TableNotFoundException"];

pub async fn table(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let db = aws.dynamodb();
    let doing = |what: &str| format!("reading the {what} of table {name}");
    let (described, ttl, backups) = tokio::join!(
        db.describe_table().table_name(name).send(),
        db.describe_time_to_live().table_name(name).send(),
        db.describe_continuous_backups().table_name(name).send(),
    );
    let described = described.map_err(|e| problem(aws, &doing("description"), NO_TABLE, &e))?;
    let ttl = ttl.map_err(|e| problem(aws, &doing("time to live"), NO_TABLE, &e))?;
    let backups = backups.map_err(|e| problem(aws, &doing("backups"), NO_TABLE, &e))?;
    let Some(d) = described.table() else {
        return Err(super::Problem::Missing(format!(
            "DescribeTable returned no table {name}"
        )));
    };
    let key_schema = |k: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<Value> {
        k.iter()
            .map(|e| json!({ "AttributeName": e.attribute_name(), "KeyType": e.key_type().as_str() }))
            .collect()
    };
    let billing = d
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map_or("PROVISIONED", |b| b.as_str());
    let mut v = json!({
        "TableName": name,
        "BillingMode": billing,
        "AttributeDefinitions": d.attribute_definitions().iter().map(|a| json!({
            "AttributeName": a.attribute_name(),
            "AttributeType": a.attribute_type().as_str(),
        })).collect::<Vec<_>>(),
        "KeySchema": key_schema(d.key_schema()),
        "GlobalSecondaryIndexes": d.global_secondary_indexes().iter().map(|g| {
            let mut projection = json!({
                "ProjectionType": g.projection().and_then(|p| p.projection_type()).map(|p| p.as_str()),
            });
            let non_key = g.projection().map(|p| p.non_key_attributes()).unwrap_or_default();
            if !non_key.is_empty() {
                projection["NonKeyAttributes"] = json!(non_key);
            }
            json!({
                "IndexName": g.index_name(),
                "KeySchema": key_schema(g.key_schema()),
                "Projection": projection,
            })
        }).collect::<Vec<_>>(),
        "DeletionProtectionEnabled": d.deletion_protection_enabled().unwrap_or(false),
    });
    if billing == "PROVISIONED"
        && let Some(p) = d.provisioned_throughput()
    {
        v["ProvisionedThroughput"] = json!({
            "ReadCapacityUnits": p.read_capacity_units(),
            "WriteCapacityUnits": p.write_capacity_units(),
        });
    }
    // SSEEnabled true is AWS KMS (an SSEDescription); the AWS-owned default key has none.
    let sse = d
        .sse_description()
        .and_then(|s| s.status())
        .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING" | "UPDATING"));
    v["SSESpecification"] = json!({ "SSEEnabled": sse });
    let ttl = ttl.time_to_live_description();
    let ttl_on = ttl
        .and_then(|t| t.time_to_live_status())
        .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"));
    v["TimeToLiveSpecification"] = if ttl_on {
        json!({ "AttributeName": ttl.and_then(|t| t.attribute_name()), "Enabled": true })
    } else {
        json!({ "Enabled": false })
    };
    let pitr = backups
        .continuous_backups_description()
        .and_then(|c| c.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .is_some_and(|s| s.as_str() == "ENABLED");
    v["PointInTimeRecoverySpecification"] = json!({ "PointInTimeRecoveryEnabled": pitr });
    if t.expected.get("Tags").is_some()
        && let Some(arn) = d.table_arn()
    {
        let mut live = std::collections::BTreeMap::new();
        let mut next: Option<String> = None;
        loop {
            let page = db
                .list_tags_of_resource()
                .resource_arn(arn)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| problem(aws, &doing("tags"), NO_TABLE, &e))?;
            for tag in page.tags() {
                live.insert(tag.key().to_owned(), tag.value().to_owned());
            }
            match page.next_token() {
                Some(n) => next = Some(n.to_owned()),
                None => break,
            }
        }
        if let Some(tags) = super::template_tags(t, &live) {
            v["Tags"] = tags;
        }
    }
    Ok(v)
}
