//! The artifact bucket is ours or nothing happens, with the SDK's mock clients (an emulator
//! ignores ExpectedBucketOwner and has no second account): a bucket of our name owned by another
//! account is refused before any upload; a zip already there is reused only with its SHA-256
//! checksum; the code is pinned by object version; a deployed CodeSha256 other than the zip's
//! fails the apply; the deploy role goes on CreateChangeSet and DeleteStack.

use aws_sdk_s3::operation::head_bucket::HeadBucketOutput;
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
use aws_smithy_mocks::{Rule, RuleMode, mock};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use infrapipe::aws::{Aws, Overrides};
use infrapipe::deploy::assets::{self, Upload};
use infrapipe::model::FunctionKind;
use infrapipe::model::names::Names;
use std::sync::{Arc, Mutex};

const ACCOUNT: &str = "123456789012";

/// A service client whose every call is answered by the rules.
macro_rules! mock_client {
    ($krate:ident, [$($rule:expr),* $(,)?]) => {{
        let interceptor = aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
        $( let interceptor = interceptor.with_rule($rule); )*
        let conf = $krate::config::Config::builder()
            .with_test_defaults()
            .region($krate::config::Region::new("us-east-1"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .build();
        $krate::Client::from_conf(conf)
    }};
}

/// The S3 requests made, in order, each as its operation name and what it carried.
type Log = Arc<Mutex<Vec<String>>>;

fn record(log: &Log, entry: String) -> bool {
    if let Ok(mut l) = log.lock() {
        l.push(entry);
    }
    true
}

fn names() -> Names {
    let config = infrapipe::config::Config::load(std::path::Path::new("examples/infrapipe.yaml"))
        .expect("example parses");
    Names::new(&config)
}

fn sts() -> aws_sdk_sts::Client {
    mock_client!(
        aws_sdk_sts,
        [
            &mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
                aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
                    .account(ACCOUNT)
                    .build()
            })
        ]
    )
}

/// The zip's key and base64 SHA-256 for each function.
fn zips() -> Vec<(String, String)> {
    let bundle = infrapipe::package::bundle().expect("bundle");
    FunctionKind::ALL
        .iter()
        .map(|k| {
            let p = bundle.get(*k);
            (p.key(), assets::sha256_base64(&p.zip))
        })
        .collect()
}

/// HeadBucket answering `status` (200: ours), HeadObject answering each key with `checksum`
/// (None: no object), PutObject answering version "v-new"; every request logged.
fn s3(log: &Log, bucket_status: u16, checksum: Option<fn(&str) -> String>) -> Vec<Rule> {
    let l = log.clone();
    let head_bucket = if bucket_status == 200 {
        mock!(aws_sdk_s3::Client::head_bucket)
            .match_requests(move |r| {
                record(
                    &l,
                    format!(
                        "HeadBucket owner={}",
                        r.expected_bucket_owner().unwrap_or("-")
                    ),
                )
            })
            .then_output(|| HeadBucketOutput::builder().build())
    } else {
        mock!(aws_sdk_s3::Client::head_bucket)
            .match_requests(move |r| {
                record(
                    &l,
                    format!(
                        "HeadBucket owner={}",
                        r.expected_bucket_owner().unwrap_or("-")
                    ),
                )
            })
            .then_http_response(move || {
                HttpResponse::new(
                    StatusCode::try_from(bucket_status).expect("status"),
                    SdkBody::empty(),
                )
            })
    };
    let l = log.clone();
    let head_object = match checksum {
        Some(sum) => mock!(aws_sdk_s3::Client::head_object)
            .match_requests(move |r| {
                let asked = r.checksum_mode() == Some(&ChecksumMode::Enabled);
                record(
                    &l,
                    format!(
                        "HeadObject owner={} checksum={asked}",
                        r.expected_bucket_owner().unwrap_or("-")
                    ),
                )
            })
            .then_compute_output(move |r| {
                HeadObjectOutput::builder()
                    .checksum_sha256(sum(r.key().unwrap_or_default()))
                    .version_id("v-old")
                    .build()
            }),
        None => mock!(aws_sdk_s3::Client::head_object)
            .match_requests(move |_| record(&l, "HeadObject".into()))
            .then_http_response(|| {
                HttpResponse::new(StatusCode::try_from(404).expect("404"), SdkBody::empty())
            }),
    };
    let l = log.clone();
    let put = mock!(aws_sdk_s3::Client::put_object)
        .match_requests(move |r| {
            let sha = r.checksum_sha256().unwrap_or("-").to_owned();
            let algo = r.checksum_algorithm() == Some(&ChecksumAlgorithm::Sha256);
            record(
                &l,
                format!(
                    "PutObject {} owner={} sha256={sha} algorithm_sha256={algo}",
                    r.key().unwrap_or_default(),
                    r.expected_bucket_owner().unwrap_or("-")
                ),
            )
        })
        .then_output(|| PutObjectOutput::builder().version_id("v-new").build());
    let l = log.clone();
    let create = mock!(aws_sdk_s3::Client::create_bucket)
        .match_requests(move |_| record(&l, "CreateBucket".into()))
        .then_output(|| {
            aws_sdk_s3::operation::create_bucket::CreateBucketOutput::builder().build()
        });
    vec![head_bucket, head_object, put, create]
}

