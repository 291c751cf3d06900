//! `cost` with `aggregation:`: replication's PUT requests in every region, the central
//! bucket's storage in the aggregation region, and the transfer between regions said unpriced
//! (the bundled prices hold no region pair), never invented.

mod common;
use serde_json::Value;

fn report() -> Value {
    let (code, out, err) = common::run(&["cost", "-c", "examples/aggregation.yaml", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    serde_json::from_str(&out).expect("one JSON document")
}

fn items(doc: &Value, region: &str) -> Vec<String> {
    doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["region"] == region)
        .filter_map(|l| l["item"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn every_region_pays_for_its_replication_puts() {
    let doc = report();
    for region in ["eu-west-1", "us-east-1"] {
        assert!(
            items(&doc, region)
                .iter()
                .any(|i| i.starts_with("replication PUT requests")),
            "{region}"
        );
    }
}

#[test]
fn only_the_aggregation_region_stores_every_regions_raw_json() {
    let doc = report();
    let central = |r: &str| {
        items(&doc, r)
            .iter()
            .any(|i| i.starts_with("central bucket Standard storage (2 regions'"))
    };
    assert!(central("eu-west-1"));
    assert!(!central("us-east-1"));
}

#[test]
fn the_transfer_between_regions_is_said_unpriced() {
    let doc = report();
    let notes = doc["notes"].to_string();
    assert!(
        notes.contains("Not priced: replication's data transfer between regions")
            && notes.contains("from us-east-1 to eu-west-1"),
        "{notes}"
    );
}
