//! The pipeline as a diagram, drawn from the model: each resource, the data flowing between them
//! (solid arrows), and each role beside the resource that runs as it, with a dashed arrow to
//! everything its policy lets it touch (one per model IAM edge), so what is allowed can be read
//! against what happens. Pure: a `Pipeline` in, text out (Mermaid or Graphviz DOT).

use crate::model::iam::{Access, Actor, Node as Target};
use crate::model::{AlarmMetric, Comparison, FunctionKind, Pipeline, ids};
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub clusters: Vec<Cluster>,
    pub links: Vec<Link>,
}

/// A group of nodes drawn together (a Mermaid subgraph, a DOT cluster).
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub id: &'static str,
    pub title: &'static str,
    pub nodes: Vec<Vertex>,
}

/// One node of the diagram: a resource's logical id, or a name for what lies outside the stack.
#[derive(Debug, Clone, Serialize)]
pub struct Vertex {
    pub id: String,
    pub lines: Vec<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A resource of the stack.
    Resource,
    /// An IAM role of the stack.
    Role,
    /// Something the stack uses but does not create (metrics, people, the fleet).
    External,
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub label: String,
    pub kind: LinkKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Data or control flows from one to the other.
    Flow,
    /// The role's policy allows this access (one model edge).
    Grant,
    /// The resource runs as the role (or people assume it).
    RunsAs,
}

/// Ids of the boxes for what the stack does not create.
mod outside {
    pub const METRICS: &str = "CloudWatchMetrics";
    pub const LOG_DELIVERY: &str = "CloudWatchLogDelivery";
    pub const FLEET: &str = "Ec2Fleet";
    pub const EMAILS: &str = "EmailSubscribers";
    pub const ANALYSTS: &str = "Analysts";
    pub const KEY: &str = "YourKmsKey";
}

/// The box an IAM edge's target is drawn as.
fn target_id(t: Target) -> &'static str {
    match t {
        Target::StateMachine => ids::STATE_MACHINE,
        Target::Collector => ids::COLLECTOR,
        Target::LogProcessor => ids::PROCESSOR,
        Target::RawBucket => ids::RAW_BUCKET,
        Target::ResultsBucket => ids::RESULTS_BUCKET,
        Target::Table => ids::TABLE,
        Target::ScheduleDlq => ids::SCHEDULE_DLQ,
        Target::ProcessorDlq => ids::PROCESSOR_DLQ,
        Target::CollectorLogGroup => ids::COLLECTOR_LOG_GROUP,
        Target::ProcessorLogGroup => ids::PROCESSOR_LOG_GROUP,
        Target::LogDelivery => outside::LOG_DELIVERY,
        Target::Metrics => outside::METRICS,
        Target::Fleet => outside::FLEET,
        Target::WorkGroup => ids::WORKGROUP,
        Target::GlueTable => ids::GLUE_TABLE,
        Target::CompactionStateMachine => ids::COMPACTION_STATE_MACHINE,
    }
}

/// The box of the resource that acts with an actor's role.
fn actor_id(a: Actor) -> &'static str {
    match a {
        Actor::Scheduler => ids::SCHEDULE,
        Actor::StateMachine => ids::STATE_MACHINE,
        Actor::Collector => ids::COLLECTOR,
        Actor::LogProcessor => ids::PROCESSOR,
        Actor::Analyst => outside::ANALYSTS,
        Actor::Compactor => ids::COMPACTION_STATE_MACHINE,
    }
}

/// What a grant allows, in a few words.
fn verb(a: Access) -> &'static str {
    match a {
        Access::StartExecution => "start execution",
        Access::Invoke => "invoke",
        Access::PutObjects => "put objects",
        Access::ReadPartitions | Access::ReadObjects => "get objects",
        Access::ListBucket => "list",
        Access::WriteObjects => "read and write objects",
        Access::QuarantineObjects => "quarantine poison lines",
        Access::WriteItems => "write items",
        Access::SendMessages => "send messages",
        Access::PutMetrics => "put metric data",
        Access::ReadMetrics => "get metric data",
        Access::DescribeInstances => "describe instances",
        Access::WriteLogs => "write logs",
        Access::DeliverLogs => "deliver logs",
        Access::RunQueries => "run queries",
        Access::ReadCatalog => "read catalog",
        Access::RunStatements => "run statements",
        Access::RewriteCompacted => "rewrite Parquet",
    }
}

