//! The sliding windows of failures in this process, bounded in memory: a flood of
//! new usernames or addresses cannot push out the windows that are at their limit.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Mutex, PoisonError},
    time::Duration,
};

use super::{LoginKeys, LoginLimits, Refused, Reserved, WindowKey};
use crate::clock::now_millis;

/// Sliding windows of reserved attempts in this process, bounded in size: at most
/// [`CAPACITY`] windows, each at most as long as its limit needs, expired ones swept.
///
/// A refused attempt creates no window, so refusals cannot crowd out the windows that
/// refuse. When the map is full, room is made by dropping windows that are not at their
/// limit, least recently used first; a full window is never dropped, and when nothing
/// can be dropped a new key is refused (fail closed) rather than a limit forgotten.
pub(crate) struct MemoryWindows {
    map: Mutex<Windows>,
}

#[derive(Default)]
struct Windows {
    windows: HashMap<WindowKey, Window>,
    ops: u64,
}

/// One window: `(unix millis, attempt id)`, oldest first.
struct Window {
    times: VecDeque<(i64, u64)>,
    span: i64,
    /// The count at which it refuses (hard) or is merely trimmed (soft).
    limit: usize,
    hard: bool,
}

impl Window {
    fn prune(&mut self, now: i64) {
        while self
            .times
            .front()
            .is_some_and(|(t, _)| *t <= now - self.span)
        {
            self.times.pop_front();
        }
    }

    fn full(&self) -> bool {
        self.hard && self.times.len() >= self.limit
    }

    fn newest(&self) -> i64 {
        self.times.back().map_or(i64::MIN, |(t, _)| *t)
    }
}

/// Windows kept at most by the memory backend (a few hundred bytes each).
#[cfg(not(test))]
pub(crate) const CAPACITY: usize = 250_000;
/// Small in unit tests, so that filling it is quick.
#[cfg(test)]
pub(crate) const CAPACITY: usize = 2_000;

/// Entries a soft window keeps beyond its limit: enough to compute the delay.
const SOFT_EXTRA: usize = 32;

/// How often (in reservations) expired windows are swept.
const SWEEP_EVERY: u64 = 4096;

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Windows {
    fn sweep(&mut self, now: i64) {
        self.windows.retain(|_, w| {
            w.prune(now);
            !w.times.is_empty()
        });
    }

    /// Room for `needed` new windows: expired ones swept, then windows not at their
    /// limit dropped, least recently used first, down to nine tenths of the capacity.
    fn make_room(&mut self, now: i64, needed: usize) -> bool {
        if self.windows.len() + needed <= CAPACITY {
            return true;
        }
        self.sweep(now);
        if self.windows.len() + needed <= CAPACITY {
            return true;
        }
        let mut droppable: Vec<(i64, WindowKey)> = self
            .windows
            .iter()
            .filter(|(_, w)| !w.full())
            .map(|(k, w)| (w.newest(), *k))
            .collect();
        droppable.sort_unstable();
        let target = (CAPACITY / 10 * 9).saturating_sub(needed);
        for (_, k) in droppable {
            if self.windows.len() <= target {
                break;
            }
            self.windows.remove(&k);
        }
        self.windows.len() + needed <= CAPACITY
    }
}

impl MemoryWindows {
    pub(crate) fn new() -> Self {
        Self {
            map: Mutex::default(),
        }
    }

    /// Checks the hard limits and counts the attempt in every window, as one step.
    pub(crate) fn reserve(
        &self,
        keys: &LoginKeys,
        limits: &LoginLimits,
        id: u64,
    ) -> Result<Reserved, Refused> {
        let now = now_millis();
        let spec = [
            (keys.pair, limits.pair, true),
            (keys.address, limits.address, true),
            (keys.user, limits.user, false),
        ];
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.ops += 1;
        if map.ops.is_multiple_of(SWEEP_EVERY) {
            map.sweep(now);
        }
        let mut counts = [0u64; 3];
        let mut wait = 0i64;
        let mut missing = 0;
        for (i, (k, rate, hard)) in spec.iter().enumerate() {
            let Some(rate) = rate else { continue };
            let Some(w) = map.windows.get_mut(k) else {
                missing += 1;
                continue;
            };
            w.prune(now);
            counts[i] = w.times.len() as u64;
            let limit = rate.count as usize;
            if *hard && w.times.len() >= limit {
                // The entry whose expiry brings the count below the limit.
                if let Some((t, _)) = w.times.get(w.times.len() - limit) {
                    wait = wait.max(t.saturating_add(w.span) - now);
                }
            }
        }
        if wait > 0 {
            return Err(Refused::Limit(Duration::from_millis(
                u64::try_from(wait).unwrap_or(0),
            )));
        }
        if missing > 0 && !map.make_room(now, missing) {
            return Err(Refused::Full);
        }
        for (k, rate, hard) in spec {
            let Some(rate) = rate else { continue };
            let w = map.windows.entry(k).or_insert_with(|| Window {
                times: VecDeque::new(),
                span: millis(rate.period()),
                limit: rate.count as usize,
                hard,
            });
            w.times.push_back((now, id));
            if !hard {
                while w.times.len() > w.limit + SOFT_EXTRA {
                    w.times.pop_front();
                }
            }
        }
        Ok(Reserved {
            pair_failures: counts[0],
            user_failures: counts[2],
        })
    }

    /// Gives a reservation back.
    pub(crate) fn release(&self, keys: &LoginKeys, id: u64) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        for k in [keys.pair, keys.address, keys.user] {
            if let Some(w) = map.windows.get_mut(&k) {
                w.times.retain(|(_, i)| *i != id);
                if w.times.is_empty() {
                    map.windows.remove(&k);
                }
            }
        }
    }

    /// Windows held (for tests of the bound).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .windows
            .len()
    }
}
