//! The OpenAPI document and Swagger UI of a `#[secured]` API, completed from the
//! operation table and the settings: every path as it was declared, every operation's
//! `security` with its scopes (named chains too), and the OAuth2 scopes configured.
//!
//! poem-openapi drops a trailing slash (`/api/accounts/profile/` is routed and
//! documented as `/api/accounts/profile`). Serve the app behind
//! [`TrimTrailingSlash`](crate::trailing_slash::TrimTrailingSlash) so both spellings
//! reach the handler, and serve [`ApiDocs`] so the document and Swagger UI show, and
//! call, the declared one ([`App`](crate::App) does both).

mod responses;

use poem::{endpoint::make_sync, Endpoint, Response};
use poem_openapi::{OpenApi, OpenApiService, Webhook};
use serde_json::Value;

use crate::{
    operation::{Access, Operation, Schemes, SecuredApi},
    settings::Settings,
};

/// The groups (OpenAPI tags) of the framework's own operations in the document, so
/// that Swagger UI lists them by topic rather than in one "default" list.
///
/// ```
/// use poem_openapi::Tags;
/// assert_eq!(auth_runtime::docs::Tag::Jwt.name(), "JWT");
/// ```
#[derive(Debug, Clone, Copy, poem_openapi::Tags)]
pub enum Tag {
    /// Sign-up, login and logout, password change, DRF tokens.
    #[oai(rename = "accounts")]
    Accounts,
    /// JSON Web Tokens: obtain, refresh, verify, blacklist.
    #[oai(rename = "JWT")]
    Jwt,
    /// A user's own API tokens.
    #[oai(rename = "API tokens")]
    ApiTokens,
    /// The OAuth2 authorization server: tokens, authorization, applications.
    #[oai(rename = "OAuth2 server")]
    OAuth2,
    /// Discovery documents under `/.well-known/`.
    #[oai(rename = "well-known")]
    WellKnown,
    /// Named permissions and groups (administrators only).
    #[oai(rename = "permissions")]
    Permissions,
}

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
/// let settings = auth_runtime::Settings::default();
/// let docs = ApiDocs::new(&OpenApiService::new(Api, "demo", "1.0"), &settings);
/// let spec: serde_json::Value = serde_json::from_str(docs.spec()).unwrap();
/// assert!(spec["paths"]["/health/"]["get"].is_object());
/// ```
#[derive(Debug, Clone)]
pub struct ApiDocs {
    spec: String,
    #[cfg(feature = "swagger-ui")]
    swagger_html: String,
}

