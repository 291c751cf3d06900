//! STS: who we are (the account id names the artifact bucket and resolves ARNs).

use super::{Aws, AwsError};

pub async fn account_id(aws: &Aws) -> Result<String, AwsError> {
    let out = aws.sts().get_caller_identity().send().await.map_err(|e| {
        AwsError::new(
            "finding the AWS account (sts:GetCallerIdentity)",
            &aws.region,
            &e,
        )
    })?;
    if let Some(account) = out.account() {
        tracing::info!(
            account,
            arn = out.arn().unwrap_or_default(),
            region = %aws.region,
            "credentials are for account {account}"
        );
    }
    out.account().map(str::to_owned).ok_or_else(|| AwsError {
        doing: "finding the AWS account".into(),
        region: aws.region.clone(),
        code: None,
        message: "STS returned no account id".into(),
    })
}
