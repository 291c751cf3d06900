//! `rollout --accounts` end to end on moto: a self-managed StackSet over two accounts x two
//! regions. moto completes each operation at once and, for a self-managed set, builds a real
//! stack named `StackSet:<set>` in each target account's backend (its Lambda reads the code from
//! the administering account's bucket: moto looks buckets up across accounts and evaluates no
//! bucket policy). Its UpdateStackSet records the new template on the set and the operation over
//! the instances, but leaves the instances' stacks on the template they were created with.

mod common;
use common::moto::Moto;

const ARGS: &[&str] = &[
    "rollout",
    "--accounts",
    "111111111111,222222222222",
    "--regions",
    "us-east-1,eu-west-1",
    "--yes",
];

fn config(schedule: &str) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string("examples/infrapipe.yaml").expect("example");
    common::config_file(&text.replace("rate(3 hours)", schedule))
}

fn roll_out(moto: &Moto, config: &tempfile::NamedTempFile, json: bool) -> (i32, String, String) {
    let path = config.path().to_string_lossy().into_owned();
    let mut args = vec!["-c", path.as_str()];
    if json {
        args.push("--json");
    }
    args.extend_from_slice(ARGS);
    moto.infrapipe(&args)
}

/// The set's instances as moto lists them: `account region status`.
fn instances(moto: &Moto) -> Vec<String> {
    let out = moto.boto3(
        "import boto3\ncf=boto3.client('cloudformation',region_name='us-east-1')\nfor i in sorted(cf.list_stack_instances(StackSetName='infra-monitoring-prod')['Summaries'], key=lambda i:(i['Account'],i['Region'])):\n  print(i['Account'], i['Region'], i['Status'])",
        &[],
    );
    out.lines().map(str::to_owned).collect()
}

#[test]
fn two_accounts_by_two_regions_make_four_instances_and_the_table() {
    let moto = Moto::start();
    let cfg = config("rate(3 hours)");
    let (code, out, err) = roll_out(&moto, &cfg, false);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        instances(&moto),
        [
            "111111111111 eu-west-1 CURRENT",
            "111111111111 us-east-1 CURRENT",
            "222222222222 eu-west-1 CURRENT",
            "222222222222 us-east-1 CURRENT",
        ]
    );
    assert!(
        out.contains("4 of 4 instances of stack set infra-monitoring-prod succeeded"),
        "{out}"
    );
}

#[test]
fn each_target_account_holds_a_real_stack_built_from_the_set() {
    let moto = Moto::start();
    let (code, out, err) = roll_out(&moto, &config("rate(3 hours)"), false);
    assert_eq!(code, 0, "{out}{err}");
    // moto serves another account's backend to requests that carry x-moto-account-id.
    let out = moto.boto3(
        "import boto3\nfor a in ['111111111111','222222222222']:\n  for r in ['us-east-1','eu-west-1']:\n    cf=boto3.client('cloudformation',region_name=r)\n    cf.meta.events.register('before-sign.*.*', lambda request, **kw: request.headers.__setitem__('x-moto-account-id', a))\n    s=cf.describe_stacks(StackName='StackSet:infra-monitoring-prod')['Stacks'][0]\n    print(a, r, s['StackStatus'])",
        &[],
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "111111111111 us-east-1 CREATE_COMPLETE",
            "111111111111 eu-west-1 CREATE_COMPLETE",
            "222222222222 us-east-1 CREATE_COMPLETE",
            "222222222222 eu-west-1 CREATE_COMPLETE",
        ]
    );
}

#[test]
fn the_code_buckets_let_the_two_accounts_get_the_zips_and_nothing_else() {
    let moto = Moto::start();
    let (code, out, err) = roll_out(&moto, &config("rate(3 hours)"), false);
    assert_eq!(code, 0, "{out}{err}");
    let policy = moto.boto3(
        "import boto3\nfor r in ['us-east-1','eu-west-1']:\n  print(boto3.client('s3',region_name=r).get_bucket_policy(Bucket='infrapipe-assets-123456789012-'+r)['Policy'])",
        &[],
    );
    let grants: Vec<serde_json::Value> = policy
        .lines()
        .map(|l| {
            let p: serde_json::Value = serde_json::from_str(l).expect("policy JSON");
            let s = p["Statement"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["Effect"] == "Allow"))
                .cloned()
                .unwrap_or_default();
            serde_json::json!([s["Principal"]["AWS"], s["Action"]])
        })
        .collect();
    let want = serde_json::json!([
        [
            "arn:aws:iam::111111111111:root",
            "arn:aws:iam::222222222222:root"
        ],
        "s3:GetObject"
    ]);
    assert_eq!(grants, [want.clone(), want]);
}

