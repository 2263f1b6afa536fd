//! The token endpoint (RFC 6749 §3.2, §4, §6), revocation (RFC 7009) and
//! introspection (RFC 7662).

use poem::Request;
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use super::{client, pkce, scope, OAuthError};
use crate::{
    context::AuthContext,
    secret,
    store::{now, Application, Claim},
};

/// The form parameters of a token request (every grant's, all optional here so that a
/// missing one is an RFC 6749 `invalid_request`, not a parse error).
#[derive(Debug, Default, Clone, Deserialize, Object)]
pub struct TokenRequest {
    /// `password`, `client_credentials`, `authorization_code` or `refresh_token`.
    pub grant_type: Option<String>,
    /// Resource owner's username (`password`).
    pub username: Option<String>,
    /// Resource owner's password (`password`).
    #[oai(write_only)]
    pub password: Option<String>,
    /// Space-separated scopes; defaults to the configured default scopes.
    pub scope: Option<String>,
    /// Client id, when not sent with HTTP Basic.
    pub client_id: Option<String>,
    /// Client secret, when not sent with HTTP Basic.
    #[oai(write_only)]
    pub client_secret: Option<String>,
    /// The authorization code (`authorization_code`).
    pub code: Option<String>,
    /// The redirect URI of the authorization request (`authorization_code`).
    pub redirect_uri: Option<String>,
    /// The PKCE verifier (`authorization_code`).
    #[oai(write_only)]
    pub code_verifier: Option<String>,
    /// The refresh token (`refresh_token`).
    #[oai(write_only)]
    pub refresh_token: Option<String>,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize, Object)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Always `Bearer`.
    pub token_type: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// A refresh token (not for `client_credentials`).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, OAuthError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::invalid_request(format!("Missing {name} parameter.")))
}

/// Issues an access token (and a refresh token when `with_refresh`) in `family`.
async fn issue(
    ctx: &AuthContext,
    app: &Application,
    user_id: Option<i64>,
    scopes: &str,
    refresh_scopes: &str,
    family: &str,
    with_refresh: bool,
) -> Result<TokenResponse, OAuthError> {
    let settings = &ctx.settings().oauth2;
    let store = ctx.store();
    let access = secret::random_urlsafe(32);
    let lifetime = settings.access_token_lifetime;
    let expires_at = now().saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    store
        .create_access_token(
            &secret::digest(&access),
            app.id,
            user_id,
            scopes,
            family,
            expires_at,
        )
        .await?;
    let refresh_token = match (with_refresh, user_id) {
        (true, Some(user_id)) => {
            let refresh = secret::random_urlsafe(32);
            let expires = settings
                .refresh_token_lifetime
                .map(|s| now().saturating_add(i64::try_from(s).unwrap_or(i64::MAX)));
            store
                .create_refresh_token(
                    &secret::digest(&refresh),
                    app.id,
                    user_id,
                    refresh_scopes,
                    family,
                    expires,
                )
                .await?;
            Some(refresh)
        }
        _ => None,
    };
    Ok(TokenResponse {
        access_token: access,
        expires_in: lifetime,
        token_type: "Bearer".into(),
        scope: scopes.to_owned(),
        refresh_token,
    })
}

/// Answers a token request: authenticates the client, then runs its grant.
///
/// Authorization codes are single-use: a replayed code fails and revokes every token
/// it bought. Refresh tokens rotate (unless configured otherwise): reusing a spent one
/// fails and revokes the whole authorization, so a stolen refresh token works at most
/// once, for the thief or the owner, and then for nobody.
pub async fn token(
    ctx: &AuthContext,
    http: &Request,
    req: TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let app = client::authenticate(
        ctx.store(),
        http.headers(),
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
    )
    .await?;
    let grant_type = required(&req.grant_type, "grant_type")?;
    if !super::client::GRANT_TYPES.contains(&grant_type) {
        return Err(OAuthError::unsupported_grant_type(format!(
            "Unsupported grant type `{grant_type}`."
        )));
    }
    // A refresh is allowed to any client that was issued a refresh token.
    let refresh_implied = grant_type == "refresh_token"
        && (app.allows("authorization_code") || app.allows("password"));
    if !app.allows(grant_type) && !refresh_implied {
        return Err(OAuthError::unauthorized_client(format!(
            "This client may not use the {grant_type} grant."
        )));
    }
    match grant_type {
        "password" => password_grant(ctx, http, &app, &req).await,
        "client_credentials" => client_credentials_grant(ctx, &app, &req).await,
        "authorization_code" => code_grant(ctx, &app, &req).await,
        _ => refresh_grant(ctx, &app, &req).await,
    }
}

