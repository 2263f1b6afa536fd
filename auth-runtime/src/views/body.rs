//! The request and response bodies the views share, as poem-openapi types.

use poem_openapi::{payload::Json, Object};
use serde::Deserialize;

use crate::{
    error::AuthError,
    input::{FieldErrors, Input},
    jwt::TokenError,
    principal::User,
};

/// `{username, password}`: both required (a missing one is DRF's `This field is
/// required.`, before the view runs).
#[derive(Debug, Object, Deserialize)]
pub struct Credentials {
    /// The login name.
    pub username: String,
    /// The password.
    #[oai(write_only)]
    pub password: String,
}

/// The parsed body of [`Credentials`], for handlers' signatures.
pub(crate) type CredentialsIn = Input<Credentials>;

/// `{"message": ...}`.
#[derive(Debug, Object)]
pub struct Message {
    /// What happened.
    pub message: String,
}

impl From<&str> for Message {
    /// ```
    /// let m = auth_runtime::views::Message::from("Login successful");
    /// assert_eq!(m.message, "Login successful");
    /// ```
    fn from(message: &str) -> Self {
        Self {
            message: message.to_owned(),
        }
    }
}

/// `{"detail", "code"}`: why a request was refused, in DRF's words, with a stable
/// machine-readable code.
#[derive(Debug, Object)]
pub struct Detail {
    /// Human-readable.
    pub detail: String,
    /// Machine-readable (`token_not_valid`, `no_active_account`, `not_found`, ...).
    pub code: String,
}

impl Detail {
    /// A detail with its code.
    ///
    /// ```
    /// let d = auth_runtime::views::Detail::new("Not found.", "not_found");
    /// assert_eq!((d.detail.as_str(), d.code.as_str()), ("Not found.", "not_found"));
    /// ```
    pub fn new(detail: impl Into<String>, code: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            code: code.into(),
        }
    }

    /// simplejwt's 401 for wrong credentials.
    ///
    /// ```
    /// assert_eq!(auth_runtime::views::Detail::no_active_account().code, "no_active_account");
    /// ```
    pub fn no_active_account() -> Self {
        Self::new(
            "No active account found with the given credentials",
            "no_active_account",
        )
    }

    /// DRF's 404.
    ///
    /// ```
    /// assert_eq!(auth_runtime::views::Detail::not_found().detail, "Not found.");
    /// ```
    pub fn not_found() -> Self {
        Self::new("Not found.", "not_found")
    }

    /// The body of a refused token (simplejwt's token views), or the error for a store
    /// failure (503), which is not the client's.
    ///
    /// ```
    /// use auth_runtime::{jwt::TokenError, views::Detail};
    /// assert_eq!(Detail::from_token_error(TokenError::Expired).unwrap().code, "token_not_valid");
    /// assert!(Detail::from_token_error(TokenError::Unavailable).is_err());
    /// ```
    pub fn from_token_error(e: TokenError) -> Result<Self, poem::Error> {
        match AuthError::from(e) {
            AuthError::AuthenticationFailed { detail, code, .. } => Ok(Self::new(detail, code)),
            other => Err(other.into()),
        }
    }
}

/// A user as the views show one (the tutorial's `UserSerializer`): no password, no
/// internal flags beyond staff.
#[derive(Debug, Object)]
pub struct UserOut {
    /// The user's id.
    pub id: i64,
    /// The login name.
    pub username: String,
    /// The email address (may be empty).
    pub email: String,
    /// Whether the user is an administrator.
    pub is_staff: bool,
}

impl From<&User> for UserOut {
    /// ```
    /// use auth_runtime::{views::UserOut, User};
    /// let u = User { id: 1, username: "ann".into(), email: "a@x".into(), is_staff: false,
    ///                is_superuser: false, is_active: true };
    /// assert_eq!(UserOut::from(&u).username, "ann");
    /// ```
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            email: u.email.clone(),
            is_staff: u.is_staff,
        }
    }
}

/// DRF's field errors as a response body.
pub(crate) type Fields = Json<FieldErrors>;

/// A view's response, documented with the 429 of the brute-force limits its password
/// check may answer (the refusal itself travels as an error). Use it for a view of
/// your own that calls `check_credentials` or `hash_password`.
///
/// ```
/// use auth_runtime::views::{Limited, Message};
/// use poem_openapi::{payload::Json, ApiResponse};
/// type Login = Limited<Json<Message>>;
/// assert!(Login::meta().responses.iter().any(|r| r.status == Some(429)));
/// ```
pub struct Limited<R>(pub R);

impl<R: poem::IntoResponse> poem::IntoResponse for Limited<R> {
    fn into_response(self) -> poem::Response {
        self.0.into_response()
    }
}

impl<R: poem_openapi::ApiResponse> poem_openapi::ApiResponse for Limited<R> {
    const BAD_REQUEST_HANDLER: bool = R::BAD_REQUEST_HANDLER;

    fn meta() -> poem_openapi::registry::MetaResponses {
        let mut meta = R::meta();
        if !meta.responses.iter().any(|r| r.status == Some(429)) {
            meta.responses.push(crate::guarded::throttled_response());
        }
        meta
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        R::register(registry);
        crate::guarded::register_error_body(registry);
    }

    fn from_parse_request_error(err: poem::Error) -> Self {
        Self(R::from_parse_request_error(err))
    }
}
