//! The dashboard end to end on moto (its CloudFormation builds `AWS::CloudWatch::Dashboard`):
//! created by apply's stack, read back by `drift` as IN_SYNC, and MODIFIED once edited by hand.

mod common;
use common::moto::Moto;
use common::*;
use serde_json::Value;

const STACK: &str = "infra-monitoring-prod";
const DASHBOARD: &str = "infra-monitoring-prod-us-east-1";

fn dashboard_status(moto: &Moto) -> (String, Value) {
    let (_, out, err) = moto.infrapipe(&["drift", "-c", EXAMPLE, "--json"]);
    let doc: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("one JSON document ({e}):\n{out}\n{err}"));
    let r = doc["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["logical_id"] == "PipelineDashboard")
        .cloned()
        .unwrap_or_else(|| panic!("no dashboard in the drift report: {doc:#}"));
    (
        r["status"].as_str().unwrap_or_default().to_owned(),
        r["differences"].clone(),
    )
}

#[test]
fn the_stack_creates_the_dashboard_under_its_regional_name() {
    let moto = Moto::start();
    moto.deploy(STACK, &example());
    let names = moto.boto3(
        "import boto3\nprint(','.join(d['DashboardName'] for d in boto3.client('cloudwatch').list_dashboards()['DashboardEntries']))",
        &[],
    );
    assert_eq!(names.trim(), DASHBOARD);
}

#[test]
fn a_deployed_dashboard_is_in_sync() {
    let moto = Moto::start();
    moto.deploy(STACK, &example());
    let (status, differences) = dashboard_status(&moto);
    assert_eq!(status, "IN_SYNC", "{differences:#}");
}

#[test]
fn a_dashboard_edited_by_hand_is_modified() {
    let moto = Moto::start();
    moto.deploy(STACK, &example());
    moto.boto3(
        "import boto3, json, sys\ncw = boto3.client('cloudwatch')\nbody = json.loads(cw.get_dashboard(DashboardName=sys.argv[1])['DashboardBody'])\nbody['widgets'] = body['widgets'][1:]\ncw.put_dashboard(DashboardName=sys.argv[1], DashboardBody=json.dumps(body))",
        &[DASHBOARD],
    );
    let (status, differences) = dashboard_status(&moto);
    assert_eq!(status, "MODIFIED");
    assert_eq!(differences[0]["path"], "DashboardBody", "{differences:#}");
}

#[test]
fn status_prints_the_dashboards_console_url() {
    let moto = Moto::start();
    moto.deploy(STACK, &example());
    let (_, out, err) = moto.infrapipe(&["status", "-c", EXAMPLE]);
    assert!(
        out.contains(&format!(
            "Dashboard: https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/{DASHBOARD}"
        )),
        "{out}\n{err}"
    );
}

/// moto implements no anomaly-detector API (PutAnomalyDetector and DescribeAnomalyDetectors
/// answer 500) and its CloudFormation skips the type: drift says the detector could not be
/// checked, with the service's answer, rather than calling it in sync or deleted.
#[test]
fn an_anomaly_detector_moto_cannot_describe_is_not_checked_with_the_reason() {
    let yaml = format!(
        "{}monitoring:\n  anomaly_detection:\n    metrics: [cpu]\n",
        example_text()
    );
    let config = config_file(&yaml);
    let moto = Moto::start();
    moto.deploy(STACK, &render(&yaml));
    let path = config.path().display().to_string();
    let (_, out, err) = moto.infrapipe(&["drift", "-c", &path, "--json"]);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let detector = doc["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["logical_id"] == "CpuAnomalyDetector")
        .cloned()
        .expect("the detector is in the report");
    assert_eq!(
        (
            &detector["status"],
            detector["reason"]
                .as_str()
                .is_some_and(|r| r.contains("anomaly detector"))
        ),
        (&Value::from("NOT_CHECKED"), true),
        "{detector:#}"
    );
}