async fn password_grant(
    ctx: &AuthContext,
    http: &Request,
    app: &Application,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let username = required(&req.username, "username")?;
    let password = required(&req.password, "password")?;
    let scopes = scope::resolve(req.scope.as_deref(), &ctx.settings().oauth2)?.join(" ");
    let Some(user) = ctx.check_credentials(http, username, password).await? else {
        return Err(OAuthError::invalid_grant("Invalid credentials given."));
    };
    let family = secret::random_hex(16);
    issue(ctx, app, Some(user.id), &scopes, &scopes, &family, true).await
}

async fn client_credentials_grant(
    ctx: &AuthContext,
    app: &Application,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    if app.is_public() {
        return Err(OAuthError::unauthorized_client(
            "A public client cannot use the client_credentials grant.",
        ));
    }
    let scopes = scope::resolve(req.scope.as_deref(), &ctx.settings().oauth2)?.join(" ");
    let family = secret::random_hex(16);
    issue(ctx, app, None, &scopes, &scopes, &family, false).await
}

async fn code_grant(
    ctx: &AuthContext,
    app: &Application,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let code = required(&req.code, "code")?;
    let store = ctx.store();
    let grant = match store.claim_code(&secret::digest(code)).await? {
        Claim::Claimed(grant) => grant,
        Claim::Replayed(family) => {
            store.revoke_family(&family).await?;
            tracing::warn!(client_id = %app.client_id, "authorization code replayed; its tokens are revoked");
            return Err(OAuthError::invalid_grant(
                "Authorization code has already been used; the tokens it produced are revoked.",
            ));
        }
        Claim::Invalid => {
            return Err(OAuthError::invalid_grant(
                "Invalid or expired authorization code.",
            ))
        }
    };
    if grant.application_id != app.id {
        return Err(OAuthError::invalid_grant(
            "The authorization code was issued to another client.",
        ));
    }
    if let Some(expected) = &grant.redirect_uri {
        if req.redirect_uri.as_deref() != Some(expected.as_str()) {
            return Err(OAuthError::invalid_grant("Mismatching redirect URI."));
        }
    }
    match (&grant.code_challenge, &req.code_verifier) {
        (Some(challenge), Some(verifier)) => {
            let method = grant.code_challenge_method.as_deref().unwrap_or("plain");
            if !pkce::verify(challenge, method, verifier) {
                return Err(OAuthError::invalid_grant("Invalid code_verifier."));
            }
        }
        (Some(_), None) => return Err(OAuthError::invalid_grant("Missing code_verifier.")),
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "A code_verifier was sent, but the authorization request had no code_challenge.",
            ))
        }
        (None, None) => {}
    }
    match store.user_by_id(grant.user_id).await? {
        Some(user) if user.is_active => {}
        _ => {
            return Err(OAuthError::invalid_grant(
                "The resource owner is no longer active.",
            ))
        }
    }
    issue(
        ctx,
        app,
        Some(grant.user_id),
        &grant.scope,
        &grant.scope,
        &grant.family,
        true,
    )
    .await
}

