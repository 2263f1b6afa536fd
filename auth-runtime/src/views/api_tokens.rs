//! DRF's `obtain_auth_token`, and a user's own named API tokens (django-rest-knox's
//! idea): listed, created and revoked.

use poem::Request;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::{
    body::{Credentials, CredentialsIn, Detail, Fields, Limited},
    Tag,
};
use crate::{
    api_token, authenticated,
    context::AuthContext,
    input::{FieldErrors, Input},
    permission, public, secured,
    store::ApiToken,
    Identity, IsAuthenticated,
};

/// DRF's `obtain_auth_token` at `/token-auth/`: `{username, password}` → `{token}`, a
/// key to send as `Authorization: Token <key>`. Each call issues a new token (keys
/// are stored as digests, so an earlier one cannot be shown again); it lives
/// `token.lifetime` when that is set.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{testing, views::{Mount, TokenAuthView}};
/// use poem::{test::TestClient, EndpointExt};
/// auth_runtime::prefix!(pub Api = "/api");
///
/// let ctx = testing::memory_context().await;
/// testing::user("ann").password("correct horse battery").create(&ctx).await;
/// let api = poem_openapi::OpenApiService::new(Mount::<Api, TokenAuthView>::default(), "app", "1");
/// let client = TestClient::new(api.with(ctx.layer()));
/// let resp = client.post("/api/token-auth")
///     .body_json(&serde_json::json!({"username": "ann", "password": "correct horse battery"}))
///     .send().await;
/// resp.assert_status_is_ok();
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenAuthView;

/// A user's own API tokens at `/tokens/` and `/tokens/{id}/`: list (no keys), create
/// (named, the key shown once, never outliving `token.lifetime`) and revoke.
/// Creating one is a sensitive operation: it takes the password (Basic) or a browser
/// session, not a bearer token, so a short-lived credential cannot mint a lasting one.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{testing, views::{ApiTokenViews, Mount}};
/// use poem::{test::TestClient, EndpointExt};
/// auth_runtime::prefix!(pub Api = "/api");
///
/// let ctx = testing::memory_context().await;
/// let ann = testing::user("ann").create(&ctx).await;
/// let api = poem_openapi::OpenApiService::new(Mount::<Api, ApiTokenViews>::default(), "app", "1");
/// let client = TestClient::new(api.with(ctx.layer()));
/// let resp = testing::force_authenticate(client.get("/api/tokens"), &ann).send().await;
/// resp.assert_status_is_ok();
/// resp.assert_json(serde_json::json!([])).await;
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiTokenViews;

/// `{"token": key}`.
#[derive(Debug, Object)]
pub struct TokenOut {
    /// Send it as `Authorization: Token <key>`.
    pub token: String,
}

/// A token to create.
#[derive(Debug, Object, Deserialize)]
pub struct NewTokenIn {
    /// What it is for (`laptop`, `ci`); 1 to 100 characters.
    pub name: String,
    /// Lifetime in seconds, at most `token.lifetime` when that is set; without it the
    /// token lives `token.lifetime` (or, when that is unset, does not expire).
    pub expires_in: Option<u64>,
}

/// A token just created: the only time its key is shown.
#[derive(Debug, Object)]
pub struct CreatedToken {
    /// Its id, to revoke it.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Send it as `Authorization: Token <key>`.
    pub token: String,
    /// Unix seconds, or null for never.
    pub expires_at: Option<i64>,
}

/// A token as listed to its owner (no key).
#[derive(Debug, Object)]
pub struct TokenInfo {
    /// Its id, to revoke it.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The key's first characters.
    pub prefix: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, or null for never.
    pub expires_at: Option<i64>,
}

impl From<ApiToken> for TokenInfo {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            expires_at: t.expires_at,
        }
    }
}

/// What the token view answers.
#[derive(ApiResponse)]
pub enum TokenAuthResponse {
    /// A new token.
    #[oai(status = 200)]
    Ok(Json<TokenOut>),
    /// Missing fields, or `{"non_field_errors": ["Unable to log in with provided credentials."]}`.
    #[oai(status = 400)]
    Invalid(Fields),
}

/// What creating a token answers.
#[derive(ApiResponse)]
pub enum CreateResponse {
    /// Created; the key is in `token`.
    #[oai(status = 201)]
    Created(Json<CreatedToken>),
    /// Field errors.
    #[oai(status = 400)]
    Invalid(Fields),
}

