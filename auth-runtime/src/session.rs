//! Server-side sessions: login, logout and the signed session cookie.
//!
//! The cookie carries a random 256-bit key, signed with a key derived from the
//! server secret; the database keeps only the key's SHA-256 digest, so a dump of the
//! sessions table cannot be replayed. Login replaces any session the request already
//! had (session fixation); logout deletes the session server-side.

use cookie::{Cookie, CookieJar, SameSite};
use poem::{http::header, Request};

use crate::{
    context::AuthContext, csrf, error::AuthError, principal::User, secret, store::StoreError,
};

/// The session cookie's name (Django's), also its name in the OpenAPI document.
pub const SESSION_COOKIE: &str = "sessionid";

/// What the request's session cookie says.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionCookie {
    /// No session cookie.
    Absent,
    /// A cookie whose signature does not verify.
    Forged,
    /// A correctly signed session key (the session may still be expired or deleted).
    Key(String),
}

/// Reads and verifies the session cookie.
pub fn read_cookie(req: &Request, ctx: &AuthContext) -> SessionCookie {
    let raw = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim_matches('"'));
    let Some(raw) = raw else {
        return SessionCookie::Absent;
    };
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::new(SESSION_COOKIE, raw.to_owned()));
    match jar.signed(ctx.cookie_key()).get(SESSION_COOKIE) {
        Some(c) => SessionCookie::Key(c.value().to_owned()),
        None => SessionCookie::Forged,
    }
}

fn cookie_base(
    ctx: &AuthContext,
    name: &'static str,
    value: String,
) -> cookie::CookieBuilder<'static> {
    let s = &ctx.settings().session;
    let same_site = match s.cookie_samesite.as_str() {
        "Strict" => SameSite::Strict,
        "None" => SameSite::None,
        _ => SameSite::Lax,
    };
    let mut b = Cookie::build((name, value))
        .path("/")
        .secure(s.cookie_secure || same_site == SameSite::None)
        .same_site(same_site);
    if let Some(d) = &s.cookie_domain {
        b = b.domain(d.clone());
    }
    b
}

/// `Set-Cookie` values that a login or logout response must carry.
#[derive(Debug, Default)]
pub struct SetCookies(pub Vec<String>);

impl SetCookies {
    /// Adds them to a response.
    pub fn apply(self, resp: &mut poem::Response) {
        for c in self.0 {
            if let Ok(v) = poem::http::HeaderValue::from_str(&c) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
}

/// Starts a session for `user` and returns the cookies to set. A session the request
/// already carried is deleted first, so the id always changes at login.
pub async fn login(
    ctx: &AuthContext,
    req: &Request,
    user: &User,
) -> Result<SetCookies, StoreError> {
    if let SessionCookie::Key(old) = read_cookie(req, ctx) {
        ctx.store().delete_session(&secret::digest(&old)).await?;
    }
    let key = secret::random_urlsafe(32);
    let age = ctx.settings().session.cookie_age;
    ctx.store()
        .create_session(&secret::digest(&key), user.id, age)
        .await?;
    let max_age = cookie::time::Duration::seconds(i64::try_from(age).unwrap_or(i64::MAX));

    let mut jar = CookieJar::new();
    jar.signed_mut(ctx.cookie_key()).add(
        cookie_base(ctx, SESSION_COOKIE, key.clone())
            .http_only(true)
            .max_age(max_age),
    );
    jar.add(
        cookie_base(
            ctx,
            csrf::CSRF_COOKIE,
            csrf::token_for(ctx.csrf_key(), &key),
        )
        .max_age(max_age),
    );
    Ok(SetCookies(jar.delta().map(|c| c.to_string()).collect()))
}

/// Deletes the request's session server-side and returns cookies that clear it.
pub async fn logout(ctx: &AuthContext, req: &Request) -> Result<SetCookies, StoreError> {
    if let SessionCookie::Key(key) = read_cookie(req, ctx) {
        ctx.store().delete_session(&secret::digest(&key)).await?;
    }
    let mut jar = CookieJar::new();
    for name in [SESSION_COOKIE, csrf::CSRF_COOKIE] {
        jar.add_original(Cookie::new(name, ""));
        jar.remove(cookie_base(ctx, name, String::new()).build());
    }
    Ok(SetCookies(jar.delta().map(|c| c.to_string()).collect()))
}

/// The session scheme's check of one request (used by [`crate::schemes::Session`]).
pub(crate) async fn authenticate(
    req: &Request,
    ctx: &AuthContext,
) -> Result<Option<(User, String)>, AuthError> {
    let key = match read_cookie(req, ctx) {
        SessionCookie::Absent => return Ok(None),
        SessionCookie::Forged => return Err(invalid_session()),
        SessionCookie::Key(k) => k,
    };
    match ctx.store().session_user(&secret::digest(&key)).await {
        Ok(Some(user)) => Ok(Some((user, key))),
        Ok(None) => Err(invalid_session()),
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            Err(AuthError::Unavailable)
        }
    }
}

fn invalid_session() -> AuthError {
    AuthError::failed("Invalid or expired session.", "session_invalid")
}
