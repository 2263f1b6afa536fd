//! Password hashing and validation.

use serde::{Deserialize, Serialize};

/// argon2id cost and the password validators.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    /// argon2 memory in KiB (OWASP: 19456 = 19 MiB).
    pub argon2_memory_kib: u32,
    /// argon2 iterations (OWASP: 2).
    pub argon2_iterations: u32,
    /// argon2 lanes (OWASP: 1).
    pub argon2_parallelism: u32,
    /// How many hashes may run at once; the rest wait. Default: one per CPU.
    pub max_concurrent_hashes: Option<usize>,
    /// Run the hashing threads under Linux's `SCHED_IDLE` policy (default): a request
    /// worker that wakes takes the core from a hash at once, so a login storm adds
    /// almost nothing to request latency; a quiet server still hashes on every core.
    /// `false` uses `hash_thread_nice` instead. Ignored elsewhere than Linux.
    pub hash_thread_idle: bool,
    /// With `hash_thread_idle = false`: how much lower than the request workers' the
    /// hashing threads' OS scheduling priority is, as a nice increment (0 to 19;
    /// Linux). Default 19, the lowest.
    pub hash_thread_nice: i32,
    /// While the request workers are busy more than a quarter of the time, run one hash
    /// at a time, each followed by a pause three times as long (default): reads keep
    /// their latency during a login storm, and logins slow down (to one hash every four
    /// hash times) only while reads keep the server busy. A quiet server, or
    /// logins alone, still hash on every core.
    pub hash_pacing: bool,
    /// Minimum password length (Django's default: 8).
    pub min_length: usize,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: None,
            hash_thread_idle: true,
            hash_thread_nice: 19,
            hash_pacing: true,
            min_length: 8,
        }
    }
}