fn publish(rules: Vec<Rule>) -> Result<assets::Uploaded, infrapipe::aws::AwsError> {
    let interceptor = rules.iter().fold(
        aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
        |i, r| i.with_rule(r),
    );
    let conf = aws_sdk_s3::config::Config::builder()
        .with_test_defaults()
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .http_client(aws_smithy_mocks::create_mock_http_client())
        .interceptor(interceptor)
        .build();
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            s3: Some(aws_sdk_s3::Client::from_conf(conf)),
            sts: Some(sts()),
            ..Overrides::default()
        },
    );
    block(assets::publish(&aws, &names()))
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn logged(log: &Log) -> Vec<String> {
    log.lock().map(|l| l.clone()).unwrap_or_default()
}

#[test]
fn a_bucket_of_our_name_owned_by_another_account_is_refused_and_nothing_is_uploaded() {
    let log = Log::default();
    let err = publish(s3(&log, 403, None)).expect_err("refused");
    assert_eq!(
        (logged(&log), err.code.as_deref()),
        (
            vec![format!("HeadBucket owner={ACCOUNT}")],
            Some("BucketNotOurs")
        ),
        "{err}"
    );
}

#[test]
fn the_refusal_names_the_bucket_the_account_and_the_risk() {
    let err = publish(s3(&Log::default(), 403, None)).expect_err("refused");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "using bucket infrapipe-assets-{ACCOUNT}-us-east-1 in us-east-1 failed:"
        )) && text.contains("bucket sniping")
            && text.contains("Nothing was uploaded"),
        "{text}"
    );
}

#[test]
fn zips_already_there_with_their_checksum_are_reused_not_uploaded() {
    let log = Log::default();
    let matching: fn(&str) -> String = |key| {
        zips()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s)
            .unwrap_or_default()
    };
    let up = publish(s3(&log, 200, Some(matching))).expect("published");
    let head = format!("HeadObject owner={ACCOUNT} checksum=true");
    assert_eq!(
        (
            logged(&log),
            up.objects.iter().map(|o| o.how).collect::<Vec<_>>()
        ),
        (
            vec![format!("HeadBucket owner={ACCOUNT}"), head.clone(), head],
            vec![Upload::Reused, Upload::Reused]
        )
    );
}

#[test]
fn a_reused_zip_pins_the_stack_to_the_version_that_was_checked() {
    let matching: fn(&str) -> String = |key| {
        zips()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s)
            .unwrap_or_default()
    };
    let up = publish(s3(&Log::default(), 200, Some(matching))).expect("published");
    let params: Vec<(String, String)> = up.code_version_parameters().into_iter().collect();
    assert_eq!(
        params,
        [
            ("CollectorCodeVersion".to_owned(), "v-old".to_owned()),
            ("LogProcessorCodeVersion".to_owned(), "v-old".to_owned())
        ]
    );
}

#[test]
fn an_object_whose_checksum_differs_is_uploaded_again_with_the_zips_checksum() {
    let log = Log::default();
    let other: fn(&str) -> String = |_| "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    let up = publish(s3(&log, 200, Some(other))).expect("published");
    let puts: Vec<String> = logged(&log)
        .into_iter()
        .filter(|l| l.starts_with("PutObject"))
        .collect();
    let want: Vec<String> = zips()
        .into_iter()
        .map(|(key, sha)| {
            format!("PutObject {key} owner={ACCOUNT} sha256={sha} algorithm_sha256=true")
        })
        .collect();
    assert_eq!(
        (puts, up.objects.iter().map(|o| o.how).collect::<Vec<_>>()),
        (want, vec![Upload::Replaced, Upload::Replaced])
    );
}

