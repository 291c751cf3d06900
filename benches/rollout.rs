//! Rollout to four regions (`--max-concurrent 3`: the canary, then one wave) against a rollout
//! to one region, from nothing, on moto, as whole processes. Target: four regions in under 2x.

mod common;
use common::moto;
use common::{median, ms};

use std::time::{Duration, Instant};

fn timed(moto: &moto::Moto, regions: &str) -> Duration {
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
    ]);
    let took = t.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    took
}

fn main() {
    let moto = moto::Moto::start();
    let runs = 7;
    let one: Vec<Duration> = (0..runs).map(|_| timed(&moto, "us-east-1")).collect();
    let four: Vec<Duration> = (0..runs)
        .map(|_| timed(&moto, "us-east-1,eu-west-1,us-west-2,eu-central-1"))
        .collect();
    let (one, four) = (median(one), median(four));
    println!(
        "rollout from nothing on moto ({runs} runs each): 1 region {:.0} ms, 4 regions (--max-concurrent 3) {:.0} ms, ratio {:.2}",
        ms(one),
        ms(four),
        four.as_secs_f64() / one.as_secs_f64()
    );
}
