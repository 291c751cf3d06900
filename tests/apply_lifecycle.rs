//! Apply's lifecycle paths that moto cannot show, with the SDK's mock clients (aws-smithy-mocks):
//! a drift-aware change set, the stack policy restored after a failed execute and after an
//! interruption, change sets left by an earlier apply deleted, a failed create deleted only
//! after consent. Each asserts the requests sent and their parameters.

mod common;
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetOutput;
use aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetOutput;
use aws_sdk_cloudformation::operation::execute_change_set::{
    ExecuteChangeSetError, ExecuteChangeSetOutput,
};
use aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsOutput;
use aws_sdk_cloudformation::operation::set_stack_policy::SetStackPolicyOutput;
use aws_sdk_cloudformation::types::{
    ChangeSetSummary, DeploymentMode, ExecutionStatus, StackStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use aws_smithy_types::error::ErrorMetadata;
use common::mocks::{
    STACK, STACK_ID, block_on, change_set_ready, drifted_threshold, no_change_sets, no_events,
    published_already, request, stack, template_output,
};
use infrapipe::aws::{Aws, Overrides};
use infrapipe::deploy::apply::{self, Answer, ApplyError, Interrupted, Outcome, Request, Ui};
use infrapipe::deploy::assets::Uploaded;
use infrapipe::deploy::wait::Tick;
use infrapipe::model::names::Names;
use infrapipe::plan::Plan;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Answers every question with `yes`, and counts how often it was asked.
struct Person {
    yes: bool,
    asked: usize,
}

impl Ui for Person {
    fn ask(&mut self, _: &str) -> Answer {
        self.asked += 1;
        if self.yes { Answer::Yes } else { Answer::No }
    }
    fn confirm(&mut self, _: &Plan) -> bool {
        self.asked += 1;
        self.yes
    }
    fn published(&mut self, _: &Uploaded) {}
    fn tick(&mut self, _: Tick<'_>, _: usize) {}
    fn replacing_failed_create(&mut self, _: &str) {}
}

/// The example with the table keyed otherwise: the plan replaces the table (data loss).
fn other_table_key() -> serde_json::Value {
    let mut t = common::example();
    t["Resources"]["MetricsTable"]["Properties"]["KeySchema"][1]["AttributeName"] =
        serde_json::json!("timestamp");
    t
}

/// Every stack policy body sent, in order.
type Policies = Arc<Mutex<Vec<String>>>;

fn recorded_policies() -> (Rule, Policies) {
    let seen: Policies = Arc::default();
    let record = seen.clone();
    let rule = mock!(Cf::set_stack_policy)
        .match_requests(move |r| {
            if let Ok(mut v) = record.lock() {
                v.push(r.stack_policy_body().unwrap_or_default().to_owned());
            }
            true
        })
        .then_output(|| SetStackPolicyOutput::builder().build());
    (rule, seen)
}

struct Run {
    revert_drift: bool,
    allow_data_loss: bool,
    yes: bool,
}

const PLAIN: Run = Run {
    revert_drift: false,
    allow_data_loss: false,
    yes: true,
};

fn aws(cf: Cf, names: &Names) -> Aws {
    Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cf),
            ..published_already(names)
        },
    )
}

/// One apply against the mocks, stopped when `interrupt` completes.
fn run_until<F: std::future::Future>(
    cf: Cf,
    run: Run,
    interrupt: F,
) -> (Result<Result<Outcome, ApplyError>, Interrupted>, usize) {
    let config = common::config(&common::example_text());
    let names = Names::new(&config);
    let template = common::example();
    let aws = aws(cf, &names);
    let req = Request {
        allow_data_loss: run.allow_data_loss,
        revert_drift: run.revert_drift,
        ..request(&names, &template)
    };
    let mut person = Person {
        yes: run.yes,
        asked: 0,
    };
    let result = block_on(apply::apply_until(&aws, &req, &mut person, interrupt));
    (result, person.asked)
}

fn run_apply(cf: Cf, run: Run) -> (Result<Outcome, ApplyError>, usize) {
    let (result, asked) = run_until(cf, run, std::future::pending::<()>());
    match result {
        Ok(r) => (r, asked),
        Err(i) => panic!("not interrupted, yet: {}", i.goes_on),
    }
}

/// CloudFormation for an update of the deployed stack (`deployed` its template) that goes
/// through, `create` answering CreateChangeSet.
fn updating(deployed: serde_json::Value, create: &Rule) -> Cf {
    let [_, describe] = change_set_ready();
    let (policy, _) = recorded_policies();
    let rules = [
        mock!(Cf::describe_stacks).then_output(|| stack(StackStatus::UpdateComplete)),
        mock!(Cf::get_template).then_output(move || template_output(deployed.clone())),
        no_change_sets(),
        policy,
        describe,
        no_events(),
        mock!(Cf::execute_change_set).then_output(|| ExecuteChangeSetOutput::builder().build()),
        mock!(Cf::update_termination_protection).then_output(|| {
            aws_sdk_cloudformation::operation::update_termination_protection::UpdateTerminationProtectionOutput::builder().build()
        }),
    ];
    mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        all rules.iter().chain([create])
    )
}

