//! Server-side sessions: login, logout and the signed session cookie.
//!
//! The cookie carries a random 256-bit key, signed with a key derived from the
//! server secret; the database keeps only the key's SHA-256 digest, so a dump of the
//! sessions table cannot be replayed. Login refuses cross-site requests (login CSRF)
//! and replaces any session the request already had (session fixation); logout deletes
//! the session server-side.

use cookie::{Cookie, CookieJar, SameSite};
use poem::{http::header, Request};

use crate::{
    context::AuthContext,
    csrf,
    error::AuthError,
    principal::User,
    secret,
    settings::{self, CookieSecure},
    store::StoreError,
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
    // Verified without putting it in the (empty) jar first: this runs on every
    // session-authenticated request.
    let jar = CookieJar::new();
    match jar
        .signed(ctx.cookie_key())
        .verify(Cookie::new(SESSION_COOKIE, raw.to_owned()))
    {
        Some(c) => SessionCookie::Key(c.value().to_owned()),
        None => SessionCookie::Forged,
    }
}

/// Whether this request's cookies get the `Secure` flag (`session.cookie_secure`).
pub(crate) fn secure_for(req: &Request, ctx: &AuthContext) -> bool {
    let settings = ctx.settings();
    match settings.session.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => crate::net::is_https(req, settings.throttle.num_proxies),
    }
}

fn cookie_base(
    ctx: &AuthContext,
    secure: bool,
    name: &'static str,
    value: String,
) -> cookie::CookieBuilder<'static> {
    let s = &ctx.settings().session;
    let same_site = match s.cookie_samesite {
        settings::SameSite::Lax => SameSite::Lax,
        settings::SameSite::Strict => SameSite::Strict,
        settings::SameSite::None => SameSite::None,
    };
    let mut b = Cookie::build((name, value))
        .path("/")
        .secure(secure || same_site == SameSite::None)
        .same_site(same_site);
    if let Some(d) = &s.cookie_domain {
        b = b.domain(d.clone());
    }
    b
}

/// `Set-Cookie` values that a login or logout response must carry.
#[derive(Debug, Default)]
pub struct SetCookies {
    /// The `Set-Cookie` header values.
    pub cookies: Vec<String>,
    /// For a logout: whether a session was ended (false when the request carried
    /// none, or a stale one).
    pub ended: bool,
}

impl SetCookies {
    /// Adds them to a poem-openapi response, as a view returns them.
    ///
    /// ```
    /// use auth_runtime::session::SetCookies;
    /// use poem_openapi::payload::{PlainText, Response};
    /// let cookies = SetCookies { cookies: vec!["a=1".into(), "b=2".into()], ended: false };
    /// let resp = poem::IntoResponse::into_response(cookies.apply_to(Response::new(PlainText("ok"))));
    /// assert_eq!(resp.headers().get_all("set-cookie").iter().count(), 2);
    /// ```
    pub fn apply_to<T>(
        self,
        resp: poem_openapi::payload::Response<T>,
    ) -> poem_openapi::payload::Response<T> {
        self.cookies
            .into_iter()
            .fold(resp, |resp, c| resp.header(header::SET_COOKIE, c))
    }

