//! The model's identities (what each resource is called) and the core's resolution of the
//! rendered template agree: one set of facts, whichever way a name is reached.

mod common;
use infrapipe::cfn::resolve::{Place, Resolver};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";

/// The example, the example with the `security:` resources (the KMS key, its alias, the
/// access-log bucket and its policy), and a config with a Slack and a Teams channel.
fn pipelines() -> Vec<infrapipe::model::Pipeline> {
    let example = common::example_text();
    vec![
        common::pipeline(&example),
        common::pipeline(&format!(
            "{example}\nsecurity:\n  kms: create\n  access_logs: true\n"
        )),
        // The AWS Chatbot channels and their role.
        common::pipeline(&format!("{}{}", common::MINIMAL, common::CHAT_CHANNELS)),
        // The aggregation region: the replication role, the central bucket, table and
        // workgroup, with the key and access logs they take.
        common::pipeline(&format!(
            "{}\nsecurity:\n  kms: create\n  access_logs: true\n",
            std::fs::read_to_string("examples/aggregation.yaml")
                .expect("examples/aggregation.yaml")
        )),
    ]
}

#[test]
fn identities_cover_every_resource_the_template_renders_with_its_type() {
    for p in pipelines() {
        identities_cover_every_resource_of(&p);
    }
}

fn identities_cover_every_resource_of(p: &infrapipe::model::Pipeline) {
    let template = infrapipe::template::render(p);
    let rendered: BTreeSet<(String, String)> = template["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .map(|(id, r)| (id.clone(), r["Type"].as_str().unwrap_or("?").to_owned()))
        .collect();
    let identified: BTreeSet<(String, String)> = p
        .identities()
        .into_iter()
        .map(|(id, i)| (id, i.resource_type.name().to_owned()))
        .collect();
    assert_eq!(identified, rendered);
}

#[test]
fn the_template_resolves_to_the_names_refs_and_arns_the_model_gives() {
    for p in pipelines() {
        resolves_as_the_model_gives(&p);
    }
}

fn resolves_as_the_model_gives(p: &infrapipe::model::Pipeline) {
    let template = infrapipe::template::render(p);
    let (physical, parameters) = (BTreeMap::new(), BTreeMap::new());
    let place = Place {
        account: ACCOUNT,
        region: REGION,
        stack: &p.stack_name,
        physical: &physical,
        parameters: &parameters,
    };
    let r = Resolver::new(&template, &place);
    let resolved =
        |s: &Option<infrapipe::model::names::Sub>| s.as_ref().map(|s| s.resolve(ACCOUNT, REGION));
    for (id, identity) in p.identities() {
        assert_eq!(r.name(&id), resolved(&identity.name), "{id}: name");
        assert_eq!(r.reference(&id), resolved(&identity.reference), "{id}: Ref");
        if let (Some(arn), Some(facts)) = (&identity.arn, identity.resource_type.facts().arn) {
            let got = r.resolve(&json!({ "Fn::GetAtt": [id, facts.attribute] }));
            assert_eq!(got, json!(arn.resolve(ACCOUNT, REGION)), "{id}: Arn");
        }
    }
}
