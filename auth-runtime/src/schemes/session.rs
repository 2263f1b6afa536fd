use poem::Request;
use poem_openapi::registry::{MetaSecurityScheme, Registry};

use crate::{
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    csrf,
    error::AuthError,
    permission::is_safe,
    principal::Identity,
    session::{self, SESSION_COOKIE},
    settings::CsrfMode,
};

/// The signed `sessionid` cookie of a server-side session (DRF's
/// `SessionAuthentication`), with CSRF protection on unsafe methods.
///
/// A session-authenticated `POST`/`PUT`/`PATCH`/`DELETE` that a browser marks as
/// cross-origin is refused with 403 `CSRF Failed: ...`; in strict mode the
/// `X-CSRFToken` header must also echo the `csrftoken` cookie. Requests authenticated
/// by any other scheme are never CSRF-checked.
///
/// ```
/// use auth_runtime::{schemes::Session, Authenticator};
/// assert_eq!(Session::NAME, "session");
/// ```
pub struct Session;

impl Authenticator for Session {
    const NAME: &'static str = auth_grammar::schemes::SESSION;
    const CHALLENGE: &'static str = "Cookie realm=\"api\", cookie-name=\"sessionid\"";

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            Self::NAME,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some(
                    "Session cookie set by the login view. Unsafe methods are refused when a browser marks them cross-origin.",
                ),
                name: Some(SESSION_COOKIE),
                key_in: Some("cookie"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Outcome {
        let (user, key) = match session::authenticate(req, ctx).await {
            Ok(Some(found)) => found,
            Ok(None) => return Outcome::NotMine,
            Err(e) => return Outcome::Invalid(e),
        };
        if !is_safe(req.method()) {
            let settings = &ctx.settings().session;
            let checked =
                csrf::check_origin(req, settings).and_then(|()| match settings.csrf_mode {
                    CsrfMode::Origin => Ok(()),
                    CsrfMode::Strict => csrf::check_token(req, ctx.csrf_key(), &key),
                });
            if let Err(reason) = checked {
                return Outcome::Invalid(AuthError::CsrfFailed(reason));
            }
        }
        Outcome::Authenticated(Identity::new(user, Self::NAME))
    }
}
