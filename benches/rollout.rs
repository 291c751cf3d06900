//! Rollout to four regions (`--max-concurrent 3`: the canary, then one wave) against a rollout
//! to one region, from nothing, on moto, as whole processes. Target: four regions in under 2x.
//!
//! moto is one Python process: on loopback every call costs its CPU time and calls from
//! concurrent regions queue behind each other, so a wave of three costs about three regions'
//! worth of emulator time. The second pair of figures goes through a proxy that holds every
//! request for a fixed latency first, as a round trip to AWS would; there the waiting overlaps, as it
//! does against AWS (where CloudFormation's own minutes per stack dominate and overlap too).

mod common;
use common::moto;
use common::{median, ms};
use moto::latency_proxy;

use std::time::{Duration, Instant};

const RUNS: usize = 7;
const FOUR: &str = "us-east-1,eu-west-1,us-west-2,eu-central-1";
/// About one in-region round trip to an AWS API, and one across an ocean.
const LATENCIES: [Duration; 2] = [Duration::from_millis(25), Duration::from_millis(100)];

fn timed(moto: &moto::Moto, regions: &str, endpoint: &str) -> Duration {
    moto.request("POST", "/moto-api/reset", "");
    let t = Instant::now();
    let (code, out, err) = moto.infrapipe(&[
        "rollout",
        "-c",
        "examples/infrapipe.yaml",
        "--regions",
        regions,
        "--max-concurrent",
        "3",
        "--yes",
        "--endpoint-url",
        endpoint,
    ]);
    let took = t.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    took
}

/// Median times of one region and of four, through `endpoint`.
fn one_and_four(moto: &moto::Moto, endpoint: &str) -> (Duration, Duration) {
    let one = (0..RUNS)
        .map(|_| timed(moto, "us-east-1", endpoint))
        .collect();
    let four = (0..RUNS).map(|_| timed(moto, FOUR, endpoint)).collect();
    (median(one), median(four))
}

fn main() {
    let moto = moto::Moto::start();
    let (one, four) = one_and_four(&moto, &moto.endpoint);
    println!(
        "rollout from nothing on moto ({RUNS} runs each): 1 region {:.0} ms, 4 regions (--max-concurrent 3) {:.0} ms, ratio {:.2}",
        ms(one),
        ms(four),
        four.as_secs_f64() / one.as_secs_f64()
    );
    for latency in LATENCIES {
        let proxy = latency_proxy(moto.port, latency);
        let (one, four) = one_and_four(&moto, &proxy);
        println!(
            "rollout from nothing on moto, {} ms added to every request ({RUNS} runs each): 1 region {:.0} ms, 4 regions (--max-concurrent 3) {:.0} ms, ratio {:.2}",
            latency.as_millis(),
            ms(one),
            ms(four),
            four.as_secs_f64() / one.as_secs_f64()
        );
    }
}
