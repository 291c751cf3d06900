//! `infrapipe redrive` end to end on moto: dead letters in the shapes AWS sends them (the
//! schedule's: the target input, with Scheduler's error attributes; the log processor's: the bare
//! S3 event a Lambda DLQ receives, and a Lambda failure record carrying it as requestPayload),
//! redriven into executions and invocations, each deleted only once redriven.

mod common;
use common::EXAMPLE;
use common::moto::Moto;
use serde_json::Value;

const SCHEDULE_DLQ: &str = "infra-monitoring-prod-schedule-dlq";
const PROCESSOR_DLQ: &str = "infra-monitoring-prod-log-processor-dlq";

/// An S3 ObjectCreated event for one object of the raw bucket, as S3 sends it to Lambda.
const S3_EVENT: &str = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-30T12:00:00.000Z","eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"infra-monitoring-prod-raw-123456789012-us-east-1","arn":"arn:aws:s3:::infra-monitoring-prod-raw-123456789012-us-east-1"},"object":{"key":"year=2026/month=11/day=30/hour=12/i-0abc.json","size":512}}}]}"#;

/// Puts the dead letters: two missed schedules, an S3 event from the processor's DLQ, the same
/// event inside a Lambda failure record, and one poison message that no fix can redrive.
fn put_dead_letters(moto: &Moto) {
    let record = format!(
        r#"{{"version":"1.0","timestamp":"2026-11-30T12:05:00.000Z","requestContext":{{"requestId":"e4b46cbf-b738-4d4e-9a39-1e1c0e2b8f3e","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:infra-monitoring-prod-log-processor:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3}},"requestPayload":{S3_EVENT},"responseContext":{{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"}},"responsePayload":{{"errorMessage":"Task timed out after 30.00 seconds"}}}}"#
    );
    moto.boto3(
        r#"
import sys, boto3
sqs = boto3.client('sqs')
sched = sqs.get_queue_url(QueueName=sys.argv[1])['QueueUrl']
proc_ = sqs.get_queue_url(QueueName=sys.argv[2])['QueueUrl']
def attrs(d):
    return {k: {'DataType': 'String', 'StringValue': v} for k, v in d.items()}
for t in ['2026-11-30T09:00:00Z', '2026-11-30T12:00:00Z']:
    sqs.send_message(QueueUrl=sched, MessageBody='{"trigger":"schedule","scheduled_time":"%s"}' % t,
        MessageAttributes=attrs({'ERROR_CODE': 'AWS.StepFunctions.ServiceException', 'ERROR_MESSAGE': 'Service unavailable',
            'RETRY_ATTEMPTS': '2', 'TARGET_ARN': 'arn:aws:states:us-east-1:123456789012:stateMachine:infra-monitoring-prod-collection',
            'SCHEDULE_ARN': 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/infra-monitoring-prod-collection',
            'EXECUTION_ID': 'a1b2c3d4'}))
sqs.send_message(QueueUrl=proc_, MessageBody=sys.argv[3],
    MessageAttributes=attrs({'RequestID': 'e4b46cbf-b738-4d4e-9a39-1e1c0e2b8f3e', 'ErrorCode': '200', 'ErrorMessage': 'Task timed out after 30.00 seconds'}))
sqs.send_message(QueueUrl=proc_, MessageBody=sys.argv[4])
sqs.send_message(QueueUrl=proc_, MessageBody='not json at all')
"#,
        &[SCHEDULE_DLQ, PROCESSOR_DLQ, S3_EVENT, &record],
    );
}

/// Messages left in a queue, visible or not.
fn left(moto: &Moto, queue: &str) -> u64 {
    let out = moto.boto3(
        "import sys, boto3\nsqs = boto3.client('sqs')\nu = sqs.get_queue_url(QueueName=sys.argv[1])['QueueUrl']\na = sqs.get_queue_attributes(QueueUrl=u, AttributeNames=['All'])['Attributes']\nprint(int(a['ApproximateNumberOfMessages']) + int(a['ApproximateNumberOfMessagesNotVisible']))",
        &[queue],
    );
    out.trim().parse().expect("a count")
}

fn executions(moto: &Moto) -> Vec<String> {
    let out = moto.boto3(
        "import boto3\nsfn = boto3.client('stepfunctions')\narn = [m['stateMachineArn'] for m in sfn.list_state_machines()['stateMachines'] if m['name'] == 'infra-monitoring-prod-collection'][0]\nfor e in sfn.list_executions(stateMachineArn=arn)['executions']:\n  print(e['name'], sfn.describe_execution(executionArn=e['executionArn'])['input'])",
        &[],
    );
    let mut lines: Vec<String> = out.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

fn deployed_with_dead_letters() -> Moto {
    let moto = Moto::start();
    let (code, out, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    // Lambda needs Docker to run code; without it moto accepts the invoke and runs nothing.
    moto.request(
        "POST",
        "/moto-api/config",
        r#"{"lambda":{"use_docker":false}}"#,
    );
    put_dead_letters(&moto);
    moto
}

#[test]
fn redrive_starts_the_missed_executions_reinvokes_the_processor_and_keeps_the_poison() {
    let moto = deployed_with_dead_letters();
    let (code, out, err) = moto.infrapipe(&["redrive", "-c", EXAMPLE, "--json"]);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let counts: Vec<(String, u64, usize)> = doc["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .map(|q| {
            (
                q["queue"].as_str().unwrap_or_default().to_owned(),
                q["redriven"].as_u64().unwrap_or_default(),
                q["failed"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            (SCHEDULE_DLQ.to_owned(), 2, 0),
            (PROCESSOR_DLQ.to_owned(), 2, 1)
        ],
        "{out}{err}"
    );
    assert_eq!(code, 1, "a message failed again: {err}");
    let started = executions(&moto);
    assert!(
        started.len() == 2
            && started.iter().all(|e| e.starts_with("redrive-"))
            && started[0].contains("09:00:00Z") != started[1].contains("09:00:00Z"),
        "one execution per missed schedule, with its input: {started:?}"
    );
    assert_eq!(
        (left(&moto, SCHEDULE_DLQ), left(&moto, PROCESSOR_DLQ)),
        (0, 1),
        "only the poison message stays"
    );
}

#[test]
fn a_dry_run_lists_the_dead_letters_and_leaves_them_all() {
    let moto = deployed_with_dead_letters();
    let (code, out, err) = moto.infrapipe(&["redrive", "-c", EXAMPLE, "--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("start execution redrive-")
            && out.contains("cannot be redriven")
            && out.contains("Dry run: nothing was redriven or deleted."),
        "{out}"
    );
    assert!(executions(&moto).is_empty());
    assert_eq!(
        (left(&moto, SCHEDULE_DLQ), left(&moto, PROCESSOR_DLQ)),
        (2, 3)
    );
}
