//! Request-body limits: a size cap that, unlike poem's `SizeLimit`, also holds for
//! requests without `Content-Length` (chunked uploads are read up to the cap), and a
//! deadline for the body to arrive, so that a client sending it a byte at a time
//! cannot hold a connection and a task for ever.

use std::{
    future::{ready, Future},
    time::Duration,
};

use futures_util::future::Either;

use poem::{
    http::{header, StatusCode},
    Body, Endpoint, Error, Middleware, Request, Result,
};

/// Refuses bodies over `max_body` bytes (413) or slower than `body_timeout` to arrive
/// (408). The body is read into memory before the handler runs.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::limits::RequestLimits;
/// use poem::{handler, http::StatusCode, test::TestClient, EndpointExt, Route};
/// #[handler]
/// fn echo(body: String) -> String { body }
/// let app = Route::new().at("/", echo).with(RequestLimits::new(8));
/// let client = TestClient::new(app);
/// client.post("/").body("short").send().await.assert_status_is_ok();
/// client.post("/").body("far too long").send().await.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    max_body: usize,
    body_timeout: Duration,
}

impl RequestLimits {
    /// At most `max_body` bytes, arriving within 30 seconds.
    pub fn new(max_body: usize) -> Self {
        Self {
            max_body,
            body_timeout: Duration::from_secs(30),
        }
    }

    /// Replaces the deadline for the body.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }
}

impl<E: Endpoint> Middleware<E> for RequestLimits {
    type Output = RequestLimitsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestLimitsEndpoint {
            inner,
            limits: *self,
        }
    }
}

/// The endpoint [`RequestLimits`] produces.
pub struct RequestLimitsEndpoint<E> {
    inner: E,
    limits: RequestLimits,
}

fn too_large() -> Error {
    Error::from_string("Request body is too large.", StatusCode::PAYLOAD_TOO_LARGE)
}

impl<E: Endpoint> Endpoint for RequestLimitsEndpoint<E> {
    type Output = E::Output;

    fn call(&self, req: Request) -> impl Future<Output = Result<Self::Output>> + Send {
        within(self.limits, req, |req| self.inner.call(req))
    }
}

/// Calls `next` with `req` once its body is read within `limits`. Not an `async fn`:
/// a request without a body goes to `next` at once, and this future holds nothing
/// but `next`'s; one with a body is read by a boxed future of its own.
pub(crate) fn within<'a, F, T>(
    limits: RequestLimits,
    mut req: Request,
    next: impl FnOnce(Request) -> F + Send + 'a,
) -> impl Future<Output = Result<T>> + Send + 'a
where
    F: Future<Output = Result<T>> + Send + 'a,
    T: Send + 'a,
{
    let max = limits.max_body;
    let declared = req.headers().get(header::CONTENT_LENGTH);
    let body = match declared.map(|v| v.to_str().ok().and_then(|s| s.parse::<u64>().ok())) {
        Some(Some(len)) if len > max as u64 => return Either::Left(ready(Err(too_large()))),
        Some(Some(0)) => None,
        Some(Some(_)) | None => Some(req.take_body()).filter(|body| !body.is_empty()),
        Some(None) => {
            return Either::Left(ready(Err(Error::from_string(
                "Invalid Content-Length header.",
                StatusCode::BAD_REQUEST,
            ))))
        }
    };
    match body {
        None => Either::Right(Either::Left(next(req))),
        Some(body) => Either::Right(Either::Right(Box::pin(async move {
            let body = read_body(&req, body, limits).await?;
            req.set_body(body);
            next(req).await
        }))),
    }
}

/// Reads `body` into memory within the limits: 413 over the cap, 408 past the deadline,
/// 400 when the connection breaks.
async fn read_body(req: &Request, body: Body, limits: RequestLimits) -> Result<Body> {
    // Under `server::serve`, a connection sending its body slowly may be replaced when
    // the server is full.
    let progress = req
        .extensions()
        .get::<crate::server::BodyProgress>()
        .cloned();
    if let Some(p) = &progress {
        p.reading();
    }
    let read = tokio::time::timeout(limits.body_timeout, body.into_bytes_limit(limits.max_body));
    let bytes = read.await.map_err(|_| {
        Error::from_string(
            "The request body did not arrive in time.",
            StatusCode::REQUEST_TIMEOUT,
        )
    })??;
    if let Some(p) = &progress {
        p.handling();
    }
    Ok(Body::from_bytes(bytes))
}
