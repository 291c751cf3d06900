//! Slow calls shown, not silent: every client carries an interceptor that records the calls in
//! flight, and on a terminal a spinner says "still waiting for CloudFormation CreateChangeSet
//! (12 s)" once a call has taken longer than `SLOW_AFTER`. Nothing is drawn off a terminal.

use aws_sdk_cloudformation::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_cloudformation::config::{ConfigBag, Intercept};
use aws_sdk_cloudformation::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A call that has not answered after this long gets a line on the terminal.
pub const SLOW_AFTER: Duration = Duration::from_secs(10);

static NEXT: AtomicU64 = AtomicU64::new(0);
static IN_FLIGHT: Mutex<BTreeMap<u64, (String, Instant)>> = Mutex::new(BTreeMap::new());

/// Records each call while it runs. The record is removed when the call's state is dropped,
/// so a call abandoned half-way (Ctrl-C, a timeout) leaves nothing behind.
#[derive(Debug, Clone, Copy)]
pub struct InFlight;

/// Removes its call from the registry when the operation's config bag is dropped.
#[derive(Debug)]
struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut calls) = IN_FLIGHT.lock() {
            calls.remove(&self.0);
        }
    }
}

#[derive(Debug, Clone)]
struct Guard(#[allow(dead_code)] Arc<Registered>);

impl Storable for Guard {
    type Storer = StoreReplace<Self>;
}

impl Intercept for InFlight {
    fn name(&self) -> &'static str {
        "InFlight"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let what = cfg
            .load::<Metadata>()
            .map(|m| format!("{} {}", service_name(m.service()), m.name()))
            .unwrap_or_else(|| "an AWS call".to_owned());
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut calls) = IN_FLIGHT.lock() {
            calls.insert(id, (what, Instant::now()));
        }
        cfg.interceptor_state()
            .store_put(Guard(Arc::new(Registered(id))));
        Ok(())
    }
}

/// The SDK's service ids in the words people know.
fn service_name(sdk_id: &str) -> &str {
    match sdk_id {
        "SFN" => "Step Functions",
        "CloudWatch Logs" | "CloudWatchLogs" => "CloudWatch Logs",
        "Scheduler" => "EventBridge Scheduler",
        other => other,
    }
}

/// The line for the longest call in flight, once it has lasted `after`; None before.
pub fn waiting_line(now: Instant, after: Duration) -> Option<String> {
    let calls = IN_FLIGHT.lock().ok()?;
    longest(&calls, now, after)
}

fn longest(
    calls: &BTreeMap<u64, (String, Instant)>,
    now: Instant,
    after: Duration,
) -> Option<String> {
    let (what, since) = calls.values().min_by_key(|(_, since)| *since)?;
    let lasted = now.saturating_duration_since(*since);
    (lasted >= after).then(|| format!("still waiting for {what} ({} s)", lasted.as_secs()))
}

/// Draws the waiting line on stderr while the process runs; only on a terminal.
pub fn show_on_terminal(stderr_is_terminal: bool) {
    if !stderr_is_terminal {
        return;
    }
    std::thread::spawn(|| {
        let mut bar: Option<indicatif::ProgressBar> = None;
        loop {
            std::thread::sleep(Duration::from_millis(500));
            match (waiting_line(Instant::now(), SLOW_AFTER), &bar) {
                (Some(line), Some(b)) => b.set_message(line),
                (Some(line), None) => {
                    let b = indicatif::ProgressBar::with_draw_target(
                        None,
                        indicatif::ProgressDrawTarget::stderr(),
                    );
                    b.set_style(
                        indicatif::ProgressStyle::with_template("{spinner} {msg}")
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                    );
                    b.enable_steady_tick(Duration::from_millis(120));
                    b.set_message(line);
                    bar = Some(b);
                }
                (None, Some(b)) => {
                    b.finish_and_clear();
                    bar = None;
                }
                (None, None) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_call(what: &str, since: Instant) -> BTreeMap<u64, (String, Instant)> {
        BTreeMap::from([(0, (what.to_owned(), since))])
    }

    #[test]
    fn a_call_in_flight_past_the_threshold_is_named_with_its_duration() {
        let start = Instant::now();
        let calls = one_call("CloudFormation DescribeStacks", start);
        assert_eq!(
            longest(&calls, start + Duration::from_secs(20), SLOW_AFTER).as_deref(),
            Some("still waiting for CloudFormation DescribeStacks (20 s)")
        );
    }

    #[test]
    fn a_call_under_the_threshold_shows_nothing() {
        let start = Instant::now();
        let calls = one_call("S3 PutObject", start);
        assert_eq!(
            longest(&calls, start + Duration::from_secs(2), SLOW_AFTER),
            None
        );
    }

    #[test]
    fn a_finished_call_leaves_the_registry() {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        IN_FLIGHT
            .lock()
            .expect("registry")
            .insert(id, ("SQS ReceiveMessage".into(), Instant::now()));
        drop(Registered(id));
        assert!(!IN_FLIGHT.lock().expect("registry").contains_key(&id));
    }
}
