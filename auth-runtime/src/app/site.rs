//! An application's two kinds of routes: the API's operations, and beside them the
//! document and Swagger UI. Nearly every request is the API's: it goes straight to the
//! API's own router, without meeting a second router in front of it (which would match
//! the path once more and rebuild the URI).

use std::future::Future;

use futures_util::{future::Either, FutureExt};
use poem::{endpoint::BoxEndpoint, Endpoint, IntoResponse, Request, Response};

/// Where the OpenAPI document is served.
pub(crate) const SPEC_PATH: &str = "/openapi.json";

/// Sends requests under `docs_path` (Swagger UI) and [`SPEC_PATH`] to `docs`, and
/// every other request to `api`.
pub(crate) struct Site<A, D> {
    pub(crate) api: A,
    pub(crate) docs: D,
    pub(crate) docs_path: Option<&'static str>,
}

/// Whether `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl<A: Endpoint, D: Endpoint> Endpoint for Site<A, D> {
    type Output = Response;

    fn call(&self, req: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        let path = req.uri().path();
        if under(path, SPEC_PATH) || self.docs_path.is_some_and(|docs| under(path, docs)) {
            Either::Left(
                self.docs
                    .call(req)
                    .map(|r| r.map(IntoResponse::into_response)),
            )
        } else {
            Either::Right(
                self.api
                    .call(req)
                    .map(|r| r.map(IntoResponse::into_response)),
            )
        }
    }
}

/// The API's routes: the service's own, or others served in their place
/// ([`App::routes`](super::App::routes)). Not boxed in the usual case: a box costs
/// every request an allocation and a copy of its future.
pub(crate) enum Api<S> {
    Service(S),
    Routes(BoxEndpoint<'static>),
}

impl<S: Endpoint> Endpoint for Api<S> {
    type Output = Response;

    fn call(&self, req: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        match self {
            Api::Service(api) => {
                Either::Left(api.call(req).map(|r| r.map(IntoResponse::into_response)))
            }
            Api::Routes(routes) => Either::Right(routes.call(req)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::under;

    #[test]
    fn prefixes_match_whole_segments() {
        assert!(under("/docs", "/docs"));
        assert!(under("/docs/index.css", "/docs"));
        assert!(!under("/docsx", "/docs"));
        assert!(under("/openapi.json", "/openapi.json"));
        assert!(!under("/openapi.jsonx", "/openapi.json"));
    }
}
