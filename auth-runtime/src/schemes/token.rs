use poem::{http::header, Request};
use poem_openapi::registry::{MetaSecurityScheme, Registry};

use super::failed;
use crate::net::authorization_words;
use crate::{
    api_token::{self, KeyCheck},
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    error::AuthError,
    principal::Identity,
};

/// `Authorization: Token <key>` (DRF's `TokenAuthentication`), with keys stored as
/// digests (see [`api_token`](crate::api_token)).
///
/// A request whose `Authorization` header names another scheme (`Bearer`, `Basic`)
/// is not this scheme's; a `Token` header with a wrong, revoked or expired key is
/// 401 with DRF's messages (`Invalid token.`, `Invalid token header. ...`). The
/// keyword is `token.keyword` in settings.
///
/// ```
/// use auth_runtime::{schemes::Token, Authenticator};
/// assert_eq!(Token::NAME, "token");
/// ```
pub struct Token;

impl Authenticator for Token {
    const NAME: &'static str = auth_grammar::schemes::TOKEN;
    const CHALLENGE: &'static str = "Token realm=\"api\"";

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            Self::NAME,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some(
                    "DRF-style API token from the token view, sent as `Authorization: Token <key>` (type the word `Token`, a space and the key).",
                ),
                name: Some("Authorization"),
                key_in: Some("header"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Outcome {
        let keyword = ctx.settings().token.keyword.as_bytes();
        let Some(mut words) =
            authorization_words(req.headers().get(header::AUTHORIZATION), keyword)
        else {
            return Outcome::NotMine;
        };
        let key = match (words.next(), words.next()) {
            (None, _) => return failed("Invalid token header. No credentials provided."),
            (Some(_), Some(_)) => {
                return failed("Invalid token header. Token string should not contain spaces.")
            }
            (Some(key), None) => key,
        };
        let Ok(key) = std::str::from_utf8(key) else {
            return failed(
                "Invalid token header. Token string should not contain invalid characters.",
            );
        };
        match api_token::check(ctx.store(), key).await {
            Ok(KeyCheck::Valid(user)) => Outcome::Authenticated(Identity::new(user, Self::NAME)),
            Ok(KeyCheck::Unknown) => failed("Invalid token."),
            Ok(KeyCheck::Inactive) => failed("User inactive or deleted."),
            Err(e) => {
                tracing::error!(error = %e, "token lookup failed");
                Outcome::Invalid(AuthError::Unavailable)
            }
        }
    }
}