impl ApiDocs {
    /// Renders the document of `service` for these settings.
    pub fn new<T, W>(service: &OpenApiService<T, W>, settings: &Settings) -> Self
    where
        T: OpenApi + SecuredApi,
        W: Webhook,
    {
        let original = service.spec();
        let operations = T::operations();
        let spec = match serde_json::from_str::<Value>(&original) {
            Ok(mut doc) => {
                document_security(&mut doc, &operations, settings);
                document_scopes(&mut doc, settings);
                restore_declared_paths(&mut doc, &operations);
                document_permissions(&mut doc, &operations);
                document_credential_views(&mut doc);
                responses::document_framework_responses(&mut doc);
                responses::document_nullable(&mut doc);
                serde_json::to_string_pretty(&doc).unwrap_or(original.clone())
            }
            Err(_) => original.clone(),
        };
        Self {
            // poem-openapi's page embeds the document as `let spec = <document>;`.
            #[cfg(feature = "swagger-ui")]
            swagger_html: service.swagger_ui_html().replacen(
                &format!("let spec = {original};"),
                &format!("let spec = {spec};"),
                1,
            ),
            spec,
        }
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
    #[cfg(feature = "swagger-ui")]
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

#[cfg(feature = "swagger-ui")]
struct SwaggerUi<E> {
    html: String,
    inner: E,
}

#[cfg(feature = "swagger-ui")]
impl<E: Endpoint> Endpoint for SwaggerUi<E> {
    type Output = Response;

    async fn call(&self, req: poem::Request) -> poem::Result<Response> {
        if matches!(req.uri().path(), "" | "/") {
            let page = poem::web::Html(self.html.clone());
            return Ok(poem::IntoResponse::into_response(page));
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

/// Writes each guarded operation's `security` from the table: one alternative per
/// declared scheme, with the scopes it requires (poem-openapi cannot know the scopes of
/// a named chain, which is declared elsewhere), and the empty requirement `{}` when the
/// permission may admit a caller without credentials (the guard says so for a
/// declared permission; the settings decide for the default one).
fn document_security(doc: &mut Value, operations: &[&Operation], settings: &Settings) {
    for op in operations {
        let Access::Guarded {
            schemes,
            permission,
        } = op.access
        else {
            continue;
        };
        let safe = op
            .methods
            .iter()
            .all(|m| matches!(*m, "GET" | "HEAD" | "OPTIONS"));
        let declared = schemes.declared();
        let path = documented_path(op.path);
        for method in op.methods {
            let entry = doc
                .get_mut("paths")
                .and_then(|p| p.get_mut(&path))
                .and_then(|p| p.get_mut(method.to_ascii_lowercase()));
            let Some(Value::Object(operation)) = entry else {
                continue;
            };
            let existing = match operation.remove("security") {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            let is_empty = |r: &Value| r.as_object().is_some_and(serde_json::Map::is_empty);
            let anonymous = match permission {
                None => default_admits_anonymous(settings, safe),
                Some(_) => existing.iter().any(is_empty),
            };
            let mut security: Vec<Value> = if matches!(schemes, Schemes::Default) {
                // The default chain is the settings' `default_schemes`.
                settings
                    .default_schemes
                    .iter()
                    .map(|s| serde_json::json!({ s.to_string(): [] }))
                    .collect()
            } else if declared.is_empty() {
                existing.into_iter().filter(|r| !is_empty(r)).collect()
            } else {
                declared
                    .iter()
                    .map(|s| serde_json::json!({ s.name: s.scopes }))
                    .collect()
            };
            if anonymous {
                security.push(serde_json::json!({}));
            }
            operation.insert("security".into(), Value::Array(security));
        }
    }
}

/// Each guarded operation's permission expression as written (`x-permissions`), and in
/// words at the end of its description.
fn document_permissions(doc: &mut Value, operations: &[&Operation]) {
    for op in operations {
        let Access::Guarded { permission, .. } = op.access else {
            continue;
        };
        let expression = permission.unwrap_or("the settings' default_permission");
        let words = op.policy.and_then(|p| p.words());
        let path = documented_path(op.path);
        for method in op.methods {
            let entry = doc
                .get_mut("paths")
                .and_then(|p| p.get_mut(&path))
                .and_then(|p| p.get_mut(method.to_ascii_lowercase()));
            let Some(Value::Object(operation)) = entry else {
                continue;
            };
            operation.insert("x-permissions".into(), Value::String(expression.to_owned()));
            let mut text = operation
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if let Some(words) = &words {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&format!("Permission: {words}."));
                operation.insert("description".into(), Value::String(text));
            }
        }
    }
}

/// Whether the settings' `default_permission` lets a caller without credentials
/// through.
fn default_admits_anonymous(settings: &Settings, safe: bool) -> bool {
    use crate::settings::DefaultPermission as Named;
    match settings.default_permission {
        Named::IsAuthenticated | Named::IsAdmin => false,
        Named::IsAuthenticatedOrReadOnly => safe,
        Named::AllowAny => true,
    }
}

/// Lists the configured OAuth2 scopes in every flow of the OAuth2 scheme.
fn document_scopes(doc: &mut Value, settings: &Settings) {
    let flows = doc
        .pointer_mut("/components/securitySchemes/oauth2/flows")
        .and_then(Value::as_object_mut);
    let Some(flows) = flows else {
        return;
    };
    let scopes: serde_json::Map<String, Value> = settings
        .oauth2
        .scopes
        .iter()
        .map(|(name, description)| (name.clone(), Value::String(description.clone())))
        .collect();
    for flow in flows.values_mut() {
        if let Value::Object(flow) = flow {
            flow.insert("scopes".into(), Value::Object(scopes.clone()));
        }
    }
}

/// Where each scheme's credential comes from, as the application mounted the views
/// (found by their tag and path): "Obtain one with `POST /api/token/`." A scheme whose
/// view is not mounted keeps its general description.
fn document_credential_views(doc: &mut Value) {
    const VIEWS: [(&str, &str, &str); 3] = [
        ("jwt", "JWT", "/token"),
        ("session", "accounts", "/login"),
        ("token", "accounts", "/token-auth"),
    ];
    let mut found: Vec<(&str, String)> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (scheme, tag, suffix) in VIEWS {
            let view = paths.iter().find(|(path, item)| {
                path.trim_end_matches('/').ends_with(suffix)
                    && item
                        .pointer("/post/tags")
                        .and_then(Value::as_array)
                        .is_some_and(|tags| tags.iter().any(|t| t == tag))
            });
            if let Some((path, _)) = view {
                found.push((scheme, path.clone()));
            }
        }
    }
    for (scheme, path) in found {
        let pointer = format!("/components/securitySchemes/{scheme}/description");
        if let Some(Value::String(description)) = doc.pointer_mut(&pointer) {
            description.push_str(&format!(" Obtain one with `POST {path}`."));
        }
    }
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
