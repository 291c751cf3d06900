//! CloudWatch Logs log groups: retention and encryption.

use super::{Problem, Read, id, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

pub async fn log_group(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let doing = format!("reading log group {name}");
    let out = aws
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, &["ResourceNotFoundException"], &e))?;
    let Some(g) = out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
    else {
        return Err(Problem::Missing(format!("no log group named {name}")));
    };
    let mut m = Map::new();
    m.insert("LogGroupName".into(), json!(name));
    put(
        &mut m,
        "RetentionInDays",
        g.retention_in_days().map(|d| json!(d)),
    );
    put(&mut m, "KmsKeyId", g.kms_key_id().map(|k| json!(k)));
    Ok(Value::Object(m))
}
