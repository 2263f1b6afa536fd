//! RFC 6749 §5.2 error responses: `{"error", "error_description"}`.

use std::borrow::Cow;

use poem::{
    error::ResponseError,
    http::{header, HeaderValue, StatusCode},
    Response,
};
use poem_openapi::{
    registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::Type,
    ApiResponse, Object,
};

/// An OAuth2 endpoint's refusal, with RFC 6749's error code.
///
/// ```
/// use auth_runtime::oauth2::OAuthError;
/// use poem::error::ResponseError;
/// let e = OAuthError::invalid_client("Client authentication failed.");
/// assert_eq!(e.status(), poem::http::StatusCode::UNAUTHORIZED);
/// assert_eq!(e.error(), "invalid_client");
/// let resp = e.as_response();
/// assert_eq!(resp.headers()["www-authenticate"], "Basic realm=\"oauth2\"");
/// assert_eq!(resp.headers()["cache-control"], "no-store");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{error}: {description}")]
pub struct OAuthError {
    error: &'static str,
    description: Cow<'static, str>,
    status: StatusCode,
    retry_after: Option<u64>,
}

impl OAuthError {
    fn new(
        error: &'static str,
        status: StatusCode,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            error,
            description: description.into(),
            status,
            retry_after: None,
        }
    }

    /// 400 `invalid_request`: a missing, repeated or malformed parameter.
    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new("invalid_request", StatusCode::BAD_REQUEST, description)
    }

    /// 401 `invalid_client`: client authentication failed.
    pub fn invalid_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new("invalid_client", StatusCode::UNAUTHORIZED, description)
    }

    /// 400 `invalid_grant`: a bad, expired, spent or foreign code, refresh token or
    /// password.
    pub fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new("invalid_grant", StatusCode::BAD_REQUEST, description)
    }

    /// 400 `unauthorized_client`: the client may not use this grant type.
    pub fn unauthorized_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new("unauthorized_client", StatusCode::BAD_REQUEST, description)
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(
            "unsupported_grant_type",
            StatusCode::BAD_REQUEST,
            description,
        )
    }

    /// 400 `invalid_scope`: unknown scopes, or more than the grant allows.
    pub fn invalid_scope(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new("invalid_scope", StatusCode::BAD_REQUEST, description)
    }

    /// 503 `temporarily_unavailable`: the store failed (logged, not sent).
    pub fn unavailable() -> Self {
        Self::new(
            "temporarily_unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "The authorization server is temporarily unavailable.",
        )
    }

    /// The RFC 6749 error code.
    pub fn error(&self) -> &'static str {
        self.error
    }

    /// The human-readable description.
    pub fn description(&self) -> &str {
        &self.description
    }
}

impl From<crate::error::AuthError> for OAuthError {
    /// Only throttling and unavailability reach the OAuth2 endpoints this way.
    fn from(e: crate::error::AuthError) -> Self {
        match e {
            crate::error::AuthError::Throttled { wait_secs } => Self {
                error: "temporarily_unavailable",
                description: format!(
                    "Too many failed attempts. Expected available in {wait_secs} seconds."
                )
                .into(),
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after: Some(wait_secs),
            },
            _ => Self::unavailable(),
        }
    }
}

impl From<crate::store::StoreError> for OAuthError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "OAuth2 store failed");
        Self::unavailable()
    }
}

impl ResponseError for OAuthError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        let body = serde_json::json!({
            "error": self.error,
            "error_description": self.description,
        });
        let mut resp = Response::builder()
            .status(self.status)
            .content_type("application/json")
            .header(header::CACHE_CONTROL, "no-store")
            .header(header::PRAGMA, "no-cache")
            .body(body.to_string());
        if let Some(wait) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"oauth2\""),
            );
        }
        resp
    }
}

/// The body of an OAuth2 error (RFC 6749 §5.2), for the OpenAPI document.
#[derive(Object)]
#[oai(rename = "OAuthError")]
struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `temporarily_unavailable`.
    error: String,
    /// What went wrong, for the developer.
    error_description: String,
}

fn documented(
    status: u16,
    description: &'static str,
    header: Option<&'static str>,
) -> MetaResponse {
    MetaResponse {
        description,
        status: Some(status),
        status_range: None,
        content: vec![MetaMediaType {
            content_type: "application/json; charset=utf-8",
            schema: MetaSchemaRef::Reference(OAuthErrorBody::name().into_owned()),
        }],
        headers: header
            .map(|name| MetaHeader {
                name: name.to_owned(),
                description: None,
                required: true,
                deprecated: false,
                schema: String::schema_ref(),
            })
            .into_iter()
            .collect(),
    }
}

/// Documents the RFC 6749 error responses of an OAuth2 endpoint returning
/// `Result<_, OAuthError>`.
impl ApiResponse for OAuthError {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![
                documented(
                    400,
                    "`invalid_request`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type` or `invalid_scope`.",
                    None,
                ),
                documented(401, "`invalid_client`: client authentication failed.", Some("WWW-Authenticate")),
                documented(
                    429,
                    "`temporarily_unavailable`: too many failed password attempts.",
                    Some("Retry-After"),
                ),
                documented(503, "`temporarily_unavailable`.", None),
            ],
        }
    }

    fn register(registry: &mut Registry) {
        OAuthErrorBody::register(registry);
    }
}