#[test]
fn a_replaced_zip_pins_the_stack_to_the_version_just_uploaded() {
    let other: fn(&str) -> String = |_| "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    let up = publish(s3(&Log::default(), 200, Some(other))).expect("published");
    assert!(
        up.code_version_parameters().values().all(|v| v == "v-new"),
        "{:?}",
        up.code_version_parameters()
    );
}

fn lambda(sha: &'static str) -> aws_sdk_lambda::Client {
    mock_client!(
        aws_sdk_lambda,
        [
            &mock!(aws_sdk_lambda::Client::get_function_configuration).then_output(move || {
                aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput::builder()
                    .code_sha256(sha)
                    .build()
            })
        ]
    )
}

fn uploaded_with(sha: &str) -> assets::Uploaded {
    assets::Uploaded {
        bucket: format!("infrapipe-assets-{ACCOUNT}-us-east-1"),
        owner: ACCOUNT.into(),
        created_bucket: false,
        tls_policy: true,
        objects: FunctionKind::ALL
            .iter()
            .map(|k| assets::CodeObject {
                kind: *k,
                key: format!("infrapipe/{}-x.zip", k.source_dir()),
                sha256: sha.into(),
                version_id: Some("v1".into()),
                how: Upload::Uploaded,
            })
            .collect(),
    }
}

#[test]
fn deployed_code_with_another_sha256_than_the_zip_fails_the_apply() {
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            lambda: Some(lambda("c2FtZQ==")),
            ..Overrides::default()
        },
    );
    let err = block(infrapipe::deploy::apply::check_deployed_code(
        &aws,
        &names(),
        &uploaded_with("b3RoZXI="),
    ))
    .expect_err("mismatch");
    assert!(
        err.is_code("CodeSha256Mismatch")
            && err.message.contains("CodeSha256 c2FtZQ==")
            && err.message.contains("has b3RoZXI="),
        "{err}"
    );
}

#[test]
fn deployed_code_with_the_zips_sha256_passes_the_check() {
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            lambda: Some(lambda("c2FtZQ==")),
            ..Overrides::default()
        },
    );
    let checked = block(infrapipe::deploy::apply::check_deployed_code(
        &aws,
        &names(),
        &uploaded_with("c2FtZQ=="),
    ));
    assert_eq!(checked, Ok(()));
}

const ROLE: &str = "arn:aws:iam::123456789012:role/InfrapipeDeploy";

#[test]
fn the_deploy_role_is_passed_as_role_arn_on_delete_stack() {
    let delete = mock!(aws_sdk_cloudformation::Client::delete_stack)
        .match_requests(|r| r.role_arn() == Some(ROLE))
        .then_output(|| {
            aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput::builder().build()
        });
    let cf = mock_client!(aws_sdk_cloudformation, [&delete]);
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cf),
            ..Overrides::default()
        },
    )
    .with_deploy_role(Some(ROLE.into()));
    let deleted = block(infrapipe::aws::cloudformation::delete_stack(&aws, "s"));
    assert_eq!((deleted, delete.num_calls()), (Ok(()), 1));
}

#[test]
fn the_deploy_role_and_the_code_versions_go_on_create_change_set() {
    use aws_sdk_cloudformation::types::ChangeSetStatus;
    let create = mock!(aws_sdk_cloudformation::Client::create_change_set)
        .match_requests(|r| {
            let params: Vec<(&str, &str)> = r
                .parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_key().unwrap_or_default(),
                        p.parameter_value().unwrap_or_default(),
                    )
                })
                .collect();
            r.role_arn() == Some(ROLE) && params == [("CollectorCodeVersion", "v1")]
        })
        .then_output(|| {
            aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetOutput::builder()
                .id("cs-1")
                .build()
        });
    let describe = mock!(aws_sdk_cloudformation::Client::describe_change_set).then_output(|| {
        aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::CreateComplete)
            .build()
    });
    let cf = mock_client!(aws_sdk_cloudformation, [&create, &describe]);
    let aws = Aws::with_overrides(
        "us-east-1",
        Overrides {
            cloudformation: Some(cf),
            ..Overrides::default()
        },
    )
    .with_deploy_role(Some(ROLE.into()));
    let params = [("CollectorCodeVersion".to_owned(), "v1".to_owned())]
        .into_iter()
        .collect();
    let cs = block(infrapipe::aws::cloudformation::create_change_set_with(
        &aws,
        "s",
        &infrapipe::aws::cloudformation::TemplateSource::Body("{}".into()),
        true,
        &Default::default(),
        "infrapipe-apply",
        &params,
    ));
    assert_eq!(
        (cs.map(|c| c.id).ok(), create.num_calls()),
        (Some("cs-1".to_owned()), 1)
    );
}
