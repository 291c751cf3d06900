//! The one pause between polls of AWS: it doubles up to a ceiling, and with a time limit says
//! when waiting longer is pointless. Stacks, executions and drift detections all wait with it.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Backoff {
    delay: Duration,
    max: Duration,
    limit: Option<Duration>,
    started: Instant,
}

impl Backoff {
    /// Pauses of `first`, doubling up to `max`, with no time limit.
    pub fn new(first: Duration, max: Duration) -> Self {
        Self {
            delay: first,
            max,
            limit: None,
            started: Instant::now(),
        }
    }

    /// Gives up once `limit` has passed since the backoff was made.
    pub fn within(self, limit: Duration) -> Self {
        Self {
            limit: Some(limit),
            ..self
        }
    }

    /// How long this wait has lasted so far.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Sleeps the next pause and returns true; returns false at once when the limit has passed.
    pub async fn pause(&mut self) -> bool {
        if self.limit.is_some_and(|l| self.elapsed() > l) {
            return false;
        }
        tokio::time::sleep(self.advance()).await;
        true
    }

    /// The pause to sleep now; the next is twice as long, up to the ceiling.
    fn advance(&mut self) -> Duration {
        let now = self.delay;
        self.delay = (self.delay * 2).min(self.max);
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_ceiling() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(300));
        let pauses: Vec<u128> = (0..4).map(|_| b.advance().as_millis()).collect();
        assert_eq!(pauses, [100, 200, 300, 300]);
    }

    #[tokio::test]
    async fn past_its_limit_it_gives_up_without_sleeping() {
        let mut b =
            Backoff::new(Duration::from_secs(60), Duration::from_secs(60)).within(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        assert!(!b.pause().await);
    }
}
