//! The checked-in template of the default example is exactly what synth renders.

mod common;

#[test]
fn checked_in_template_matches_synth() {
    // What synth writes: the template with the config recorded in its Metadata.
    let config = common::config(&common::example_text());
    let template = infrapipe::commands::template(&config, &config.regions[0]).expect("renders");
    let rendered = infrapipe::template::to_string(&template);
    let path = "templates/infrapipe-us-east-1.json";
    let stored = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        stored == rendered,
        "{path} is stale or missing. Refresh it with:\n  cargo run -- synth -c examples/infrapipe.yaml --out templates\nthen review and commit the diff."
    );
}
