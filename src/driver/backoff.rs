//! Reconnect delays: `reconnect_delay_set(delay, delay_max, exponential)` semantics.

use std::time::Duration;

/// Delay policy between reconnect attempts and the count of attempts since the last success.
#[derive(Debug, Clone)]
pub struct Backoff {
    delay: Duration,
    delay_max: Duration,
    exponential: bool,
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            delay: Duration::from_secs(1),
            delay_max: Duration::from_secs(1),
            exponential: false,
            failures: 0,
        }
    }
}

impl Backoff {
    /// Change the policy (keeps the failure count).
    pub fn configure(&mut self, delay: Duration, delay_max: Duration, exponential: bool) {
        self.delay = delay;
        self.delay_max = delay_max.max(delay);
        self.exponential = exponential;
    }

    /// The delay before the next attempt, and count this attempt.
    ///
    /// With `delay_max > delay` the delay grows with each consecutive failure: linearly
    /// (`delay × n`) or doubling (`delay × 2ⁿ⁻¹`), never beyond `delay_max`.
    pub fn next_delay(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        if self.delay_max <= self.delay {
            return self.delay;
        }
        let n = self.failures;
        let grown = if self.exponential {
            let factor = 1u32.checked_shl(n - 1).unwrap_or(u32::MAX);
            self.delay.checked_mul(factor)
        } else {
            self.delay.checked_mul(n)
        };
        grown.unwrap_or(self.delay_max).min(self.delay_max)
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
