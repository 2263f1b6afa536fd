//! Throttling and brute-force protection.

use std::collections::BTreeMap;

pub use auth_grammar::rate::Rate;
use serde::{Deserialize, Serialize};

/// Where throttle counts live.
///
/// ```
/// use auth_runtime::settings::Backend;
/// assert_eq!(serde_json::from_str::<Backend>("\"redis\"").unwrap(), Backend::Redis);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// This process: each instance counts alone.
    #[default]
    Memory,
    /// Redis (`throttle.redis_url`), shared by every instance.
    Redis,
}

/// Throttling (DRF's `DEFAULT_THROTTLE_RATES`, `NUM_PROXIES`) and brute-force
/// protection of password checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleSettings {
    /// Where counts live (default: this process).
    pub backend: Backend,
    /// The Redis server for `backend = "redis"`.
    pub redis_url: String,
    /// Prefix of the Redis keys, so that several applications (or test runs) can share
    /// a server.
    pub redis_prefix: String,
    /// How many proxies in front of the server append to `X-Forwarded-For`; the
    /// client's address is taken that many hops back. None: the peer address (headers
    /// can be forged by anyone when no proxy strips them).
    pub num_proxies: Option<usize>,
    /// Bits of an IPv6 address that identify a client for per-address limits: one
    /// IPv6 client usually owns a whole /64 (default 64; 128 counts each address).
    pub ipv6_prefix: u8,
    /// Rates that replace those of `#[throttle(...)]`, by name: `anon`, `user`, or a
    /// scope (`uploads = "20/minute"`). A name that no operation declares is refused
    /// at start-up (see [`policy::check`](crate::policy::check)).
    pub rates: BTreeMap<String, Rate>,
    /// Brute-force protection of every password check.
    pub login: LoginSettings,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            backend: Backend::Memory,
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_prefix: "auth".into(),
            num_proxies: None,
            ipv6_prefix: 64,
            rates: BTreeMap::new(),
            login: LoginSettings::default(),
        }
    }
}

/// Brute-force protection of password checks (see `docs/security.md` for the model):
/// hard limits per username *and* address, and per address; a soft limit per username
/// across addresses that slows attempts down but never locks the account; caps on the
/// checks in flight. Each attempt is counted before its password is hashed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginSettings {
    /// Failures of one username from one address (django-axes' default lockout key
    /// pair) after which that address is refused (429) for that username, the right
    /// password included, until the oldest failure leaves the window. None: no limit.
    pub failures_per_user_and_address: Option<Rate>,
    /// Failures from one address across every username (credential stuffing).
    pub failures_per_address: Option<Rate>,
    /// Failures of one username from every address after which each further failure
    /// keeps its in-flight places for a delay (1 s, doubling, at most
    /// `max_delay_secs`), so that guessing it slows down. Never refused; a right
    /// password is never delayed.
    pub failures_per_user: Option<Rate>,
    /// The longest progressive delay, in seconds.
    pub max_delay_secs: u64,
    /// Password checks of one address running at once; more wait in line (up to
    /// `max_queued`), the rest get 429. Default: half the hashes the hasher runs at
    /// once (at least one), so that one client never takes every hashing thread.
    pub max_in_flight_per_address: Option<usize>,
    /// The same per username, for addresses that already failed for it (the same
    /// default).
    pub max_in_flight_per_user: Option<usize>,
    /// Checks of one address (or username) that may wait for a slot.
    pub max_queued: usize,
}

impl Default for LoginSettings {
    fn default() -> Self {
        Self {
            failures_per_user_and_address: Some(Rate::new(5, 15 * 60)),
            failures_per_address: Some(Rate::new(100, 15 * 60)),
            failures_per_user: Some(Rate::new(10, 15 * 60)),
            max_delay_secs: 8,
            max_in_flight_per_address: None,
            max_in_flight_per_user: None,
            max_queued: 4,
        }
    }
}
