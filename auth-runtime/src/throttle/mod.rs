//! Throttling (DRF's throttle classes): request rates per anonymous client, per user or
//! per named scope, checked after authentication and permissions; and brute-force
//! protection of every password check (see [`login`](self::login) for the model).
//!
//! Rates are GCRA (a burst of `count`, then one every `period / count`), in memory
//! through `governor`, or in Redis so that several instances share them
//! (`throttle.backend = "redis"`); both check and count in one atomic step. Login
//! attempts are reserved in sliding windows, in memory or in the same Redis.

mod login;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use poem::Request;

pub use auth_grammar::rate::{Rate, RateError};

use self::login::{Gate, GateSlot, LoginKeys, LoginLimits, MemoryWindows, Refused, WindowKey};
pub use crate::net::ClientAddr;
use crate::{
    error::AuthError,
    principal::Principal,
    settings::{self, ThrottleSettings},
};

/// Whom a rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThrottleKind {
    /// Anonymous callers, by client address (DRF's `AnonRateThrottle`); others pass.
    Anon,
    /// Each user by id, anonymous callers by address (DRF's `UserRateThrottle`).
    User,
    /// A named budget shared by every operation naming it, per user or address (DRF's
    /// `ScopedRateThrottle`).
    Scope(&'static str),
}

/// One `#[throttle(...)]` rule.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ThrottleRule {
    /// Whom it counts.
    pub kind: ThrottleKind,
    /// The declared rate; `throttle.rates` in settings may replace it by name
    /// (`anon`, `user`, or the scope).
    pub rate: Rate,
}

/// How the policy table shows a rule: `user 100/minute`, `scope uploads 10/minute`.
///
/// ```
/// use auth_runtime::throttle::{Rate, ThrottleKind, ThrottleRule};
/// let r = ThrottleRule { kind: ThrottleKind::Scope("uploads"), rate: Rate::new(10, 60) };
/// assert_eq!(r.to_string(), "scope uploads 10/minute");
/// ```
impl std::fmt::Display for ThrottleRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            ThrottleKind::Anon => write!(f, "anon {}", self.rate),
            ThrottleKind::User => write!(f, "user {}", self.rate),
            ThrottleKind::Scope(s) => write!(f, "scope {s} {}", self.rate),
        }
    }
}

impl ThrottleRule {
    /// The name settings use for it.
    pub fn name(&self) -> &'static str {
        match self.kind {
            ThrottleKind::Anon => "anon",
            ThrottleKind::User => "user",
            ThrottleKind::Scope(s) => s,
        }
    }
}

enum Backend {
    Memory(memory::Memory, MemoryWindows),
    #[cfg(feature = "redis")]
    Redis(redis::Redis),
}

/// Checks rates and guards password checks. Built by [`AuthContext`](crate::context::AuthContext);
/// reach it with `ctx.throttler()`.
pub struct Throttler {
    backend: Backend,
    settings: ThrottleSettings,
    login: LoginLimits,
    address_gate: Arc<Gate<ClientAddr>>,
    user_gate: Arc<Gate<WindowKey>>,
    attempts: AtomicU64,
}

impl std::fmt::Debug for Throttler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttler")
            .field("backend", &self.settings.backend)
            .finish_non_exhaustive()
    }
}

