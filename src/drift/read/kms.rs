//! KMS: the pipeline's own key (description, spec, rotation, key policy) and its alias (the key
//! it points at).

use super::{Problem, Read, id, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

const NO_KEY: &[&str] = &["NotFoundException"];

pub async fn key(aws: &Aws, t: &Target) -> Read {
    let kms = aws.kms();
    let key_id = id(t)?;
    let doing = format!("reading KMS key {key_id}");
    let described = kms
        .describe_key()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, NO_KEY, &e))?;
    let Some(meta) = described.key_metadata() else {
        return Err(Problem::Unreadable(format!(
            "{doing}: no key metadata returned"
        )));
    };
    // A key waiting for deletion is as good as gone: nothing can use it.
    if meta.key_state().map(|s| s.as_str()) == Some("PendingDeletion") {
        return Err(Problem::Missing(format!(
            "KMS key {key_id} is scheduled for deletion"
        )));
    }
    let rotation = kms
        .get_key_rotation_status()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, NO_KEY, &e))?;
    let policy = kms
        .get_key_policy()
        .key_id(key_id)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| problem(aws, &doing, NO_KEY, &e))?;
    let mut m = Map::new();
    put(&mut m, "Description", meta.description().map(|d| json!(d)));
    put(
        &mut m,
        "KeySpec",
        meta.key_spec().map(|s| json!(s.as_str())),
    );
    put(
        &mut m,
        "KeyUsage",
        meta.key_usage().map(|u| json!(u.as_str())),
    );
    m.insert(
        "EnableKeyRotation".into(),
        json!(rotation.key_rotation_enabled()),
    );
    put(
        &mut m,
        "KeyPolicy",
        policy
            .policy()
            .map(|p| crate::cfn::policy::decode_policy(p).unwrap_or_else(|_| json!(p))),
    );
    Ok(Value::Object(m))
}

pub async fn alias(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let doing = format!("reading KMS alias {name}");
    let mut pages = aws.kms().list_aliases().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| problem(aws, &doing, &[], &e))?;
        if let Some(a) = page.aliases().iter().find(|a| a.alias_name() == Some(name)) {
            let mut m = Map::new();
            m.insert("AliasName".into(), json!(name));
            put(&mut m, "TargetKeyId", a.target_key_id().map(|k| json!(k)));
            return Ok(Value::Object(m));
        }
    }
    Err(Problem::Missing(format!("no KMS alias named {name}")))
}
