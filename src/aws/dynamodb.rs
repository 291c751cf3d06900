//! DynamoDB: deleting the metrics table when the user purges the data.

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
