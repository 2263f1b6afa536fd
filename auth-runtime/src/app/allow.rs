//! `405 Method Not Allowed` with the `Allow` header RFC 9110 (section 15.5.6) requires:
//! poem's router answers 405 without it.

use std::{future::Future, sync::Arc};

use futures_util::FutureExt;
use poem::{
    http::{header, HeaderValue, StatusCode},
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
};
use serde_json::Value;

/// One documented path: its segments (`None` for a parameter) and its methods.
type Route = (Vec<Option<String>>, HeaderValue);

/// Adds `Allow` to every 405, listing the methods the document declares for the
/// request's path (and `HEAD` where `GET` is, which poem serves). [`App`](super::App)
/// mounts it; mount it yourself, outside poem's `catch_all_error`, if you assemble the
/// endpoint by hand.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{app::AllowHeader, docs::ApiDocs, public, secured};
/// use poem::{http::StatusCode, test::TestClient, EndpointExt};
/// use poem_openapi::{param::Path, payload::PlainText, OpenApi, OpenApiService};
///
/// struct Api;
/// #[secured]
/// #[OpenApi]
/// impl Api {
///     #[public]
///     #[oai(path = "/items/:id/", method = "get")]
///     async fn item(&self, id: Path<u32>) -> PlainText<String> { PlainText(id.0.to_string()) }
/// }
///
/// let service = OpenApiService::new(Api, "t", "1");
/// let allow = AllowHeader::new(&ApiDocs::new(&service, &auth_runtime::Settings::default()));
/// let client = TestClient::new(service.with(allow));
/// let resp = client.delete("/items/7").send().await;
/// resp.assert_status(StatusCode::METHOD_NOT_ALLOWED);
/// resp.assert_header("allow", "GET, HEAD");
/// # });
/// ```
#[derive(Clone)]
pub struct AllowHeader {
    routes: Arc<[Route]>,
}

impl AllowHeader {
    /// The routes and methods of the document `docs` serves.
    pub fn new(docs: &crate::docs::ApiDocs) -> Self {
        let doc: Value = serde_json::from_str(docs.spec()).unwrap_or(Value::Null);
        let routes = doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(path, item)| {
                let mut methods: Vec<String> = item
                    .as_object()?
                    .keys()
                    .filter(|m| {
                        [
                            "get", "put", "post", "delete", "options", "head", "patch", "trace",
                        ]
                        .contains(&m.as_str())
                    })
                    .map(|m| m.to_ascii_uppercase())
                    .collect();
                if methods.iter().any(|m| m == "GET") && !methods.iter().any(|m| m == "HEAD") {
                    methods.push("HEAD".into());
                }
                let value = HeaderValue::from_str(&methods.join(", ")).ok()?;
                Some((segments(path), value))
            })
            .collect();
        Self { routes }
    }

    /// Adds `Allow` to a 405 answered for `path`.
    pub(crate) fn annotate(&self, resp: &mut Response, path: &str) {
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
            if let Some(methods) = self.allowed(path) {
                resp.headers_mut().insert(header::ALLOW, methods.clone());
            }
        }
    }

    fn allowed(&self, path: &str) -> Option<&HeaderValue> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.routes.iter().find_map(|(route, methods)| {
            let matches = route.len() == parts.len()
                && route
                    .iter()
                    .zip(&parts)
                    .all(|(seg, part)| seg.as_deref().is_none_or(|lit| lit == *part));
            matches.then_some(methods)
        })
    }
}

/// `/items/{id}/` as segments: `[Some("items"), None]`.
fn segments(path: &str) -> Vec<Option<String>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
        .collect()
}

impl<E: Endpoint> Middleware<E> for AllowHeader {
    type Output = AllowHeaderEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AllowHeaderEndpoint {
            inner,
            allow: self.clone(),
        }
    }
}

/// The endpoint [`AllowHeader`] makes.
pub struct AllowHeaderEndpoint<E> {
    inner: E,
    allow: AllowHeader,
}

impl<E: Endpoint> Endpoint for AllowHeaderEndpoint<E> {
    type Output = Response;

    fn call(&self, req: Request) -> impl Future<Output = Result<Response>> + Send {
        // A `Uri` clone shares its bytes: no allocation on the way of every request.
        let uri = req.uri().clone();
        self.inner.call(req).map(move |result| {
            let mut resp = match result {
                Ok(out) => out.into_response(),
                Err(e) => e.into_response(),
            };
            self.allow.annotate(&mut resp, uri.path());
            Ok(resp)
        })
    }
}
