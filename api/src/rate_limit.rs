//! A per-key token bucket (in memory, per replica) guarding the token endpoint against
//! password guessing. Lockout protects each account; this protects the service.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    #[must_use]
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; `Err(seconds)` to wait when the bucket is empty.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let cap = f64::from(self.per_minute);
        let rate = cap / 60.0;
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 10_000 {
            // Forget full buckets so the map cannot grow without bound.
            map.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < cap);
        }
        let (tokens, at) = map.entry(key.to_owned()).or_insert((cap, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(cap);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = Duration::from_secs_f64((1.0 - *tokens) / rate);
            Err(wait.as_secs().max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_and_reports_wait() {
        let r = RateLimiter::new(3);
        assert!(r.check("a").is_ok());
        assert!(r.check("a").is_ok());
        assert!(r.check("a").is_ok());
        let wait = r.check("a").unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(r.check("b").is_ok(), "other keys unaffected");
    }
}
