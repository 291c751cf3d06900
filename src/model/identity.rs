//! What every resource of the pipeline is called: for each logical id, its physical name, what
//! `Ref` gives and its ARN, as `Fn::Sub` strings (known once account and region are). The
//! names come from `names.rs`, the `Ref` and ARN shapes from each type's facts in `cfn`.

use super::Pipeline;
use super::names::Sub;
use crate::cfn::ResourceType;
use std::collections::BTreeMap;

/// One resource's identity. A field is None where AWS generates the value (a role's name, a
/// named query's id) or the type has none (a permission's ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub resource_type: ResourceType,
    pub name: Option<Sub>,
    pub reference: Option<Sub>,
    pub arn: Option<Sub>,
}

impl Identity {
    fn new(resource_type: ResourceType, name: Option<Sub>) -> Self {
        let reference = name
            .as_ref()
            .and_then(|n| resource_type.reference_of(&n.0))
            .map(Sub);
        let arn = name
            .as_ref()
            .and_then(|n| resource_type.arn_of(&n.0))
            .map(Sub);
        Self {
            resource_type,
            name,
            reference,
            arn,
        }
    }
}

/// The logical id of the TLS-only policy of the bucket `bucket_logical_id`.
pub fn bucket_policy_logical_id(bucket_logical_id: &str) -> String {
    format!("{bucket_logical_id}Policy")
}

/// The logical id of the `n`th (from 1) e-mail subscription to the alerts topic.
pub fn subscription_logical_id(n: usize) -> String {
    format!("AlertsEmailSubscription{n}")
}

/// The logical id of the `n`th (from 1) HTTPS (paging) subscription to the alerts topic.
pub fn https_subscription_logical_id(n: usize) -> String {
    format!("AlertsHttpsSubscription{n}")
}

/// Every resource of `p` by logical id.
pub fn identities(p: &Pipeline) -> BTreeMap<String, Identity> {
    use ResourceType::*;
    let mut out = BTreeMap::new();
    let mut add = |id: &str, ty: ResourceType, name: Option<Sub>| {
        out.insert(id.to_owned(), Identity::new(ty, name));
    };
    let named = |s: &str| Some(Sub::new(s));
    for b in [&p.raw_bucket, &p.results_bucket] {
        add(b.logical_id, S3Bucket, Some(b.name.clone()));
        // A bucket policy is found by its bucket's name.
        add(
            &bucket_policy_logical_id(b.logical_id),
            S3BucketPolicy,
            Some(b.name.clone()),
        );
    }
    add(p.table.logical_id, DynamoDbTable, named(&p.table.name));
    for f in &p.functions {
        add(f.logical_id, LambdaFunction, named(&f.name));
    }
    if let Some(n) = &p.raw_bucket.notify {
        add(n.permission_logical_id, LambdaPermission, None);
    }
    for q in &p.queues {
        add(q.logical_id, SqsQueue, named(&q.name));
    }
    for g in &p.log_groups {
        add(g.logical_id, LogsLogGroup, named(&g.name));
    }
    let sm = &p.state_machine;
    add(sm.logical_id, StepFunctionsStateMachine, named(&sm.name));
    add(
        p.schedule.logical_id,
        SchedulerSchedule,
        named(&p.schedule.name),
    );
    add(p.topic.logical_id, SnsTopic, named(&p.topic.name));
    add(p.topic.policy_logical_id, SnsTopicPolicy, None);
    for n in 1..=p.topic.emails.len() {
        add(&subscription_logical_id(n), SnsSubscription, None);
    }
    for n in 1..=p.topic.https_endpoints.len() {
        add(&https_subscription_logical_id(n), SnsSubscription, None);
    }
    for a in &p.alarms {
        add(a.logical_id, CloudWatchAlarm, named(&a.name));
    }
    let a = &p.analytics;
    add(a.database_logical_id, GlueDatabase, named(&a.database));
    add(a.table_logical_id, GlueTable, named(&a.table));
    add(a.workgroup_logical_id, AthenaWorkGroup, named(&a.workgroup));
    for q in &a.named_queries {
        add(&q.logical_id, AthenaNamedQuery, named(&q.name));
    }
    let o = &p.observability;
    if let Some(d) = &o.dashboard {
        add(d.logical_id, CloudWatchDashboard, Some(d.name.clone()));
    }
    for d in &o.anomaly_detectors {
        add(d.logical_id, CloudWatchAnomalyDetector, None);
    }
    if let Some(b) = &o.budget {
        add(b.logical_id, BudgetsBudget, named(&b.name));
    }
    let c = &p.compaction;
    add(
        c.parquet_table_logical_id,
        GlueTable,
        named(&c.parquet_table),
    );
    add(c.view_logical_id, GlueTable, named(&c.view));
    add(
        c.state_machine_logical_id,
        StepFunctionsStateMachine,
        named(&c.state_machine),
    );
    add(c.schedule_logical_id, SchedulerSchedule, named(&c.schedule));
    // Roles are unnamed: CloudFormation names them after the stack, with a random suffix.
    for r in &p.roles {
        add(r.logical_id, IamRole, None);
    }
    if let Some(cb) = &p.chatbot {
        add(cb.role_logical_id, IamRole, None);
        for c in &cb.channels {
            let ty = match c.target {
                super::chatbot::ChatTarget::Slack { .. } => ChatbotSlackChannel,
                super::chatbot::ChatTarget::Teams { .. } => ChatbotTeamsChannel,
            };
            add(&c.logical_id, ty, named(&c.configuration_name));
        }
    }
    if let Some(super::security::Key::Created {
        logical_id,
        alias_logical_id,
        alias,
        ..
    }) = &p.security.key
    {
        // KMS generates the key's id.
        add(logical_id, KmsKey, None);
        add(alias_logical_id, KmsAlias, named(alias));
    }
    if let Some(agg) = &p.aggregation {
        add(agg.replication.role_logical_id, IamRole, None);
        if let Some(c) = &agg.central {
            add(c.bucket.logical_id, S3Bucket, Some(c.bucket.name.clone()));
            add(
                &bucket_policy_logical_id(c.bucket.logical_id),
                S3BucketPolicy,
                Some(c.bucket.name.clone()),
            );
            add(c.table_logical_id, GlueTable, named(&c.table));
            add(c.workgroup_logical_id, AthenaWorkGroup, named(&c.workgroup));
        }
    }
    if let Some(logs) = &p.security.access_logs {
        add(logs.logical_id, S3Bucket, Some(logs.name.clone()));
        add(
            &bucket_policy_logical_id(logs.logical_id),
            S3BucketPolicy,
            Some(logs.name.clone()),
        );
    }
    out
}
