//! The middleware that gives every request the [`AuthContext`], answers errors below
//! it as JSON, clears a stale session cookie and hardens every response.

use std::future::{ready, Future};

use futures_util::{future::Either, FutureExt};
use poem::{error::ResponseError, Endpoint, IntoResponse, Middleware, Request, Response};

use crate::{
    context::AuthContext,
    extract::{PrincipalSlot, RequestAuth},
};

impl AuthContext {
    /// The middleware that makes this context available to every request.
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.clone())
    }
}

/// Middleware that gives every request the [`AuthContext`]. Secured operations fail
/// closed (500, logged) without it.
///
/// It also answers every error below it with a JSON body (see
/// [`json_error`](crate::error::json_error)), clears a stale session cookie, and adds
/// the headers of [`headers::harden`](crate::headers::harden) to every response.
///
/// ```no_run
/// # async fn demo(ctx: auth_runtime::AuthContext) {
/// use poem::{EndpointExt, Route};
/// let app = Route::new().with(ctx.layer());
/// # }
/// ```
#[derive(Clone)]
pub struct AuthLayer(AuthContext);

impl AuthLayer {
    /// Wraps a context.
    pub fn new(ctx: AuthContext) -> Self {
        Self(ctx)
    }
}

impl<E: Endpoint> Middleware<E> for AuthLayer {
    type Output = AuthEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        AuthEndpoint {
            inner: ep,
            ctx: self.0.clone(),
        }
    }
}

/// The endpoint [`AuthLayer`] produces.
pub struct AuthEndpoint<E> {
    inner: E,
    ctx: AuthContext,
}

impl<E: Endpoint> Endpoint for AuthEndpoint<E> {
    type Output = Response;

    fn call(&self, req: Request) -> impl Future<Output = poem::Result<Self::Output>> + Send {
        around(&self.ctx, req, |req| self.inner.call(req))
    }
}

/// What [`AuthLayer`] does around `next`: refuse a NUL in the URI, give the request
/// the context, then answer errors as JSON, clear a stale session cookie and harden
/// the response.
///
/// Combinators, not an `async fn`: this future then holds `next`'s and little else. An
/// `async fn` would also keep the request, an `async` block a second copy of `next`'s
/// future, and every layer above copies all of it on every request.
pub(crate) fn around<'a, F, T>(
    ctx: &'a AuthContext,
    mut req: Request,
    next: impl FnOnce(Request) -> F,
) -> impl Future<Output = poem::Result<Response>> + Send + 'a
where
    F: Future<Output = poem::Result<T>> + Send + 'a,
    T: IntoResponse + 'a,
{
    if encodes_nul(req.uri()) {
        let mut resp =
            crate::input::InputError::Malformed(crate::input::NULL_CHARACTERS.into()).as_response();
        crate::headers::harden(&mut resp);
        return Either::Left(ready(Ok(resp)));
    }
    // Only a request with cookies can carry a stale session cookie to clear: the others
    // skip the watch (a task-local swapped in and out at every poll).
    let cookies = req.headers().contains_key(poem::http::header::COOKIE);
    let secure = cookies && crate::session::secure_for(&req, ctx);
    req.extensions_mut().insert(RequestAuth {
        ctx: ctx.clone(),
        slot: PrincipalSlot::default(),
    });
    Either::Right(if cookies {
        Either::Left(
            crate::session::watch_stale_cookie(next(req))
                .then(move |(result, clear)| finish(ctx, result, clear, secure)),
        )
    } else {
        Either::Right(next(req).then(move |result| finish(ctx, result, false, false)))
    })
}

/// The response: errors as JSON, a stale session cookie cleared, headers hardened.
async fn finish<T: IntoResponse>(
    ctx: &AuthContext,
    result: poem::Result<T>,
    clear: bool,
    secure: bool,
) -> poem::Result<Response> {
    let mut resp = match result {
        Ok(resp) => resp.into_response(),
        // Boxed: a rare path whose future would otherwise weigh on every request's.
        Err(e) => Box::pin(crate::error::json_error(e)).await,
    };
    if clear && !sets_session_cookie(&resp) {
        crate::session::clearing(ctx, secure).apply(&mut resp);
    }
    crate::headers::harden(&mut resp);
    Ok(resp)
}

/// Whether the path or query carries `%00`: text with a NUL is refused everywhere
/// alike, whatever the handler and the database would make of it.
fn encodes_nul(uri: &poem::http::Uri) -> bool {
    uri.path_and_query()
        .is_some_and(|pq| pq.as_str().as_bytes().windows(3).any(|w| w == b"%00"))
}

/// Whether the response already sets the session cookie (a login or logout).
fn sets_session_cookie(resp: &Response) -> bool {
    resp.headers()
        .get_all(poem::http::header::SET_COOKIE)
        .iter()
        .any(|v| {
            v.as_bytes()
                .starts_with(crate::session::SESSION_COOKIE.as_bytes())
        })
}
