//! apply on moto as whole processes: from nothing, and with no changes. moto completes stacks
//! synchronously, so the figures are the tool's own time plus moto's, with no CloudFormation wait
//! in them. Targets: from nothing under 1 s; no-change apply under 300 ms.

mod common;
use common::moto;
use common::{median, ms};

use std::time::{Duration, Instant};

fn apply(moto: &moto::Moto) -> Duration {
    let t = Instant::now();
    let (code, out, err) = moto.infrapipe(&["apply", "-c", "examples/infrapipe.yaml", "--yes"]);
    let took = t.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    took
}

fn main() {
    let moto = moto::Moto::start();
    let runs = 9;
    let mut fresh = Vec::new();
    let mut unchanged = Vec::new();
    for _ in 0..runs {
        moto.request("POST", "/moto-api/reset", "");
        fresh.push(apply(&moto));
        unchanged.push(apply(&moto));
    }
    println!(
        "apply on moto, whole process ({runs} runs each): from nothing median {:.0} ms; no changes median {:.0} ms",
        ms(median(fresh)),
        ms(median(unchanged))
    );
}
