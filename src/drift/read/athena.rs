//! Athena workgroups (enforcement, cutoff, result location, encryption, engine) and named
//! queries.

use super::{Problem, Read, expected_str, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

/// Athena answers a missing workgroup or query with InvalidRequestException "... not found".
fn not_found<E>(aws: &Aws, doing: &str, e: &E) -> Problem
where
    E: crate::aws::SdkFailure,
{
    let p = problem(aws, doing, &[], e);
    match p {
        Problem::Unreadable(m)
            if e.code() == Some("InvalidRequestException")
                && m.to_ascii_lowercase().contains("not found") =>
        {
            Problem::Missing(m)
        }
        other => other,
    }
}

pub async fn workgroup(aws: &Aws, t: &Target) -> Read {
    let name = super::id(t)?;
    let doing = format!("reading workgroup {name}");
    let out = aws
        .athena()
        .get_work_group()
        .work_group(name)
        .send()
        .await
        .map_err(|e| not_found(aws, &doing, &e))?;
    let Some(w) = out.work_group() else {
        return Err(Problem::Missing(format!("no workgroup {name}")));
    };
    let mut m = Map::new();
    m.insert("Name".into(), json!(w.name()));
    put(&mut m, "Description", w.description().map(|x| json!(x)));
    put(&mut m, "State", w.state().map(|x| json!(x.as_str())));
    put(
        &mut m,
        "WorkGroupConfiguration",
        w.configuration().map(|c| {
            let mut x = Map::new();
            put(
                &mut x,
                "EnforceWorkGroupConfiguration",
                c.enforce_work_group_configuration().map(|v| json!(v)),
            );
            put(
                &mut x,
                "PublishCloudWatchMetricsEnabled",
                c.publish_cloud_watch_metrics_enabled().map(|v| json!(v)),
            );
            put(
                &mut x,
                "BytesScannedCutoffPerQuery",
                c.bytes_scanned_cutoff_per_query().map(|v| json!(v)),
            );
            // Requester pays makes someone else's bucket bill us: show it only when on.
            put(
                &mut x,
                "RequesterPaysEnabled",
                c.requester_pays_enabled().filter(|v| *v).map(|v| json!(v)),
            );
            put(
                &mut x,
                "EngineVersion",
                c.engine_version()
                    .and_then(|e| e.selected_engine_version())
                    .map(|v| json!({ "SelectedEngineVersion": v })),
            );
            put(
                &mut x,
                "ResultConfiguration",
                c.result_configuration().map(|r| {
                    let mut rc = Map::new();
                    put(
                        &mut rc,
                        "OutputLocation",
                        r.output_location().map(|v| json!(v)),
                    );
                    put(
                        &mut rc,
                        "EncryptionConfiguration",
                        r.encryption_configuration().map(|e| {
                            let mut ec =
                                json!({ "EncryptionOption": e.encryption_option().as_str() });
                            if let Some(k) = e.kms_key() {
                                ec["KmsKey"] = json!(k);
                            }
                            ec
                        }),
                    );
                    Value::Object(rc)
                }),
            );
            Value::Object(x)
        }),
    );
    Ok(Value::Object(m))
}

fn named(q: &aws_sdk_athena::types::NamedQuery) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), json!(q.name()));
    put(&mut m, "Description", q.description().map(|x| json!(x)));
    m.insert("Database".into(), json!(q.database()));
    put(&mut m, "WorkGroup", q.work_group().map(|x| json!(x)));
    m.insert("QueryString".into(), json!(q.query_string()));
    Value::Object(m)
}

/// By the stack's id (the query id), else by name among the workgroup's queries.
pub async fn named_query(aws: &Aws, t: &Target) -> Read {
    let athena = aws.athena();
    if let Some(qid) = &t.physical_id {
        let out = athena
            .get_named_query()
            .named_query_id(qid)
            .send()
            .await
            .map_err(|e| not_found(aws, &format!("reading named query {qid}"), &e))?;
        return out
            .named_query()
            .map(named)
            .ok_or_else(|| Problem::Missing(format!("no named query {qid}")));
    }
    let workgroup = expected_str(t, &["WorkGroup"])?;
    let name = expected_str(t, &["Name"])?;
    let doing = format!("listing the named queries of workgroup {workgroup}");
    let pages = athena
        .list_named_queries()
        .work_group(workgroup)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| not_found(aws, &doing, &e))?;
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p.named_query_ids().iter().cloned())
        .collect();
    let mut reads = tokio::task::JoinSet::new();
    for qid in ids {
        let athena = athena.clone();
        reads.spawn(async move { athena.get_named_query().named_query_id(qid).send().await });
    }
    let mut found = None;
    while let Some(joined) = reads.join_next().await {
        let out = joined
            .map_err(|e| Problem::Unreadable(format!("{doing}: a read stopped: {e}")))?
            .map_err(|e| not_found(aws, &doing, &e))?;
        if let Some(q) = out.named_query().filter(|q| q.name() == name) {
            found = Some(named(q));
        }
    }
    found
        .ok_or_else(|| Problem::Missing(format!("workgroup {workgroup} has no named query {name}")))
}
