//! Throttling (DRF's throttle classes): request rates per anonymous client, per user or
//! per named scope, checked after authentication and permissions; and brute-force
//! protection on every password check, per username and per client address.
//!
//! Rates are GCRA (a burst of `count`, then one every `period / count`), in memory
//! through `governor`, or in Redis so that several instances share them
//! (`throttle.backend = "redis"`). Failed logins are counted in a sliding window:
//! after `count` failures within the period, every attempt is refused, the right
//! password included, until the oldest failure leaves the window.

mod memory;
mod rate;
mod redis;

use std::time::Duration;

use poem::Request;

pub use self::rate::{Rate, RateError};
use crate::{error::AuthError, principal::Principal, settings::ThrottleSettings};

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
    Memory(memory::Memory),
    Redis(redis::Redis),
}

/// Checks rates and failed logins. Built by [`AuthContext`](crate::AuthContext); reach
/// it with `ctx.throttler()`.
pub struct Throttler {
    backend: Backend,
    settings: ThrottleSettings,
    username_failures: Option<Rate>,
    address_failures: Option<Rate>,
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
    /// A rate in settings is malformed.
    #[error("throttle settings: {0}")]
    Rate(#[from] RateError),
    /// Redis could not be reached.
    #[error("throttle backend: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// Unknown backend name.
    #[error("throttle.backend must be `memory` or `redis`")]
    Backend,
}

fn parse(rate: &Option<String>) -> Result<Option<Rate>, RateError> {
    rate.as_deref().map(str::parse).transpose()
}

fn unavailable(e: ::redis::RedisError) -> AuthError {
    tracing::error!(error = %e, "throttle backend failed");
    AuthError::Unavailable
}

impl Throttler {
    /// A throttler for these settings (connects to Redis when configured).
    pub async fn new(settings: &ThrottleSettings) -> Result<Self, ThrottleError> {
        for rate in settings.rates.values() {
            rate.parse::<Rate>()?;
        }
        let backend = match settings.backend.as_str() {
            "memory" => Backend::Memory(memory::Memory::default()),
            "redis" => Backend::Redis(
                redis::Redis::connect(&settings.redis_url, &settings.redis_prefix).await?,
            ),
            _ => return Err(ThrottleError::Backend),
        };
        Ok(Self {
            username_failures: parse(&settings.login_failures_per_username)?,
            address_failures: parse(&settings.login_failures_per_address)?,
            backend,
            settings: settings.clone(),
        })
    }

    /// The caller's address: the peer, or with `num_proxies` set, the address that
    /// many hops back in `X-Forwarded-For` (DRF's `NUM_PROXIES`).
    pub fn client_address(&self, req: &Request) -> String {
        if let Some(proxies) = self.settings.num_proxies.filter(|n| *n > 0) {
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>();
            if let Some(addr) = forwarded
                .len()
                .checked_sub(proxies)
                .and_then(|i| forwarded.get(i))
            {
                return (*addr).to_owned();
            }
        }
        match req.remote_addr().as_socket_addr() {
            Some(addr) => addr.ip().to_string(),
            None => "unknown".to_owned(),
        }
    }

    async fn hit(&self, key: &str, rate: Rate) -> Result<(), AuthError> {
        let outcome = match &self.backend {
            Backend::Memory(m) => m.hit(key, rate),
            Backend::Redis(r) => r.hit(key, rate).await.map_err(unavailable)?,
        };
        outcome.map_err(AuthError::throttled)
    }

    /// Applies one rule to a request whose caller is `principal`.
    pub async fn check(
        &self,
        rule: &ThrottleRule,
        req: &Request,
        principal: &Principal,
    ) -> Result<(), AuthError> {
        let rate = match self.settings.rates.get(rule.name()) {
            Some(text) => text.parse().unwrap_or(rule.rate),
            None => rule.rate,
        };
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

    /// Before a password check: refuses (429) while `username` or `address` has too
    /// many recent failures.
    pub async fn check_login(&self, username: &str, address: &str) -> Result<(), AuthError> {
        let keys = [
            (self.username_failures, format!("username:{username}")),
            (self.address_failures, format!("address:{address}")),
        ];
        for (rate, key) in keys {
            let Some(rate) = rate else { continue };
            let wait = match &self.backend {
                Backend::Memory(m) => m.blocked(&key, rate),
                Backend::Redis(r) => r.blocked(&key, rate).await.map_err(unavailable)?,
            };
            if let Some(wait) = wait {
                tracing::warn!(%username, %address, "login refused: too many failures");
                return Err(AuthError::throttled(wait));
            }
        }
        Ok(())
    }

    /// After a failed password check.
    pub async fn record_login_failure(
        &self,
        username: &str,
        address: &str,
    ) -> Result<(), AuthError> {
        let keys = [
            (self.username_failures, format!("username:{username}")),
            (self.address_failures, format!("address:{address}")),
        ];
        for (rate, key) in keys {
            let Some(rate) = rate else { continue };
            match &self.backend {
                Backend::Memory(m) => m.record(&key, rate),
                Backend::Redis(r) => r.record(&key, rate).await.map_err(unavailable)?,
            }
        }
        Ok(())
    }
}

/// Seconds to announce in `Retry-After`: rounded up, at least one.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}
