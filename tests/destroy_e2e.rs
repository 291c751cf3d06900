//! destroy across regions and the artifact bucket's removal, end to end: the real binary
//! against moto on loopback (moto's CloudFormation deletes synchronously).

mod common;
use common::moto::Moto;
use common::*;

const STACK: &str = "infra-monitoring-prod";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// The example config deployed to both regions; the config file stays alive with the handle.
fn deployed_in_two_regions(moto: &Moto) -> tempfile::NamedTempFile {
    let yaml = example_text().replace("  - us-east-1\n", "  - us-east-1\n  - eu-west-1\n");
    let f = config_file(&yaml);
    let path = f.path().display().to_string();
    for region in REGIONS {
        let (code, out, err) = moto.infrapipe(&["apply", "-c", &path, "--region", region, "--yes"]);
        assert_eq!(code, 0, "{region}: {out}{err}");
    }
    f
}

/// The stack's status in each region ("gone" when there is none).
fn stack_status(moto: &Moto) -> Vec<String> {
    let out = moto.boto3(
        "import sys, boto3\nfor r in ['us-east-1', 'eu-west-1']:\n  try:\n    print(boto3.client('cloudformation', region_name=r).describe_stacks(StackName=sys.argv[1])['Stacks'][0]['StackStatus'])\n  except Exception:\n    print('gone')",
        &[STACK],
    );
    out.split_whitespace().map(str::to_owned).collect()
}

/// The names of the buckets that exist.
fn buckets(moto: &Moto) -> Vec<String> {
    let out = moto.boto3(
        "import boto3\nfor b in boto3.client('s3').list_buckets()['Buckets']: print(b['Name'])",
        &[],
    );
    out.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn destroy_all_regions_deletes_the_stack_in_each_configured_region_and_keeps_the_data() {
    let moto = Moto::start();
    let config = deployed_in_two_regions(&moto);
    let path = config.path().display().to_string();
    let (code, out, err) =
        moto.infrapipe(&["destroy", "-c", &path, "--all-regions", "--yes", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let results: Vec<(&str, &str)> = doc["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap_or_default(),
                r["result"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [("us-east-1", "destroyed"), ("eu-west-1", "destroyed")]
    );
    assert!(
        stack_status(&moto)
            .iter()
            .all(|s| s == "gone" || s == "DELETE_COMPLETE"),
        "{:?}",
        stack_status(&moto)
    );
    let left = buckets(&moto);
    for region in REGIONS {
        let raw = format!("{STACK}-raw-123456789012-{region}");
        assert!(left.contains(&raw), "{raw} kept: {left:?}");
    }
}

#[test]
fn destroy_artifacts_removes_the_bucket_of_a_region_with_no_stack_left() {
    let moto = Moto::start();
    let (code, _, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let artifacts = "infrapipe-assets-123456789012-us-east-1".to_owned();
    let (code, _, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(buckets(&moto).contains(&artifacts), "destroy keeps it");
    let (code, out, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--artifacts", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("Removed artifact bucket {artifacts} in us-east-1")),
        "{out}"
    );
    assert!(!buckets(&moto).contains(&artifacts), "{:?}", buckets(&moto));
}

#[test]
fn destroy_artifacts_keeps_the_bucket_while_a_stack_of_ours_uses_it() {
    let moto = Moto::start();
    let (code, _, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--artifacts", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("stacks of ours still use it (infra-monitoring-prod)"),
        "{out}"
    );
    assert!(buckets(&moto).contains(&"infrapipe-assets-123456789012-us-east-1".to_owned()));
}