/// Why a throttler could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ThrottleError {
    /// Redis could not be reached.
    #[error("throttle backend: {0}")]
    #[cfg(feature = "redis")]
    Redis(#[from] ::redis::RedisError),
    /// The settings name a backend this build leaves out.
    #[error("throttle.backend = \"{0}\" needs auth-runtime's `{0}` feature")]
    NotBuilt(&'static str),
}

#[cfg(feature = "redis")]
fn unavailable(e: ::redis::RedisError) -> AuthError {
    tracing::error!(error = %e, "throttle backend failed");
    AuthError::Unavailable
}

impl Throttler {
    /// A throttler for these settings (connects to Redis when configured).
    /// `hashes_at_once` is how many password hashes the hasher runs at once; half of
    /// it (at least one) is the default in-flight cap per address and per username.
    pub async fn new(
        settings: &ThrottleSettings,
        hashes_at_once: usize,
    ) -> Result<Self, ThrottleError> {
        let l = &settings.login;
        let login = LoginLimits {
            pair: l.failures_per_user_and_address,
            address: l.failures_per_address,
            user: l.failures_per_user,
            max_delay: Duration::from_secs(l.max_delay_secs),
        };
        let backend = match settings.backend {
            settings::Backend::Memory => {
                Backend::Memory(memory::Memory::default(), MemoryWindows::new())
            }
            #[cfg(feature = "redis")]
            settings::Backend::Redis => Backend::Redis(
                redis::Redis::connect(&settings.redis_url, &settings.redis_prefix).await?,
            ),
            #[cfg(not(feature = "redis"))]
            settings::Backend::Redis => return Err(ThrottleError::NotBuilt("redis")),
        };
        // Half the hashing threads: one client, or one guessed username, never takes
        // them all, and a failure that keeps its place (the progressive delay) stops
        // its sender's next attempt on a machine with few cores.
        let default_cap = (hashes_at_once / 2).max(1);
        let per_address = l.max_in_flight_per_address.unwrap_or(default_cap);
        let per_user = l.max_in_flight_per_user.unwrap_or(default_cap);
        Ok(Self {
            backend,
            login,
            address_gate: Gate::new(per_address, l.max_queued),
            user_gate: Gate::new(per_user, l.max_queued),
            attempts: AtomicU64::new(rand::random()),
            settings: settings.clone(),
        })
    }

    /// The caller as per-address limits count it: the peer, or with `num_proxies` set,
    /// the address that many hops back in `X-Forwarded-For` (DRF's `NUM_PROXIES`); an
    /// IPv6 address by its `ipv6_prefix` network.
    pub fn client_address(&self, req: &Request) -> ClientAddr {
        crate::net::client_addr(req, self.settings.num_proxies, self.settings.ipv6_prefix)
    }

    async fn hit(&self, key: &str, rate: Rate) -> Result<(), AuthError> {
        let outcome = match &self.backend {
            Backend::Memory(m, _) => m.hit(key, rate),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.hit(key, rate).await.map_err(unavailable)?,
        };
        outcome.map_err(AuthError::throttled)
    }

    /// The rate of `rule`: the one settings give its name, else the declared one.
    fn rate_of(&self, rule: &ThrottleRule) -> Rate {
        self.settings
            .rates
            .get(rule.name())
            .copied()
            .unwrap_or(rule.rate)
    }

    /// Applies one rule to a request whose caller is `principal`: checks and counts it
    /// in one atomic step.
    pub async fn check(
        &self,
        rule: &ThrottleRule,
        req: &Request,
        principal: &Principal,
    ) -> Result<(), AuthError> {
        let rate = self.rate_of(rule);
        let ident = match principal.user() {
            Some(user) => format!("user:{}", user.id),
            None => format!("addr:{}", self.client_address(req)),
        };
        let key = match rule.kind {
            ThrottleKind::Anon if principal.is_credentialed() => return Ok(()),
            ThrottleKind::Anon => format!("anon:{ident}"),
            ThrottleKind::User => format!("user:{ident}"),
            ThrottleKind::Scope(scope) => format!("scope:{scope}:{ident}"),
        };
        self.hit(&key, rate).await
    }

    /// A place among the request's client's password hashes in flight (the per-address
    /// cap of [`login`](self::login)), for a hash that checks no password (a new one,
    /// at registration or a password change); 429 when the address has too many.
    pub(crate) async fn hashing_slot(
        &self,
        req: &Request,
    ) -> Result<impl Send + 'static, AuthError> {
        let address = self.client_address(req);
        match self.address_gate.enter(address).await {
            Some(slot) => Ok(slot),
            None => {
                tracing::warn!(%address, "password hash refused: too many in flight from this address");
                Err(AuthError::throttled(login::BUSY_RETRY))
            }
        }
    }

    /// Admits a password check of `username` from the request's client, or refuses it
    /// (429) before any hashing; see [`login`](self::login) for the rules.
    pub(crate) async fn begin_login(
        &self,
        req: &Request,
        username: &str,
    ) -> Result<LoginAttempt<'_>, AuthError> {
        let address = self.client_address(req);
        let Some(address_slot) = self.address_gate.enter(address).await else {
            tracing::warn!(%address, "password check refused: too many in flight from this address");
            return Err(AuthError::throttled(login::BUSY_RETRY));
        };
        let keys = LoginKeys::new(username, &address);
        let id = self.attempts.fetch_add(1, Ordering::Relaxed);
        let reserved = match &self.backend {
            Backend::Memory(_, windows) => windows.reserve(&keys, &self.login, id),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r
                .reserve(&keys, &self.login, id)
                .await
                .map_err(unavailable)?,
        };
        let reserved = reserved.map_err(|refused| match refused {
            Refused::Limit(wait) => {
                tracing::warn!(%address, "password check refused: too many failures");
                AuthError::throttled(wait)
            }
            Refused::Full => {
                tracing::warn!(%address, "password check refused: the memory backend is full of windows at their limit");
                AuthError::throttled(login::BUSY_RETRY)
            }
        })?;
        let mut attempt = LoginAttempt {
            throttler: self,
            keys,
            id,
            slots: None,
            delay: self.login.delay(reserved.user_failures),
        };
        // An address that has not failed for this username is never refused here.
        let user_slot = if reserved.pair_failures > 0 {
            match self.user_gate.enter(keys.user()).await {
                Some(slot) => Some(slot),
                None => {
                    attempt.abandon().await;
                    tracing::warn!(%address, "password check refused: too many in flight for this username");
                    return Err(AuthError::throttled(login::BUSY_RETRY));
                }
            }
        } else {
            None
        };
        attempt.slots = Some(Slots {
            _address: address_slot,
            _user: user_slot,
        });
        Ok(attempt)
    }

    async fn release(&self, keys: &LoginKeys, id: u64) -> Result<(), AuthError> {
        match &self.backend {
            Backend::Memory(_, windows) => windows.release(keys, id),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.release(keys, id).await.map_err(unavailable)?,
        }
        Ok(())
    }
}

