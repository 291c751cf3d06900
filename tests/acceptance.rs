//! The acceptance suite (issue 19), gated like Terraform's TF_ACC: the real binary against a real
//! account only with INFRAPIPE_ACC=1, against moto with INFRAPIPE_ACC_ENDPOINT, and otherwise
//! every step reported skipped with why. README.md, "Acceptance tests on a real account".
//!
//! It drives the binary as a user does (CLI, exit codes, `--json` documents) and checks with the
//! SDK, so it does not depend on how the code inside is arranged.

mod common;
mod acceptance {
    pub mod aws;
    pub mod pipeline;
    pub mod report;
    pub mod steps;
    pub mod sweep;
    pub mod target;
}

use acceptance::aws::Clients;
use acceptance::pipeline::Pipeline;
use acceptance::report::{Outcome, Report, say};
use acceptance::steps::{Ctx, STEPS};
use acceptance::sweep::{self, PREFIX};
use acceptance::target::{Selection, Target};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Every step in order, each with its own pass / skip / fail line, then the summary. One
/// pipeline for all: one deploy (minutes and cents on AWS) serves every step.
#[test]
fn suite() {
    let report = Report::default();
    let target = match Selection::from_env() {
        Selection::Skip(why) => {
            for (name, proves, _) in STEPS {
                report.step(name, proves, Outcome::Skipped(why.clone()));
            }
            report.summary();
            return;
        }
        Selection::Refuse(why) => panic!("acceptance suite refused: {why}"),
        Selection::Run(t) => t.start(),
    };
    say(&format!("acceptance: against {}", target.describe()));
    let aws = Clients::new(&target);
    if let Err(why) = refuse_existing(&aws) {
        panic!("acceptance suite refused: {why}");
    }
    let account = aws.account_id().unwrap_or_else(|e| panic!("{e:#}"));
    let run_prefix;
    {
        let pipeline = Pipeline::new(&target, &report);
        run_prefix = format!("{}-", pipeline.name);
        say(&format!(
            "acceptance: run {} deploys stack {} in account {account}",
            pipeline.run_id, pipeline.stack
        ));
        let synth = pipeline.infrapipe(&["synth"]);
        assert_eq!(synth.code, 0, "synth failed:\n{}", synth.err);
        let ctx = Ctx {
            p: &pipeline,
            aws: &aws,
            report: &report,
            account,
            template: synth.json(),
        };
        let mut applied = false;
        for (i, (name, proves, step)) in STEPS.iter().enumerate() {
            if i > 0 && !applied {
                report.step(
                    name,
                    proves,
                    Outcome::Skipped("the first apply failed".into()),
                );
                continue;
            }
            let outcome = match catch_unwind(AssertUnwindSafe(|| step(&ctx))) {
                Ok(o) => o,
                Err(panic) => Outcome::Failed(panic_text(&*panic)),
            };
            applied |= i == 0 && matches!(outcome, Outcome::Passed);
            report.step(name, proves, outcome);
        }
    } // The guard destroys the pipeline here, whatever happened above.
    match sweep::find(&aws, &run_prefix, None) {
        Ok(left) => left.names().into_iter().for_each(|l| report.left(l)),
        Err(e) => report.left(format!("unknown: could not list what the run left ({e:#})")),
    }
    report.summary();
    let failures = report.failures();
    assert!(
        failures.is_empty(),
        "acceptance failed:\n{}",
        failures.join("\n")
    );
}

/// Refuses an account that already holds stacks named like the suite's, unless told: they may be
/// another run's (going on, or killed: then sweep), and the suite must not mistake them for its own.
fn refuse_existing(aws: &Clients) -> Result<(), String> {
    let found = sweep::find(aws, PREFIX, None).map_err(|e| format!("{e:#}"))?;
    if found.stacks.is_empty()
        || std::env::var("INFRAPIPE_ACC_ALLOW_EXISTING").as_deref() == Ok("1")
    {
        return Ok(());
    }
    Err(format!(
        "the account already holds stacks named like the suite's ({}): another run's, or a killed run's. Remove them with `INFRAPIPE_ACC_SWEEP=1 cargo test --test acceptance -- --exact sweep`, or set INFRAPIPE_ACC_ALLOW_EXISTING=1 to run beside them",
        found.stacks.join(", ")
    ))
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".into())
}

/// `INFRAPIPE_ACC_SWEEP=1 cargo test --test acceptance -- --exact sweep`: removes what killed runs left in
/// the target (stack sets, stacks, buckets with every version, tables, probe queues, log groups
/// named `ipacc-*` or stacks tagged `infrapipe-acceptance`), and prints what it deleted.
#[test]
fn sweep() {
    if std::env::var("INFRAPIPE_ACC_SWEEP").as_deref() != Ok("1") {
        say("acceptance sweep ... skipped: INFRAPIPE_ACC_SWEEP is not 1");
        return;
    }
    let target = match Selection::from_env() {
        Selection::Skip(why) => {
            say(&format!("acceptance sweep ... skipped: {why}"));
            return;
        }
        Selection::Refuse(why) => panic!("acceptance sweep refused: {why}"),
        Selection::Run(t) => t.start(),
    };
    let aws = Clients::new(&target);
    let found = sweep::find(&aws, PREFIX, None).unwrap_or_else(|e| panic!("{e:#}"));
    say(&format!(
        "acceptance sweep: {} in {}",
        describe(&found.names()),
        target.describe()
    ));
    let deleted = sweep::remove(&aws, &found, PREFIX, None).unwrap_or_else(|e| panic!("{e:#}"));
    say(&format!("acceptance sweep: deleted {}", describe(&deleted)));
    let left = sweep::find(&aws, PREFIX, None).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        left.is_empty(),
        "still there after the sweep: {:?}",
        left.names()
    );
}

