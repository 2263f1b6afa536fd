//! Rejections: every way the framework refuses a request, each with its status and
//! DRF-compatible JSON body.

use std::borrow::Cow;

use poem::{
    error::ResponseError,
    http::{header, HeaderValue, StatusCode},
    Response,
};
use serde_json::{json, Value};

mod json;

pub use self::json::json_error;
pub(crate) use self::json::json_response;

/// `WWW-Authenticate` challenges, one per scheme of the endpoint.
pub type Challenges = Cow<'static, [&'static str]>;

/// A scheme's challenge with error attributes, replacing its plain one.
#[derive(Debug, Clone)]
pub struct SchemeChallenge {
    plain: &'static str,
    full: String,
}

/// The challenge a 401 carries when the endpoint declared no scheme of its own.
pub const DEFAULT_CHALLENGE: &str = "Bearer realm=\"api\"";

/// DRF's `NotAuthenticated` detail.
pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";
/// DRF's `AuthenticationFailed` detail.
pub const AUTHENTICATION_FAILED: &str = "Incorrect authentication credentials.";
/// DRF's `PermissionDenied` detail.
pub const PERMISSION_DENIED: &str = "You do not have permission to perform this action.";

/// Why a permission refused a request: the message and machine-readable code that
/// reach the client in the 403 body.
///
/// ```
/// use auth_runtime::Denial;
/// let d = Denial::new("Only the author may edit this article.").with_code("not_owner");
/// assert_eq!(d.code(), "not_owner");
/// assert_eq!(Denial::default().message(), "You do not have permission to perform this action.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    message: Cow<'static, str>,
    code: Cow<'static, str>,
    denied_by: Option<Cow<'static, str>>,
    missing_scopes: Vec<&'static str>,
}

impl Denial {
    /// A denial with its own message and the code `permission_denied`.
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            message: message.into(),
            code: Cow::Borrowed("permission_denied"),
            denied_by: None,
            missing_scopes: Vec::new(),
        }
    }

    /// Names the clause of the permission expression that refused
    /// (`HasPerm("articles.publish")`, `!IsScoped`), unless one is named already: the
    /// innermost clause is the most telling. `#[secured]` names every clause it
    /// generates; the 403 body carries it as `denied_by`.
    ///
    /// ```
    /// let d = auth_runtime::Denial::default().denied_by("IsAdmin").denied_by("Staff");
    /// assert_eq!(d.clause(), Some("IsAdmin"));
    /// ```
    pub fn denied_by(mut self, clause: impl Into<Cow<'static, str>>) -> Self {
        self.denied_by.get_or_insert_with(|| clause.into());
        self
    }

    /// The clause that refused, if named.
    pub fn clause(&self) -> Option<&str> {
        self.denied_by.as_deref()
    }

    /// Adds OAuth2 scopes whose absence refused the request (the 403 body's
    /// `missing_scopes`).
    ///
    /// ```
    /// let d = auth_runtime::Denial::default().missing_scope("write");
    /// assert_eq!(d.missing_scopes(), ["write"]);
    /// ```
    pub fn missing_scope(mut self, scope: &'static str) -> Self {
        if !self.missing_scopes.contains(&scope) {
            self.missing_scopes.push(scope);
        }
        self
    }

    /// The scopes whose absence refused the request.
    pub fn missing_scopes(&self) -> &[&'static str] {
        &self.missing_scopes
    }

    /// Whether it says more than DRF's generic refusal.
    pub(crate) fn has_own_message(&self) -> bool {
        self.message != PERMISSION_DENIED || self.code != "permission_denied"
    }

    /// Replaces the machine-readable code.
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> Self {
        self.code = code.into();
        self
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The machine-readable code.
    pub fn code(&self) -> &str {
        &self.code
    }
}

impl Default for Denial {
    fn default() -> Self {
        Self::new(PERMISSION_DENIED)
    }
}

