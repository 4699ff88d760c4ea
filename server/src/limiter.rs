//! Rate limit for connection tests, keyed by what BILL itself limits.
//!
//! BILL counts logins per developer key (200 an hour, AP/AR v2 and v3 alike), per
//! partner application key, and per Spend & Expense token; the username does not
//! matter. So the limiter's key is that one credential ([`COUNTED_BY`]) with the
//! environment (sandbox and production are separate BILL systems): varying the
//! username or the password does not buy more logins.
//!
//! Each key gets two token buckets: [`PER_MINUTE`] a minute and [`PER_HOUR`] an
//! hour (each refilling smoothly), and a test needs a token from both. A person
//! retrying by hand never meets the limit; a script hammering the endpoint does,
//! before any call to BILL is made.
//!
//! The key is a SipHash with random keys (std's `RandomState`, fresh per process)
//! of environment, field and value, never the secret itself. At most [`MAX_KEYS`]
//! keys are tracked; when full, the least recently seen is forgotten (an `lru`
//! cache), so a flood of new keys never locks anyone out (it can only make the
//! oldest keys start afresh).

use billcom_connection::spec::ApiType;
use lru::LruCache;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The credential BILL counts logins against, by field id: an API type's key is
/// the first of its credentials listed here (a test checks each type has one).
pub const COUNTED_BY: [&str; 3] = ["devKey", "appKey", "apiToken"];

pub const PER_MINUTE: u32 = 30;
pub const PER_HOUR: u32 = 150;
pub const MAX_KEYS: usize = 10_000;

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

/// Both buckets full: a key never seen.
pub fn full() -> [f64; 2] {
    [f64::from(PER_MINUTE), f64::from(PER_HOUR)]
}

fn buckets() -> [Bucket; 2] {
    [Bucket::new(PER_MINUTE, Duration::from_secs(60)), Bucket::new(PER_HOUR, Duration::from_secs(3600))]
}

/// The token-bucket step, shared by the in-memory limiter and the database one:
/// refills `tokens` for `elapsed` seconds, then takes one from each bucket if
/// both have one. Returns the new tokens and the verdict.
fn take(buckets: &[Bucket; 2], mut tokens: [f64; 2], elapsed: f64) -> ([f64; 2], Verdict) {
    for (t, b) in tokens.iter_mut().zip(buckets) {
        *t = (*t + elapsed.max(0.0) * b.rate).min(b.capacity);
    }
    if tokens.iter().all(|t| *t >= 1.0) {
        for t in &mut tokens {
            *t -= 1.0;
        }
        return (tokens, Verdict::Allowed);
    }
    let wait = tokens
        .iter()
        .zip(buckets)
        .map(|(t, b)| if *t >= 1.0 { 0.0 } else { (1.0 - t) / b.rate })
        .fold(0.0_f64, f64::max);
    (tokens, Verdict::Limited(Duration::from_secs_f64(wait)))
}

/// [`take`] with the default buckets ([`PER_MINUTE`], [`PER_HOUR`]).
pub fn take_default(tokens: [f64; 2], elapsed: f64) -> ([f64; 2], Verdict) {
    take(&buckets(), tokens, elapsed)
}

/// Where connection-test counts live: in this process ([`Limiter`], SQLite's
/// single instance) or in the database (PostgreSQL, shared by every instance).
pub trait TestLimiter: Send + Sync + 'static {
    /// The key for one credential value (never the value itself).
    fn key(&self, environment: &str, field: &str, value: &str) -> [u8; 32];
    /// Takes a token for `key` now, or says how long until one is due.
    fn take(&self, key: &[u8; 32]) -> Verdict;
}

impl TestLimiter for Limiter {
    fn key(&self, environment: &str, field: &str, value: &str) -> [u8; 32] {
        let mut h = self.hasher.build_hasher();
        environment.hash(&mut h);
        field.hash(&mut h);
        value.hash(&mut h);
        let mut out = [0u8; 32];
        out[..8].copy_from_slice(&h.finish().to_le_bytes());
        out
    }

    fn take(&self, key: &[u8; 32]) -> Verdict {
        let mut k = [0u8; 8];
        k.copy_from_slice(&key[..8]);
        self.check(u64::from_le_bytes(k), Instant::now())
    }
}

/// The credential a test is counted against: (field, value) from `secrets`
/// (an absent one is "").
pub fn counted<'a, S: AsRef<str>>(
    api_type: &ApiType,
    secrets: &'a [(S, billcom_connection::Secret)],
) -> (&'static str, &'a str) {
    let field = counted_by(api_type).unwrap_or("");
    (field, secrets.iter().find(|(k, _)| k.as_ref() == field).map_or("", |(_, v)| v.expose()))
}

/// The answer for one attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Allowed,
    /// Refused; a token is due again after this long.
    Limited(Duration),
}

#[derive(Debug)]
pub struct Limiter {
    hasher: RandomState,
    buckets: [Bucket; 2],
    table: Mutex<LruCache<u64, Entry>>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(PER_MINUTE, PER_HOUR, MAX_KEYS)
    }
}

