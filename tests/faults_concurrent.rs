//! Two applies at once on one stack, with the SDK's mock clients (moto completes stacks at once,
//! so it never shows one in progress): the second apply refuses before making a change set when
//! the stack is busy, and when another operation overtakes it after its change set was made, it
//! deletes its change set and executes nothing. Change sets never interleave.

mod common;
use aws_sdk_cloudformation::Client as Cf;
use aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetOutput;
use aws_sdk_cloudformation::operation::execute_change_set::{
    ExecuteChangeSetError, ExecuteChangeSetOutput,
};
use aws_sdk_cloudformation::types::StackStatus;
use aws_smithy_mocks::{Rule, RuleMode, mock};
use aws_smithy_types::error::ErrorMetadata;
use common::mocks::{
    apply_example, change_set_ready, deployed_template, no_change_sets, no_events, policy_set,
    stack,
};
use infrapipe::deploy::apply::{ApplyError, Refusal};

/// The stack as the first read finds it, then as every later read does.
fn describe(first: StackStatus, then: StackStatus) -> Rule {
    mock!(Cf::describe_stacks)
        .sequence()
        .output(move || stack(first.clone()))
        .output(move || stack(then.clone()))
        .repeatedly()
        .build()
}

/// What every apply does first on an existing stack: no change set left by an earlier apply,
/// and the protective stack policy reasserted.
fn start_rules() -> [Rule; 2] {
    [no_change_sets(), policy_set()]
}

/// DeleteChangeSet accepted.
fn deleted() -> Rule {
    mock!(Cf::delete_change_set).then_output(|| DeleteChangeSetOutput::builder().build())
}

/// An apply of the example up to its ExecuteChangeSet (answered by `execute`): the stack is
/// UPDATE_COMPLETE when read first and `then` at every later read.
fn to_execute(then: StackStatus, execute: &Rule, delete: &Rule) -> Cf {
    let [create, describe_cs] = change_set_ready();
    let [list, policy] = start_rules();
    let rules = [
        describe(StackStatus::UpdateComplete, then),
        mock!(Cf::get_template).then_output(deployed_template),
        list,
        policy,
        create,
        describe_cs,
        no_events(),
    ];
    mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        all rules.iter().chain([delete, execute])
    )
}

#[test]
fn a_second_apply_finds_the_first_in_progress_and_refuses_before_any_change_set() {
    let [create, _] = change_set_ready();
    let cf = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        [
            &describe(StackStatus::UpdateInProgress, StackStatus::UpdateInProgress),
            &mock!(Cf::get_template).then_output(deployed_template),
            &create,
        ]
    );
    let err = apply_example(cf).expect_err("refused");
    assert!(
        matches!(&err, ApplyError::Refused(Refusal::Busy { status, .. }) if status == "UPDATE_IN_PROGRESS"),
        "{err}"
    );
    assert_eq!(
        create.num_calls(),
        0,
        "no change set beside the running one"
    );
}

#[test]
fn an_apply_overtaken_after_its_change_set_deletes_it_and_executes_nothing() {
    let delete = deleted();
    let execute =
        mock!(Cf::execute_change_set).then_output(|| ExecuteChangeSetOutput::builder().build());
    let cf = to_execute(StackStatus::UpdateInProgress, &execute, &delete);
    let err = apply_example(cf).expect_err("overtaken");
    assert!(
        matches!(&err, ApplyError::Refused(Refusal::Overtaken { .. })),
        "{err}"
    );
    assert_eq!(
        (execute.num_calls(), delete.num_calls()),
        (0, 1),
        "nothing executed, the stale change set deleted"
    );
}

#[test]
fn an_execution_refused_because_the_stack_got_busy_is_said_as_overtaken() {
    let execute = mock!(Cf::execute_change_set).then_error(|| {
        ExecuteChangeSetError::generic(
            ErrorMetadata::builder()
                .code("ValidationError")
                .message("Stack:infra-monitoring-prod is in UPDATE_IN_PROGRESS state and can not be updated.")
                .build(),
        )
    });
    let cf = to_execute(StackStatus::UpdateComplete, &execute, &deleted());
    let err = apply_example(cf).expect_err("overtaken");
    assert!(
        err.to_string()
            .starts_with("another operation started on stack infra-monitoring-prod")
            && err
                .to_string()
                .contains("nothing of this apply was executed"),
        "{err}"
    );
}
