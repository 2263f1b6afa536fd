use base64::{
    alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
    Engine,
};
use poem::{http::header, Request};
use poem_openapi::registry::{MetaSecurityScheme, Registry};

use crate::net::authorization_words;
use crate::{
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    csrf,
    error::AuthError,
    permission::is_safe,
    principal::Identity,
};

/// Standard base64, padded or not (clients differ).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `Authorization: Basic base64(username:password)` (RFC 7617, UTF-8; DRF's
/// `BasicAuthentication`). The password is verified against its argon2id hash on the
/// blocking pool; an unknown username costs the same as a wrong password.
///
/// **HTTPS only**: the password travels with every request.
///
/// A browser that has been given Basic credentials sends them on its own, like a
/// cookie: an unsafe request that the browser marks as cross-origin is refused (403
/// `CSRF Failed: ...`) before the password is checked. And so that browsers are not
/// led to store them at all, 401s advertise Basic only when it is the operation's
/// only scheme, unless `basic.challenge` is on.
///
/// `Basic <username> <password>` (two words, not encoded), as one tutorial misprints
/// it, is refused as DRF refuses it (RFC 7617 wants base64).
///
/// ```
/// use auth_runtime::{schemes::Basic, Authenticator};
/// assert_eq!(Basic::CHALLENGE, "Basic realm=\"api\"");
/// ```
pub struct Basic;

/// RFC 7617 says UTF-8 (the `charset` the challenge could announce); DRF falls back
/// to Latin-1 for clients that send it.
fn decode_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect())
}

/// 401 with DRF's message and this scheme's challenge: the client did use Basic, so
/// the answer names it, whatever the chain's other schemes.
fn failed(detail: &'static str) -> Outcome {
    Outcome::Invalid(
        AuthError::authentication_failed(detail)
            .with_scheme_challenge(Basic::CHALLENGE, Basic::CHALLENGE.to_owned()),
    )
}

impl Authenticator for Basic {
    const NAME: &'static str = auth_grammar::schemes::BASIC;
    const CHALLENGE: &'static str = "Basic realm=\"api\"";

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            Self::NAME,
            MetaSecurityScheme {
                ty: "http",
                description: Some("HTTP Basic with username and password. HTTPS only."),
                name: None,
                key_in: None,
                scheme: Some("basic"),
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Outcome {
        let Some(mut words) =
            authorization_words(req.headers().get(header::AUTHORIZATION), b"basic")
        else {
            return Outcome::NotMine;
        };
        let (username, password) = match (words.next(), words.next(), words.next()) {
            (None, ..) => return failed("Invalid basic header. No credentials provided."),
            (Some(encoded), None, _) => {
                let Ok(decoded) = BASE64.decode(encoded) else {
                    return failed(
                        "Invalid basic header. Credentials not correctly base64 encoded.",
                    );
                };
                let text = decode_text(decoded);
                match text.split_once(':') {
                    Some((u, p)) => (u.to_owned(), p.to_owned()),
                    None => (text, String::new()),
                }
            }
            (Some(_), Some(_), _) => {
                return failed(
                    "Invalid basic header. Credentials string should not contain spaces.",
                )
            }
        };
        if !is_safe(req.method()) {
            if let Err(reason) = csrf::check_origin(req, &ctx.settings().session) {
                return Outcome::Invalid(AuthError::CsrfFailed(reason));
            }
        }
        match ctx.check_credentials(req, &username, &password).await {
            Ok(Some(user)) => Outcome::Authenticated(Identity::new(user, Self::NAME)),
            // Inactive users are refused like unknown ones, as Django's ModelBackend does.
            Ok(None) => failed("Invalid username/password."),
            // Too many failures (429), or the store is down (503).
            Err(e) => Outcome::Invalid(e),
        }
    }
}
