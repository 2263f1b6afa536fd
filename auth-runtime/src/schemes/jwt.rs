use poem::{http::header, Request};
use poem_openapi::registry::{MetaSecurityScheme, Registry};

use crate::net::authorization_words;
use crate::{
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    error::AuthError,
    jwt::TokenError,
    principal::Identity,
};

/// `Authorization: Bearer <JWT>` (simplejwt's `JWTAuthentication`).
///
/// A bearer token that is not shaped like a JWT is left to later schemes (an opaque
/// OAuth2 token), so `#[authenticated(jwt, oauth2)]` works in either order. One that is
/// shaped like a JWT but fails verification stops the chain with 401
/// `token_not_valid`.
///
/// ```
/// use auth_runtime::{schemes::Jwt, Authenticator};
/// assert_eq!(Jwt::NAME, "jwt");
/// ```
pub struct Jwt;

impl Authenticator for Jwt {
    const NAME: &'static str = auth_grammar::schemes::JWT;
    const CHALLENGE: &'static str = "Bearer realm=\"api\"";

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            Self::NAME,
            MetaSecurityScheme {
                ty: "http",
                description: Some("JWT access token from the token obtain view, sent as `Authorization: Bearer <access>`."),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: Some("JWT"),
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Outcome {
        let header = req.headers().get(header::AUTHORIZATION);
        let mut words = None;
        for keyword in ctx.jwt().header_types() {
            words = authorization_words(header, keyword.as_bytes());
            if words.is_some() {
                break;
            }
        }
        let Some(mut words) = words else {
            return Outcome::NotMine;
        };
        let token = match (words.next(), words.next()) {
            (Some(token), None) => token,
            _ => {
                return Outcome::Invalid(AuthError::failed(
                    "Authorization header must contain two space-delimited values",
                    "bad_authorization_header",
                ))
            }
        };
        match ctx.jwt().authenticate_bearer(ctx.store(), token).await {
            // A bearer token that is not a JWT may be a later scheme's (OAuth2).
            Ok(None) => Outcome::Declined(TokenError::Invalid.into_auth_error()),
            Ok(Some((user, claims))) => {
                let mut id = Identity::new(user, Self::NAME);
                id.scopes = claims
                    .get("scope")
                    .and_then(serde_json::Value::as_str)
                    .map(|s| s.split_whitespace().map(str::to_owned).collect());
                id.claims = Some(claims);
                Outcome::Authenticated(id)
            }
            // simplejwt's own messages for these two.
            Err(TokenError::NoActiveAccount) => Outcome::Invalid(AuthError::failed(
                "User not found or inactive.",
                "user_inactive",
            )),
            Err(TokenError::PasswordChanged) => Outcome::Invalid(AuthError::failed(
                "The user's password has been changed.",
                "password_changed",
            )),
            Err(e) => Outcome::Invalid(e.into_auth_error()),
        }
    }
}
