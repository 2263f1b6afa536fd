//! The threads that hash passwords: as many as hashes may run at once, at a lower OS
//! scheduling priority than the runtime's workers. A login storm then takes only the
//! CPU that requests leave idle, and a quiet server still hashes at full speed on
//! every core (the scheduler gives an idle core to any thread, whatever its priority).

use super::HashError;

/// A fixed pool of low-priority hashing threads.
pub(super) struct HashPool {
    pool: rayon_core::ThreadPool,
}

impl HashPool {
    /// `threads` threads whose nice value is raised by `nice` (Linux; elsewhere the
    /// priority is left alone).
    pub(super) fn new(threads: usize, nice: i32) -> Result<Self, HashError> {
        let pool = rayon_core::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("argon2-{i}"))
            .start_handler(move |_| lower_priority(nice))
            .panic_handler(|_| tracing::error!("a password hash panicked"))
            .build()
            .map_err(|e| HashError(e.to_string()))?;
        Ok(Self { pool })
    }

    /// Runs `job` on a hashing thread and waits for its result without blocking the
    /// runtime. The job runs to its end even if the caller stops waiting.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let _ = tx.send(job());
        });
        rx.await
            .map_err(|_| HashError("the hashing thread stopped".into()))
    }
}

/// Raises the calling thread's nice value by `nice`, up to 19.
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice > 0 {
        use rustix::process::{getpriority_process, setpriority_process};
        // With a thread id, PRIO_PROCESS reads and sets that thread's nice value only.
        let me = Some(rustix::thread::gettid());
        let lowered = getpriority_process(me)
            .and_then(|current| setpriority_process(me, current.saturating_add(nice).min(19)));
        if let Err(e) = lowered {
            tracing::warn!(error = %e, "could not lower the priority of a hashing thread");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}
