//! `infrapipe drift` reads the stack's own KMS key (description, spec, rotation, key policy)
//! and its alias from KMS: the real binary against moto on loopback.
//!
//! moto 5.2.5's CloudFormation stores the key policy as an object where KMS keeps a string, and
//! then fails DescribeKey with an HTTP 500; each test first puts the template's policy (resolved
//! as CloudFormation would) through KMS's own API, as AWS's CloudFormation would have stored it.

mod common;
use common::moto::Moto;
use common::*;
use serde_json::Value;

const STACK: &str = "infra-monitoring-prod";

/// Puts the template's key policy, intrinsics resolved, on the stack's key (argv: stack,
/// template file, then an optional `disable-rotation`).
const REPAIR_KEY_POLICY: &str = r#"
import json, sys, boto3
stack, path = sys.argv[1], sys.argv[2]
acct, region = "123456789012", "us-east-1"
def res(v):
    if isinstance(v, dict):
        if "Fn::Sub" in v:
            return (v["Fn::Sub"].replace("${AWS::Partition}", "aws")
                    .replace("${AWS::AccountId}", acct).replace("${AWS::Region}", region))
        if v.get("Ref") == "AWS::AccountId":
            return acct
        return {k: res(x) for k, x in v.items()}
    if isinstance(v, list):
        return [res(x) for x in v]
    return v
phys = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in boto3.client("cloudformation")
        .list_stack_resources(StackName=stack)["StackResourceSummaries"]}
policy = res(json.load(open(path))["Resources"]["PipelineKey"]["Properties"]["KeyPolicy"])
kms = boto3.client("kms")
kms.put_key_policy(KeyId=phys["PipelineKey"], PolicyName="default", Policy=json.dumps(policy))
if sys.argv[3:] == ["disable-rotation"]:
    kms.disable_key_rotation(KeyId=phys["PipelineKey"])
"#;

fn drift_of_key(extra: &[&str]) -> Value {
    let yaml = format!("{}security:\n  kms: create\n", example_text());
    let template = render(&yaml);
    let moto = Moto::start();
    moto.deploy(STACK, &template);
    let dir = tempfile::tempdir().expect("temp");
    let body = dir.path().join("template.json");
    std::fs::write(&body, template.to_string()).expect("write");
    let mut args = vec![STACK, body.to_str().expect("utf-8")];
    args.extend(extra);
    moto.boto3(REPAIR_KEY_POLICY, &args);
    let config = config_file(&yaml);
    let path = config.path().display().to_string();
    let (_, out, err) = moto.infrapipe(&["drift", "-c", &path, "--json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("one JSON document ({e}):\n{out}\n{err}"))
}

fn resource_of<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["logical_id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {doc:#}"))
}

#[test]
fn right_after_deploy_the_created_key_and_its_alias_are_in_sync() {
    let doc = drift_of_key(&[]);
    for id in ["PipelineKey", "PipelineKeyAlias"] {
        let r = resource_of(&doc, id);
        assert_eq!(r["status"], "IN_SYNC", "{r:#}");
    }
}

#[test]
fn a_key_whose_rotation_was_turned_off_has_drifted() {
    let doc = drift_of_key(&["disable-rotation"]);
    let r = resource_of(&doc, "PipelineKey");
    assert_eq!(r["status"], "MODIFIED", "{r:#}");
    let paths: Vec<&str> = r["differences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["path"].as_str())
        .collect();
    assert_eq!(paths, ["EnableKeyRotation"], "{r:#}");
}