/// The field an API type's logins are counted against (see [`COUNTED_BY`]).
pub fn counted_by(api_type: &ApiType) -> Option<&'static str> {
    api_type.credentials.iter().copied().find(|f| COUNTED_BY.contains(f))
}

impl Limiter {
    pub fn new(per_minute: u32, per_hour: u32, max_keys: usize) -> Limiter {
        Limiter {
            hasher: RandomState::new(),
            buckets: [
                Bucket::new(per_minute, Duration::from_secs(60)),
                Bucket::new(per_hour, Duration::from_secs(3600)),
            ],
            table: Mutex::new(LruCache::new(NonZeroUsize::new(max_keys).unwrap_or(NonZeroUsize::MIN))),
        }
    }

    /// The key of a test: the environment and the value of the credential BILL
    /// counts logins against, from `secrets` (an absent one hashes as "").
    pub fn key<S: AsRef<str>>(
        &self,
        api_type: &ApiType,
        environment: &str,
        secrets: &[(S, billcom_connection::Secret)],
    ) -> u64 {
        let (field, value) = counted(api_type, secrets);
        let mut h = self.hasher.build_hasher();
        environment.hash(&mut h);
        field.hash(&mut h);
        value.hash(&mut h);
        h.finish()
    }

    /// A key for arbitrary bytes (tests).
    pub fn key_of(&self, bytes: &[u8]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(bytes);
        h.finish()
    }

    /// Takes a token for `key` at `now`, or says how long until one is due.
    pub fn check(&self, key: u64, now: Instant) -> Verdict {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = Entry { tokens: full(), at: now };
        // Inserting into a full cache forgets the least recently seen key.
        let entry = table.get_or_insert_mut(key, || fresh);
        let elapsed = now.saturating_duration_since(entry.at).as_secs_f64();
        let (tokens, verdict) = take(&self.buckets, entry.tokens, elapsed);
        *entry = Entry { tokens, at: now };
        verdict
    }

    /// How many keys are tracked.
    pub fn len(&self) -> usize {
        self.table.lock().map(|t| t.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(l: &Limiter, s: &str) -> u64 {
        l.key_of(s.as_bytes())
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
    fn a_full_table_forgets_the_least_recently_seen() {
        let l = Limiter::new(2, 150, 3);
        let t0 = Instant::now();
        for s in ["a", "b", "c", "a", "a"] {
            let _ = l.check(key(&l, s), t0);
        }
        // "a" is used up; a new key is still allowed, and pushes out "b" (the
        // least recently seen), not "a".
        assert!(matches!(l.check(key(&l, "a"), t0), Verdict::Limited(_)));
        assert_eq!(l.check(key(&l, "d"), t0), Verdict::Allowed);
        assert_eq!(l.len(), 3);
        assert!(matches!(l.check(key(&l, "a"), t0), Verdict::Limited(_)), "the busy key was forgotten");
        // 10,100 distinct keys in a 10,000 table: every one allowed.
        let l = Limiter::default();
        let refused = (0..10_100u32).filter(|i| l.check(key(&l, &i.to_string()), t0) != Verdict::Allowed).count();
        assert_eq!(refused, 0);
        assert_eq!(l.len(), MAX_KEYS);
    }

    #[test]
    fn keyed_by_the_credential_bill_counts_and_the_environment() {
        use billcom_connection::{spec, Secret};
        let l = Limiter::default();
        let s = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, Secret)> {
            pairs.iter().map(|(k, v)| (*k, Secret::new((*v).to_owned()))).collect()
        };
        let want =
            [("ap-ar-v2", "devKey"), ("ap-ar-v3", "devKey"), ("partner", "appKey"), ("spend-expense", "apiToken")];
        for t in spec::API_TYPES {
            let expected = want.iter().find(|(id, _)| *id == t.id).map(|(_, f)| *f);
            assert_eq!(counted_by(t), expected, "{}", t.id);
        }
        let (Some(v2), Some(v3), Some(partner)) =
            (spec::api_type("ap-ar-v2"), spec::api_type("ap-ar-v3"), spec::api_type("partner"))
        else {
            panic!("API types")
        };
        let k = |t, env, secrets: &[(&'static str, &str)]| l.key(t, env, &s(secrets));
        let base = k(v3, "sandbox", &[("password", "one"), ("devKey", "DK")]);
        // The password (and the username, not even read) change nothing; v2 and v3
        // share the developer key's count.
        assert_eq!(base, k(v3, "sandbox", &[("password", "two"), ("devKey", "DK")]));
        assert_eq!(base, k(v2, "sandbox", &[("password", "three"), ("devKey", "DK")]));
        // Another key or another environment is another count.
        assert_ne!(base, k(v3, "sandbox", &[("password", "one"), ("devKey", "DK2")]));
        assert_ne!(base, k(v3, "production", &[("password", "one"), ("devKey", "DK")]));
        // The same text as an app key is not the same key.
        assert_ne!(base, k(partner, "sandbox", &[("password", "one"), ("appKey", "DK")]));
    }
}
