//! The [`Authenticator`] trait: one authentication scheme, DRF's `BaseAuthentication`.

use std::future::Future;

use poem::Request;
use poem_openapi::registry::Registry;

use crate::{
    context::AuthContext,
    error::AuthError,
    principal::{ClientIdentity, Identity},
};

/// What a scheme says about a request.
#[derive(Debug)]
pub enum Outcome {
    /// The request carries no credentials for this scheme (or credentials that are
    /// recognisably another scheme's): try the next scheme in the chain.
    NotMine,
    /// The credentials are valid: the chain stops here.
    Authenticated(Identity),
    /// The credentials are a client's own, with no user (OAuth2 client credentials):
    /// the chain stops here.
    Client(ClientIdentity),
    /// The credentials are this scheme's but wrong, expired or revoked: the chain stops
    /// and the request is refused (401), without trying later schemes.
    Invalid(AuthError),
    /// Credentials of this scheme's kind (say a bearer token) that this scheme does not
    /// recognise as its own: later schemes are tried, and if none claims them the
    /// request is refused with this error rather than treated as anonymous.
    Declined(AuthError),
}

/// One authentication scheme: tells from a request whether it carries this scheme's
/// credentials and, if so, whose.
///
/// The built-in schemes are in [`schemes`](crate::schemes). A scheme is a type, so a
/// chain such as `#[authenticated(jwt, session)]` is resolved at compile time with no
/// dynamic dispatch.
///
/// ```
/// use auth_runtime::{AuthContext, Authenticator, Outcome};
/// use poem::Request;
/// use poem_openapi::registry::Registry;
///
/// /// Refuses every request that names itself "intruder".
/// struct NoIntruders;
///
/// impl Authenticator for NoIntruders {
///     const NAME: &'static str = "no_intruders";
///     const CHALLENGE: &'static str = "Intruder realm=\"api\"";
///     fn register(_: &mut Registry) {}
///     async fn authenticate(req: &Request, _: &AuthContext) -> Outcome {
///         match req.header("x-intruder") {
///             Some(_) => Outcome::Invalid(auth_runtime::AuthError::authentication_failed("go away")),
///             None => Outcome::NotMine,
///         }
///     }
/// }
/// assert_eq!(NoIntruders::NAME, "no_intruders");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an authentication scheme",
    label = "not an `Authenticator`",
    note = "implement `auth_runtime::Authenticator` for `{Self}` to use it in `#[authenticated(...)]`; a named chain (`chain!`) goes alone: `#[authenticated({Self})]`"
)]
pub trait Authenticator: Send + Sync + 'static {
    /// The scheme's name in the OpenAPI document (`components.securitySchemes`), in
    /// `security` requirements and in the policy table.
    const NAME: &'static str;

    /// The `WWW-Authenticate` challenge sent on a 401 by an endpoint using this scheme.
    const CHALLENGE: &'static str;

    /// Registers the scheme's security-scheme component.
    fn register(registry: &mut Registry);

    /// Examines the request.
    fn authenticate(req: &Request, ctx: &AuthContext) -> impl Future<Output = Outcome> + Send;
}
