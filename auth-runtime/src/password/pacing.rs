//! Hashing that steps back while the request workers are busy.
//!
//! `SCHED_IDLE` gives a core to a request worker as soon as it wakes, but a hash still
//! fills every moment a worker waits (on the network, on the other core), and each
//! wake-up then costs a context switch and caches that 19 MiB of argon2 memory evicted:
//! reads served during a login storm see it in their p99. So while the runtime's workers
//! were busy more than a quarter of the last 50 milliseconds, one hash runs at a time, and
//! after each the next waits three times as long as it took. A quiet server, or a storm
//! of logins alone, still hashes on every core.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// Busier than this share of the workers' time, hashing steps back. Logins alone keep
/// the workers a few percent busy (they wait on the database and the hash); reads at a
/// quarter of what the server can serve already feel a hash in their p99.
const BUSY: f64 = 0.25;

/// While the workers are busy, the pause after a hash, in hashes: one core hashes a
/// quarter of the time.
const PAUSE: u32 = 3;

/// The load is measured over at least this long: tokio adds a worker's busy time up
/// when it parks or every 61 polls, so a shorter window could see none.
const WINDOW: Duration = Duration::from_millis(50);

/// What the last measurement saw.
struct Sample {
    at: Instant,
    busy_total: Duration,
    busy: bool,
}

/// Measures the runtime's load and paces hashes by it.
pub(super) struct Pacing {
    runtime: Option<tokio::runtime::Handle>,
    last: Mutex<Sample>,
    /// Held by the one hash allowed while the workers are busy, and by its pause.
    solo: Mutex<()>,
}

impl Pacing {
    /// Pacing by the load of the runtime this is called from; `None` (no runtime, or
    /// `enabled` false) never steps back.
    pub(super) fn new(enabled: bool) -> Self {
        let runtime = enabled
            .then(tokio::runtime::Handle::try_current)
            .and_then(Result::ok);
        Self {
            last: Mutex::new(Sample {
                at: Instant::now(),
                busy_total: runtime.as_ref().map_or(Duration::ZERO, busy_total),
                busy: false,
            }),
            runtime,
            solo: Mutex::new(()),
        }
    }

    /// Whether the workers were busy more than [`BUSY`] of the time since the last look
    /// (looked at again once [`WINDOW`] has passed).
    pub(super) fn busy(&self) -> bool {
        let Some(runtime) = &self.runtime else {
            return false;
        };
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let wall = now.duration_since(last.at);
        if wall < WINDOW {
            return last.busy;
        }
        let total = busy_total(runtime);
        let workers = runtime.metrics().num_workers().max(1);
        let share = total.saturating_sub(last.busy_total).as_secs_f64()
            / (wall.as_secs_f64() * workers as f64);
        *last = Sample {
            at: now,
            busy_total: total,
            busy: share > BUSY,
        };
        last.busy
    }

    /// Runs `hash`, then `after` with its result; while the workers are busy, alone,
    /// and followed by a pause of [`PAUSE`] times the hash (after `after`, so the caller
    /// does not wait for it).
    pub(super) fn run<T>(&self, hash: impl FnOnce() -> T, after: impl FnOnce(T)) {
        if !self.busy() {
            after(hash());
            return;
        }
        let _solo = self.solo.lock().unwrap_or_else(PoisonError::into_inner);
        let started = Instant::now();
        after(hash());
        if self.busy() {
            std::thread::sleep(started.elapsed() * PAUSE);
        }
    }
}

/// The time every worker of `runtime` has spent busy, summed.
fn busy_total(runtime: &tokio::runtime::Handle) -> Duration {
    #[cfg(target_has_atomic = "64")]
    {
        let metrics = runtime.metrics();
        (0..metrics.num_workers())
            .map(|w| metrics.worker_total_busy_duration(w))
            .sum()
    }
    // Without 64-bit atomics tokio keeps no such count: never busy.
    #[cfg(not(target_has_atomic = "64"))]
    {
        let _ = runtime;
        Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    /// Keeps both workers of `rt` busy for `how_long`, as a server's are: many short
    /// polls (tokio adds a worker's busy time up between batches of polls).
    fn load(rt: &tokio::runtime::Runtime, how_long: Duration) {
        for _ in 0..4 {
            rt.spawn(async move {
                let until = Instant::now() + how_long;
                while Instant::now() < until {
                    let poll = Instant::now() + Duration::from_micros(100);
                    while Instant::now() < poll {
                        std::hint::spin_loop();
                    }
                    tokio::task::yield_now().await;
                }
            });
        }
    }

    #[test]
    fn busy_workers_are_seen_and_idle_ones_are_not() {
        let rt = runtime();
        let pacing = rt.block_on(async { Pacing::new(true) });
        std::thread::sleep(WINDOW * 2);
        assert!(!pacing.busy(), "an idle runtime is not busy");

        load(&rt, Duration::from_millis(300));
        std::thread::sleep(WINDOW * 2);
        assert!(pacing.busy(), "workers busy the whole window are busy");
        std::thread::sleep(Duration::from_millis(250));
        pacing.busy(); // a window that ends with the load
        std::thread::sleep(WINDOW * 2);
        assert!(!pacing.busy(), "the load has ended");

        let off = rt.block_on(async { Pacing::new(false) });
        load(&rt, Duration::from_millis(100));
        std::thread::sleep(Duration::from_millis(150));
        assert!(!off.busy(), "pacing turned off never steps back");
    }

    #[test]
    fn while_busy_one_hash_runs_at_a_time_and_the_caller_has_its_result_before_the_pause() {
        let rt = runtime();
        let pacing = Arc::new(rt.block_on(async { Pacing::new(true) }));
        load(&rt, Duration::from_millis(3000));
        let deadline = Instant::now() + Duration::from_secs(2);
        while !pacing.busy() {
            assert!(
                Instant::now() < deadline,
                "the loaded runtime never looked busy"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let waited = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (pacing, running, most, waited) = (
                    pacing.clone(),
                    running.clone(),
                    most.clone(),
                    waited.clone(),
                );
                std::thread::spawn(move || {
                    let asked = Instant::now();
                    pacing.run(
                        || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            running.fetch_sub(1, Ordering::SeqCst);
                        },
                        |()| waited.lock().unwrap().push(asked.elapsed()),
                    );
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            1,
            "hashes overlapped while busy"
        );
        let mut waited = waited.lock().unwrap().clone();
        waited.sort();
        // The first has its result after its own hash; the second after the first's
        // hash, its pause (150 ms) and its own hash: 250 ms, less the head start the
        // first thread may have had (without the pause, 100 ms).
        assert!(waited[0] < Duration::from_millis(100), "{waited:?}");
        assert!(waited[1] >= Duration::from_millis(230), "{waited:?}");
    }
}