fn node(id: &str, kind: Kind, lines: &[&str]) -> Vertex {
    Vertex {
        id: id.to_owned(),
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        kind,
    }
}

impl Graph {
    /// The diagram of one region's pipeline.
    pub fn of(p: &Pipeline) -> Self {
        let mut g = Graph {
            clusters: Vec::new(),
            links: Vec::new(),
        };
        g.draw_flows(p);
        let touched = |t: Target| p.edges.iter().any(|e| e.to == t);
        let function = |kind: FunctionKind, title: &str| {
            p.function(kind).map(|f| {
                let sizing = format!(
                    "{} {}, {} MB, {} s",
                    f.runtime.as_str(),
                    f.architecture.as_str(),
                    f.memory_mb,
                    f.timeout_seconds
                );
                node(f.logical_id, Kind::Resource, &[title, &f.name, &sizing])
            })
        };
        let queue = |logical_id: &str| {
            p.queues
                .iter()
                .find(|q| q.logical_id == logical_id)
                .map(|q| {
                    node(
                        q.logical_id,
                        Kind::Resource,
                        &["SQS dead-letter queue", &q.name],
                    )
                })
        };

        let s = &p.schedule;
        let sm = &p.state_machine;
        let branches: Vec<&str> = sm.branches.iter().map(|m| m.as_str()).collect();
        let mut collection = vec![
            node(
                s.logical_id,
                Kind::Resource,
                &[
                    "EventBridge schedule",
                    &s.expression.to_string(),
                    &format!("{} retries", s.retry_attempts),
                ],
            ),
            node(
                sm.logical_id,
                Kind::Resource,
                &[
                    "Step Functions state machine",
                    &sm.name,
                    &format!("Parallel: {}", branches.join(", ")),
                ],
            ),
        ];
        collection.extend(queue(s.dead_letter_queue));
        collection.extend(function(FunctionKind::Collector, "Lambda collector"));
        if touched(Target::Fleet) {
            collection.push(node(outside::FLEET, Kind::External, &["EC2 fleet"]));
        }

        let b = &p.raw_bucket;
        let t = &p.table;
        let mut traits = Vec::new();
        if b.versioned {
            traits.push("versioned".to_owned());
        }
        if let Some(d) = b.glacier_after_days {
            traits.push(format!("Glacier after {d} d"));
        }
        for r in &b.prefixed {
            if let Some(d) = r.glacier_after_days {
                traits.push(format!("{}* Glacier after {d} d", r.prefix));
            }
            if let Some(d) = r.expire_after_days {
                traits.push(format!("{}* expires after {d} d", r.prefix));
            }
        }
        if b.retain {
            traits.push("retained".to_owned());
        }
        let mut processing = vec![node(
            b.logical_id,
            Kind::Resource,
            &["S3 raw metrics bucket", &traits.join(", ")],
        )];
        processing.extend(function(FunctionKind::LogProcessor, "Lambda log processor"));
        processing.push(node(
            t.logical_id,
            Kind::Resource,
            &[
                "DynamoDB table",
                &t.name,
                &format!("{}, TTL {} d", t.gsi_name, t.ttl_days),
            ],
        ));
        for f in &p.functions {
            processing.extend(f.dead_letter_queue.and_then(queue));
        }

        let mut monitoring = vec![node(
            outside::METRICS,
            Kind::External,
            &["CloudWatch metrics", &format!("namespace {}", p.namespace)],
        )];
        for a in &p.alarms {
            let periods = a.evaluation_periods;
            let test = match a.comparison {
                Comparison::GreaterThan => format!("above {}", trim_number(a.threshold)),
                Comparison::LessThan => format!("below {}", trim_number(a.threshold)),
                Comparison::OutsideBand => "outside its band".to_owned(),
            };
            let rule = format!(
                "{} {test} over {periods} period{}",
                alarm_source(p, &a.metric).1,
                if periods == 1 { "" } else { "s" }
            );
            monitoring.push(node(
                a.logical_id,
                Kind::Resource,
                &["CloudWatch alarm", a.logical_id, &rule],
            ));
        }
        let o = &p.observability;
        for d in &o.anomaly_detectors {
            monitoring.push(node(
                d.logical_id,
                Kind::Resource,
                &["CloudWatch anomaly detector", d.metric_name],
            ));
        }
        if let Some(d) = &o.dashboard {
            monitoring.push(node(
                d.logical_id,
                Kind::Resource,
                &["CloudWatch dashboard", &d.name.0],
            ));
        }
        if let Some(b) = &o.budget {
            monitoring.push(node(b.logical_id, Kind::Resource, &["AWS Budget", &b.name]));
        }
        monitoring.push(node(
            p.topic.logical_id,
            Kind::Resource,
            &["SNS topic", &p.topic.name],
        ));
        let mut emails = vec!["E-mail subscribers"];
        emails.extend(p.topic.emails.iter().map(String::as_str));
        monitoring.push(node(outside::EMAILS, Kind::External, &emails));
        for c in p.chatbot.iter().flat_map(|cb| &cb.channels) {
            let kind = match c.target {
                crate::model::chatbot::ChatTarget::Slack { .. } => "AWS Chatbot: Slack channel",
                crate::model::chatbot::ChatTarget::Teams { .. } => "AWS Chatbot: Teams channel",
            };
            monitoring.push(node(
                &c.logical_id,
                Kind::Resource,
                &[kind, &c.configuration_name],
            ));
        }

        let an = &p.analytics;
        let r = &p.results_bucket;
        let mut analytics = vec![
            node(
                an.table_logical_id,
                Kind::Resource,
                &[
                    "Glue table",
                    &format!("{}.{}", an.database, an.table),
                    &format!("partitions {} (projected)", an.partition_keys.join("/")),
                ],
            ),
            node(
                an.workgroup_logical_id,
                Kind::Resource,
                &[
                    "Athena workgroup",
                    &an.workgroup,
                    &format!("{} named queries", an.named_queries.len()),
                ],
            ),
            node(
                p.compaction.parquet_table_logical_id,
                Kind::Resource,
                &[
                    "Glue table (Parquet)",
                    &format!("{}.{}", an.database, p.compaction.parquet_table),
                    "partitions year/month/day (projected)",
                ],
            ),
            node(
                p.compaction.view_logical_id,
                Kind::Resource,
                &[
                    "Glue view",
                    &format!("{}.{}", an.database, p.compaction.view),
                    "Parquet before yesterday, JSON since",
                ],
            ),
            node(
                p.compaction.state_machine_logical_id,
                Kind::Resource,
                &["Step Functions compaction", &p.compaction.state_machine],
            ),
            node(
                p.compaction.schedule_logical_id,
                Kind::Resource,
                &["Compaction schedule", &p.compaction.schedule_expression],
            ),
            node(
                r.logical_id,
                Kind::Resource,
                &[
                    "S3 query results bucket",
                    &r.expire_after_days
                        .map(|d| format!("expires after {d} d"))
                        .unwrap_or_default(),
                ],
            ),
        ];

        let mut logs: Vec<Vertex> = p
            .log_groups
            .iter()
            .map(|l| {
                node(
                    l.logical_id,
                    Kind::Resource,
                    &["Log group", &l.name, &format!("{} d", l.retention_days)],
                )
            })
            .collect();
        logs.push(node(
            outside::LOG_DELIVERY,
            Kind::External,
            &["CloudWatch Logs delivery"],
        ));

        // Each role beside the resource that runs as it, one dashed arrow per model edge.
        for role in &p.roles {
            let cluster = match role.actor {
                Actor::Scheduler | Actor::StateMachine | Actor::Collector => &mut collection,
                Actor::LogProcessor => &mut processing,
                Actor::Analyst | Actor::Compactor => &mut analytics,
            };
            if role.actor == Actor::Analyst {
                let mut lines = vec!["People and dashboards"];
                lines.extend(role.principals.iter().map(String::as_str));
                cluster.push(node(outside::ANALYSTS, Kind::External, &lines));
            }
            cluster.push(node(
                role.logical_id,
                Kind::Role,
                &["IAM role", role.logical_id],
            ));
            let how = if role.actor == Actor::Analyst {
                "assume"
            } else {
                "runs as"
            };
            g.link(actor_id(role.actor), role.logical_id, how, LinkKind::RunsAs);
            for e in p.edges.iter().filter(|e| e.from == role.actor) {
                g.link(
                    role.logical_id,
                    target_id(e.to),
                    verb(e.access),
                    LinkKind::Grant,
                );
            }
        }

        let cluster = |id, title, nodes| Cluster { id, title, nodes };
        g.clusters = vec![
            cluster("collection", "Collection", collection),
            cluster("processing", "Storage and processing", processing),
            cluster("monitoring", "Monitoring", monitoring),
            cluster("analytics", "Analytics", analytics),
            cluster("logs", "Logs", logs),
        ];
        let security = g.draw_security(p);
        if !security.is_empty() {
            g.clusters
                .push(cluster("security", "Encryption and access logs", security));
        }
        g
    }