fn is_protective(body: &str) -> bool {
    body.contains("Update:Replace") && body.contains("\"Deny\"")
}

#[test]
fn revert_drift_sends_a_drift_aware_change_set() {
    let create = mock!(Cf::create_change_set)
        .match_requests(|r| {
            r.deployment_mode() == Some(&DeploymentMode::RevertDrift)
                && r.change_set_type()
                    == Some(&aws_sdk_cloudformation::types::ChangeSetType::Update)
        })
        .then_output(|| {
            CreateChangeSetOutput::builder()
                .id("cs-1")
                .stack_id(STACK_ID)
                .build()
        });
    // The deployed template is the rendered one: only drift is left to revert.
    let cf = updating(common::example(), &create);
    let (result, _) = run_apply(
        cf,
        Run {
            revert_drift: true,
            ..PLAIN
        },
    );
    assert!(matches!(result, Ok(Outcome::Executed { .. })), "{result:?}");
    assert_eq!(
        create.num_calls(),
        1,
        "CreateChangeSet with DeploymentMode=REVERT_DRIFT and ChangeSetType=UPDATE"
    );
}

#[test]
fn a_plain_apply_sends_no_deployment_mode() {
    let create = mock!(Cf::create_change_set)
        .match_requests(|r| r.deployment_mode().is_none())
        .then_output(|| {
            CreateChangeSetOutput::builder()
                .id("cs-1")
                .stack_id(STACK_ID)
                .build()
        });
    let cf = updating(drifted_threshold(), &create);
    // Consent comes before the change set, so the change set is only made after a yes.
    let (result, _) = run_apply(cf, PLAIN);
    assert!(matches!(result, Ok(Outcome::Executed { .. })), "{result:?}");
    assert_eq!(
        create.num_calls(),
        1,
        "CreateChangeSet without DeploymentMode"
    );
}

#[test]
fn a_failed_execute_leaves_the_protective_stack_policy_restored() {
    let [create, describe] = change_set_ready();
    let (policy, policies) = recorded_policies();
    let delete_change_set = mock!(Cf::delete_change_set)
        .match_requests(|r| r.change_set_name() == Some("cs-1"))
        .then_output(|| DeleteChangeSetOutput::builder().build());
    let execute = mock!(Cf::execute_change_set).then_error(|| {
        ExecuteChangeSetError::generic(
            ErrorMetadata::builder()
                .code("InvalidChangeSetStatus")
                .message("ChangeSet [cs-1] cannot be executed in its current status")
                .build(),
        )
    });
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &mock!(Cf::describe_stacks).then_output(|| stack(StackStatus::UpdateComplete)),
            &mock!(Cf::get_template).then_output(|| template_output(other_table_key())),
            &no_change_sets(),
            &policy,
            &create,
            &describe,
            &no_events(),
            &execute,
            &delete_change_set,
        ]
    );
    let (result, _) = run_apply(
        cf,
        Run {
            allow_data_loss: true,
            ..PLAIN
        },
    );
    assert!(result.is_err(), "{result:?}");
    assert_eq!(execute.num_calls(), 1);
    assert_eq!(
        delete_change_set.num_calls(),
        1,
        "the change set that could not run is not left behind"
    );
    let sent = policies.lock().expect("policies").clone();
    // Reasserted at the start, lifted for the replacement, restored after the failure.
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(!is_protective(&sent[1]), "lifted: {}", sent[1]);
    assert!(
        sent.last().is_some_and(|p| is_protective(p)),
        "restored last: {sent:?}"
    );
}

#[test]
fn an_interrupted_apply_under_allow_data_loss_restores_the_stack_policy() {
    let [create, describe] = change_set_ready();
    let (policy, policies) = recorded_policies();
    let executed = Arc::new(AtomicBool::new(false));
    let flag = executed.clone();
    let execute = mock!(Cf::execute_change_set)
        .match_requests(move |_| {
            flag.store(true, Ordering::SeqCst);
            true
        })
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let describe_stacks = mock!(Cf::describe_stacks)
        .sequence()
        // Read at the start, then re-read just before ExecuteChangeSet (not overtaken).
        .output(|| stack(StackStatus::UpdateComplete))
        .output(|| stack(StackStatus::UpdateComplete))
        .output(|| stack(StackStatus::UpdateInProgress))
        .repeatedly()
        .build();
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &describe_stacks,
            &mock!(Cf::get_template).then_output(|| template_output(other_table_key())),
            &no_change_sets(),
            &policy,
            &create,
            &describe,
            &no_events(),
            &execute,
        ]
    );
    // Ctrl-C once the change set is executing and the stack is being updated.
    let ctrl_c = async move {
        while !executed.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let (result, _) = run_until(
        cf,
        Run {
            allow_data_loss: true,
            ..PLAIN
        },
        ctrl_c,
    );
    let Err(Interrupted { goes_on }) = result else {
        panic!("expected an interruption, got {result:?}");
    };
    assert!(
        goes_on.contains("stack policy that guards the data was restored"),
        "{goes_on}"
    );
    let sent = policies.lock().expect("policies").clone();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(
        sent.last().is_some_and(|p| is_protective(p)),
        "restored last: {sent:?}"
    );
}

