//! Rate limit for connection tests, per set of credentials.
//!
//! BILL allows 200 logins an hour per developer key; a burst of tests must not
//! use that up, nor lock anyone out. Each set of credentials gets two token
//! buckets: [`PER_MINUTE`] a minute and [`PER_HOUR`] an hour (each refilling
//! smoothly), and a test needs a token from both. A person retrying by hand
//! never meets the limit; a script hammering the endpoint does, before any call
//! to BILL is made.
//!
//! The key is a SipHash with random keys (std's `RandomState`, fresh per
//! process) of the identity of the credentials, never the secret itself. At most
//! [`MAX_KEYS`] sets are tracked; sets whose buckets are full again are
//! forgotten (they are indistinguishable from new ones), and when that does not
//! free room every further new set is refused until some do.

use std::collections::HashMap;
use std::hash::{BuildHasher, DefaultHasher, Hasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const PER_MINUTE: u32 = 30;
pub const PER_HOUR: u32 = 150;
pub const MAX_KEYS: usize = 10_000;
/// The least time between two sweeps of a full table.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug)]
struct Bucket {
    capacity: f64,
    /// Tokens per second.
    rate: f64,
}

impl Bucket {
    fn new(capacity: u32, per: Duration) -> Bucket {
        let capacity = f64::from(capacity);
        Bucket { capacity, rate: capacity / per.as_secs_f64() }
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    tokens: [f64; 2],
    at: Instant,
}

/// The answer for one attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Allowed,
    /// Refused; a token is due again after this long.
    Limited(Duration),
}

#[derive(Debug)]
struct Table {
    entries: HashMap<u64, Entry>,
    last_sweep: Option<Instant>,
}

#[derive(Debug)]
pub struct Limiter {
    hasher: RandomState,
    buckets: [Bucket; 2],
    max_keys: usize,
    table: Mutex<Table>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(PER_MINUTE, PER_HOUR, MAX_KEYS)
    }
}

impl Limiter {
    pub fn new(per_minute: u32, per_hour: u32, max_keys: usize) -> Limiter {
        Limiter {
            hasher: RandomState::new(),
            buckets: [
                Bucket::new(per_minute, Duration::from_secs(60)),
                Bucket::new(per_hour, Duration::from_secs(3600)),
            ],
            max_keys,
            table: Mutex::new(Table { entries: HashMap::new(), last_sweep: None }),
        }
    }

    /// The key for whatever `feed` writes (e.g. `Credentials::hash_identity`).
    pub fn key(&self, feed: impl FnOnce(&mut DefaultHasher)) -> u64 {
        let mut h = self.hasher.build_hasher();
        feed(&mut h);
        h.finish()
    }

    fn refilled(&self, e: &Entry, now: Instant) -> [f64; 2] {
        let dt = now.saturating_duration_since(e.at).as_secs_f64();
        let mut t = e.tokens;
        for (tokens, b) in t.iter_mut().zip(&self.buckets) {
            *tokens = (*tokens + dt * b.rate).min(b.capacity);
        }
        t
    }

    /// Takes a token for `key` at `now`, or says how long until one is due.
    pub fn check(&self, key: u64, now: Instant) -> Verdict {
        let mut table = match self.table.lock() {
            Ok(t) => t,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !table.entries.contains_key(&key) && table.entries.len() >= self.max_keys {
            let due = table.last_sweep.is_none_or(|t| now.saturating_duration_since(t) >= SWEEP_EVERY);
            if due {
                table.last_sweep = Some(now);
                let full = |e: &Entry| self.refilled(e, now).iter().zip(&self.buckets).all(|(t, b)| *t >= b.capacity);
                table.entries.retain(|_, e| !full(e));
            }
            if table.entries.len() >= self.max_keys {
                return Verdict::Limited(Duration::from_secs(60));
            }
        }
        let fresh = Entry { tokens: [self.buckets[0].capacity, self.buckets[1].capacity], at: now };
        let entry = table.entries.entry(key).or_insert(fresh);
        let mut tokens = self.refilled(entry, now);
        if tokens.iter().all(|t| *t >= 1.0) {
            for t in &mut tokens {
                *t -= 1.0;
            }
            *entry = Entry { tokens, at: now };
            Verdict::Allowed
        } else {
            *entry = Entry { tokens, at: now };
            let wait = tokens
                .iter()
                .zip(&self.buckets)
                .map(|(t, b)| if *t >= 1.0 { 0.0 } else { (1.0 - t) / b.rate })
                .fold(0.0_f64, f64::max);
            Verdict::Limited(Duration::from_secs_f64(wait))
        }
    }

    /// How many sets of credentials are tracked.
    pub fn len(&self) -> usize {
        self.table.lock().map(|t| t.entries.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(l: &Limiter, s: &str) -> u64 {
        l.key(|h| h.write(s.as_bytes()))
    }

    #[test]
    fn thirty_a_minute_then_one_every_two_seconds() {
        let l = Limiter::default();
        let k = key(&l, "a");
        let t0 = Instant::now();
        for i in 0..PER_MINUTE {
            assert_eq!(l.check(k, t0), Verdict::Allowed, "test {i}");
        }
        let Verdict::Limited(wait) = l.check(k, t0) else { panic!("31st allowed") };
        assert!(wait > Duration::from_millis(1900) && wait <= Duration::from_secs(2), "{wait:?}");
        // Other credentials are not affected.
        assert_eq!(l.check(key(&l, "b"), t0), Verdict::Allowed);
        assert_eq!(l.check(k, t0 + Duration::from_secs(2)), Verdict::Allowed);
        assert!(matches!(l.check(k, t0 + Duration::from_secs(2)), Verdict::Limited(_)));
    }

    #[test]
    fn the_hourly_bucket_caps_a_steady_stream() {
        let l = Limiter::default();
        let k = key(&l, "a");
        let t0 = Instant::now();
        let mut allowed = 0;
        // One attempt every 2 s for an hour: the minute bucket allows each, the
        // hour bucket about 150 + 150 (its refill over that hour).
        for i in 0..1800u64 {
            if l.check(k, t0 + Duration::from_secs(2 * i)) == Verdict::Allowed {
                allowed += 1;
            }
        }
        assert!((295..=305).contains(&allowed), "{allowed}");
    }

    #[test]
    fn memory_is_bounded() {
        let l = Limiter::new(30, 150, 3);
        let t0 = Instant::now();
        for s in ["a", "b", "c"] {
            assert_eq!(l.check(key(&l, s), t0), Verdict::Allowed);
        }
        assert!(matches!(l.check(key(&l, "d"), t0), Verdict::Limited(_)));
        // Known sets still work while the table is full.
        assert_eq!(l.check(key(&l, "a"), t0), Verdict::Allowed);
        assert_eq!(l.len(), 3);
        // Once their buckets are full again, old sets are forgotten.
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(l.check(key(&l, "d"), later), Verdict::Allowed);
        assert_eq!(l.len(), 1);
    }
}
