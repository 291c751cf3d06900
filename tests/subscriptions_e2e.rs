//! The alarm topic's subscriptions, read through SNS by the real binary against moto. What moto
//! can show: its CloudFormation skips `AWS::SNS::Subscription` (so after apply the topic has
//! none), and an e-mail subscription made through its SNS API is confirmed at once (never listed
//! as "PendingConfirmation"). So these tests prove the listing end to end, subscription made
//! behind the tool's back included; the pending/confirmed distinction is proved with mock
//! clients in tests/subscriptions.rs.

mod common;
use common::EXAMPLE;
use common::moto::Moto;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:infra-monitoring-prod-alerts";

fn deployed() -> Moto {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "apply of the example failed:\n{out}\n{err}");
    moto
}

/// Subscribes `address` to the alarm topic through moto's SNS API.
fn subscribe(moto: &Moto, address: &str) {
    moto.boto3(
        "import boto3,sys\nboto3.client('sns').subscribe(TopicArn=sys.argv[1], Protocol='email', Endpoint=sys.argv[2])\n",
        &[TOPIC, address],
    );
}

fn status_json(moto: &Moto) -> serde_json::Value {
    let (code, out, err) = moto.infrapipe(&["status", "-c", EXAMPLE, "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    serde_json::from_str(&out).expect("status --json is JSON")
}

#[test]
fn status_lists_a_subscription_made_through_sns_with_its_address_and_state() {
    let moto = deployed();
    subscribe(&moto, "oncall@example.com");
    let status = status_json(&moto);
    assert_eq!(
        status["subscriptions"],
        serde_json::json!([{
            "protocol": "email",
            "endpoint": "oncall@example.com",
            "pending_confirmation": false
        }]),
        "{status}"
    );
    let (code, out, err) = moto.infrapipe(&["status", "-c", EXAMPLE]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("\nAlarm subscriptions:\n  confirmed            email  oncall@example.com\n"),
        "{out}"
    );
}

#[test]
fn apply_reads_the_topic_s_subscriptions_and_reports_none_pending_when_moto_confirmed_them() {
    let moto = deployed();
    subscribe(&moto, "oncall@example.com");
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("apply --json is JSON");
    assert_eq!(report["result"], "no_changes", "{report}");
    // Present and empty: the subscriptions were read (a failure would name
    // `subscriptions_unreadable` instead), and moto confirmed the one there is.
    assert_eq!(
        report["pending_confirmation"],
        serde_json::json!([]),
        "{report}"
    );
    assert!(report.get("subscriptions_unreadable").is_none(), "{report}");
}
