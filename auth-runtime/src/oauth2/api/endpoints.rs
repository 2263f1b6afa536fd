//! The endpoints clients call: token, revocation, introspection, and the server's
//! metadata.

use poem::{http::header, Request};
use poem_openapi::{payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    oauth2::{
        client,
        form::OAuthForm,
        token::{self, Introspection, TokenRequest, TokenResponse},
        OAuthError,
    },
    public,
    schemes::OAuth2,
    secured,
    store::Application,
};

/// `Cache-Control: no-store`, required on token responses (RFC 6749 §5.1).
pub(super) const NO_STORE: &str = "no-store";

#[derive(ApiResponse)]
enum TokenOk {
    /// The tokens.
    #[oai(status = 200)]
    Ok(
        Json<TokenResponse>,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Pragma")] String,
    ),
}

/// Revocation and introspection parameters.
#[derive(Debug, Default, Deserialize, Object)]
struct TokenQuery {
    /// The token.
    #[oai(write_only)]
    token: Option<String>,
    /// `access_token` or `refresh_token` (a hint; both are searched).
    token_type_hint: Option<String>,
    /// Client id, when not sent with HTTP Basic.
    client_id: Option<String>,
    /// Client secret, when not sent with HTTP Basic.
    #[oai(write_only)]
    client_secret: Option<String>,
}

#[derive(ApiResponse)]
enum RevokeOk {
    /// Revoked, or there was nothing to revoke (RFC 7009 §2.2).
    #[oai(status = 200)]
    Ok(Json<Value>),
}

