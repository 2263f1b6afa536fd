use std::collections::BTreeMap;

use crate::input::Input;
use auth_runtime::{jwt::TokenError, public, secured, AuthContext, AuthError};
use poem::Request;
use poem_openapi::{payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;
use serde_json::{json, Value};

/// simplejwt's views: `/api/token/`, `refresh/`, `verify/`, `blacklist/`.
pub struct TokenApi;

#[derive(Object, Deserialize)]
struct Credentials {
    username: Option<String>,
    #[oai(write_only)]
    password: Option<String>,
}

#[derive(Object, Deserialize)]
struct RefreshIn {
    refresh: Option<String>,
}

#[derive(Object, Deserialize)]
struct VerifyIn {
    token: Option<String>,
}

/// `{token}`: a sliding token.
#[derive(Object)]
struct SlidingOut {
    token: String,
}

#[derive(ApiResponse)]
enum SlidingResponse {
    /// A sliding token.
    #[oai(status = 200)]
    Ok(Json<SlidingOut>),
    /// A field is missing.
    #[oai(status = 400)]
    Invalid(ErrorBody),
    /// Wrong credentials, or an invalid, expired or blacklisted token.
    #[oai(status = 401)]
    Unauthorized(ErrorBody, #[oai(header = "WWW-Authenticate")] String),
}

fn no_active_account() -> ErrorBody {
    Json(json!({
        "detail": "No active account found with the given credentials",
        "code": "no_active_account",
    }))
}

/// `{refresh, access}`.
#[derive(Object)]
struct PairOut {
    refresh: String,
    access: String,
}

/// `{access}`, plus `refresh` when rotating.
#[derive(Object)]
struct RefreshOut {
    access: String,
    #[oai(skip_serializing_if_is_none)]
    refresh: Option<String>,
}

/// An error body: `{"detail", "code"}` (401) or `{"field": ["..."]}` (400).
type ErrorBody = Json<Value>;

#[derive(ApiResponse)]
enum PairResponse {
    /// A new access/refresh pair.
    #[oai(status = 200)]
    Ok(Json<PairOut>),
    /// A field is missing.
    #[oai(status = 400)]
    Invalid(ErrorBody),
    /// `No active account found with the given credentials`.
    #[oai(status = 401)]
    Unauthorized(ErrorBody, #[oai(header = "WWW-Authenticate")] String),
}

#[derive(ApiResponse)]
enum RefreshResponse {
    /// A new access token (and refresh token when rotating).
    #[oai(status = 200)]
    Ok(Json<RefreshOut>),
    /// A field is missing.
    #[oai(status = 400)]
    Invalid(ErrorBody),
    /// `token_not_valid`: invalid, expired, wrong type or blacklisted.
    #[oai(status = 401)]
    Unauthorized(ErrorBody, #[oai(header = "WWW-Authenticate")] String),
}

#[derive(ApiResponse)]
enum EmptyResponse {
    /// `{}`.
    #[oai(status = 200)]
    Ok(Json<BTreeMap<String, String>>),
    /// A field is missing.
    #[oai(status = 400)]
    Invalid(ErrorBody),
    /// `token_not_valid`.
    #[oai(status = 401)]
    Unauthorized(ErrorBody, #[oai(header = "WWW-Authenticate")] String),
}

fn challenge() -> String {
    <auth_runtime::schemes::Jwt as auth_runtime::Authenticator>::CHALLENGE.to_owned()
}

fn required(field: &str) -> ErrorBody {
    Json(json!({ field: ["This field is required."] }))
}

/// The token error as a response, or an error for a store failure (503).
fn token_error(e: TokenError) -> Result<ErrorBody, poem::Error> {
    match AuthError::from(e) {
        AuthError::AuthenticationFailed { detail, code, .. } => {
            Ok(Json(json!({ "detail": detail, "code": code })))
        }
        other => Err(other.into()),
    }
}

#[secured]
#[OpenApi]
impl TokenApi {
    /// Obtains an access/refresh pair with username and password.
    #[public]
    #[oai(path = "/api/token/", method = "post")]
    async fn obtain(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: Input<Credentials>,
    ) -> poem::Result<PairResponse> {
        let body = body.into_inner();
        let (username, password) = match (body.username, body.password) {
            (Some(u), Some(p)) => (u, p),
            (u, p) => {
                let mut errors = serde_json::Map::new();
                for (field, missing) in [("username", u.is_none()), ("password", p.is_none())] {
                    if missing {
                        errors.insert(field.into(), json!(["This field is required."]));
                    }
                }
                return Ok(PairResponse::Invalid(Json(Value::Object(errors))));
            }
        };
        let Some(user) = ctx.check_credentials(req, &username, &password).await? else {
            return Ok(PairResponse::Unauthorized(no_active_account(), challenge()));
        };
        match ctx.jwt().obtain_pair(ctx.store(), &user).await {
            Ok(pair) => Ok(PairResponse::Ok(Json(PairOut {
                refresh: pair.refresh,
                access: pair.access,
            }))),
            Err(e) => token_error(e).map(|b| PairResponse::Unauthorized(b, challenge())),
        }
    }

    /// Exchanges a refresh token for a new access token; with rotation, also a new
    /// refresh token, and the old one is blacklisted.
    #[public]
    #[oai(path = "/api/token/refresh/", method = "post")]
    async fn refresh(
        &self,
        ctx: AuthContext,
        body: Input<RefreshIn>,
    ) -> poem::Result<RefreshResponse> {
        let Some(token) = body.into_inner().refresh else {
            return Ok(RefreshResponse::Invalid(required("refresh")));
        };
        match ctx.jwt().refresh(ctx.store(), &token).await {
            Ok(r) => Ok(RefreshResponse::Ok(Json(RefreshOut {
                access: r.access,
                refresh: r.refresh,
            }))),
            Err(e) => token_error(e).map(|b| RefreshResponse::Unauthorized(b, challenge())),
        }
    }

    /// Checks a token (access or refresh); a blacklisted token is invalid.
    #[public]
    #[oai(path = "/api/token/verify/", method = "post")]
    async fn verify(&self, ctx: AuthContext, body: Input<VerifyIn>) -> poem::Result<EmptyResponse> {
        let Some(token) = body.into_inner().token else {
            return Ok(EmptyResponse::Invalid(required("token")));
        };
        match ctx.jwt().verify(ctx.store(), &token).await {
            Ok(()) => Ok(EmptyResponse::Ok(Json(BTreeMap::new()))),
            Err(e) => token_error(e).map(|b| EmptyResponse::Unauthorized(b, challenge())),
        }
    }

    /// Obtains a sliding token (simplejwt's `TokenObtainSlidingView`): one token that
    /// authenticates and is refreshed until its `refresh_exp`.
    #[public]
    #[oai(path = "/api/token/sliding/", method = "post")]
    async fn obtain_sliding(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: Input<Credentials>,
    ) -> poem::Result<SlidingResponse> {
        let body = body.into_inner();
        let (Some(username), Some(password)) = (&body.username, &body.password) else {
            return Ok(SlidingResponse::Invalid(Json(json!(
                crate::input::required(&[
                    ("username", body.username.is_none()),
                    ("password", body.password.is_none()),
                ])
            ))));
        };
        let Some(user) = ctx.check_credentials(req, username, password).await? else {
            return Ok(SlidingResponse::Unauthorized(
                no_active_account(),
                challenge(),
            ));
        };
        match ctx.jwt().obtain_sliding(ctx.store(), &user).await {
            Ok(token) => Ok(SlidingResponse::Ok(Json(SlidingOut { token }))),
            Err(e) => token_error(e).map(|b| SlidingResponse::Unauthorized(b, challenge())),
        }
    }

    /// Refreshes a sliding token (simplejwt's `TokenRefreshSlidingView`).
    #[public]
    #[oai(path = "/api/token/sliding/refresh/", method = "post")]
    async fn refresh_sliding(
        &self,
        ctx: AuthContext,
        body: Input<VerifyIn>,
    ) -> poem::Result<SlidingResponse> {
        let Some(token) = body.into_inner().token else {
            return Ok(SlidingResponse::Invalid(required("token")));
        };
        match ctx.jwt().refresh_sliding(ctx.store(), &token).await {
            Ok(token) => Ok(SlidingResponse::Ok(Json(SlidingOut { token }))),
            Err(e) => token_error(e).map(|b| SlidingResponse::Unauthorized(b, challenge())),
        }
    }

    /// The public keys that verify this server's tokens (RFC 7517); empty for HMAC
    /// algorithms, whose key is secret.
    #[public]
    #[oai(path = "/.well-known/jwks.json", method = "get")]
    async fn jwks(&self, ctx: AuthContext) -> poem::Result<Json<Value>> {
        serde_json::to_value(ctx.jwt().jwks())
            .map(Json)
            .map_err(|e| poem::Error::new(e, poem::http::StatusCode::INTERNAL_SERVER_ERROR))
    }

    /// JWT logout: blacklists a refresh (or sliding) token.
    #[public]
    #[oai(path = "/api/token/blacklist/", method = "post")]
    async fn blacklist(
        &self,
        ctx: AuthContext,
        body: Input<RefreshIn>,
    ) -> poem::Result<EmptyResponse> {
        let Some(token) = body.into_inner().refresh else {
            return Ok(EmptyResponse::Invalid(required("refresh")));
        };
        match ctx.jwt().blacklist(ctx.store(), &token).await {
            Ok(()) => Ok(EmptyResponse::Ok(Json(BTreeMap::new()))),
            Err(e) => token_error(e).map(|b| EmptyResponse::Unauthorized(b, challenge())),
        }
    }
}
