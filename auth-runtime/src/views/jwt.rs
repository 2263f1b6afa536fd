//! simplejwt's views: obtain a pair, refresh, verify, blacklist; sliding tokens; the
//! public keys.

use std::collections::BTreeMap;

use poem::Request;
use poem_openapi::{payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;
use serde_json::Value;

use super::{
    body::{Credentials, CredentialsIn, Detail, Fields, Limited},
    Tag,
};
use crate::{
    authenticator::Authenticator,
    context::AuthContext,
    input::Input,
    jwt::{Refreshed, TokenPair},
    public,
    schemes::Jwt,
    secured,
};

/// simplejwt's `TokenObtainPairView`, `TokenRefreshView`, `TokenVerifyView` and
/// `TokenBlacklistView`, at `/token/`, `/token/refresh/`, `/token/verify/` and
/// `/token/blacklist/`: mount them under a prefix of yours with
/// [`Mount`](super::Mount). Lifetimes, rotation and blacklisting follow `jwt.*` in
/// [`Settings`](crate::Settings).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{testing, views::{JwtViews, Mount}};
/// use poem::{test::TestClient, EndpointExt};
/// auth_runtime::prefix!(pub Api = "/api");
///
/// let ctx = testing::memory_context().await;
/// testing::user("ann").password("correct horse battery").create(&ctx).await;
/// let api = poem_openapi::OpenApiService::new(Mount::<Api, JwtViews>::default(), "app", "1");
/// let client = TestClient::new(api.with(ctx.layer()));
/// let resp = client.post("/api/token")
///     .body_json(&serde_json::json!({"username": "ann", "password": "correct horse battery"}))
///     .send().await;
/// resp.assert_status_is_ok();
/// let pair = resp.json().await;
/// assert!(pair.value().object().get_opt("refresh").is_some());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct JwtViews;

/// simplejwt's `TokenObtainSlidingView` and `TokenRefreshSlidingView`, at
/// `/token/sliding/` and `/token/sliding/refresh/`. Sliding tokens authenticate only
/// when `jwt.auth_token_types` lists `sliding`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlidingJwtViews;

/// The public keys that verify this server's tokens (RFC 7517) at
/// `/.well-known/jwks.json`; empty for HMAC algorithms, whose key is secret.
#[derive(Debug, Clone, Copy, Default)]
pub struct JwksView;

/// `{refresh}`.
#[derive(Debug, Object, Deserialize)]
pub struct RefreshIn {
    /// A refresh token.
    pub refresh: String,
}

/// `{token}`.
#[derive(Debug, Object, Deserialize)]
pub struct TokenIn {
    /// A token.
    pub token: String,
}

/// `{token}`: a sliding token.
#[derive(Debug, Object)]
pub struct SlidingOut {
    /// The sliding token.
    pub token: String,
}

/// The `WWW-Authenticate` header of the views' 401s.
fn challenge() -> String {
    Jwt::CHALLENGE.to_owned()
}

/// What the obtain view answers.
#[derive(ApiResponse)]
pub enum PairResponse {
    /// A new access/refresh pair.
    #[oai(status = 200)]
    Ok(Json<TokenPair>),
    /// A field is missing.
    #[oai(status = 400)]
    Invalid(Fields),
    /// `No active account found with the given credentials`.
    #[oai(status = 401)]
    Unauthorized(Json<Detail>, #[oai(header = "WWW-Authenticate")] String),
}

/// What the refresh view answers.
#[derive(ApiResponse)]
pub enum RefreshResponse {
    /// A new access token (and refresh token when rotating).
    #[oai(status = 200)]
    Ok(Json<Refreshed>),
    /// A field is missing.
    #[oai(status = 400)]
    Invalid(Fields),
    /// `token_not_valid`: invalid, expired, wrong type or blacklisted.
    #[oai(status = 401)]
    Unauthorized(Json<Detail>, #[oai(header = "WWW-Authenticate")] String),
}

/// What the verify and blacklist views answer.
#[derive(ApiResponse)]
pub enum EmptyResponse {
    /// `{}`.
    #[oai(status = 200)]
    Ok(Json<BTreeMap<String, String>>),
    /// A field is missing.
    #[oai(status = 400)]
    Invalid(Fields),
    /// `token_not_valid`.
    #[oai(status = 401)]
    Unauthorized(Json<Detail>, #[oai(header = "WWW-Authenticate")] String),
}

/// What the sliding views answer.
#[derive(ApiResponse)]
pub enum SlidingResponse {
    /// A sliding token.
    #[oai(status = 200)]
    Ok(Json<SlidingOut>),
    /// A field is missing.
    #[oai(status = 400)]
    Invalid(Fields),
    /// Wrong credentials, or an invalid, expired or blacklisted token.
    #[oai(status = 401)]
    Unauthorized(Json<Detail>, #[oai(header = "WWW-Authenticate")] String),
}

/// The 401 of a refused token, or the error of a store failure.
fn refused<T>(
    e: crate::jwt::TokenError,
    variant: impl FnOnce(Json<Detail>, String) -> T,
) -> poem::Result<T> {
    Detail::from_token_error(e).map(|d| variant(Json(d), challenge()))
}

#[secured]
#[OpenApi(tag = "Tag::Jwt")]
impl JwtViews {
    /// Obtains an access/refresh pair with username and password.
    #[public]
    #[oai(path = "/token/", method = "post")]
    async fn obtain(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: CredentialsIn,
    ) -> poem::Result<Limited<PairResponse>> {
        obtain_checked(req, ctx, body).await.map(Limited)
    }

    /// Exchanges a refresh token for a new access token; with rotation, also a new
    /// refresh token, and (with blacklisting) the old one is dead.
    #[public]
    #[oai(path = "/token/refresh/", method = "post")]
    async fn refresh(
        &self,
        ctx: AuthContext,
        body: Input<RefreshIn>,
    ) -> poem::Result<RefreshResponse> {
        let token = body.into_inner().refresh;
        match ctx.jwt().refresh(ctx.store(), &token).await {
            Ok(r) => Ok(RefreshResponse::Ok(Json(r))),
            Err(e) => refused(e, RefreshResponse::Unauthorized),
        }
    }

    /// Checks a token (access or refresh); a blacklisted token is invalid.
    #[public]
    #[oai(path = "/token/verify/", method = "post")]
    async fn verify(&self, ctx: AuthContext, body: Input<TokenIn>) -> poem::Result<EmptyResponse> {
        let token = body.into_inner().token;
        match ctx.jwt().verify(ctx.store(), &token).await {
            Ok(()) => Ok(EmptyResponse::Ok(Json(BTreeMap::new()))),
            Err(e) => refused(e, EmptyResponse::Unauthorized),
        }
    }

    /// JWT logout: blacklists a refresh (or sliding) token.
    #[public]
    #[oai(path = "/token/blacklist/", method = "post")]
    async fn blacklist(
        &self,
        ctx: AuthContext,
        body: Input<RefreshIn>,
    ) -> poem::Result<EmptyResponse> {
        let token = body.into_inner().refresh;
        match ctx.jwt().blacklist(ctx.store(), &token).await {
            Ok(()) => Ok(EmptyResponse::Ok(Json(BTreeMap::new()))),
            Err(e) => refused(e, EmptyResponse::Unauthorized),
        }
    }
}

#[secured]
#[OpenApi(tag = "Tag::Jwt")]
impl SlidingJwtViews {
    /// Obtains a sliding token: one token that authenticates and is refreshed until its
    /// `refresh_exp`.
    #[public]
    #[oai(path = "/token/sliding/", method = "post")]
    async fn obtain_sliding(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: CredentialsIn,
    ) -> poem::Result<Limited<SlidingResponse>> {
        obtain_sliding_checked(req, ctx, body).await.map(Limited)
    }

    /// Refreshes a sliding token.
    #[public]
    #[oai(path = "/token/sliding/refresh/", method = "post")]
    async fn refresh_sliding(
        &self,
        ctx: AuthContext,
        body: Input<TokenIn>,
    ) -> poem::Result<SlidingResponse> {
        let token = body.into_inner().token;
        match ctx.jwt().refresh_sliding(ctx.store(), &token).await {
            Ok(token) => Ok(SlidingResponse::Ok(Json(SlidingOut { token }))),
            Err(e) => refused(e, SlidingResponse::Unauthorized),
        }
    }
}

#[secured]
#[OpenApi(tag = "Tag::WellKnown")]
impl JwksView {
    /// The public keys that verify this server's tokens (RFC 7517); empty for HMAC
    /// algorithms, whose key is secret.
    #[public]
    #[oai(path = "/.well-known/jwks.json", method = "get")]
    async fn jwks(&self, ctx: AuthContext) -> poem::Result<Json<Value>> {
        serde_json::to_value(ctx.jwt().jwks())
            .map(Json)
            .map_err(|e| poem::Error::new(e, poem::http::StatusCode::INTERNAL_SERVER_ERROR))
    }
}

/// The view behind `obtain`, before its 429 is documented.
async fn obtain_checked(
    req: &Request,
    ctx: AuthContext,
    body: CredentialsIn,
) -> poem::Result<PairResponse> {
    let Credentials { username, password } = body.into_inner();
    let Some(user) = ctx.check_credentials(req, &username, &password).await? else {
        return Ok(PairResponse::Unauthorized(
            Json(Detail::no_active_account()),
            challenge(),
        ));
    };
    match ctx.jwt().obtain_pair(ctx.store(), &user).await {
        Ok(pair) => Ok(PairResponse::Ok(Json(pair))),
        Err(e) => refused(e, PairResponse::Unauthorized),
    }
}

/// The view behind `obtain_sliding`, before its 429 is documented.
async fn obtain_sliding_checked(
    req: &Request,
    ctx: AuthContext,
    body: CredentialsIn,
) -> poem::Result<SlidingResponse> {
    let Credentials { username, password } = body.into_inner();
    let Some(user) = ctx.check_credentials(req, &username, &password).await? else {
        return Ok(SlidingResponse::Unauthorized(
            Json(Detail::no_active_account()),
            challenge(),
        ));
    };
    match ctx.jwt().obtain_sliding(ctx.store(), &user).await {
        Ok(token) => Ok(SlidingResponse::Ok(Json(SlidingOut { token }))),
        Err(e) => refused(e, SlidingResponse::Unauthorized),
    }
}
