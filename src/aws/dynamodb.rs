//! DynamoDB: the metrics table when the user purges the data (its tags: is it ours?, an
//! on-demand backup, deletion protection, deletion), and the reads of `infrapipe metrics`
//! (Query on the table and on its index, page by page).

use super::{Aws, AwsError};
use std::collections::BTreeMap;

/// The table's tags, or None when there is no table.
pub async fn table_tags(
    aws: &Aws,
    table: &str,
) -> Result<Option<BTreeMap<String, String>>, AwsError> {
    let ddb = aws.dynamodb();
    let doing = format!("reading the tags of table {table}");
    let described = match ddb.describe_table().table_name(table).send().await {
        Ok(d) => d,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(AwsError::new(doing, &aws.region, &e)),
    };
    let Some(arn) = described.table().and_then(|t| t.table_arn()) else {
        return Ok(Some(BTreeMap::new()));
    };
    let mut tags = BTreeMap::new();
    let mut next: Option<String> = None;
    loop {
        let page = ddb
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| AwsError::new(&doing, &aws.region, &e))?;
        for t in page.tags() {
            tags.insert(t.key().to_owned(), t.value().to_owned());
        }
        match page.next_token() {
            Some(t) => next = Some(t.to_owned()),
            None => break,
        }
    }
    Ok(Some(tags))
}

/// Takes an on-demand backup named `name`; returns its ARN.
pub async fn create_backup(aws: &Aws, table: &str, name: &str) -> Result<String, AwsError> {
    let doing = format!("backing up table {table}");
    let out = aws
        .dynamodb()
        .create_backup()
        .table_name(table)
        .backup_name(name)
        .send()
        .await
        .map_err(|e| AwsError::new(&doing, &aws.region, &e))?;
    out.backup_details()
        .map(|d| d.backup_arn().to_owned())
        .ok_or_else(|| AwsError {
            doing,
            region: aws.region.clone(),
            code: None,
            message: "DynamoDB returned no backup ARN; nothing was deleted".into(),
        })
}

/// Turns the table's deletion protection on or off.
pub async fn set_deletion_protection(aws: &Aws, table: &str, on: bool) -> Result<(), AwsError> {
    aws.dynamodb()
        .update_table()
        .table_name(table)
        .deletion_protection_enabled(on)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("setting deletion protection of table {table}"),
                &aws.region,
                &e,
            )
        })?;
    Ok(())
}

/// Deletes the table; a missing table is gone (false). Deletion protection must be off.
pub async fn delete_table(aws: &Aws, table: &str) -> Result<bool, AwsError> {
    match aws.dynamodb().delete_table().table_name(table).send().await {
        Ok(_) => Ok(true),
        Err(e) => {
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception())
            {
                Ok(false)
            } else {
                Err(AwsError::new(
                    format!("deleting table {table}"),
                    &aws.region,
                    &e,
                ))
            }
        }
    }
}

/// A key condition's value: a string or a number (as text, as DynamoDB carries it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValue {
    S(String),
    N(String),
}

/// One Query: the table (or one of its indexes), the key condition with its placeholders'
/// names and values, the order, and how many items at most.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub table: &'a str,
    pub index: Option<&'a str>,
    pub key_condition: &'a str,
    pub names: Vec<(&'a str, &'a str)>,
    pub values: Vec<(&'a str, KeyValue)>,
    pub newest_first: bool,
    pub limit: usize,
}

/// Every item the query matches, page after page, up to `limit`; each attribute as text
/// (strings and numbers as written, maps as JSON). True when more items were left.
pub async fn query(
    aws: &Aws,
    q: &Query<'_>,
) -> Result<(Vec<std::collections::BTreeMap<String, String>>, bool), AwsError> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let doing = format!(
        "querying {}{}",
        q.table,
        q.index.map(|i| format!(" through {i}")).unwrap_or_default()
    );
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let mut request = aws
            .dynamodb()
            .query()
            .table_name(q.table)
            .set_index_name(q.index.map(str::to_owned))
            .key_condition_expression(q.key_condition)
            .scan_index_forward(!q.newest_first)
            .set_exclusive_start_key(start.take())
            .limit((q.limit - items.len()).min(1_000) as i32);
        for (k, v) in &q.names {
            request = request.expression_attribute_names(*k, *v);
        }
        for (k, v) in &q.values {
            let value = match v {
                KeyValue::S(s) => AttributeValue::S(s.clone()),
                KeyValue::N(n) => AttributeValue::N(n.clone()),
            };
            request = request.expression_attribute_values(*k, value);
        }
        let out = request
            .send()
            .await
            .map_err(|e| AwsError::new(doing.clone(), &aws.region, &e))?;
        items.extend(out.items().iter().map(|item| {
            item.iter()
                .map(|(k, v)| (k.clone(), text(v)))
                .collect::<std::collections::BTreeMap<_, _>>()
        }));
        match out.last_evaluated_key() {
            Some(key) if items.len() < q.limit => start = Some(key.clone()),
            Some(_) => return Ok((items, true)),
            None => return Ok((items, false)),
        }
    }
}

fn text(v: &aws_sdk_dynamodb::types::AttributeValue) -> String {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match v {
        A::S(s) | A::N(s) => s.clone(),
        A::Bool(b) => b.to_string(),
        A::M(m) => {
            let object: serde_json::Map<String, serde_json::Value> = m
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::from(text(v))))
                .collect();
            serde_json::Value::Object(object).to_string()
        }
        other => format!("{other:?}"),
    }
}
