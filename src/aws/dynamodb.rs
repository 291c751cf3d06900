//! DynamoDB: deleting the metrics table when the user purges the data, and the reads of
//! `infrapipe metrics` (Query on the table and on its index, page by page).

use super::{Aws, AwsError};

/// Deletes the table (turning deletion protection off first); a missing table is gone (false).
pub async fn delete_table(aws: &Aws, table: &str) -> Result<bool, AwsError> {
    let ddb = aws.dynamodb();
    let doing = format!("deleting table {table}");
    let _ = ddb
        .update_table()
        .table_name(table)
        .deletion_protection_enabled(false)
        .send()
        .await;
    match ddb.delete_table().table_name(table).send().await {
        Ok(_) => Ok(true),
        Err(e) => {
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception())
            {
                Ok(false)
            } else {
                Err(AwsError::new(doing, &aws.region, &e))
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
