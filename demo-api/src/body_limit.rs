//! A request-body size cap that, unlike poem's `SizeLimit`, accepts requests without
//! `Content-Length` (every `GET`, and chunked uploads, which are read up to the cap).

use poem::{
    http::{header, StatusCode},
    Body, Endpoint, Error, Middleware, Request, Result,
};

/// Refuses bodies over `max` bytes with 413.
pub(crate) struct BodyLimit {
    max: usize,
}

impl BodyLimit {
    pub(crate) fn new(max: usize) -> Self {
        Self { max }
    }
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max: self.max,
        }
    }
}

pub(crate) struct BodyLimitEndpoint<E> {
    inner: E,
    max: usize,
}

fn too_large() -> Error {
    Error::from_string("Request body is too large.", StatusCode::PAYLOAD_TOO_LARGE)
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let declared = req.headers().get(header::CONTENT_LENGTH);
        match declared.map(|v| v.to_str().ok().and_then(|s| s.parse::<u64>().ok())) {
            Some(Some(len)) if len > self.max as u64 => return Err(too_large()),
            Some(Some(_)) => {}
            Some(None) => {
                return Err(Error::from_string(
                    "Invalid Content-Length header.",
                    StatusCode::BAD_REQUEST,
                ))
            }
            None => {
                // No length given: read at most `max` bytes now, so a handler never sees
                // more than the cap.
                let body = req.take_body();
                if !body.is_empty() {
                    // 413 when over the cap, 400 when the connection breaks.
                    let bytes = body.into_bytes_limit(self.max).await?;
                    req.set_body(Body::from_bytes(bytes));
                }
            }
        }
        self.inner.call(req).await
    }
}