#[derive(ApiResponse)]
enum IntrospectOk {
    /// What the token is; `{"active": false}` for anything not live.
    #[oai(status = 200)]
    Ok(Json<Introspection>, #[oai(header = "Cache-Control")] String),
}

/// Who may introspect what (RFC 7662 §4: the endpoint must not be an oracle for
/// anyone who holds a token): a client an administrator gave the `introspection` scope
/// (by its `client_credentials` token as the bearer, or by its own credentials) may
/// introspect any token; any other confidential client, only tokens issued to itself;
/// a public client or a user, nothing.
async fn introspector(
    req: &Request,
    ctx: &AuthContext,
    form: &TokenQuery,
) -> Result<token::Introspector, OAuthError> {
    let privileged = |app: &Application| app.privileged_scopes.iter().any(|s| s == INTROSPECTION);
    let authorization = req.headers().get(header::AUTHORIZATION);
    let basic = crate::net::authorization_words(authorization, b"basic").is_some();
    if authorization.is_some() && !basic && form.client_id.is_none() {
        // A bearer token: the client's own `client_credentials` token, whose client
        // must still hold the grant (an administrator may have withdrawn it).
        if let Outcome::Client(client) = OAuth2::authenticate(req, ctx).await {
            if client.scopes.iter().any(|s| s == INTROSPECTION) {
                if let Some((app, _)) = ctx
                    .store()
                    .application_by_client_id(&client.client_id)
                    .await?
                {
                    if privileged(&app) {
                        return Ok(token::Introspector::Any);
                    }
                }
            }
        }
        return Err(OAuthError::invalid_client(
            "The bearer token is invalid or lacks the introspection scope.",
        ));
    }
    let app = client::authenticate(
        ctx.store(),
        req.headers(),
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )
    .await?;
    if app.is_public() {
        return Err(OAuthError::invalid_client(
            "A public client cannot introspect tokens: it cannot authenticate.",
        ));
    }
    Ok(if privileged(&app) {
        token::Introspector::Any
    } else {
        token::Introspector::Client(app.client_id)
    })
}

/// The privileged scope that allows introspecting any token.
const INTROSPECTION: &str = "introspection";

/// This server's base URL for the metadata document: `oauth2.issuer` when set (do set
/// it in production: RFC 8414 wants a fixed issuer), else the request's `Host`, and its
/// scheme as [`is_https`](crate::net::is_https) believes it.
fn issuer(ctx: &AuthContext, req: &Request) -> String {
    if let Some(issuer) = &ctx.settings().oauth2.issuer {
        return issuer.trim_end_matches('/').to_owned();
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = if crate::net::is_https(req, ctx.settings().throttle.num_proxies) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The token, revocation and introspection endpoints and the server metadata (part
/// of [`OAuth2Api`](super::OAuth2Api)).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenEndpoints;

#[secured]
#[OpenApi(tag = "crate::docs::Tag::OAuth2")]
impl TokenEndpoints {
    /// The token endpoint (RFC 6749): grants `password`, `client_credentials`,
    /// `authorization_code` (with PKCE) and `refresh_token`. Client authentication by
    /// HTTP Basic or `client_id`/`client_secret` in the form.
    #[public]
    #[oai(path = "/o/token/", method = "post")]
    async fn token(
        &self,
        req: &Request,
        ctx: AuthContext,
        form: OAuthForm<TokenRequest>,
    ) -> Result<TokenOk, OAuthError> {
        let issued = token::token(&ctx, req, form.0?).await?;
        Ok(TokenOk::Ok(
            Json(issued),
            NO_STORE.into(),
            "no-cache".into(),
        ))
    }

    /// Token revocation (RFC 7009). Always 200 for an authenticated client, whether
    /// or not the token existed; a refresh token takes its whole authorization along.
    #[public]
    #[oai(path = "/o/revoke_token/", method = "post")]
    async fn revoke_token(
        &self,
        req: &Request,
        ctx: AuthContext,
        form: OAuthForm<TokenQuery>,
    ) -> Result<RevokeOk, OAuthError> {
        let form = form.0?;
        let app = client::authenticate(
            ctx.store(),
            req.headers(),
            form.client_id.as_deref(),
            form.client_secret.as_deref(),
        )
        .await?;
        let token = form
            .token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("Missing token parameter."))?;
        token::revoke(&ctx, &app, &token).await?;
        Ok(RevokeOk::Ok(Json(json!({}))))
    }

    /// Token introspection (RFC 7662). A client an administrator gave the
    /// `introspection` scope introspects any token, authenticated by its credentials or
    /// by a `client_credentials` token of its own as the bearer; another confidential
    /// client only its own tokens (others are `{"active": false}`); a public client,
    /// none.
    #[public]
    #[oai(path = "/o/introspect/", method = "post")]
    async fn introspect(
        &self,
        req: &Request,
        ctx: AuthContext,
        form: OAuthForm<TokenQuery>,
    ) -> Result<IntrospectOk, OAuthError> {
        let form = form.0?;
        let caller = introspector(req, &ctx, &form).await?;
        let token = form
            .token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("Missing token parameter."))?;
        Ok(IntrospectOk::Ok(
            Json(token::introspect(&ctx, &token, &caller).await?),
            NO_STORE.into(),
        ))
    }

    /// Authorization server metadata (RFC 8414).
    #[public]
    #[oai(
        path = "/.well-known/oauth-authorization-server",
        method = "get",
        tag = "crate::docs::Tag::WellKnown"
    )]
    async fn metadata(&self, req: &Request, ctx: AuthContext) -> Json<Value> {
        let base = issuer(&ctx, req);
        let settings = &ctx.settings().oauth2;
        let mut pkce = vec!["S256"];
        if settings.allow_plain_pkce {
            pkce.push("plain");
        }
        let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
        Json(json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/o/authorize/"),
            "token_endpoint": format!("{base}/o/token/"),
            "revocation_endpoint": format!("{base}/o/revoke_token/"),
            "introspection_endpoint": format!("{base}/o/introspect/"),
            "scopes_supported": settings.scopes.keys().collect::<Vec<_>>(),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": client::GRANT_TYPES,
            "token_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": pkce,
        }))
    }
}
