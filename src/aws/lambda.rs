//! Lambda: what code a deployed function runs (its `CodeSha256`), checked after an apply.

use super::{Aws, AwsError};

/// The function's `CodeSha256` (base64 SHA-256 of its deployment package), None when Lambda
/// reports none.
pub async fn code_sha256(aws: &Aws, function: &str) -> Result<Option<String>, AwsError> {
    let c = aws
        .lambda()
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                format!("reading the configuration of function {function}"),
                &aws.region,
                &e,
            )
        })?;
    Ok(c.code_sha256().map(str::to_owned))
}
