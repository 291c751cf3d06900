//! DynamoDB: the metrics table when the user purges the data: its tags (is it ours?), an
//! on-demand backup, deletion protection, deletion.

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
