//! The threads that hash passwords: as many as hashes may run at once, at a lower OS
//! scheduling priority than the runtime's workers. A login storm then takes only the
//! CPU that requests leave idle, and a quiet server still hashes at full speed on
//! every core (the scheduler gives an idle core to any thread, whatever its priority).

use std::sync::Arc;

use super::{pacing::Pacing, HashError};
use crate::settings::PasswordSettings;

/// How far below the request workers the hashing threads run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Priority {
    /// Linux's `SCHED_IDLE`: preempted as soon as a normal thread wants the core.
    /// A nice value alone still lets a hash finish its time slice first, which is
    /// what a request waiting behind it sees in its p99.
    Idle,
    /// A nice increment (0 to 19).
    Nice(i32),
}

impl Priority {
    pub(super) fn of(s: &PasswordSettings) -> Self {
        if s.hash_thread_idle {
            Self::Idle
        } else {
            Self::Nice(s.hash_thread_nice)
        }
    }
}

/// A fixed pool of low-priority hashing threads.
pub(super) struct HashPool {
    pool: rayon_core::ThreadPool,
    pacing: Arc<Pacing>,
}

impl HashPool {
    /// `threads` threads at `priority` (Linux; elsewhere the priority is left alone),
    /// stepping back while the calling runtime's workers are busy when `pace` is set
    /// (see [`Pacing`]).
    pub(super) fn new(threads: usize, priority: Priority, pace: bool) -> Result<Self, HashError> {
        let pool = rayon_core::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("argon2-{i}"))
            .start_handler(move |_| lower_priority(priority))
            .panic_handler(|_| tracing::error!("a password hash panicked"))
            .build()
            .map_err(|e| HashError(e.to_string()))?;
        Ok(Self {
            pool,
            pacing: Arc::new(Pacing::new(pace)),
        })
    }

    /// Runs `job` on a hashing thread and waits for its result without blocking the
    /// runtime. The job runs to its end even if the caller stops waiting.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let pacing = self.pacing.clone();
        self.pool.spawn(move || {
            pacing.run(job, |out| {
                let _ = tx.send(out);
            });
        });
        rx.await
            .map_err(|_| HashError("the hashing thread stopped".into()))
    }

    /// The scheduling policy and nice value of one of the pool's threads, as Linux
    /// reports them.
    #[cfg(all(test, target_os = "linux"))]
    async fn probe(&self) -> Option<(thread_priority::ThreadSchedulePolicy, i32)> {
        self.run(|| {
            let policy = thread_priority::thread_schedule_policy().ok()?;
            let nice = rustix::process::getpriority_process(Some(rustix::thread::gettid())).ok()?;
            Some((policy, nice))
        })
        .await
        .ok()
        .flatten()
    }
}

/// Lowers the calling thread's scheduling priority (lowering needs no privilege).
fn lower_priority(priority: Priority) {
    #[cfg(target_os = "linux")]
    {
        let lowered = match priority {
            Priority::Idle => {
                use thread_priority::{
                    NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
                };
                thread_priority::set_thread_priority_and_policy(
                    thread_priority::thread_native_id(),
                    ThreadPriority::Min,
                    ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
                )
                .map_err(|e| format!("{e:?}"))
            }
            Priority::Nice(nice) if nice > 0 => {
                use rustix::process::{getpriority_process, setpriority_process};
                // With a thread id, PRIO_PROCESS reads and sets that thread's nice value only.
                let me = Some(rustix::thread::gettid());
                getpriority_process(me)
                    .and_then(|current| {
                        setpriority_process(me, current.saturating_add(nice).min(19))
                    })
                    .map_err(|e| e.to_string())
            }
            Priority::Nice(_) => Ok(()),
        };
        if let Err(e) = lowered {
            tracing::warn!(error = %e, "could not lower the priority of a hashing thread");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = priority;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use thread_priority::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};

    #[tokio::test]
    async fn hashing_threads_run_under_sched_idle_by_default() {
        let pool = HashPool::new(1, Priority::of(&PasswordSettings::default()), true).unwrap();
        let (policy, _) = pool.probe().await.unwrap();
        assert_eq!(
            policy,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle)
        );
    }

    #[tokio::test]
    async fn with_idle_off_they_run_nicer_than_the_caller() {
        let settings = PasswordSettings {
            hash_thread_idle: false,
            ..PasswordSettings::default()
        };
        let mine = rustix::process::getpriority_process(None).unwrap();
        let pool = HashPool::new(1, Priority::of(&settings), true).unwrap();
        let (policy, nice) = pool.probe().await.unwrap();
        assert_eq!(
            policy,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other)
        );
        assert_eq!(nice, (mine + 19).min(19));
    }
}
