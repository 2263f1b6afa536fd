//! Request rates in this process: GCRA limiters (governor), one keyed limiter per
//! distinct rate. (Login windows are in `login.rs`.)

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Rate;

/// One keyed GCRA limiter per distinct rate.
#[derive(Default)]
pub(super) struct Memory {
    limiters: Mutex<HashMap<Rate, Arc<DefaultKeyedRateLimiter<String>>>>,
    hits: AtomicU64,
}

/// How often (in hits) idle state is swept.
const SWEEP_EVERY: u64 = 4096;

fn quota(rate: Rate) -> Quota {
    let burst = NonZeroU32::new(rate.count).unwrap_or(NonZeroU32::MIN);
    let period = rate.period() / rate.count.max(1);
    Quota::with_period(period.max(Duration::from_micros(1)))
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

impl Memory {
    fn limiter(&self, rate: Rate) -> Arc<DefaultKeyedRateLimiter<String>> {
        let mut limiters = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        limiters
            .entry(rate)
            .or_insert_with(|| Arc::new(RateLimiter::keyed(quota(rate))))
            .clone()
    }

    /// Counts one request against `key`; `Err(wait)` when over the rate.
    pub(super) fn hit(&self, key: &str, rate: Rate) -> Result<(), Duration> {
        let limiter = self.limiter(rate);
        if self.hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }
}
