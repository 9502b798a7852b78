//! Reconnect delays: `reconnect_delay_set(delay, delay_max, exponential)` semantics, and an
//! optional jitter (`culex_reconnect_jitter_set`) that takes a random share off each delay, so
//! that many clients losing one broker at once do not come back in the same second.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Delay policy between reconnect attempts and the count of attempts since the last success.
/// Delays are kept in whole milliseconds (one per client: small).
#[derive(Debug, Clone)]
pub struct Backoff {
    delay_ms: u32,
    delay_max_ms: u32,
    exponential: bool,
    /// Up to this percentage of each delay is taken off at random (0: none).
    jitter_percent: u8,
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            delay_ms: 1000,
            delay_max_ms: 1000,
            exponential: false,
            jitter_percent: 0,
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

    /// Take up to `percent` (at most 100) of each delay off at random: a delay `d` becomes a
    /// uniformly drawn one between `d × (1 − percent/100)` and `d`.
    pub fn set_jitter(&mut self, percent: u8) {
        self.jitter_percent = percent.min(100);
    }

    /// The jitter percentage.
    pub fn jitter(&self) -> u8 {
        self.jitter_percent
    }

    /// The delay before the next attempt, and count this attempt.
    ///
    /// With `delay_max > delay` the delay grows with each consecutive failure: linearly
    /// (`delay × n`) or doubling (`delay × 2ⁿ⁻¹`), never beyond `delay_max`; then the jitter,
    /// if any, takes its random share off.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.grown_delay();
        if self.jitter_percent == 0 {
            return delay;
        }
        let max_off = delay.as_millis() as u64 * u64::from(self.jitter_percent) / 100;
        let off = if max_off == 0 {
            0
        } else {
            random_u64() % (max_off + 1)
        };
        delay - Duration::from_millis(off)
    }

    /// The delay before the next attempt, without jitter.
    fn grown_delay(&mut self) -> Duration {
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

/// A random number: std's hasher keys are drawn at random for each `RandomState` (a fresh one per
/// call), which is all the randomness a reconnect spread needs.
fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_takes_a_random_share_off_within_its_bound() {
        let mut b = Backoff::default();
        b.configure(Duration::from_secs(10), Duration::from_secs(10), false);
        b.set_jitter(50);
        let delays: Vec<Duration> = (0..200).map(|_| b.next_delay()).collect();
        assert!(delays
            .iter()
            .all(|d| *d >= Duration::from_secs(5) && *d <= Duration::from_secs(10)));
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(
            distinct.len() > 100,
            "spread: {} distinct delays",
            distinct.len()
        );
        b.set_jitter(0);
        assert_eq!(b.next_delay(), Duration::from_secs(10));
        b.set_jitter(200);
        assert_eq!(b.jitter(), 100);
    }

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
