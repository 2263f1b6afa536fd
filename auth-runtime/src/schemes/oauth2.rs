use poem::{http::header, Request};
use poem_openapi::registry::{MetaOAuthFlow, MetaOAuthFlows, MetaSecurityScheme, Registry};

use crate::net::authorization_words;
use crate::{
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    error::AuthError,
    jwt::looks_like_jwt,
    principal::{ClientIdentity, Identity},
    secret,
};

/// Where the demo and `auth_runtime::oauth2` serve the token endpoint.
pub const TOKEN_URL: &str = "/o/token/";
/// Where they serve the authorization endpoint.
pub const AUTHORIZE_URL: &str = "/o/authorize/";

/// `Authorization: Bearer <token>` for access tokens issued by this server's OAuth2
/// endpoints (django-oauth-toolkit's `OAuth2Authentication`), with scopes enforced:
/// `#[authenticated(oauth2(scope = "write"))]` refuses a valid token without `write`
/// with 403 `insufficient_scope`.
///
/// A bearer token shaped like a JWT is the JWT scheme's and not this one's, so
/// `#[authenticated(jwt, oauth2)]` works in either order. An opaque token this server
/// did not issue, or that was revoked or has expired, is 401 with
/// `WWW-Authenticate: Bearer realm="api", error="invalid_token"` (DOT would treat it as
/// absent). A client-credentials token authenticates the client, with no user.
///
/// ```
/// use auth_runtime::{schemes::OAuth2, Authenticator};
/// assert_eq!(OAuth2::NAME, "oauth2");
/// ```
pub struct OAuth2;

fn flow(authorization_url: Option<&'static str>) -> Option<MetaOAuthFlow> {
    Some(MetaOAuthFlow {
        authorization_url,
        token_url: Some(TOKEN_URL),
        refresh_url: Some(TOKEN_URL),
        // The configured scopes: `ApiDocs` writes them from the settings.
        scopes: Vec::new(),
    })
}

fn invalid_token(description: &'static str) -> Outcome {
    Outcome::Invalid(
        AuthError::failed(description, "invalid_token").with_scheme_challenge(
            OAuth2::CHALLENGE,
            format!(
                "{}, error=\"invalid_token\", error_description=\"{description}\"",
                OAuth2::CHALLENGE
            ),
        ),
    )
}

impl Authenticator for OAuth2 {
    const NAME: &'static str = auth_grammar::schemes::OAUTH2;
    const CHALLENGE: &'static str = "Bearer realm=\"api\"";

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            Self::NAME,
            MetaSecurityScheme {
                ty: "oauth2",
                description: Some(
                    "OAuth2 access token from this server's token endpoint (password, client credentials, or authorization code with PKCE), sent as `Authorization: Bearer <token>`.",
                ),
                name: None,
                key_in: None,
                scheme: None,
                bearer_format: None,
                flows: Some(MetaOAuthFlows {
                    implicit: None,
                    password: flow(None),
                    client_credentials: flow(None),
                    authorization_code: flow(Some(AUTHORIZE_URL)),
                }),
                openid_connect_url: None,
            },
        );
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Outcome {
        let Some(mut words) =
            authorization_words(req.headers().get(header::AUTHORIZATION), b"bearer")
        else {
            return Outcome::NotMine;
        };
        let token = match (words.next(), words.next()) {
            (Some(token), None) => token,
            _ => return invalid_token("Malformed bearer token."),
        };
        let Ok(token) = std::str::from_utf8(token) else {
            return invalid_token("Malformed bearer token.");
        };
        // The dot first: this server's tokens have none, and the full check reads every
        // byte.
        if memchr::memchr(b'.', token.as_bytes()).is_some() && looks_like_jwt(token) {
            return Outcome::NotMine;
        }
        let grant = match ctx.store().access_token(&secret::digest(token)).await {
            Ok(Some(grant)) => grant,
            Ok(None) => return invalid_token("The access token is invalid, expired or revoked."),
            Err(e) => {
                tracing::error!(error = %e, "access token lookup failed");
                return Outcome::Invalid(AuthError::Unavailable);
            }
        };
        let scopes: Vec<String> = grant.scope.split_whitespace().map(str::to_owned).collect();
        match grant.user {
            Some(user) if user.is_active => {
                let mut id = Identity::new(user, Self::NAME);
                id.scopes = Some(scopes);
                id.client_id = Some(grant.client_id);
                Outcome::Authenticated(id)
            }
            Some(_) => invalid_token("The resource owner is no longer active."),
            None => Outcome::Client(ClientIdentity {
                client_id: grant.client_id,
                scheme: Self::NAME,
                scopes,
            }),
        }
    }
}
