//! A guarded `destroy --purge-data`, on moto: the stack name must be given (or typed), a wrong
//! one deletes nothing; only resources tagged as this pipeline's are deleted; an on-demand backup
//! of the table is taken first and its ARN printed; the table's deletion protection is on until
//! the purge lifts it.

mod common;
use common::EXAMPLE;
use common::moto::Moto;

const RAW: &str = "infra-monitoring-prod-raw-123456789012-us-east-1";
const TABLE: &str = "infra-monitoring-prod-metrics";

fn applied() -> Moto {
    let moto = Moto::start();
    let (code, _, err) = moto.infrapipe(&["apply", "-c", EXAMPLE, "--yes"]);
    assert_eq!(code, 0, "{err}");
    moto
}

/// Whether the raw bucket and the table are still there.
fn data_left(moto: &Moto) -> String {
    moto.boto3(
        &format!("import boto3\nprint('{RAW}' in [b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']])\nprint('{TABLE}' in boto3.client('dynamodb').list_tables()['TableNames'])"),
        &[],
    )
}

#[test]
fn a_wrong_stack_name_after_purge_data_exits_1_and_deletes_nothing() {
    let moto = applied();
    let (code, _, err) = moto.infrapipe(&[
        "destroy",
        "-c",
        EXAMPLE,
        "--yes",
        "--purge-data=infra-monitoring-dev",
    ]);
    assert_eq!(
        (code, err.as_str(), data_left(&moto).as_str()),
        (
            1,
            "error: --purge-data=infra-monitoring-dev does not name the stack infra-monitoring-prod: nothing was deleted\n",
            "True\nTrue\n"
        )
    );
}

#[test]
fn purge_data_without_a_name_and_without_a_terminal_is_refused_naming_the_flag() {
    let moto = applied();
    let (code, _, err) = moto.infrapipe(&["destroy", "-c", EXAMPLE, "--yes", "--purge-data"]);
    assert!(
        code == 1 && err.contains("--purge-data=infra-monitoring-prod"),
        "{code} {err}"
    );
    assert_eq!(data_left(&moto), "True\nTrue\n");
}

#[test]
fn a_table_not_tagged_as_ours_is_not_purged_and_nothing_is_deleted() {
    let moto = applied();
    moto.boto3(
        &format!("import boto3\nd=boto3.client('dynamodb')\narn=d.describe_table(TableName='{TABLE}')['Table']['TableArn']\nd.untag_resource(ResourceArn=arn, TagKeys=['infrapipe:pipeline'])"),
        &[],
    );
    let (code, _, err) = moto.infrapipe(&[
        "destroy",
        "-c",
        EXAMPLE,
        "--yes",
        "--purge-data=infra-monitoring-prod",
        "--no-backup",
    ]);
    assert!(
        code == 1
            && err.contains(&format!(
                "table {TABLE} is not tagged infrapipe:pipeline=infra-monitoring-prod"
            )),
        "{code} {err}"
    );
    let (_, status, _) = moto.infrapipe(&["status", "-c", EXAMPLE]);
    assert!(
        !status.contains("NOT_DEPLOYED") && data_left(&moto) == "True\nTrue\n",
        "{status}"
    );
}

#[test]
fn purge_backs_up_the_table_first_and_prints_the_backup_arn() {
    let moto = applied();
    let (code, out, err) = moto.infrapipe(&[
        "destroy",
        "-c",
        EXAMPLE,
        "--yes",
        "--purge-data=infra-monitoring-prod",
    ]);
    assert_eq!(code, 0, "{err}");
    let backups = moto.boto3(
        "import boto3\nprint([b['BackupArn'] for b in boto3.client('dynamodb').list_backups()['BackupSummaries']])",
        &[],
    );
    let printed = out
        .split("Backup of the table first: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(|a| a.trim_end_matches('.'))
        .unwrap_or("(none printed)");
    assert!(
        printed.contains("/backup/") && backups.contains(printed),
        "{out}\n{backups}\nprinted: {printed:?}"
    );
}

#[test]
fn the_table_is_deployed_with_deletion_protection_on() {
    let moto = applied();
    let on = moto.boto3(
        &format!("import boto3\nprint(boto3.client('dynamodb').describe_table(TableName='{TABLE}')['Table'].get('DeletionProtectionEnabled'))"),
        &[],
    );
    assert_eq!(on, "True\n");
}
