//! `infrapipe iam-policy` is checked against the code: every AWS operation the code calls (found
//! in the source: `aws.<service>().<operation>()`, or through a client bound with
//! `let x = aws.<service>();`) has a row in `deploy::iam_policy::CALLS`, every row is called,
//! and the two policies grant exactly the rows' actions (plus, without a deploy role, what
//! CloudFormation needs to build each resource type with the caller's rights).

mod common;
use infrapipe::cfn::ResourceType;
use infrapipe::deploy::iam_policy::{
    CALLS, PASS_ADMINISTRATION_ROLE_SID, PROVISIONING_SID, Place, PolicyDocument, Use, policy,
};
use infrapipe::model::names::Names;
use std::collections::BTreeSet;
use std::path::Path;

/// The source files that call AWS: the AWS layer, drift's readers, the flows, status.
fn sources() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("source dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(std::fs::read_to_string(&p).expect("source"));
            }
        }
    }
    let mut out = vec![std::fs::read_to_string("src/status.rs").expect("status.rs")];
    for d in ["src/aws", "src/drift", "src/deploy"] {
        walk(Path::new(d), &mut out);
    }
    out
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// `(service, operation)` of every call in `text`, a method chain split over lines included.
fn calls_in(text: &str) -> BTreeSet<(String, String)> {
    // Join chains: drop every run of whitespace that holds a line break.
    let mut joined = String::new();
    let mut pending = String::new();
    for c in text.chars() {
        if c.is_whitespace() {
            pending.push(c);
        } else {
            if !pending.contains('\n') {
                joined.push_str(&pending);
            }
            pending.clear();
            joined.push(c);
        }
    }
    // `aws.<service>()` calls, and a client handed in as a parameter named after its service
    // (`ce: &aws_sdk_costexplorer::Client`, so tests can hand in a mock).
    let mut clients: Vec<(String, String)> = vec![
        ("aws".into(), String::new()),
        ("ce".into(), "cost_explorer".into()),
    ];
    for part in joined.split("let ").skip(1) {
        let var = ident(part);
        if let Some(rest) = part[var.len()..].strip_prefix(" = aws.") {
            let service = ident(rest);
            if rest[service.len()..].starts_with("();") {
                clients.push((var.to_owned(), service.to_owned()));
            }
        }
    }
    let mut found = BTreeSet::new();
    for (var, bound) in &clients {
        let needle = format!("{var}.");
        for (i, _) in joined.match_indices(&needle) {
            let before = joined[..i].chars().last();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &joined[i + needle.len()..];
            let (service, rest) = if bound.is_empty() {
                let s = ident(rest);
                match rest[s.len()..].strip_prefix("().") {
                    Some(r) => (s.to_owned(), r),
                    None => continue,
                }
            } else {
                (bound.clone(), rest)
            };
            let op = ident(rest);
            if !op.is_empty() && op != "clone" && rest[op.len()..].starts_with("()") {
                found.insert((service, op.to_owned()));
            }
        }
    }
    found
}

/// The `Aws` client accessors (`aws.config` and the like are not services).
const SERVICES: [&str; 17] = [
    "athena",
    "budgets",
    "cost_explorer",
    "kms",
    "cloudformation",
    "cloudwatch",
    "dynamodb",
    "glue",
    "iam",
    "lambda",
    "logs",
    "s3",
    "scheduler",
    "sfn",
    "sns",
    "sqs",
    "sts",
];

fn called() -> BTreeSet<(String, String)> {
    sources()
        .iter()
        .flat_map(|s| calls_in(s))
        .filter(|(service, _)| SERVICES.contains(&service.as_str()))
        .collect()
}

fn table() -> BTreeSet<(String, String)> {
    CALLS
        .iter()
        .map(|c| (c.service.to_owned(), c.operation.to_owned()))
        .collect()
}

fn documents(role: Option<&str>) -> (PolicyDocument, PolicyDocument) {
    let config = common::config(&common::example_text());
    let names = Names::new(&config);
    let place = Place {
        names: &names,
        stack: "infra-monitoring-prod",
        account: "123456789012",
        region: "us-east-1",
        central_region: None,
        administration_role: None,
    };
    (
        policy(&place, Use::Read, role, &ResourceType::ALL),
        policy(&place, Use::Apply, role, &ResourceType::ALL),
    )
}