/// A refused request. Converts into a [`poem::Error`] whose response is the JSON body
/// DRF would send, with `WWW-Authenticate` on every 401.
///
/// ```
/// use auth_runtime::AuthError;
/// use poem::{error::ResponseError, http::StatusCode};
/// let e = AuthError::not_authenticated(&["Bearer realm=\"api\""]);
/// assert_eq!(e.status(), StatusCode::UNAUTHORIZED);
/// let resp = e.as_response();
/// assert_eq!(resp.headers()["www-authenticate"], "Bearer realm=\"api\"");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credentials and the permissions need some (401).
    #[error("Authentication credentials were not provided.")]
    NotAuthenticated {
        /// `WWW-Authenticate` challenges of the endpoint's schemes.
        challenges: Challenges,
    },
    /// Credentials were present but wrong (401).
    #[error("{detail}")]
    AuthenticationFailed {
        /// Human-readable detail.
        detail: Cow<'static, str>,
        /// Machine-readable code (`authentication_failed`, `token_not_valid`, ...).
        code: &'static str,
        /// Extra body members (simplejwt's `messages`).
        extra: Option<Value>,
        /// `WWW-Authenticate` challenges of the endpoint's schemes.
        challenges: Challenges,
        /// The failing scheme's own challenge with error details (RFC 6750's
        /// `Bearer ..., error="invalid_token"`), sent in place of that scheme's plain one.
        scheme_challenge: Option<Box<SchemeChallenge>>,
    },
    /// An OAuth2 token lacks a scope the operation requires (403, RFC 6750
    /// `insufficient_scope`).
    #[error("The token does not grant the scope this operation requires: {}.", .required.join(" "))]
    InsufficientScope {
        /// The required scopes.
        required: &'static [&'static str],
        /// The plain challenge of the scheme, to extend with the error.
        challenge: &'static str,
    },
    /// Over a rate (429, DRF's `Throttled`).
    #[error("Request was throttled. Expected available in {wait_secs} second{}.", if *.wait_secs == 1 { "" } else { "s" })]
    Throttled {
        /// Seconds until a request may succeed (`Retry-After`).
        wait_secs: u64,
    },
    /// Authenticated but not allowed (403).
    #[error("{}", .0.message())]
    PermissionDenied(Denial),
    /// A session-authenticated unsafe request failed the cross-site check (403).
    #[error("CSRF Failed: {0}")]
    CsrfFailed(&'static str),
    /// The server is set up wrongly (500); the message is logged, not sent.
    #[error("authentication is misconfigured: {0}")]
    Misconfigured(&'static str),
    /// The store could not be reached (503); details are logged, not sent.
    #[error("authentication backend unavailable")]
    Unavailable,
}

impl AuthError {
    /// 401 `not_authenticated` with these challenges.
    pub fn not_authenticated(challenges: impl Into<Challenges>) -> Self {
        Self::NotAuthenticated {
            challenges: challenges.into(),
        }
    }

    /// 401 `authentication_failed` with DRF's or a scheme's own message.
    pub fn authentication_failed(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::failed(detail, "authentication_failed")
    }

    /// 401 with a message and a machine-readable code of the scheme's choosing.
    pub fn failed(detail: impl Into<Cow<'static, str>>, code: &'static str) -> Self {
        Self::AuthenticationFailed {
            detail: detail.into(),
            code,
            extra: None,
            challenges: Cow::Borrowed(&[]),
            scheme_challenge: None,
        }
    }

    /// 429 for a caller who must wait `wait` (rounded up to whole seconds).
    pub fn throttled(wait: std::time::Duration) -> Self {
        Self::Throttled {
            wait_secs: retry_after_secs(wait),
        }
    }

    /// Adds members to a 401's body (simplejwt's `messages`).
    pub fn with_extra(mut self, value: Value) -> Self {
        if let Self::AuthenticationFailed { extra, .. } = &mut self {
            *extra = Some(value);
        }
        self
    }

    /// Replaces, on a 401, the failing scheme's plain challenge `plain` with `full`
    /// (the same challenge with RFC 6750 error attributes).
    pub fn with_scheme_challenge(mut self, plain: &'static str, full: String) -> Self {
        if let Self::AuthenticationFailed {
            scheme_challenge, ..
        } = &mut self
        {
            *scheme_challenge = Some(Box::new(SchemeChallenge { plain, full }));
        }
        self
    }

    /// Sets the endpoint's challenges on a 401 (other kinds are returned unchanged).
    pub fn with_challenges(mut self, new: Challenges) -> Self {
        match &mut self {
            Self::NotAuthenticated { challenges }
            | Self::AuthenticationFailed { challenges, .. } => {
                *challenges = new;
            }
            _ => {}
        }
        self
    }

    /// The machine-readable code of the body (`not_authenticated`,
    /// `permission_denied`, `throttled`, ...).
    ///
    /// ```
    /// let e = auth_runtime::AuthError::throttled(std::time::Duration::from_secs(3));
    /// assert_eq!(e.code(), "throttled");
    /// ```
    pub fn code(&self) -> &str {
        match self {
            Self::NotAuthenticated { .. } => "not_authenticated",
            Self::AuthenticationFailed { code, .. } => code,
            Self::PermissionDenied(d) => d.code(),
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::Throttled { .. } => "throttled",
            Self::CsrfFailed(_) => "permission_denied",
            Self::Misconfigured(_) => "server_error",
            Self::Unavailable => "service_unavailable",
        }
    }

    fn body(&self) -> Value {
        let detail = match self {
            Self::Misconfigured(_) => Cow::Borrowed("A server error occurred."),
            other => Cow::Owned(other.to_string()),
        };
        let mut body = json!({ "detail": detail, "code": self.code() });
        if let (
            Self::AuthenticationFailed {
                extra: Some(Value::Object(extra)),
                ..
            },
            Value::Object(map),
        ) = (self, &mut body)
        {
            map.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let (Self::InsufficientScope { required, .. }, Value::Object(map)) = (self, &mut body) {
            map.insert("required_scopes".into(), json!(required));
        }
        if let (Self::PermissionDenied(denial), Value::Object(map)) = (self, &mut body) {
            if let Some(clause) = denial.clause() {
                map.insert("denied_by".into(), json!(clause));
            }
            if !denial.missing_scopes().is_empty() {
                map.insert("missing_scopes".into(), json!(denial.missing_scopes()));
            }
        }
        body
    }
}

impl ResponseError for AuthError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotAuthenticated { .. } | Self::AuthenticationFailed { .. } => {
                StatusCode::UNAUTHORIZED
            }
            Self::PermissionDenied(_) | Self::CsrfFailed(_) | Self::InsufficientScope { .. } => {
                StatusCode::FORBIDDEN
            }
            Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Misconfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn as_response(&self) -> Response {
        if let Self::Misconfigured(why) = self {
            tracing::error!("{why}");
        }
        let mut resp = json_response(self.status(), &self.body());
        let headers = resp.headers_mut();
        let mut append = |value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.append(header::WWW_AUTHENTICATE, v);
            }
        };
        match self {
            Self::NotAuthenticated { challenges }
            | Self::AuthenticationFailed { challenges, .. } => {
                let replaced = match self {
                    Self::AuthenticationFailed {
                        scheme_challenge: Some(sc),
                        ..
                    } => Some(sc),
                    _ => None,
                };
                // A 401 must carry a challenge (RFC 9110 §15.5.2) even for an endpoint
                // that declared none of its own.
                let challenges: &[&str] = if challenges.is_empty() {
                    &[DEFAULT_CHALLENGE]
                } else {
                    challenges
                };
                if let Some(sc) = replaced {
                    append(&sc.full);
                }
                // Schemes may share a challenge (JWT and OAuth2 are both `Bearer`).
                for (i, c) in challenges.iter().enumerate() {
                    let repeated = challenges[..i].contains(c);
                    if !repeated && replaced.is_none_or(|sc| sc.plain != *c) {
                        append(c);
                    }
                }
            }
            Self::Throttled { wait_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*wait_secs));
            }
            Self::InsufficientScope {
                required,
                challenge,
            } => {
                let scope = required.join(" ");
                append(&format!(
                    "{challenge}, error=\"insufficient_scope\", scope=\"{scope}\""
                ));
            }
            _ => {}
        }
        resp
    }
}

/// Seconds to announce in `Retry-After`: rounded up, at least one.
fn retry_after_secs(wait: std::time::Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}
