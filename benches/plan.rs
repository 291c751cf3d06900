//! Plan performance: the in-process diff of two full templates, and the whole `plan` process
//! against a stack deployed on moto (loopback). Targets: diff under 2 ms; whole plan under 300 ms.

mod common;
use common::moto;
use common::{median, ms};

use std::time::Instant;

fn main() {
    let before = moto::example_template();
    let mut after = before.clone();
    after["Resources"]["HighCpuAlarm"]["Properties"]["Threshold"] = serde_json::json!(85.0);
    let mut times = Vec::new();
    for _ in 0..500 {
        let t = Instant::now();
        let plan = infrapipe::plan::diff(
            "s",
            "us-east-1",
            Some("UPDATE_COMPLETE"),
            Some(&before),
            &after,
        );
        std::hint::black_box(&plan);
        times.push(t.elapsed());
    }
    println!(
        "plan diff, two full templates, in process (500 runs): median {:.3} ms",
        ms(median(times))
    );

    let moto = moto::Moto::start();
    moto.deploy("infra-monitoring-prod", &before);
    let mut whole = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let (code, _, err) = moto.infrapipe(&[
            "plan",
            "-c",
            "examples/infrapipe.yaml",
            "--detailed-exitcode",
        ]);
        whole.push(t.elapsed());
        assert_eq!(code, 0, "{err}");
    }
    println!(
        "plan, whole process against a deployed stack on moto (20 runs): median {:.1} ms",
        ms(median(whole))
    );
}
