use std::collections::BTreeMap;

use auth_runtime::{
    api_token, authenticated, public, secured, store::ApiToken, AuthContext, Identity,
};
use poem::Request;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;

use crate::input::{required, FieldErrors, Input};

/// DRF's `obtain_auth_token` at `/api/token-auth/`, and `/api/tokens/`: a user's own
/// named tokens, listed and revoked (django-rest-knox's idea).
pub struct ApiTokensApi;

/// Credentials for a token.
#[derive(Object, Deserialize)]
struct TokenAuthIn {
    username: Option<String>,
    #[oai(write_only)]
    password: Option<String>,
}

/// `{"token": key}`.
#[derive(Object)]
struct TokenOut {
    /// Send it as `Authorization: Token <key>`.
    token: String,
}

/// A token to create.
#[derive(Object, Deserialize)]
struct NewTokenIn {
    /// What it is for (`laptop`, `ci`); 1 to 100 characters.
    name: Option<String>,
    /// Lifetime in seconds; without it the token does not expire.
    expires_in: Option<u64>,
}

/// A token just created: the only time its key is shown.
#[derive(Object)]
struct CreatedToken {
    id: i64,
    name: String,
    /// Send it as `Authorization: Token <key>`.
    token: String,
    /// Unix seconds, or null for never.
    expires_at: Option<i64>,
}

/// A token as listed to its owner (no key).
#[derive(Object)]
struct TokenInfo {
    id: i64,
    name: String,
    /// The key's first characters.
    prefix: String,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds, or null for never.
    expires_at: Option<i64>,
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

#[derive(ApiResponse)]
enum TokenAuthResponse {
    /// A new token.
    #[oai(status = 200)]
    Ok(Json<TokenOut>),
    /// Missing fields, or `{"non_field_errors": ["Unable to log in with provided credentials."]}`.
    #[oai(status = 400)]
    Invalid(Json<FieldErrors>),
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// Created; the key is in `token`.
    #[oai(status = 201)]
    Created(Json<CreatedToken>),
    /// Field errors.
    #[oai(status = 400)]
    Invalid(Json<FieldErrors>),
}

#[derive(ApiResponse)]
enum DeleteResponse {
    /// Revoked.
    #[oai(status = 204)]
    Revoked,
    /// You have no token with this id.
    #[oai(status = 404)]
    NotFound(Json<BTreeMap<String, String>>),
}

/// Name of the tokens `POST /api/token-auth/` issues.
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
#[OpenApi]
impl ApiTokensApi {
    /// Issues an API token for username and password (DRF's `obtain_auth_token`). Each
    /// call issues a new token: keys are stored as digests, so an earlier one cannot
    /// be shown again.
    #[public]
    #[oai(path = "/api/token-auth/", method = "post")]
    async fn token_auth(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: Input<TokenAuthIn>,
    ) -> poem::Result<TokenAuthResponse> {
        let body = body.into_inner();
        let (Some(username), Some(password)) = (&body.username, &body.password) else {
            return Ok(TokenAuthResponse::Invalid(Json(required(&[
                ("username", body.username.is_none()),
                ("password", body.password.is_none()),
            ]))));
        };
        let Some(user) = ctx.check_credentials(req, username, password).await? else {
            return Ok(TokenAuthResponse::Invalid(Json(FieldErrors::from([(
                "non_field_errors".to_owned(),
                vec!["Unable to log in with provided credentials.".to_owned()],
            )]))));
        };
        let lifetime = ctx.settings().token.lifetime;
        let issued = api_token::issue(ctx.store(), user.id, TOKEN_AUTH_NAME, lifetime).await?;
        Ok(TokenAuthResponse::Ok(Json(TokenOut { token: issued.key })))
    }

    /// Your API tokens, newest first (keys are never shown again).
    #[authenticated(session, jwt, token, basic)]
    #[oai(path = "/api/tokens/", method = "get")]
    async fn list(&self, ctx: AuthContext, who: Identity) -> poem::Result<Json<Vec<TokenInfo>>> {
        let tokens = ctx.store().list_api_tokens(who.user.id).await?;
        Ok(Json(tokens.into_iter().map(TokenInfo::from).collect()))
    }

    /// Creates a named token, optionally expiring.
    #[authenticated(session, jwt, token, basic)]
    #[oai(path = "/api/tokens/", method = "post")]
    async fn create(
        &self,
        ctx: AuthContext,
        who: Identity,
        body: Input<NewTokenIn>,
    ) -> poem::Result<CreateResponse> {
        let body = body.into_inner();
        let Some(name) = body.name else {
            return Ok(CreateResponse::Invalid(Json(required(&[("name", true)]))));
        };
        if let Some(errors) = name_error(&name) {
            return Ok(CreateResponse::Invalid(Json(errors)));
        }
        let issued = api_token::issue(ctx.store(), who.user.id, &name, body.expires_in).await?;
        Ok(CreateResponse::Created(Json(CreatedToken {
            id: issued.id,
            name: issued.name,
            token: issued.key,
            expires_at: issued.expires_at,
        })))
    }

    /// Revokes one of your tokens.
    #[authenticated(session, jwt, token, basic)]
    #[oai(path = "/api/tokens/:id/", method = "delete")]
    async fn revoke(
        &self,
        ctx: AuthContext,
        who: Identity,
        id: Path<i64>,
    ) -> poem::Result<DeleteResponse> {
        Ok(if ctx.store().delete_api_token(who.user.id, id.0).await? {
            DeleteResponse::Revoked
        } else {
            DeleteResponse::NotFound(Json(BTreeMap::from([(
                "detail".to_owned(),
                "Not found.".to_owned(),
            )])))
        })
    }
}
