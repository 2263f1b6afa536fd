//! A per-process cache of credential lookups (users, sessions, API tokens, OAuth2
//! access tokens), so that an authenticated request usually costs no database round
//! trip.
//!
//! Revocation stays immediate on the instance that performs it: every store method that
//! ends a credential or changes a user drops the affected entries after its write.
//! Other instances sharing the database see the change when their entries expire, after
//! at most `credential_cache_ttl` seconds (`0` turns the cache off).
//!
//! A lookup that raced with an invalidation is not cached: every invalidation bumps an
//! epoch, and a value read under an older epoch is returned but not kept, so a logout
//! cannot be undone by a request that read the session just before it.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use moka::sync::Cache as Moka;

use crate::principal::User;

/// Entries per kind, at most.
const CAPACITY: u64 = 100_000;

/// A cached session: its user and expiry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CachedSession {
    pub(crate) user_id: i64,
    pub(crate) expires_at: i64,
}

/// A cached API token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CachedToken {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) expires_at: Option<i64>,
}

/// A cached OAuth2 access token (its user comes from the user cache).
#[derive(Debug, Clone)]
pub(crate) struct CachedAccess {
    pub(crate) id: i64,
    pub(crate) application_id: i64,
    pub(crate) client_id: String,
    pub(crate) user_id: Option<i64>,
    pub(crate) scope: String,
    pub(crate) expires_at: i64,
    pub(crate) family: String,
}

pub(crate) struct Cache {
    epoch: AtomicU64,
    pub(crate) users: Moka<i64, (User, i64)>,
    pub(crate) sessions: Moka<String, CachedSession>,
    pub(crate) tokens: Moka<String, CachedToken>,
    pub(crate) access: Moka<String, CachedAccess>,
}

fn build<K, V>(ttl: Duration) -> Moka<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Moka::builder()
        .max_capacity(CAPACITY)
        .time_to_live(ttl)
        .support_invalidation_closures()
        .build()
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            epoch: AtomicU64::new(0),
            users: build(ttl),
            sessions: build(ttl),
            tokens: build(ttl),
            access: build(ttl),
        }
    }

    /// The epoch to read under, before a database read that may fill the cache.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Whether a value read under `epoch` may be kept (nothing was invalidated since).
    pub(crate) fn still(&self, epoch: u64) -> bool {
        self.epoch.load(Ordering::Acquire) == epoch
    }

    fn bump(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// A user changed (password, active flag, staff flags, email).
    pub(crate) fn forget_user(&self, user_id: i64) {
        self.bump();
        self.users.invalidate(&user_id);
    }

    /// Every session of a user ended.
    pub(crate) fn forget_sessions_of(&self, user_id: i64) {
        self.bump();
        let _ = self
            .sessions
            .invalidate_entries_if(move |_, s| s.user_id == user_id);
    }

    pub(crate) fn forget_session(&self, digest: &str) {
        self.bump();
        self.sessions.invalidate(digest);
    }

    pub(crate) fn forget_token(&self, token_id: i64) {
        self.bump();
        let _ = self
            .tokens
            .invalidate_entries_if(move |_, t| t.id == token_id);
    }

    pub(crate) fn forget_tokens_of(&self, user_id: i64) {
        self.bump();
        let _ = self
            .tokens
            .invalidate_entries_if(move |_, t| t.user_id == user_id);
    }

    pub(crate) fn forget_access(&self, digest: &str) {
        self.bump();
        self.access.invalidate(digest);
    }

    pub(crate) fn forget_family(&self, family: &str) {
        self.bump();
        let family = family.to_owned();
        let _ = self
            .access
            .invalidate_entries_if(move |_, a| a.family == family);
    }

    pub(crate) fn forget_application(&self, application_id: i64) {
        self.bump();
        let _ = self
            .access
            .invalidate_entries_if(move |_, a| a.application_id == application_id);
    }
}