    /// The `security:` resources: the KMS key (the stack's, or yours outside it) with a link to
    /// each store it encrypts, and the access-log bucket with a link from each bucket it logs.
    fn draw_security(&mut self, p: &Pipeline) -> Vec<Vertex> {
        use crate::model::security::Key;
        let mut nodes = Vec::new();
        let key_id = match &p.security.key {
            Some(Key::Created {
                logical_id, alias, ..
            }) => {
                nodes.push(node(
                    logical_id,
                    Kind::Resource,
                    &["KMS key", alias, "rotated yearly, retained"],
                ));
                Some(*logical_id)
            }
            Some(Key::Existing(arn)) => {
                nodes.push(node(
                    outside::KEY,
                    Kind::External,
                    &["KMS key (yours)", arn],
                ));
                Some(outside::KEY)
            }
            None => None,
        };
        if let Some(key) = key_id {
            let mut stores = vec![
                p.raw_bucket.logical_id,
                p.results_bucket.logical_id,
                p.table.logical_id,
                p.topic.logical_id,
            ];
            stores.extend(p.queues.iter().map(|q| q.logical_id));
            stores.extend(p.log_groups.iter().map(|g| g.logical_id));
            for store in stores {
                self.link(key, store, "encrypts", LinkKind::Flow);
            }
        }
        if let Some(logs) = &p.security.access_logs {
            nodes.push(node(
                logs.logical_id,
                Kind::Resource,
                &[
                    "S3 access-log bucket",
                    &format!("expires after {} d, retained", logs.expire_after_days),
                ],
            ));
            for (source, _, _) in &logs.sources {
                self.link(source, logs.logical_id, "access logs", LinkKind::Flow);
            }
        }
        nodes
    }