#[test]
fn a_config_change_updates_all_four_instances_through_the_set() {
    let moto = Moto::start();
    let (code, out, err) = roll_out(&moto, &config("rate(3 hours)"), false);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = roll_out(&moto, &config("rate(6 hours)"), false);
    assert!(
        code == 0 && out.contains("template change: yes") && out.contains("instances to update: 4"),
        "{out}{err}"
    );
    // The set holds the new template; its UPDATE operations (the canary region, then the
    // other) succeeded over the four instances between them.
    let seen = moto.boto3(
        "import boto3\ncf=boto3.client('cloudformation',region_name='us-east-1')\nn='infra-monitoring-prod'\nprint('rate(6 hours)' in cf.describe_stack_set(StackSetName=n)['StackSet']['TemplateBody'])\ncells=set()\nfor o in cf.list_stack_set_operations(StackSetName=n)['Summaries']:\n  if o['Action']=='UPDATE' and o['Status']=='SUCCEEDED':\n    for r in cf.list_stack_set_operation_results(StackSetName=n, OperationId=o['OperationId'])['Summaries']:\n      cells.add((r['Account'], r['Region'], r['Status']))\nfor c in sorted(cells): print(*c)",
        &[],
    );
    assert_eq!(
        seen.lines().collect::<Vec<_>>(),
        [
            "True",
            "111111111111 eu-west-1 SUCCEEDED",
            "111111111111 us-east-1 SUCCEEDED",
            "222222222222 eu-west-1 SUCCEEDED",
            "222222222222 us-east-1 SUCCEEDED",
        ]
    );
}

#[test]
fn a_rerun_with_nothing_changed_says_so_and_exits_0() {
    let moto = Moto::start();
    let cfg = config("rate(3 hours)");
    let (code, out, err) = roll_out(&moto, &cfg, false);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = roll_out(&moto, &cfg, true);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert!(
        code == 0
            && doc["nothing_to_do"] == true
            && doc["instances"].as_array().map(Vec::len) == Some(4),
        "{out}{err}"
    );
}

#[test]
fn the_config_names_the_roles_when_the_flags_do_not() {
    let moto = Moto::start();
    let text = std::fs::read_to_string("examples/infrapipe.yaml").expect("example");
    let cfg = common::config_file(&format!(
        "{text}stack_set:\n  administration_role_arn: arn:aws:iam::123456789012:role/StackSetAdmin\n  execution_role_name: StackSetExec\n"
    ));
    let (code, out, err) = roll_out(&moto, &cfg, false);
    assert_eq!(code, 0, "{out}{err}");
    let roles = moto.boto3(
        "import boto3\ns=boto3.client('cloudformation',region_name='us-east-1').describe_stack_set(StackSetName='infra-monitoring-prod')['StackSet']\nprint(s['AdministrationRoleARN'], s['ExecutionRoleName'])",
        &[],
    );
    assert_eq!(
        roles.trim(),
        "arn:aws:iam::123456789012:role/StackSetAdmin StackSetExec"
    );
}

#[test]
fn organizational_units_get_a_service_managed_set_with_an_instance_per_member_account() {
    let moto = Moto::start();
    // moto's Organizations: an organization, one unit, one member account moved into it.
    let made = moto.boto3(
        "import boto3\no=boto3.client('organizations')\norg=o.create_organization(FeatureSet='ALL')['Organization']\nroot=o.list_roots()['Roots'][0]['Id']\nou=o.create_organizational_unit(ParentId=root, Name='teams')['OrganizationalUnit']['Id']\na=o.create_account(Email='a@example.com', AccountName='a')['CreateAccountStatus']['AccountId']\no.move_account(AccountId=a, SourceParentId=root, DestinationParentId=ou)\nprint(org['Id'], ou, a)",
        &[],
    );
    let parts: Vec<&str> = made.split_whitespace().collect();
    let (org, ou, account) = (parts[0], parts[1], parts[2]);
    let (code, out, err) = moto.infrapipe(&[
        "-c",
        "examples/infrapipe.yaml",
        "--json",
        "rollout",
        "--organizational-units",
        ou,
        "--organization-id",
        org,
        "--regions",
        "us-east-1,eu-west-1",
        "--yes",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let rows: Vec<(String, String, String)> = doc["instances"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            (s("account"), s("region"), s("result"))
        })
        .collect();
    let row = |r: &str| (account.to_owned(), r.to_owned(), "succeeded".to_owned());
    assert!(
        code == 0 && rows == [row("us-east-1"), row("eu-west-1")],
        "{out}{err}"
    );
    assert!(
        err.contains("does not follow the operation preferences")
            || out.contains("does not follow"),
        "{err}"
    );
}
