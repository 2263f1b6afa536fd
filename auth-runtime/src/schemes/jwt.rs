use std::borrow::Cow;

use poem::{http::header, Request};
use poem_openapi::registry::{MetaSecurityScheme, Registry};

use crate::{
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    error::AuthError,
    jwt::{looks_like_jwt, TokenError},
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
    const NAME: &'static str = "jwt";
    const CHALLENGE: &'static str = "Bearer realm=\"api\"";

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            Self::NAME,
            MetaSecurityScheme {
                ty: "http",
                description: Some("JWT access token from `POST /api/token/`, sent as `Authorization: Bearer <access>`."),
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
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            return Outcome::NotMine;
        };
        let Ok(value) = value.to_str() else {
            return Outcome::NotMine;
        };
        let mut parts = value.split(' ');
        let prefix = parts.next().unwrap_or_default();
        if !ctx.jwt().header_types().iter().any(|t| t == prefix) {
            return Outcome::NotMine;
        }
        let (Some(token), None) = (parts.next(), parts.next()) else {
            return Outcome::Invalid(AuthError::AuthenticationFailed {
                detail: "Authorization header must contain two space-delimited values".into(),
                code: "bad_authorization_header",
                extra: None,
                challenges: Cow::Borrowed(&[]),
            });
        };
        if !looks_like_jwt(token) {
            return Outcome::Declined(TokenError::Invalid.into_auth_error());
        }
        let claims = match ctx.jwt().decode(token, Some("access")) {
            Ok(c) => c,
            Err(e) => return Outcome::Invalid(e.into_auth_error()),
        };
        let Some(user_id) = claims
            .get(crate::jwt::USER_ID_CLAIM)
            .and_then(serde_json::Value::as_i64)
        else {
            return Outcome::Invalid(AuthError::AuthenticationFailed {
                detail: "Token contained no recognizable user identification".into(),
                code: "token_not_valid",
                extra: None,
                challenges: Cow::Borrowed(&[]),
            });
        };
        match ctx.store().user_by_id(user_id).await {
            Ok(Some(user)) if user.is_active => {
                let mut id = Identity::new(user, Self::NAME);
                id.scopes = claims
                    .get("scope")
                    .and_then(serde_json::Value::as_str)
                    .map(|s| s.split_whitespace().map(str::to_owned).collect());
                id.claims = Some(claims);
                Outcome::Authenticated(id)
            }
            Ok(Some(_)) => Outcome::Invalid(AuthError::AuthenticationFailed {
                detail: "User is inactive".into(),
                code: "user_inactive",
                extra: None,
                challenges: Cow::Borrowed(&[]),
            }),
            Ok(None) => Outcome::Invalid(AuthError::AuthenticationFailed {
                detail: "User not found".into(),
                code: "user_not_found",
                extra: None,
                challenges: Cow::Borrowed(&[]),
            }),
            Err(e) => {
                tracing::error!(error = %e, "user lookup failed");
                Outcome::Invalid(AuthError::Unavailable)
            }
        }
    }
}