fn actions(doc: &PolicyDocument, provisioning: bool) -> BTreeSet<String> {
    doc.statement
        .iter()
        .filter(|s| s.sid.starts_with(PROVISIONING_SID) == provisioning)
        .filter(|s| {
            s.sid != "PassTheDeployRoleToCloudFormation" && s.sid != PASS_ADMINISTRATION_ROLE_SID
        })
        .flat_map(|s| s.action.clone())
        .collect()
}

#[test]
fn the_source_scan_finds_calls_split_over_lines_and_through_a_bound_client() {
    let text = "let cf = aws.cloudformation();\ncf.describe_stacks()\n    .send();\naws.s3()\n    .head_bucket()\n";
    let found: Vec<(String, String)> = calls_in(text).into_iter().collect();
    assert_eq!(
        found,
        [
            ("cloudformation".to_owned(), "describe_stacks".to_owned()),
            ("s3".to_owned(), "head_bucket".to_owned())
        ]
    );
}

#[test]
fn every_aws_operation_the_code_calls_has_a_row_in_the_policy_table() {
    let missing: Vec<_> = called().difference(&table()).cloned().collect();
    assert!(missing.is_empty(), "called but not in CALLS: {missing:?}");
}

#[test]
fn every_row_of_the_policy_table_is_an_operation_the_code_calls() {
    let unused: Vec<_> = table().difference(&called()).cloned().collect();
    assert!(unused.is_empty(), "in CALLS but never called: {unused:?}");
}

#[test]
fn the_two_policies_grant_exactly_the_actions_of_the_calls() {
    let (read, apply) = documents(None);
    let granted: BTreeSet<String> = actions(&read, false)
        .union(&actions(&apply, false))
        .cloned()
        .collect();
    let needed: BTreeSet<String> = CALLS
        .iter()
        .flat_map(|c| c.actions.iter().map(|a| (*a).to_owned()))
        .collect();
    assert_eq!(granted, needed);
}