fn describe(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}

/// Against moto always (it proves the harness, not AWS): a step panics midway inside the guard,
/// and afterwards no stack, bucket or table of that pipeline is left.
#[test]
fn a_step_that_panics_inside_the_clean_up_guard_leaves_no_stack_bucket_or_table() {
    let target = Target::moto().start();
    let report = Report::default();
    let aws = Clients::new(&target);
    let mut prefix = String::new();
    let step = catch_unwind(AssertUnwindSafe(|| {
        let p = Pipeline::new(&target, &report);
        prefix = format!("{}-", p.name);
        let ran = p.infrapipe(&["apply", "--yes"]);
        assert_eq!(ran.code, 0, "{}{}", ran.out, ran.err);
        let deployed = sweep::find(&aws, &prefix, None).unwrap_or_else(|e| panic!("{e:#}"));
        assert!(
            !deployed.stacks.is_empty() && !deployed.tables.is_empty(),
            "{:?}",
            deployed.names()
        );
        panic!("an inner step fails midway");
    }));
    assert_eq!(
        step.err().map(|p| panic_text(&*p)).as_deref(),
        Some("an inner step fails midway")
    );
    let left = sweep::find(&aws, &prefix, None).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(left.is_empty(), "left behind: {:?}", left.names());
}

/// A run killed with SIGKILL never reaches its guard: its pipeline stays, and the sweep removes
/// it (stack, bucket with its object versions, table).
#[test]
fn the_sweep_removes_what_a_killed_run_left() {
    let target = Target::moto().start();
    let report = Report::default();
    let aws = Clients::new(&target);
    let p = Pipeline::new(&target, &report);
    let ran = p.infrapipe(&["apply", "--yes"]);
    assert_eq!(ran.code, 0, "{}{}", ran.out, ran.err);
    let prefix = format!("{}-", p.name);
    // As SIGKILL would: the guard never runs.
    std::mem::forget(p);
    let found = sweep::find(&aws, &prefix, None).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(!found.stacks.is_empty(), "nothing was deployed");
    sweep::remove(&aws, &found, &prefix, None).unwrap_or_else(|e| panic!("{e:#}"));
    let left = sweep::find(&aws, &prefix, None).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(left.is_empty(), "left behind: {:?}", left.names());
}

#[test]
fn without_either_variable_the_suite_is_skipped_with_the_reason() {
    let Selection::Skip(why) = Selection::from_values(None, None, None) else {
        panic!("must skip");
    };
    assert!(
        why.contains("INFRAPIPE_ACC=1") && why.contains("INFRAPIPE_ACC_ENDPOINT"),
        "{why}"
    );
}

#[test]
fn a_real_account_without_a_region_is_refused() {
    assert!(matches!(
        Selection::from_values(Some("1"), None, None),
        Selection::Refuse(_)
    ));
}

#[test]
fn a_real_account_and_an_emulator_at_once_are_refused() {
    let both = Selection::from_values(Some("1"), Some("eu-west-1"), Some("moto"));
    assert!(matches!(both, Selection::Refuse(_)));
}

#[test]
fn an_endpoint_off_loopback_is_refused() {
    for url in [
        "http://10.0.0.1:5000",
        "https://127.0.0.1:5000",
        "http://localhost:5000",
        "http://127.0.0.1",
        "http://example.com:80",
    ] {
        assert!(
            matches!(
                Selection::from_values(None, None, Some(url)),
                Selection::Refuse(_)
            ),
            "{url}"
        );
    }
}

#[test]
fn a_loopback_endpoint_is_used_as_given() {
    let Selection::Run(t) = Selection::from_values(None, None, Some("http://127.0.0.1:5000/"))
    else {
        panic!("must run");
    };
    assert_eq!(t.endpoint(), Some("http://127.0.0.1:5000"));
}

#[test]
fn an_account_holding_stacks_named_like_the_suites_is_refused() {
    let target = Target::moto().start();
    let aws = Clients::new(&target);
    let template = r#"{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}"#;
    aws.block(
        aws.cloudformation()
            .create_stack()
            .stack_name("ipacc-someoneelse-acc")
            .template_body(template)
            .send(),
    )
    .unwrap_or_else(|e| panic!("{}", acceptance::aws::plain(e)));
    let refused = refuse_existing(&aws).err().unwrap_or_default();
    assert!(refused.contains("ipacc-someoneelse-acc"), "{refused:?}");
}