    fn link(&mut self, from: &str, to: &str, label: &str, kind: LinkKind) {
        self.links.push(Link {
            from: from.to_owned(),
            to: to.to_owned(),
            label: label.to_owned(),
            kind,
        });
    }

    /// What happens: the use behind each model edge, then the links the model makes without
    /// IAM (the bucket's notification, alarms, the topic, Athena over Glue over the bucket).
    fn draw_flows(&mut self, p: &Pipeline) {
        let branches: Vec<&str> = p
            .state_machine
            .branches
            .iter()
            .map(|m| m.as_str())
            .collect();
        let invokes = format!("invokes: {}", branches.join(", "));
        for e in &p.edges {
            let (actor, target) = (actor_id(e.from), target_id(e.to));
            let (from, to, label) = match e.access {
                // One scheduler role starts both state machines; each has its own schedule.
                Access::StartExecution if target == ids::COMPACTION_STATE_MACHINE => {
                    (ids::COMPACTION_SCHEDULE, target, "starts")
                }
                Access::StartExecution => (actor, target, "starts"),
                Access::Invoke => (actor, target, invokes.as_str()),
                Access::PutObjects => (actor, target, "one object per metric type"),
                Access::WriteItems => (actor, target, "batch write"),
                Access::SendMessages => (actor, target, "failures"),
                Access::PutMetrics => (actor, target, "put metric data"),
                Access::WriteLogs => (actor, target, "logs"),
                Access::DeliverLogs => (actor, target, "execution logs"),
                Access::ReadMetrics => (target, actor, "metrics"),
                Access::DescribeInstances => (target, actor, "instances"),
                Access::RunQueries => (actor, target, "queries"),
                Access::RunStatements => (actor, target, "INSERT INTO, one day a run"),
                // Reads drawn by what triggers them: the bucket's notification, Athena's scans.
                Access::ReadPartitions
                | Access::ReadObjects
                | Access::ListBucket
                | Access::WriteObjects
                // Poison lines put aside in the same bucket the trigger reads: no new flow.
                | Access::QuarantineObjects
                | Access::RewriteCompacted
                | Access::ReadCatalog => continue,
            };
            self.link(from, to, label, LinkKind::Flow);
        }
        if let Some(n) = &p.raw_bucket.notify {
            let label = format!("ObjectCreated *{}", n.suffix);
            self.link(
                p.raw_bucket.logical_id,
                n.function_logical_id,
                &label,
                LinkKind::Flow,
            );
        }
        let sm = &p.state_machine;
        self.link(
            outside::LOG_DELIVERY,
            sm.log_group_logical_id,
            "",
            LinkKind::Flow,
        );
        for a in &p.alarms {
            self.link(
                alarm_source(p, &a.metric).0,
                a.logical_id,
                "",
                LinkKind::Flow,
            );
            self.link(
                a.logical_id,
                p.topic.logical_id,
                "alarm and OK",
                LinkKind::Flow,
            );
        }
        self.link(
            p.topic.logical_id,
            outside::EMAILS,
            "e-mail",
            LinkKind::Flow,
        );
        let o = &p.observability;
        for d in &o.anomaly_detectors {
            self.link(outside::METRICS, d.logical_id, "model", LinkKind::Flow);
        }
        if let Some(d) = &o.dashboard {
            self.link(outside::METRICS, d.logical_id, "widgets", LinkKind::Flow);
        }
        if let Some(b) = &o.budget {
            // Budgets e-mails the addresses itself (README, "Budgets").
            self.link(b.logical_id, outside::EMAILS, "e-mail", LinkKind::Flow);
        }
        for c in p.chatbot.iter().flat_map(|cb| &cb.channels) {
            self.link(p.topic.logical_id, &c.logical_id, "chat", LinkKind::Flow);
        }
        let an = &p.analytics;
        self.link(
            an.workgroup_logical_id,
            an.table_logical_id,
            "queries",
            LinkKind::Flow,
        );
        self.link(
            an.table_logical_id,
            p.raw_bucket.logical_id,
            "reads",
            LinkKind::Flow,
        );
        self.link(
            an.workgroup_logical_id,
            p.results_bucket.logical_id,
            "results",
            LinkKind::Flow,
        );
    }

