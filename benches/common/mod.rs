//! What the benches share: the moto server the tests use (with its latency proxy), and how
//! figures are summarised.
#![allow(dead_code)]

#[path = "../../tests/common/moto.rs"]
pub mod moto;

use std::time::Duration;

/// The middle run's time (the upper middle for an even count).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
