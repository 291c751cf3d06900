//! `cost` with `aggregation:`: replication's PUT requests in every region, the central
//! bucket's storage in the aggregation region, and the transfer between regions billed to the
//! regions the copies leave (free within the aggregation region).

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
fn only_the_regions_the_copies_leave_pay_for_the_transfer() {
    let doc = report();
    let transfer = |r: &str| {
        items(&doc, r)
            .iter()
            .any(|i| i.starts_with("replication transfer to eu-west-1"))
    };
    assert!(transfer("us-east-1"));
    assert!(!transfer("eu-west-1"));
}

#[test]
fn the_transfer_is_priced_at_the_source_regions_rate_per_gb() {
    let doc = report();
    let line = doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| {
            l["region"] == "us-east-1"
                && l["item"]
                    .as_str()
                    .is_some_and(|i| i.starts_with("replication transfer"))
        })
        .expect("a transfer line in us-east-1")
        .clone();
    assert!(
        line["unit_price"] == 0.02 && line["unit"] == "GB" && line["quantity"].as_f64() > Some(0.0),
        "{line}"
    );
    assert!(
        !doc["notes"]
            .to_string()
            .contains("replication's data transfer"),
        "{}",
        doc["notes"]
    );
}