    /// A Mermaid flowchart.
    pub fn mermaid(&self) -> String {
        let mut s = String::from("flowchart LR\n");
        for c in &self.clusters {
            let _ = writeln!(s, "  subgraph {} [\"{}\"]", c.id, mermaid_text(c.title));
            for n in &c.nodes {
                let label = n
                    .lines
                    .iter()
                    .filter(|l| !l.is_empty())
                    .map(|l| mermaid_text(l))
                    .collect::<Vec<_>>()
                    .join("<br/>");
                let (open, close) = match n.kind {
                    Kind::Resource => ("[", "]"),
                    Kind::Role => ("{{", "}}"),
                    Kind::External => ("([", "])"),
                };
                let _ = writeln!(s, "    {}{open}\"{label}\"{close}", n.id);
            }
            s.push_str("  end\n");
        }
        for l in &self.links {
            let arrow = match l.kind {
                LinkKind::Flow => "-->",
                LinkKind::Grant => "-.->",
                LinkKind::RunsAs => "-.-",
            };
            if l.label.is_empty() {
                let _ = writeln!(s, "  {} {arrow} {}", l.from, l.to);
            } else {
                let _ = writeln!(
                    s,
                    "  {} {arrow}|\"{}\"| {}",
                    l.from,
                    mermaid_text(&l.label),
                    l.to
                );
            }
        }
        for (kind, class, style) in [
            (Kind::Role, "role", "fill:#fff4d6,stroke:#b8860b"),
            (
                Kind::External,
                "outside",
                "fill:#f4f4f4,stroke:#888,stroke-dasharray:4 3",
            ),
        ] {
            let members: Vec<&str> = self
                .clusters
                .iter()
                .flat_map(|c| &c.nodes)
                .filter(|n| n.kind == kind)
                .map(|n| n.id.as_str())
                .collect();
            if !members.is_empty() {
                let _ = writeln!(s, "  classDef {class} {style}");
                let _ = writeln!(s, "  class {} {class}", members.join(","));
            }
        }
        s
    }