/// What revoking a token answers.
#[derive(ApiResponse)]
pub enum DeleteResponse {
    /// Revoked.
    #[oai(status = 204)]
    Revoked,
    /// You have no token with this id.
    #[oai(status = 404)]
    NotFound(Json<Detail>),
}

/// Name of the tokens the token view issues.
const TOKEN_AUTH_NAME: &str = "token-auth";

fn name_error(name: &str) -> Option<FieldErrors> {
    let len = name.chars().count();
    if len == 0 || len > 100 || name.chars().any(char::is_control) {
        Some(FieldErrors::from([(
            "name".to_owned(),
            vec!["Ensure this field has 1 to 100 printable characters.".to_owned()],
        )]))
    } else {
        None
    }
}

#[secured]
#[OpenApi(tag = "Tag::Accounts")]
impl TokenAuthView {
    /// Issues an API token for username and password (DRF's `obtain_auth_token`). Each
    /// call issues a new token: keys are stored as digests, so an earlier one cannot
    /// be shown again.
    #[public]
    #[oai(path = "/token-auth/", method = "post")]
    async fn token_auth(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: CredentialsIn,
    ) -> poem::Result<Limited<TokenAuthResponse>> {
        token_auth_checked(req, ctx, body).await.map(Limited)
    }
}

#[secured]
#[OpenApi(tag = "Tag::ApiTokens")]
impl ApiTokenViews {
    /// Your API tokens, newest first (keys are never shown again).
    #[authenticated(session, jwt, token, basic)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/tokens/", method = "get")]
    async fn list(&self, ctx: AuthContext, who: Identity) -> poem::Result<Json<Vec<TokenInfo>>> {
        let tokens = ctx.store().list_api_tokens(who.user.id).await?;
        Ok(Json(tokens.into_iter().map(TokenInfo::from).collect()))
    }

    /// Creates a named token. A sensitive operation: it needs the password (Basic) or a
    /// browser session, not a bearer token, so that a short-lived credential cannot
    /// mint a lasting one; and the token lives at most `token.lifetime`.
    #[authenticated(session, basic)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/tokens/", method = "post")]
    async fn create(
        &self,
        ctx: AuthContext,
        who: Identity,
        body: Input<NewTokenIn>,
    ) -> poem::Result<CreateResponse> {
        let body = body.into_inner();
        let name = body.name;
        if let Some(errors) = name_error(&name) {
            return Ok(CreateResponse::Invalid(Json(errors)));
        }
        let lifetime = match api_token::lifetime(&ctx.settings().token, body.expires_in) {
            Ok(lifetime) => lifetime,
            Err(e) => {
                return Ok(CreateResponse::Invalid(Json(FieldErrors::from([(
                    "expires_in".to_owned(),
                    vec![e.to_string()],
                )]))))
            }
        };
        let issued = api_token::issue(ctx.store(), who.user.id, &name, lifetime).await?;
        Ok(CreateResponse::Created(Json(CreatedToken {
            id: issued.id,
            name: issued.name,
            token: issued.key,
            expires_at: issued.expires_at,
        })))
    }

    /// Revokes one of your tokens.
    #[authenticated(session, jwt, token, basic)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/tokens/:id/", method = "delete")]
    async fn revoke(
        &self,
        ctx: AuthContext,
        who: Identity,
        id: Path<i64>,
    ) -> poem::Result<DeleteResponse> {
        Ok(if ctx.store().delete_api_token(who.user.id, id.0).await? {
            DeleteResponse::Revoked
        } else {
            DeleteResponse::NotFound(Json(Detail::not_found()))
        })
    }
}

/// The view behind `token_auth`, before its 429 is documented.
async fn token_auth_checked(
    req: &Request,
    ctx: AuthContext,
    body: CredentialsIn,
) -> poem::Result<TokenAuthResponse> {
    let Credentials { username, password } = body.into_inner();
    let Some(user) = ctx.check_credentials(req, &username, &password).await? else {
        return Ok(TokenAuthResponse::Invalid(Json(FieldErrors::from([(
            "non_field_errors".to_owned(),
            vec!["Unable to log in with provided credentials.".to_owned()],
        )]))));
    };
    let lifetime = ctx.settings().token.lifetime;
    let issued = api_token::issue(ctx.store(), user.id, TOKEN_AUTH_NAME, lifetime).await?;
    Ok(TokenAuthResponse::Ok(Json(TokenOut { token: issued.key })))
}
