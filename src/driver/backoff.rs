//! Reconnect delays: `reconnect_delay_set(delay, delay_max, exponential)` semantics.

use std::time::Duration;

/// Delay policy between reconnect attempts and the count of attempts since the last success.
/// Delays are kept in whole milliseconds (one per client: small).
#[derive(Debug, Clone)]
pub struct Backoff {
    delay_ms: u32,
    delay_max_ms: u32,
    exponential: bool,
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            delay_ms: 1000,
            delay_max_ms: 1000,
            exponential: false,
            failures: 0,
        }
    }
}

fn millis(d: Duration) -> u32 {
    d.as_millis().min(u128::from(u32::MAX)) as u32
}

impl Backoff {
    /// Change the policy (keeps the failure count). Delays are rounded down to milliseconds
    /// (libmosquitto's are whole seconds) and capped at about 49 days.
    pub fn configure(&mut self, delay: Duration, delay_max: Duration, exponential: bool) {
        self.delay_ms = millis(delay);
        self.delay_max_ms = millis(delay_max).max(self.delay_ms);
        self.exponential = exponential;
    }

    /// The delay before the next attempt, and count this attempt.
    ///
    /// With `delay_max > delay` the delay grows with each consecutive failure: linearly
    /// (`delay × n`) or doubling (`delay × 2ⁿ⁻¹`), never beyond `delay_max`.
    pub fn next_delay(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let (delay, delay_max) = (u64::from(self.delay_ms), u64::from(self.delay_max_ms));
        if delay_max <= delay {
            return Duration::from_millis(delay);
        }
        let n = self.failures;
        let grown = if self.exponential {
            let factor = 1u64.checked_shl(n - 1).unwrap_or(u64::MAX);
            delay.checked_mul(factor)
        } else {
            delay.checked_mul(u64::from(n))
        };
        Duration::from_millis(grown.unwrap_or(delay_max).min(delay_max))
    }

    /// A connection was accepted: start counting again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_delay_when_max_not_above_delay() {
        let mut b = Backoff::default();
        b.configure(Duration::from_secs(2), Duration::from_secs(1), true);
        assert_eq!(b.next_delay(), Duration::from_secs(2));
        assert_eq!(b.next_delay(), Duration::from_secs(2));
    }

    #[test]
    fn linear_and_exponential_growth_are_capped() {
        let mut b = Backoff::default();
        b.configure(Duration::from_secs(1), Duration::from_secs(5), false);
        let got: Vec<u64> = (0..7).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(got, [1, 2, 3, 4, 5, 5, 5]);
        b.reset();
        b.configure(Duration::from_secs(1), Duration::from_secs(10), true);
        let got: Vec<u64> = (0..6).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 10, 10]);
        for _ in 0..100 {
            b.next_delay();
        }
        assert_eq!(b.next_delay(), Duration::from_secs(10));
    }
}