    /// A Graphviz DOT digraph.
    pub fn dot(&self) -> String {
        let mut s = String::from(
            "digraph infrapipe {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
        );
        for c in &self.clusters {
            let _ = writeln!(s, "  subgraph cluster_{} {{", c.id);
            let _ = writeln!(s, "    label=\"{}\";", dot_text(c.title));
            for n in &c.nodes {
                let label = n
                    .lines
                    .iter()
                    .filter(|l| !l.is_empty())
                    .map(|l| dot_text(l))
                    .collect::<Vec<_>>()
                    .join("\\n");
                let style = match n.kind {
                    Kind::Resource => "",
                    Kind::Role => ", shape=hexagon, style=filled, fillcolor=\"#fff4d6\"",
                    Kind::External => ", shape=ellipse, style=dashed",
                };
                let _ = writeln!(s, "    {} [label=\"{label}\"{style}];", n.id);
            }
            s.push_str("  }\n");
        }
        for l in &self.links {
            let style = match l.kind {
                LinkKind::Flow => "",
                LinkKind::Grant => ", style=dashed, color=\"#b8860b\"",
                LinkKind::RunsAs => ", style=dotted, dir=none",
            };
            let _ = writeln!(
                s,
                "  {} -> {} [label=\"{}\"{style}];",
                l.from,
                l.to,
                dot_text(&l.label)
            );
        }
        s.push_str("}\n");
        s
    }
}

/// The node an alarm's metric comes from, and the metric's name.
fn alarm_source<'a>(p: &'a Pipeline, metric: &'a AlarmMetric) -> (&'a str, &'a str) {
    match metric {
        AlarmMetric::Single {
            namespace,
            name,
            dimensions,
            ..
        } => {
            // An AWS/ metric with a function's, queue's or state machine's dimension is that
            // resource's own.
            let own = dimensions
                .iter()
                .filter(|_| namespace.starts_with("AWS/"))
                .find_map(|(k, v)| match *k {
                    "FunctionName" => p
                        .functions
                        .iter()
                        .find(|f| f.name == v.0)
                        .map(|f| f.logical_id),
                    "QueueName" => p
                        .queues
                        .iter()
                        .find(|q| q.name == v.0)
                        .map(|q| q.logical_id),
                    "StateMachineArn" => Some(p.state_machine.logical_id),
                    _ => None,
                });
            (own.unwrap_or(outside::METRICS), name)
        }
        AlarmMetric::TableThrottles { .. } => (p.table.logical_id, "throttled requests"),
        AlarmMetric::AnomalyBand { name, .. } => (outside::METRICS, name),
    }
}

/// `80.0` as `80`, `92.5` as `92.5`.
fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Text inside a quoted Mermaid label: quotes, angle brackets and `#` as entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text inside a quoted DOT string.
fn dot_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_escape_what_would_end_them() {
        assert_eq!(
            mermaid_text("a \"b\" <c> #d |e"),
            "a #quot;b#quot; #lt;c#gt; #35;d #124;e"
        );
    }

    #[test]
    fn dot_labels_escape_quotes_and_backslashes() {
        assert_eq!(dot_text(r#"a "b" \c"#), r#"a \"b\" \\c"#);
    }
}
