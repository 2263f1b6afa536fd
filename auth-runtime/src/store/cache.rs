//! A per-process cache of credential lookups (users, sessions, API tokens, OAuth2
//! access tokens), so that an authenticated request usually costs no database round
//! trip.
//!
//! Revocation stays immediate on the instance that performs it: every store method that
//! ends a credential or changes a user drops the affected entries after its write, and
//! announces the same [`Event`]s to the other instances sharing the database (see
//! [`bus`](super::bus)), which drop them too. When that channel is down, an entry lives
//! at most `credential_cache_ttl` seconds (`0` turns the cache off).
//!
//! A lookup that raced with an invalidation is not cached: every invalidation bumps an
//! epoch, and a value read under an older epoch is returned but not kept, so a logout
//! cannot be undone by a request that read the session just before it.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use crate::{bounded::Bounded, principal::User};

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

/// What a write revoked or changed, as the cache forgets it. Other instances receive
/// the same events (see [`Event::encode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// A user changed (password, active flag, staff flags, email).
    User(i64),
    /// Every session of a user ended.
    SessionsOf(i64),
    /// One session ended (its key's digest).
    Session(String),
    /// One API token was revoked (its row id).
    Token(i64),
    /// API tokens of a user were revoked.
    TokensOf(i64),
    /// One OAuth2 access token was revoked (its digest).
    Access(String),
    /// Every OAuth2 access token of a user was revoked.
    AccessOf(i64),
    /// One OAuth2 authorization (a token family) was revoked.
    Family(String),
    /// An OAuth2 application was deleted.
    Application(i64),
    /// A grant, a revocation or a group membership changed.
    Permissions,
}

impl Event {
    /// `kind:value`, the form sent to other instances. Values are ids, hex digests and
    /// the server's own family ids: none holds a newline, the events' separator.
    pub(crate) fn encode(&self) -> String {
        match self {
            Event::User(id) => format!("user:{id}"),
            Event::SessionsOf(id) => format!("sessions-of:{id}"),
            Event::Session(digest) => format!("session:{digest}"),
            Event::Token(id) => format!("token:{id}"),
            Event::TokensOf(id) => format!("tokens-of:{id}"),
            Event::Access(digest) => format!("access:{digest}"),
            Event::AccessOf(id) => format!("access-of:{id}"),
            Event::Family(family) => format!("family:{family}"),
            Event::Application(id) => format!("application:{id}"),
            Event::Permissions => "permissions:".to_owned(),
        }
    }

    /// The event [`Event::encode`] wrote, or `None` for anything else.
    // Read by the channels, which the `postgres` and `redis` features build.
    #[cfg_attr(not(any(feature = "postgres", feature = "redis")), allow(dead_code))]
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let (kind, value) = text.split_once(':')?;
        let id = || value.parse::<i64>().ok();
        Some(match kind {
            "user" => Event::User(id()?),
            "sessions-of" => Event::SessionsOf(id()?),
            "session" => Event::Session(value.to_owned()),
            "token" => Event::Token(id()?),
            "tokens-of" => Event::TokensOf(id()?),
            "access" => Event::Access(value.to_owned()),
            "access-of" => Event::AccessOf(id()?),
            "family" => Event::Family(value.to_owned()),
            "application" => Event::Application(id()?),
            "permissions" => Event::Permissions,
            _ => return None,
        })
    }
}

pub(crate) struct Cache {
    epoch: AtomicU64,
    /// By id: the hash mixes the id's bits, which is all a sequential key needs.
    pub(crate) users: Bounded<i64, (User, i64)>,
    /// The rest by the hex digest of their secret.
    pub(crate) sessions: Bounded<String, CachedSession>,
    pub(crate) tokens: Bounded<String, CachedToken>,
    pub(crate) access: Bounded<String, CachedAccess>,
    /// The named permissions each user holds (directly or through groups).
    pub(crate) permissions: Bounded<i64, std::sync::Arc<[String]>>,
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
            users: Bounded::new(CAPACITY, ttl),
            sessions: Bounded::new(CAPACITY, ttl),
            tokens: Bounded::new(CAPACITY, ttl),
            access: Bounded::new(CAPACITY, ttl),
            permissions: Bounded::new(CAPACITY, ttl),
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

    /// Forgets what `event` made stale.
    pub(crate) fn apply(&self, event: &Event) {
        match event {
            Event::User(id) => self.forget_user(*id),
            Event::SessionsOf(id) => self.forget_sessions_of(*id),
            Event::Session(digest) => self.forget_session(digest),
            Event::Token(id) => self.forget_token(*id),
            Event::TokensOf(id) => self.forget_tokens_of(*id),
            Event::Access(digest) => self.forget_access(digest),
            Event::AccessOf(id) => self.forget_access_of(*id),
            Event::Family(family) => self.forget_family(family),
            Event::Application(id) => self.forget_application(*id),
            Event::Permissions => self.forget_permissions(),
        }
    }

    /// Forgets everything: events may have been missed (the channel that carries
    /// them from other instances was down).
    #[cfg_attr(not(any(feature = "postgres", feature = "redis")), allow(dead_code))]
    pub(crate) fn forget_all(&self) {
        self.bump();
        self.users.invalidate_all();
        self.sessions.invalidate_all();
        self.tokens.invalidate_all();
        self.access.invalidate_all();
        self.permissions.invalidate_all();
    }

    /// A user changed (password, active flag, staff flags, email).
    fn forget_user(&self, user_id: i64) {
        self.bump();
        self.users.invalidate(&user_id);
    }

    /// Every session of a user ended.
    fn forget_sessions_of(&self, user_id: i64) {
        self.bump();
        self.sessions
            .invalidate_entries_if(move |_, s| s.user_id == user_id);
    }

    fn forget_session(&self, digest: &str) {
        self.bump();
        self.sessions.invalidate(digest);
    }

    fn forget_token(&self, token_id: i64) {
        self.bump();
        self.tokens
            .invalidate_entries_if(move |_, t| t.id == token_id);
    }

    fn forget_tokens_of(&self, user_id: i64) {
        self.bump();
        self.tokens
            .invalidate_entries_if(move |_, t| t.user_id == user_id);
    }

    fn forget_access(&self, digest: &str) {
        self.bump();
        self.access.invalidate(digest);
    }

    fn forget_access_of(&self, user_id: i64) {
        self.bump();
        self.access
            .invalidate_entries_if(move |_, a| a.user_id == Some(user_id));
    }

    fn forget_family(&self, family: &str) {
        self.bump();
        let family = family.to_owned();
        self.access
            .invalidate_entries_if(move |_, a| a.family == family);
    }

    /// A grant, a revocation or a group membership changed: every permission set.
    fn forget_permissions(&self) {
        self.bump();
        self.permissions.invalidate_all();
    }

    fn forget_application(&self, application_id: i64) {
        self.bump();
        self.access
            .invalidate_entries_if(move |_, a| a.application_id == application_id);
    }
}

#[cfg(test)]
mod tests {
    use super::Event;

    #[test]
    fn events_survive_the_wire() {
        let all = [
            Event::User(1),
            Event::SessionsOf(2),
            Event::Session("ab12".into()),
            Event::Token(3),
            Event::TokensOf(4),
            Event::Access("cd34".into()),
            Event::AccessOf(5),
            Event::Family("f-6".into()),
            Event::Application(7),
            Event::Permissions,
        ];
        for e in all {
            assert_eq!(Event::decode(&e.encode()), Some(e));
        }
        assert_eq!(Event::decode("user:x"), None);
        assert_eq!(Event::decode("nonsense"), None);
    }
}
