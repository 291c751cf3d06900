//! IAM roles: trust policy, every inline policy (ours and any added), attached managed
//! policies (any is drift: the model attaches none), permissions boundary.

use super::{Problem, Read, id, problem, put};
use crate::aws::Aws;
use crate::cfn::policy::decode_policy;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

const NO_ROLE: &[&str] = &["NoSuchEntity"];

pub async fn role(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?.to_owned();
    let iam = aws.iam();
    let doing = format!("reading role {name}");
    let (role, inline, attached) = tokio::join!(
        iam.get_role().role_name(&name).send(),
        iam.list_role_policies()
            .role_name(&name)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<String>, _>>(),
        iam.list_attached_role_policies()
            .role_name(&name)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    let role = role.map_err(|e| problem(aws, &doing, NO_ROLE, &e))?;
    let inline = inline.map_err(|e| problem(aws, &doing, NO_ROLE, &e))?;
    let attached = attached.map_err(|e| problem(aws, &doing, NO_ROLE, &e))?;
    let Some(r) = role.role() else {
        return Err(Problem::Missing(format!("GetRole returned no role {name}")));
    };

    let mut reads = tokio::task::JoinSet::new();
    for (i, policy) in inline.into_iter().enumerate() {
        let (iam, name) = (iam.clone(), name.clone());
        reads.spawn(async move {
            let out = iam
                .get_role_policy()
                .role_name(&name)
                .policy_name(&policy)
                .send()
                .await;
            (i, policy, out)
        });
    }
    let mut policies = Vec::new();
    while let Some(joined) = reads.join_next().await {
        let (i, policy, out) = joined.map_err(|e| {
            Problem::Unreadable(format!("{doing}: reading an inline policy stopped: {e}"))
        })?;
        let out =
            out.map_err(|e| problem(aws, &format!("{doing} policy {policy}"), NO_ROLE, &e))?;
        let doc = decode_policy(out.policy_document())
            .map_err(|m| Problem::Unreadable(format!("{doing} policy {policy}: {m}")))?;
        policies.push((i, json!({ "PolicyName": policy, "PolicyDocument": doc })));
    }
    policies.sort_by_key(|(i, _)| *i);

    let mut m = Map::new();
    put(&mut m, "Description", r.description().map(|d| json!(d)));
    let trust = r.assume_role_policy_document().unwrap_or("{}");
    let trust = decode_policy(trust)
        .map_err(|msg| Problem::Unreadable(format!("{doing} trust policy: {msg}")))?;
    m.insert("AssumeRolePolicyDocument".into(), trust);
    m.insert(
        "Policies".into(),
        Value::Array(policies.into_iter().map(|(_, p)| p).collect()),
    );
    let managed: Vec<&str> = attached.iter().filter_map(|p| p.policy_arn()).collect();
    put(
        &mut m,
        "ManagedPolicyArns",
        (!managed.is_empty()).then(|| json!(managed)),
    );
    put(
        &mut m,
        "PermissionsBoundary",
        r.permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(|b| json!(b)),
    );
    Ok(Value::Object(m))
}
