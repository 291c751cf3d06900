//! The one template a StackSet deploys (`commands::stack_set_template`): the same body whatever
//! region it is rendered for, the data kept by DeletionPolicy alone, the budget under a condition.

use infrapipe::commands::stack_set_template;
use infrapipe::config::Config;

fn two_regions() -> Config {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string("examples/infrapipe.yaml").expect("example");
    let text = text.replace("  - us-east-1\n", "  - us-east-1\n  - eu-west-1\n");
    let path = dir.path().join("infrapipe.yaml");
    std::fs::write(&path, text).expect("write config");
    Config::load(&path).expect("two-region config")
}

#[test]
fn a_stack_set_template_is_the_same_body_whatever_the_region_it_is_rendered_for() {
    let c = two_regions();
    let (us, eu) = (&c.regions[0], &c.regions[1]);
    let a = stack_set_template(&c, us, us).expect("us-east-1");
    let b = stack_set_template(&c, eu, us).expect("eu-west-1");
    let differ: Vec<String> = a["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(id, r)| b["Resources"][id.as_str()] != **r)
        .map(|(id, _)| id.clone())
        .collect();
    assert!(
        infrapipe::template::body(&a) == infrapipe::template::body(&b),
        "the bodies differ (resources {differ:?}; description, parameters, outputs equal: {} {} {})",
        a["Description"] == b["Description"],
        a["Parameters"] == b["Parameters"],
        a["Outputs"] == b["Outputs"]
    );
}

#[test]
fn a_stack_set_keeps_its_data_by_deletion_policy_alone() {
    let c = two_regions();
    let t = stack_set_template(&c, &c.regions[1], &c.regions[0]).expect("template");
    let kept: Vec<(&str, &str)> = ["RawMetricsBucket", "MetricsTable"]
        .iter()
        .map(|id| {
            let r = &t["Resources"][*id];
            (
                r["DeletionPolicy"].as_str().unwrap_or_default(),
                r["UpdateReplacePolicy"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(kept, [("Retain", "Retain"), ("Retain", "Retain")]);
}

#[test]
fn a_stack_set_keeps_the_budget_in_every_instance_under_a_region_condition() {
    let c = two_regions();
    let t = stack_set_template(&c, &c.regions[1], &c.regions[0]).expect("template");
    let budgets: Vec<&serde_json::Value> = t["Resources"]
        .as_object()
        .map(|r| {
            r.values()
                .filter(|v| v["Type"] == "AWS::Budgets::Budget")
                .collect()
        })
        .unwrap_or_default();
    assert!(
        budgets.len() == 1
            && budgets[0]["Condition"] == "IsBudgetRegion"
            && t["Parameters"]["BudgetRegion"]["Default"] == "us-east-1",
        "{budgets:?}"
    );
}

#[test]
fn a_stack_set_with_aggregation_is_refused_with_what_to_do_instead() {
    let c = Config::load(std::path::Path::new("examples/aggregation.yaml")).expect("example");
    let err = stack_set_template(&c, &c.regions[0], &c.regions[0])
        .expect_err("aggregation with a stack set must be refused");
    let message = err.to_string();
    assert!(
        message.contains("aggregation.region") && message.contains("infrapipe rollout"),
        "{message}"
    );
}
