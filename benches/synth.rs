//! `infrapipe synth` of the default example, timed as a whole process (what users wait for).
//! Prints min / median / p90 over many runs. Target: median under 20 ms on a 2-core machine.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let bin = env!("CARGO_BIN_EXE_infrapipe");
    let runs = 50;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for i in 0..runs + 3 {
        let start = Instant::now();
        let status = Command::new(bin)
            .args(["synth", "-c", "examples/infrapipe.yaml"])
            .stdout(Stdio::null())
            .status();
        let elapsed = start.elapsed();
        match status {
            Ok(s) if s.success() => {}
            other => {
                eprintln!("synth failed: {other:?}");
                std::process::exit(1);
            }
        }
        if i >= 3 {
            times.push(elapsed); // the first runs warm the page cache
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "synth (whole process, {runs} runs): min {:.2} ms, median {:.2} ms, p90 {:.2} ms",
        ms(times[0]),
        ms(times[runs / 2]),
        ms(times[runs * 9 / 10])
    );
}