#[test]
fn the_read_policy_only_describes_gets_lists_views_and_detects_drift() {
    let (read, _) = documents(None);
    let writes: Vec<String> = actions(&read, false)
        .into_iter()
        .filter(|a| {
            let verb = a.split(':').nth(1).unwrap_or_default();
            !["Describe", "Get", "List"]
                .iter()
                .any(|p| verb.starts_with(p))
                && a != "cloudformation:DetectStackDrift"
                // `drift --stack-set`: CloudFormation's drift detection over a set's instances.
                && a != "cloudformation:DetectStackSetDrift"
                // AWS Budgets names its one read action View.
                && a != "budgets:ViewBudget"
        })
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[test]
fn with_a_deploy_role_the_apply_policy_passes_that_role_and_provisions_nothing() {
    let role = "arn:aws:iam::123456789012:role/InfrapipeDeploy";
    let (_, apply) = documents(Some(role));
    let pass: Vec<(Vec<String>, Vec<String>)> = apply
        .statement
        .iter()
        .filter(|s| s.sid == "PassTheDeployRoleToCloudFormation")
        .map(|s| (s.action.clone(), s.resource.clone()))
        .collect();
    assert_eq!(
        (pass, actions(&apply, true).len()),
        (
            vec![(vec!["iam:PassRole".to_owned()], vec![role.to_owned()])],
            0
        )
    );
}

#[test]
fn without_a_deploy_role_the_apply_policy_lets_cloudformation_build_every_resource_type() {
    let (_, apply) = documents(None);
    let provisioning = actions(&apply, true);
    assert!(
        [
            "lambda:CreateFunction",
            "iam:PassRole",
            "dynamodb:CreateTable",
            "states:CreateStateMachine"
        ]
        .iter()
        .all(|a| provisioning.contains(*a)),
        "{provisioning:?}"
    );
}

#[test]
fn every_resource_names_the_account_and_region_or_is_the_one_wildcard() {
    let (read, apply) = documents(None);
    let bad: Vec<String> = read
        .statement
        .iter()
        .chain(&apply.statement)
        .flat_map(|s| s.resource.clone())
        .filter(|r| {
            r.contains("${")
                || !(r == "*" || r.starts_with("arn:aws:s3:::") || r.contains(":123456789012:"))
        })
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

fn provisioning_for(types: &[ResourceType]) -> BTreeSet<String> {
    let config = common::config(&common::example_text());
    let names = Names::new(&config);
    let place = Place {
        names: &names,
        stack: "infra-monitoring-prod",
        account: "123456789012",
        region: "us-east-1",
        central_region: None,
        administration_role: None,
    };
    actions(&policy(&place, Use::Apply, None, types), true)
}

#[test]
fn chat_channels_add_chatbots_actions_and_attaching_policies_to_the_pipelines_roles() {
    let with = provisioning_for(&[
        ResourceType::IamRole,
        ResourceType::ChatbotSlackChannel,
        ResourceType::ChatbotTeamsChannel,
    ]);
    for a in [
        "chatbot:CreateSlackChannelConfiguration",
        "chatbot:CreateMicrosoftTeamsChannelConfiguration",
        "iam:AttachRolePolicy",
    ] {
        assert!(with.contains(a), "{a} missing: {with:?}");
    }
    let without = provisioning_for(&[ResourceType::IamRole]);
    assert!(!without.contains("iam:AttachRolePolicy"), "{without:?}");
}

/// The apply policy for the example config with `aggregation.region: eu-west-1`, in us-east-1.
fn apply_with_aggregation() -> PolicyDocument {
    let config = common::config(&common::example_text());
    let central = infrapipe::config::Region::parse("eu-west-1").expect("a region");
    let names = Names::new(&config);
    let place = Place {
        names: &names,
        stack: "infra-monitoring-prod",
        account: "123456789012",
        region: "us-east-1",
        central_region: Some(&central),
        administration_role: None,
    };
    policy(&place, Use::Apply, None, &ResourceType::ALL)
}

fn granted_on(doc: &PolicyDocument, action: &str) -> BTreeSet<String> {
    doc.statement
        .iter()
        .filter(|s| s.action.iter().any(|a| a == action))
        .flat_map(|s| s.resource.clone())
        .collect()
}

#[test]
fn with_aggregation_apply_may_check_that_the_central_bucket_exists() {
    let resources = granted_on(&apply_with_aggregation(), "s3:ListBucket");
    assert!(
        resources.contains("arn:aws:s3:::infra-monitoring-prod-agg-123456789012-eu-west-1"),
        "{resources:?}"
    );
}

#[test]
fn without_aggregation_no_central_bucket_is_granted() {
    let (read, apply) = documents(None);
    let central: Vec<String> = granted_on(&read, "s3:ListBucket")
        .union(&granted_on(&apply, "s3:ListBucket"))
        .filter(|r| r.contains("-agg-"))
        .cloned()
        .collect();
    assert!(central.is_empty(), "{central:?}");
}

#[test]
fn the_apply_policy_passes_the_default_stack_set_administration_role() {
    let (_, apply) = documents(None);
    let pass: Vec<Vec<String>> = apply
        .statement
        .iter()
        .filter(|s| s.sid == PASS_ADMINISTRATION_ROLE_SID)
        .map(|s| s.resource.clone())
        .collect();
    assert_eq!(
        pass,
        vec![vec![
            "arn:aws:iam::123456789012:role/AWSCloudFormationStackSetAdministrationRole".to_owned()
        ]]
    );
}

#[test]
fn the_apply_policy_passes_the_configured_stack_set_administration_role() {
    let config = common::config(&common::example_text());
    let names = Names::new(&config);
    let role = "arn:aws:iam::123456789012:role/OurStackSetAdmin";
    let place = Place {
        names: &names,
        stack: "infra-monitoring-prod",
        account: "123456789012",
        region: "us-east-1",
        central_region: None,
        administration_role: Some(role),
    };
    let apply = policy(&place, Use::Apply, None, &ResourceType::ALL);
    assert_eq!(
        granted_on(&apply, "iam:PassRole")
            .into_iter()
            .filter(|r| !r.contains(":role/infra-monitoring-prod-"))
            .collect::<Vec<_>>(),
        vec![role.to_owned()]
    );
}
