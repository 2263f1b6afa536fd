//! The token endpoint (RFC 6749 §3.2, §4, §6), revocation (RFC 7009) and
//! introspection (RFC 7662).

use poem::Request;
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use super::{client, pkce, scope, OAuthError};
use crate::{
    context::AuthContext,
    secret,
    store::{now, Application, Claim, NewTokens},
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

/// New tokens, before they are stored: the values for the response, the digests for
/// the store.
struct Minted {
    access: String,
    refresh: Option<String>,
    stored: NewTokens,
    lifetime: u64,
}

impl Minted {
    /// An access token, and a refresh token when `with_refresh`; `access_scope` when the
    /// access token is narrower than its grant.
    fn new(ctx: &AuthContext, with_refresh: bool, access_scope: Option<String>) -> Self {
        let settings = &ctx.settings().oauth2;
        let lifetime = settings.access_token_lifetime;
        let later = |s: u64| now().saturating_add(i64::try_from(s).unwrap_or(i64::MAX));
        let access = secret::random_urlsafe(32);
        let refresh = with_refresh.then(|| secret::random_urlsafe(32));
        let stored = NewTokens {
            access_digest: secret::digest(&access),
            access_expires_at: later(lifetime),
            access_scope,
            refresh: refresh.as_deref().map(|r| {
                (
                    secret::digest(r),
                    settings.refresh_token_lifetime.map(later),
                )
            }),
        };
        Self {
            access,
            refresh,
            stored,
            lifetime,
        }
    }

    fn response(self, scope: &str) -> TokenResponse {
        TokenResponse {
            access_token: self.access,
            expires_in: self.lifetime,
            token_type: "Bearer".into(),
            scope: self.stored.access_scope.unwrap_or_else(|| scope.to_owned()),
            refresh_token: self.refresh,
        }
    }
}

/// Issues an access token (and, for a user, a refresh token when `with_refresh`) in
/// `family`, for a grant that spends nothing (password, client credentials).
async fn issue(
    ctx: &AuthContext,
    app: &Application,
    user_id: Option<i64>,
    scopes: &str,
    family: &str,
    with_refresh: bool,
) -> Result<TokenResponse, OAuthError> {
    let minted = Minted::new(ctx, with_refresh && user_id.is_some(), None);
    ctx.store()
        .issue_tokens(app.id, user_id, scopes, family, &minted.stored)
        .await?;
    Ok(minted.response(scopes))
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
        // Named from the list, not echoed: error bodies never repeat the input.
        return Err(OAuthError::unsupported_grant_type(format!(
            "Unsupported grant type; use one of {}.",
            super::client::GRANT_TYPES.join(", ")
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
    let scopes = scope::resolve(req.scope.as_deref(), &ctx.settings().oauth2, &[])?.join(" ");
    let Some(user) = ctx.check_credentials(http, username, password).await? else {
        return Err(OAuthError::invalid_grant("Invalid credentials given."));
    };
    let family = secret::random_hex(16);
    issue(ctx, app, Some(user.id), &scopes, &family, true).await
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
    // Privileged scopes only here: for the client's own tokens, as an administrator
    // allowed them.
    let scopes = scope::resolve(
        req.scope.as_deref(),
        &ctx.settings().oauth2,
        &app.privileged_scopes,
    )?
    .join(" ");
    let family = secret::random_hex(16);
    issue(ctx, app, None, &scopes, &family, false).await
}

async fn code_grant(
    ctx: &AuthContext,
    app: &Application,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let code = required(&req.code, "code")?;
    let store = ctx.store();
    let digest = secret::digest(code);
    // Every check comes before the code is spent, so a failed exchange (a wrong
    // redirect URI or verifier, another client) leaves it to its rightful client.
    let Some((grant, spent)) = store.code(&digest).await? else {
        return Err(OAuthError::invalid_grant(
            "Invalid or expired authorization code.",
        ));
    };
    if grant.application_id != app.id {
        return Err(OAuthError::invalid_grant(
            "The authorization code was issued to another client.",
        ));
    }
    if spent {
        return Err(replayed(ctx, app, &grant.family).await?);
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
    // Spent atomically, with the tokens it buys: of concurrent exchanges that all
    // passed, one wins.
    let minted = Minted::new(ctx, true, None);
    match store.claim_code(&digest, &minted.stored).await? {
        Claim::Claimed(grant) => Ok(minted.response(&grant.scope)),
        Claim::Replayed(family) => Err(replayed(ctx, app, &family).await?),
        Claim::Invalid => Err(OAuthError::invalid_grant(
            "Invalid or expired authorization code.",
        )),
    }
}

/// A second exchange of a code by its own client: what the code bought is revoked
/// (RFC 6749 §4.1.2), since one of the two exchanges was not the client's.
async fn replayed(
    ctx: &AuthContext,
    app: &Application,
    family: &str,
) -> Result<OAuthError, OAuthError> {
    ctx.store().revoke_family(family).await?;
    tracing::warn!(client_id = %app.client_id, "authorization code replayed; its tokens are revoked");
    Ok(OAuthError::invalid_grant(
        "Authorization code has already been used; the tokens it produced are revoked.",
    ))
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
        Some(text) => Some(scope::resolve(Some(text), &ctx.settings().oauth2, &[])?),
        None => None,
    };
    let info = store.refresh_token(&digest).await?;
    if let Some(info) = &info {
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
        if !info.user.is_active {
            return Err(OAuthError::invalid_grant(
                "The resource owner is no longer active.",
            ));
        }
    }
    let access_scope = wanted.map(|w| w.join(" "));
    if !ctx.settings().oauth2.rotate_refresh_tokens {
        let Some(info) = info else {
            return Err(OAuthError::invalid_grant("Invalid refresh token."));
        };
        let scopes = access_scope.as_deref().unwrap_or(&info.scope);
        return issue(ctx, app, Some(info.user.id), scopes, &info.family, false).await;
    }
    // Spent atomically with its successors, which keep the original grant so that a
    // later refresh may ask for all of it again.
    let minted = Minted::new(ctx, true, access_scope);
    match store.claim_refresh_token(&digest, &minted.stored).await? {
        // The claimed row is the one checked above: a live token is claimed only once.
        Claim::Claimed(grant) => Ok(minted.response(&grant.scope)),
        Claim::Replayed(family) => {
            store.revoke_family(&family).await?;
            tracing::warn!(client_id = %app.client_id, "rotated refresh token reused; the authorization is revoked");
            Err(OAuthError::invalid_grant(
                "Refresh token has already been used; the authorization is revoked.",
            ))
        }
        Claim::Invalid => Err(OAuthError::invalid_grant("Invalid refresh token.")),
    }
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

/// Who asks to introspect, and so which tokens it may learn about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Introspector {
    /// A client an administrator allowed the `introspection` scope: any token.
    Any,
    /// Any other confidential client (by its client id): only tokens issued to it.
    Client(String),
}

impl Introspector {
    fn may_see(&self, client_id: &str) -> bool {
        match self {
            Introspector::Any => true,
            Introspector::Client(own) => own == client_id,
        }
    }
}

/// RFC 7662: what `token` is, or `{"active": false}` for anything not live or not the
/// caller's to see.
pub async fn introspect(
    ctx: &AuthContext,
    token: &str,
    caller: &Introspector,
) -> Result<Introspection, OAuthError> {
    let store = ctx.store();
    let digest = secret::digest(token);
    if let Some(access) = store.access_token(&digest).await? {
        let hidden = !caller.may_see(&access.client_id);
        if hidden || access.user.as_ref().is_some_and(|u| !u.is_active) {
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
        if refresh.user.is_active && caller.may_see(&refresh.client_id) {
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
