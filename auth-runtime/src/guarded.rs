//! The return type `#[secured]` gives a guarded operation: the handler's own response,
//! documented with the 401, 403 (and 429) responses its policy can produce.
//!
//! poem-openapi takes an operation's responses from its return type only, so the
//! macro wraps it: `-> Json<UserOut>` becomes `-> Guarded<Json<UserOut>, Policy>`.
//! At run time the wrapper is transparent, and it keeps the framework's refusals
//! intact when the handler's type has a `bad_request_handler` (which would otherwise
//! turn a 401 into the handler's own 400).

use std::marker::PhantomData;

use poem::{error::IntoResult, Response};
use poem_openapi::{
    registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::Type,
    ApiResponse, Object,
};

use crate::{authenticator::Authenticator, chain::Policy, error::AuthError};

/// A guarded operation's response. Built only by code `#[secured]` generates.
pub struct Guarded<R, P> {
    result: poem::Result<Response>,
    _types: PhantomData<fn() -> (R, P)>,
}

/// How an operation's policy turns the handler's value into a response. `#[secured]`
/// implements it for each operation's policy type, where the handler's return type
/// is concrete.
pub trait Respond<R> {
    /// The handler's value as a response or an error.
    fn respond(value: R) -> poem::Result<Response>;
}

impl<R, P: Respond<R>> Guarded<R, P> {
    /// Wraps the handler's value.
    #[inline]
    pub fn new(value: R) -> Self {
        Self {
            result: P::respond(value),
            _types: PhantomData,
        }
    }
}

impl<R, P> Guarded<R, P> {
    /// A refusal decided before the handler ran (an object permission, a loader's
    /// error).
    #[inline]
    pub fn rejected(error: poem::Error) -> Self {
        Self {
            result: Err(error),
            _types: PhantomData,
        }
    }
}

impl<R, P> IntoResult<Response> for Guarded<R, P> {
    #[inline]
    fn into_result(self) -> poem::Result<Response> {
        self.result
    }
}

/// The body of every refusal: `{"detail": ..., "code": ...}`, DRF's shape.
#[derive(Object)]
#[oai(rename = "AuthError")]
struct ErrorBody {
    /// Human-readable reason.
    detail: String,
    /// Machine-readable reason: `not_authenticated`, `authentication_failed`,
    /// `token_not_valid`, `permission_denied`, `insufficient_scope`, `throttled`, ...
    code: String,
    /// For a 403 from a permission: the clause of the permission expression that
    /// refused, as written (`HasPerm("articles.publish")`, `!IsScoped`).
    #[oai(skip_serializing_if_is_none)]
    denied_by: Option<String>,
    /// For a 403 from a scope permission: the OAuth2 scopes the credential lacks.
    #[oai(skip_serializing_if_is_none)]
    missing_scopes: Option<Vec<String>>,
    /// For a 403 `insufficient_scope` from the chain: the scopes the operation
    /// requires of an OAuth2 token.
    #[oai(skip_serializing_if_is_none)]
    required_scopes: Option<Vec<String>>,
}

fn error_response(
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
            schema: MetaSchemaRef::Reference(ErrorBody::name().into_owned()),
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

/// The documented 429 of a throttled operation or a password check.
pub(crate) fn throttled_response() -> MetaResponse {
    error_response(
        429,
        "Too many requests (a rate, or the brute-force limits of password checks). `Retry-After` says when to try again.",
        Some("Retry-After"),
    )
}

/// Registers the body of every refusal (`AuthError`).
pub(crate) fn register_error_body(registry: &mut Registry) {
    ErrorBody::register(registry);
}

impl<R: ApiResponse, P: Policy + Respond<R>> ApiResponse for Guarded<R, P> {
    const BAD_REQUEST_HANDLER: bool = R::BAD_REQUEST_HANDLER;

    fn meta() -> MetaResponses {
        let mut meta = R::meta();
        let mut add = |response: MetaResponse| {
            if !meta.responses.iter().any(|r| r.status == response.status) {
                meta.responses.push(response);
            }
        };
        add(error_response(
            401,
            "No credentials where the permissions need some, or invalid credentials. Carries a `WWW-Authenticate` challenge per declared scheme.",
            Some("WWW-Authenticate"),
        ));
        add(error_response(
            403,
            "Authenticated, but the permissions refuse the request (or a session request failed the cross-site check).",
            None,
        ));
        // Basic checks a password on every request, behind the brute-force limits.
        let basic = <P::Chain as crate::chain::Chain>::NAMES.contains(&crate::schemes::Basic::NAME);
        if !P::THROTTLES.is_empty() || basic {
            add(throttled_response());
        }
        meta
    }

    fn register(registry: &mut Registry) {
        R::register(registry);
        ErrorBody::register(registry);
    }

    fn from_parse_request_error(err: poem::Error) -> Self {
        if err.is::<AuthError>() {
            return Self {
                result: Err(err),
                _types: PhantomData,
            };
        }
        Self::new(R::from_parse_request_error(err))
    }
}

/// Runs `#[object_permission(...)]` on a loaded object, for the caller the chain
/// authenticated.
#[doc(hidden)]
pub async fn check_object<T: Sync, P: crate::permission::ObjectPermission<T>>(
    permission: &P,
    req: &poem::Request,
    obj: &T,
) -> Result<(), AuthError> {
    let principal = crate::extract::current(req);
    permission.check(req, &principal, obj).await
}

/// Pins the output type of the async block `#[secured]` wraps a handler's body in, so
/// that `?` inside it converts errors into the handler's declared type.
#[doc(hidden)]
#[inline(always)]
pub fn typed<R, F: std::future::Future<Output = R>>(future: F) -> F {
    future
}