async fn refresh_grant(
    ctx: &AuthContext,
    app: &Application,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let token = required(&req.refresh_token, "refresh_token")?;
    let digest = secret::digest(token);
    let store = ctx.store();
    // Checks that need no state change come first, so a refused request does not spend
    // the token: another client's token, and a scope wider than the grant (RFC 6749
    // §6: it may narrow, never widen).
    let wanted = match req.scope.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => Some(scope::resolve(Some(text), &ctx.settings().oauth2)?),
        None => None,
    };
    if let Some(info) = store.refresh_token(&digest).await? {
        if info.application_id != app.id {
            return Err(OAuthError::invalid_grant("Invalid refresh token."));
        }
        if wanted
            .as_ref()
            .is_some_and(|w| !scope::within(w, &info.scope))
        {
            return Err(OAuthError::invalid_scope(
                "The requested scope exceeds the scope originally granted.",
            ));
        }
    }
    let rotate = ctx.settings().oauth2.rotate_refresh_tokens;
    let grant = if rotate {
        match store.claim_refresh_token(&digest).await? {
            Claim::Claimed(grant) => grant,
            Claim::Replayed(family) => {
                store.revoke_family(&family).await?;
                tracing::warn!(client_id = %app.client_id, "rotated refresh token reused; the authorization is revoked");
                return Err(OAuthError::invalid_grant(
                    "Refresh token has already been used; the authorization is revoked.",
                ));
            }
            Claim::Invalid => return Err(OAuthError::invalid_grant("Invalid refresh token.")),
        }
    } else {
        match store.refresh_token(&digest).await? {
            Some(info) => crate::store::RefreshGrant {
                application_id: info.application_id,
                user_id: info.user.id,
                scope: info.scope,
                family: info.family,
            },
            None => return Err(OAuthError::invalid_grant("Invalid refresh token.")),
        }
    };
    // Re-checked on the claimed row, which is authoritative.
    if grant.application_id != app.id {
        return Err(OAuthError::invalid_grant("Invalid refresh token."));
    }
    let scopes = match &wanted {
        Some(w) if !scope::within(w, &grant.scope) => {
            return Err(OAuthError::invalid_scope(
                "The requested scope exceeds the scope originally granted.",
            ))
        }
        Some(w) => w.join(" "),
        None => grant.scope.clone(),
    };
    match store.user_by_id(grant.user_id).await? {
        Some(user) if user.is_active => {}
        _ => {
            return Err(OAuthError::invalid_grant(
                "The resource owner is no longer active.",
            ))
        }
    }
    // The new refresh token keeps the original grant, so that a later refresh may ask
    // for all of it again.
    issue(
        ctx,
        app,
        Some(grant.user_id),
        &scopes,
        &grant.scope,
        &grant.family,
        rotate,
    )
    .await
}

/// RFC 7009: revokes `token` if the authenticated client owns it. A refresh token
/// takes its whole authorization with it. Unknown tokens are not an error.
pub async fn revoke(ctx: &AuthContext, app: &Application, token: &str) -> Result<(), OAuthError> {
    let store = ctx.store();
    let digest = secret::digest(token);
    if let Some(access) = store.access_token(&digest).await? {
        if access.client_id == app.client_id {
            store.revoke_access_token(&digest).await?;
        }
        return Ok(());
    }
    if let Some(refresh) = store.refresh_token(&digest).await? {
        if refresh.application_id == app.id {
            store.revoke_family(&refresh.family).await?;
        }
    }
    Ok(())
}

/// An RFC 7662 introspection response.
#[derive(Debug, Clone, Default, Serialize, Object)]
pub struct Introspection {
    /// Whether the token is live.
    pub active: bool,
    /// Its scopes, space-separated.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Expiry, Unix seconds.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// The client it was issued to.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Its resource owner's username (none for client-credentials tokens).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `Bearer` for access tokens, `refresh_token` for refresh tokens.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

/// RFC 7662: what `token` is, or `{"active": false}` for anything not live.
pub async fn introspect(ctx: &AuthContext, token: &str) -> Result<Introspection, OAuthError> {
    let store = ctx.store();
    let digest = secret::digest(token);
    if let Some(access) = store.access_token(&digest).await? {
        if access.user.as_ref().is_some_and(|u| !u.is_active) {
            return Ok(Introspection::default());
        }
        return Ok(Introspection {
            active: true,
            scope: Some(access.scope),
            exp: Some(access.expires_at),
            client_id: Some(access.client_id),
            username: access.user.map(|u| u.username),
            token_type: Some("Bearer".into()),
        });
    }
    if let Some(refresh) = store.refresh_token(&digest).await? {
        if refresh.user.is_active {
            return Ok(Introspection {
                active: true,
                scope: Some(refresh.scope),
                exp: refresh.expires_at,
                client_id: Some(refresh.client_id),
                username: Some(refresh.user.username),
                token_type: Some("refresh_token".into()),
            });
        }
    }
    Ok(Introspection::default())
}