/// The in-flight places of a password check; kept until its hash is done, even when
/// the request is dropped first.
pub(crate) struct Slots {
    _address: GateSlot<ClientAddr>,
    _user: Option<GateSlot<WindowKey>>,
}

/// A password check admitted by [`Throttler::begin_login`]: its attempt is already
/// counted as a failure. [`succeeded`](Self::succeeded) gives the count back;
/// [`failed`](Self::failed), or dropping it (a request abandoned mid-check), keeps it.
#[must_use = "an attempt is counted as a failure unless it succeeds"]
pub(crate) struct LoginAttempt<'a> {
    throttler: &'a Throttler,
    keys: LoginKeys,
    id: u64,
    slots: Option<Slots>,
    /// How long a failure keeps its in-flight places (the progressive delay).
    delay: Duration,
}

impl LoginAttempt<'_> {
    /// The in-flight places, to hand to the hashing job.
    pub(crate) fn take_slots(&mut self) -> Option<Slots> {
        self.slots.take()
    }

    /// The password was wrong. Once the username has many failures from everywhere,
    /// the failure keeps its in-flight places (`slots`, from the hashing job) for the
    /// progressive delay, whether or not the client waits: the next guesses from that
    /// address, and from any address that failed for the username, wait that long. A
    /// right password is never delayed.
    pub(crate) fn failed(self, slots: Option<Slots>) {
        if let Some(slots) = slots.filter(|_| !self.delay.is_zero()) {
            let delay = self.delay;
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                drop(slots);
            });
        }
    }

    /// The password was right: the attempt is not a failure.
    pub(crate) async fn succeeded(self) -> Result<(), AuthError> {
        self.throttler.release(&self.keys, self.id).await
    }

    /// No password was evaluated (the store failed first): the attempt does not count.
    pub(crate) async fn abandon(&mut self) {
        if let Err(e) = self.throttler.release(&self.keys, self.id).await {
            tracing::warn!(error = %e, "could not give back a login reservation");
        }
    }
}
