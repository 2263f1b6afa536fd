//! The OpenAPI document and Swagger UI of a `#[secured]` API, with every path as it
//! was declared.
//!
//! poem-openapi drops a trailing slash (`/api/accounts/profile/` is routed and
//! documented as `/api/accounts/profile`). Serve the app behind poem's
//! `NormalizePath::new(TrailingSlash::Trim)` so both spellings reach the handler, and
//! serve [`ApiDocs`] so the document and Swagger UI show, and call, the declared one.

use poem::{endpoint::make_sync, web::Html, Endpoint, Request, Response};
use poem_openapi::{OpenApi, OpenApiService, Webhook};
use serde_json::Value;

use crate::policy::{Operation, SecuredApi};

/// The document and the Swagger UI page of an [`OpenApiService`], rendered once.
///
/// ```
/// use auth_runtime::{docs::ApiDocs, public, secured};
/// use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};
///
/// struct Api;
///
/// #[secured]
/// #[OpenApi]
/// impl Api {
///     #[public]
///     #[oai(path = "/health/", method = "get")]
///     async fn health(&self) -> PlainText<&'static str> { PlainText("ok") }
/// }
///
/// let docs = ApiDocs::new(&OpenApiService::new(Api, "demo", "1.0"));
/// let spec: serde_json::Value = serde_json::from_str(docs.spec()).unwrap();
/// assert!(spec["paths"]["/health/"]["get"].is_object());
/// ```
#[derive(Debug, Clone)]
pub struct ApiDocs {
    spec: String,
    swagger_html: String,
}

impl ApiDocs {
    /// Renders the document of `service` with its declared paths restored.
    pub fn new<T, W>(service: &OpenApiService<T, W>) -> Self
    where
        T: OpenApi + SecuredApi,
        W: Webhook,
    {
        let original = service.spec();
        let spec = match serde_json::from_str::<Value>(&original) {
            Ok(mut doc) => {
                restore_declared_paths(&mut doc, &T::operations());
                serde_json::to_string_pretty(&doc).unwrap_or(original.clone())
            }
            Err(_) => original.clone(),
        };
        // poem-openapi's page embeds the document as `let spec = <document>;`.
        let swagger_html = service.swagger_ui_html().replacen(
            &format!("let spec = {original};"),
            &format!("let spec = {spec};"),
            1,
        );
        Self { spec, swagger_html }
    }

    /// The document, as JSON.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// Serves the document as `application/json`.
    pub fn spec_endpoint(&self) -> impl Endpoint + 'static {
        let spec = self.spec.clone();
        make_sync(move |_| {
            Response::builder()
                .content_type("application/json")
                .body(spec.clone())
        })
    }

    /// Swagger UI, to nest under a prefix such as `/docs`. Its OAuth2 redirect page
    /// is poem-openapi's.
    pub fn swagger_ui<'a, T, W>(
        &self,
        service: &'a OpenApiService<T, W>,
    ) -> impl Endpoint + 'static + use<'a, T, W>
    where
        T: OpenApi,
        W: Webhook,
    {
        SwaggerUi {
            html: self.swagger_html.clone(),
            inner: service.swagger_ui(),
        }
    }
}

struct SwaggerUi<E> {
    html: String,
    inner: E,
}

impl<E: Endpoint> Endpoint for SwaggerUi<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if matches!(req.uri().path(), "" | "/") {
            return Ok(poem::IntoResponse::into_response(Html(self.html.clone())));
        }
        self.inner
            .call(req)
            .await
            .map(poem::IntoResponse::into_response)
    }
}

/// `/a/:id/` as poem-openapi documents it: `/a/{id}`.
fn documented_path(declared: &str) -> String {
    let mut out = String::new();
    for segment in declared.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        match segment.strip_prefix(':') {
            Some(var) => {
                out.push('{');
                out.push_str(var);
                out.push('}');
            }
            None => out.push_str(segment),
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Renames `paths` entries back to their declared form where every operation at that
/// path was declared with a trailing slash.
fn restore_declared_paths(doc: &mut Value, operations: &[&Operation]) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut renames: Vec<(String, String)> = Vec::new();
    for op in operations {
        if op.path.len() <= 1 || !op.path.ends_with('/') {
            continue;
        }
        let documented = documented_path(op.path);
        let declared = format!("{documented}/");
        let all_slashed = operations
            .iter()
            .filter(|other| documented_path(other.path) == documented)
            .all(|other| other.path.ends_with('/'));
        if all_slashed && !renames.iter().any(|(from, _)| *from == documented) {
            renames.push((documented, declared));
        }
    }
    for (from, to) in renames {
        if paths.contains_key(&to) {
            continue;
        }
        if let Some(item) = paths.remove(&from) {
            paths.insert(to, item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_paths() {
        assert_eq!(
            documented_path("/api/accounts/profile/"),
            "/api/accounts/profile"
        );
        assert_eq!(documented_path("/v1//items/:id/"), "/v1/items/{id}");
        assert_eq!(documented_path("/"), "/");
    }
}