    /// Adds them to a plain poem response.
    ///
    /// ```
    /// use auth_runtime::session::SetCookies;
    /// let mut resp = poem::Response::default();
    /// SetCookies { cookies: vec!["a=1".into()], ended: false }.apply(&mut resp);
    /// assert_eq!(resp.headers()["set-cookie"], "a=1");
    /// ```
    pub fn apply(self, resp: &mut poem::Response) {
        for c in self.cookies {
            if let Ok(v) = poem::http::HeaderValue::from_str(&c) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
}

/// Starts a session for `user` and returns the cookies to set. A session the request
/// already carried is deleted first, so the id always changes at login.
///
/// A request that a browser marks as cross-origin is refused (403 `CSRF Failed: ...`)
/// before anything changes: otherwise another site could log a victim's browser into
/// the attacker's account (login CSRF). Every way of creating a session goes through
/// here, so every login endpoint gets the check.
pub async fn login(ctx: &AuthContext, req: &Request, user: &User) -> Result<SetCookies, AuthError> {
    csrf::check_origin(req, &ctx.settings().session).map_err(AuthError::CsrfFailed)?;
    if let SessionCookie::Key(old) = read_cookie(req, ctx) {
        ctx.store().delete_session(&secret::digest(&old)).await?;
    }
    let key = secret::random_urlsafe(32);
    let age = ctx.settings().session.cookie_age;
    ctx.store()
        .create_session(&secret::digest(&key), user.id, age)
        .await?;
    let max_age = cookie::time::Duration::seconds(i64::try_from(age).unwrap_or(i64::MAX));
    let secure = secure_for(req, ctx);

    let mut jar = CookieJar::new();
    jar.signed_mut(ctx.cookie_key()).add(
        cookie_base(ctx, secure, SESSION_COOKIE, key.clone())
            .http_only(true)
            .max_age(max_age),
    );
    jar.add(
        cookie_base(
            ctx,
            secure,
            csrf::CSRF_COOKIE,
            csrf::token_for(ctx.csrf_key(), &key),
        )
        .max_age(max_age),
    );
    Ok(SetCookies {
        cookies: jar.delta().map(|c| c.to_string()).collect(),
        ended: false,
    })
}

/// Deletes the request's session server-side and returns cookies that clear it.
/// Whether a session was ended is in [`SetCookies::ended`].
pub async fn logout(ctx: &AuthContext, req: &Request) -> Result<SetCookies, StoreError> {
    let ended = match read_cookie(req, ctx) {
        SessionCookie::Key(key) => ctx.store().delete_session(&secret::digest(&key)).await?,
        SessionCookie::Absent | SessionCookie::Forged => false,
    };
    let mut cookies = clearing(ctx, secure_for(req, ctx));
    cookies.ended = ended;
    Ok(cookies)
}

/// Cookies that remove the session and CSRF cookies from the browser.
pub(crate) fn clearing(ctx: &AuthContext, secure: bool) -> SetCookies {
    let mut jar = CookieJar::new();
    for name in [SESSION_COOKIE, csrf::CSRF_COOKIE] {
        jar.add_original(Cookie::new(name, ""));
        jar.remove(cookie_base(ctx, secure, name, String::new()).build());
    }
    SetCookies {
        cookies: jar.delta().map(|c| c.to_string()).collect(),
        ended: false,
    }
}

/// The session scheme's check of one request (used by [`crate::schemes::Session`]).
/// A forged, unknown or expired cookie is no credential at all, as in Django: the
/// request goes on to the next scheme (or is anonymous), and the response clears the
/// cookie, so that an expired session does not break pages anyone may read.
pub(crate) async fn authenticate(
    req: &Request,
    ctx: &AuthContext,
) -> Result<Option<(User, String)>, AuthError> {
    let key = match read_cookie(req, ctx) {
        SessionCookie::Absent => return Ok(None),
        SessionCookie::Forged => {
            clear_session_cookie();
            return Ok(None);
        }
        SessionCookie::Key(k) => k,
    };
    match ctx.store().session_user(&secret::digest(&key)).await {
        Ok(Some(user)) => Ok(Some((user, key))),
        Ok(None) => {
            clear_session_cookie();
            Ok(None)
        }
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            Err(AuthError::Unavailable)
        }
    }
}

tokio::task_local! {
    /// Set by the session scheme when the request carried a stale session cookie, so
    /// that [`AuthLayer`](crate::layer::AuthLayer) clears it in the response.
    static CLEAR_SESSION_COOKIE: std::cell::Cell<bool>;
}

/// Asks the layer to clear the session cookie in this request's response.
fn clear_session_cookie() {
    let _ = CLEAR_SESSION_COOKIE.try_with(|c| c.set(true));
}

/// Runs `fut` (the rest of the request) and says whether it met a stale session
/// cookie that the response should clear. A combinator rather than an `async` block,
/// which would keep a second copy of `fut` in its state: the whole application's
/// future passes through here.
pub(crate) fn watch_stale_cookie<T>(
    fut: impl std::future::Future<Output = T>,
) -> impl std::future::Future<Output = (T, bool)> {
    use futures_util::FutureExt;
    // The closure runs in the poll that finishes `fut`, inside the scope.
    CLEAR_SESSION_COOKIE.scope(
        std::cell::Cell::new(false),
        fut.map(|out| (out, CLEAR_SESSION_COOKIE.with(std::cell::Cell::get))),
    )
}
