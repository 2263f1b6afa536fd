//! Throttle state in this process: GCRA limiters (governor) for request rates, and
//! sliding windows of timestamps for failed logins.

use std::{
    collections::{HashMap, VecDeque},
    num::NonZeroU32,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Rate;
use crate::store::now_millis;

/// One keyed GCRA limiter per distinct rate.
#[derive(Default)]
pub(super) struct Memory {
    limiters: Mutex<HashMap<Rate, Arc<DefaultKeyedRateLimiter<String>>>>,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
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

    /// `Some(wait)` when `key` has `rate.count` failures within the last period.
    pub(super) fn blocked(&self, key: &str, rate: Rate) -> Option<Duration> {
        let now = now_millis();
        let window = i64::try_from(rate.period().as_millis()).unwrap_or(i64::MAX);
        let mut all = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let times = all.get_mut(key)?;
        while times.front().is_some_and(|t| *t <= now - window) {
            times.pop_front();
        }
        if times.is_empty() {
            all.remove(key);
            return None;
        }
        (times.len() >= rate.count as usize)
            .then(|| {
                times.front().map(|oldest| {
                    Duration::from_millis(u64::try_from(oldest + window - now).unwrap_or(0))
                })
            })
            .flatten()
    }

    /// Records a failure for `key`.
    pub(super) fn record(&self, key: &str, rate: Rate) {
        let now = now_millis();
        let window = i64::try_from(rate.period().as_millis()).unwrap_or(i64::MAX);
        let mut all = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if self.hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            all.retain(|_, times| times.back().is_some_and(|t| *t > now - window));
        }
        let times = all.entry(key.to_owned()).or_default();
        times.push_back(now);
        // Only the newest `count` matter.
        while times.len() > rate.count as usize {
            times.pop_front();
        }
    }
}