#[test]
fn change_sets_an_earlier_apply_left_available_are_deleted_first() {
    let summary = |name: &str, status: ExecutionStatus| {
        ChangeSetSummary::builder()
            .stack_name(STACK)
            .change_set_name(name)
            .change_set_id(format!("arn:cs/{name}"))
            .execution_status(status)
            .build()
    };
    let list = mock!(Cf::list_change_sets).then_output(move || {
        ListChangeSetsOutput::builder()
            .summaries(summary("infrapipe-apply-1", ExecutionStatus::Available))
            .summaries(summary(
                "infrapipe-apply-0",
                ExecutionStatus::ExecuteComplete,
            ))
            .summaries(summary("someone-elses", ExecutionStatus::Available))
            .build()
    });
    let delete = mock!(Cf::delete_change_set)
        .match_requests(|r| r.change_set_name() == Some("arn:cs/infrapipe-apply-1"))
        .then_output(|| DeleteChangeSetOutput::builder().build());
    let (policy, _) = recorded_policies();
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &mock!(Cf::describe_stacks).then_output(|| stack(StackStatus::UpdateComplete)),
            &mock!(Cf::get_template).then_output(|| template_output(common::example())),
            &list,
            &delete,
            &policy,
            &mock!(Cf::update_termination_protection).then_output(|| {
                aws_sdk_cloudformation::operation::update_termination_protection::UpdateTerminationProtectionOutput::builder().build()
            }),
        ]
    );
    let (result, _) = run_apply(cf, PLAIN);
    assert!(
        matches!(result, Ok(Outcome::NoChanges { .. })),
        "{result:?}"
    );
    assert_eq!(delete.num_calls(), 1, "only ours, only the AVAILABLE one");
}

#[test]
fn a_failed_create_is_kept_when_the_person_says_no() {
    let delete_stack = mock!(Cf::delete_stack).then_output(|| {
        aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput::builder().build()
    });
    let create = mock!(Cf::create_change_set).then_output(|| {
        CreateChangeSetOutput::builder()
            .id("cs-1")
            .stack_id(STACK_ID)
            .build()
    });
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &mock!(Cf::describe_stacks).then_output(|| stack(StackStatus::RollbackComplete)),
            &mock!(Cf::get_template).then_output(|| template_output(common::example())),
            &no_change_sets(),
            &delete_stack,
            &create,
        ]
    );
    let (result, asked) = run_apply(
        cf,
        Run {
            yes: false,
            ..PLAIN
        },
    );
    assert!(
        matches!(result, Ok(Outcome::Cancelled { .. })),
        "{result:?}"
    );
    assert_eq!(asked, 1, "the plan was shown and the question put");
    assert_eq!(
        delete_stack.num_calls(),
        0,
        "nothing deleted without consent"
    );
    assert_eq!(create.num_calls(), 0);
}

#[test]
fn a_failed_create_is_deleted_after_one_yes_and_created_again() {
    let describe = mock!(Cf::describe_stacks)
        .sequence()
        .output(|| stack(StackStatus::RollbackComplete))
        .output(|| stack(StackStatus::DeleteComplete))
        .output(|| stack(StackStatus::CreateComplete))
        .repeatedly()
        .build();
    let delete_stack = mock!(Cf::delete_stack).then_output(|| {
        aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput::builder().build()
    });
    let create = mock!(Cf::create_change_set)
        .match_requests(|r| {
            r.change_set_type() == Some(&aws_sdk_cloudformation::types::ChangeSetType::Create)
        })
        .then_output(|| {
            CreateChangeSetOutput::builder()
                .id("cs-1")
                .stack_id(STACK_ID)
                .build()
        });
    let [_, describe_cs] = change_set_ready();
    let (policy, _) = recorded_policies();
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &describe,
            &mock!(Cf::get_template).then_output(|| template_output(common::example())),
            &no_change_sets(),
            &delete_stack,
            &create,
            &describe_cs,
            &no_events(),
            &mock!(Cf::execute_change_set)
                .then_output(|| ExecuteChangeSetOutput::builder().build()),
            &policy,
        ]
    );
    let (result, asked) = run_apply(cf, PLAIN);
    assert!(
        matches!(&result, Ok(Outcome::Executed { finished, .. }) if finished.succeeded()),
        "{result:?}"
    );
    assert_eq!(asked, 1, "one question, before anything was deleted");
    assert_eq!(delete_stack.num_calls(), 1);
    assert_eq!(
        create.num_calls(),
        1,
        "a CREATE change set after the delete"
    );
}
