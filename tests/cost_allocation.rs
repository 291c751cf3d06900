//! `status`'s cost-allocation tag check against Cost Explorer, which moto does not implement
//! (ListCostAllocationTags): the request and each answer, through aws-smithy-mocks.

use aws_sdk_costexplorer::operation::list_cost_allocation_tags::ListCostAllocationTagsOutput;
use aws_sdk_costexplorer::types::{
    CostAllocationTag, CostAllocationTagStatus, CostAllocationTagType,
};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use aws_smithy_types::error::ErrorMetadata;
use infrapipe::aws::cost_allocation::{TagState, tag_state};

const KEY: &str = "infrapipe:pipeline";

fn client(rule: Rule) -> aws_sdk_costexplorer::Client {
    let interceptor = aws_smithy_mocks::MockResponseInterceptor::new()
        .rule_mode(RuleMode::Sequential)
        .with_rule(&rule);
    let config = aws_sdk_costexplorer::config::Config::builder()
        .with_test_defaults()
        .region(aws_sdk_costexplorer::config::Region::new("us-east-1"))
        .http_client(aws_smithy_mocks::create_mock_http_client())
        .interceptor(interceptor)
        .build();
    aws_sdk_costexplorer::Client::from_conf(config)
}

fn answering(status: Option<CostAllocationTagStatus>) -> Rule {
    mock!(aws_sdk_costexplorer::Client::list_cost_allocation_tags)
        .match_requests(|r| {
            r.tag_keys() == [KEY.to_owned()]
                && r.r#type() == Some(&CostAllocationTagType::UserDefined)
        })
        .then_output(move || {
            let mut out = ListCostAllocationTagsOutput::builder();
            if let Some(s) = status.clone() {
                out = out.cost_allocation_tags(
                    CostAllocationTag::builder()
                        .tag_key(KEY)
                        .r#type(CostAllocationTagType::UserDefined)
                        .status(s)
                        .build()
                        .expect("tag"),
                );
            }
            out.build()
        })
}

fn state(rule: Rule) -> TagState {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(tag_state(&client(rule), "us-east-1", KEY))
}

#[test]
fn an_active_tag_asked_for_by_its_key_as_a_user_tag_is_active() {
    assert_eq!(
        state(answering(Some(CostAllocationTagStatus::Active))),
        TagState::Active
    );
}

#[test]
fn an_inactive_tag_is_inactive() {
    assert_eq!(
        state(answering(Some(CostAllocationTagStatus::Inactive))),
        TagState::Inactive
    );
}

#[test]
fn a_tag_cost_explorer_has_not_seen_is_not_seen() {
    assert_eq!(state(answering(None)), TagState::NotSeen);
}

#[test]
fn a_refused_call_is_unknown_and_says_why() {
    let refused = mock!(aws_sdk_costexplorer::Client::list_cost_allocation_tags).then_error(|| {
        aws_sdk_costexplorer::operation::list_cost_allocation_tags::ListCostAllocationTagsError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not allowed")
                .build(),
        )
    });
    match state(refused) {
        TagState::Unknown(why) => assert!(why.contains("AccessDeniedException"), "{why}"),
        other => panic!("expected unknown, got {other:?}"),
    }
}
