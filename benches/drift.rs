//! Drift performance: the whole `infrapipe drift` process against the example stack on moto
//! (deployed, then completed through the services' APIs so every resource exists), with the
//! reads concurrent (the default) and one after another (`--sequential`, hidden). Target: under
//! 1 s concurrent.
//!
//! moto is one Python process: on loopback each call costs its CPU time, not a round trip, so
//! concurrency saves little there. The second pair of figures goes through a proxy that holds
//! every request for `LATENCY` first, as a round trip to AWS would.

mod common;
use common::moto;
use common::{median, ms};
use moto::latency_proxy;

use std::time::{Duration, Instant};

const RUNS: usize = 15;
/// About one in-region round trip to an AWS API.
const LATENCY: Duration = Duration::from_millis(25);

fn time(moto: &moto::Moto, extra: &[&str]) -> Duration {
    let mut args = vec![
        "drift",
        "-c",
        "examples/infrapipe.yaml",
        "--detailed-exitcode",
    ];
    args.extend_from_slice(extra);
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let (code, _, err) = moto.infrapipe(&args);
        times.push(t.elapsed());
        // 2: moto cannot store a few properties (see tests/drift_e2e.rs); 1 would be an error.
        assert!(code == 0 || code == 2, "drift failed: {err}");
    }
    median(times)
}

fn main() {
    let template = moto::example_template();
    let resources = template["Resources"].as_object().map_or(0, |r| r.len());
    let moto = moto::Moto::start();
    moto.deploy("infra-monitoring-prod", &template);
    let dir = tempfile::tempdir().expect("temp dir");
    let body = dir.path().join("template.json");
    std::fs::write(&body, template.to_string()).expect("write template");
    moto.boto3(
        include_str!("../tests/drift_complete_stack.py"),
        &["infra-monitoring-prod", &body.display().to_string()],
    );
    // Warm moto's lazily built backends so that neither variant pays for them.
    let _ = moto.infrapipe(&["drift", "-c", "examples/infrapipe.yaml"]);

    let concurrent = time(&moto, &[]);
    let sequential = time(&moto, &["--sequential"]);
    println!(
        "drift, whole process, {resources} resources on moto ({RUNS} runs each): concurrent median {:.1} ms, sequential median {:.1} ms ({:.1}x)",
        ms(concurrent),
        ms(sequential),
        sequential.as_secs_f64() / concurrent.as_secs_f64().max(f64::EPSILON)
    );

    let proxy = latency_proxy(moto.port, LATENCY);
    let through = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend_from_slice(&["--endpoint-url", &proxy]);
        time(&moto, &args)
    };
    let concurrent = through(&[]);
    let sequential = through(&["--sequential"]);
    println!(
        "drift, whole process, same stack, {} ms added to every request ({RUNS} runs each): concurrent median {:.1} ms, sequential median {:.1} ms ({:.1}x)",
        LATENCY.as_millis(),
        ms(concurrent),
        ms(sequential),
        sequential.as_secs_f64() / concurrent.as_secs_f64().max(f64::EPSILON)
    );
}
