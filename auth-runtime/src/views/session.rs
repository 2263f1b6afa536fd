//! Django's login and logout for a server-side session.

use poem::Request;
use poem_openapi::{
    payload::{Json, Response},
    ApiResponse, Object, OpenApi,
};

use super::{
    body::{Detail, Limited, Message},
    Tag,
};
use crate::{
    authenticated,
    context::AuthContext,
    input::Input,
    jwt::{REFRESH_EXP_CLAIM, TOKEN_TYPE_CLAIM},
    permission, public, secured,
    session::{self, SetCookies},
    IsAuthenticated,
};

/// Session login and logout at `/login/` and `/logout/`: mount them under a prefix of
/// yours with [`Mount`](super::Mount). Login answers DRF tutorial style (`{"message":
/// "Login successful"}`, or 400 `{"error": "Invalid credentials"}`), sets the signed
/// `sessionid` cookie and the `csrftoken` cookie, refuses cross-site requests (login
/// CSRF) and changes the session id. Logout ends the session server-side (or
/// blacklists a sliding JWT), and says so when there was nothing to end.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{testing, views::{Mount, SessionViews}};
/// use poem::{test::TestClient, EndpointExt};
/// auth_runtime::prefix!(pub Accounts = "/accounts");
///
/// let ctx = testing::memory_context().await;
/// testing::user("ann").password("correct horse battery").create(&ctx).await;
/// let api = poem_openapi::OpenApiService::new(Mount::<Accounts, SessionViews>::default(), "app", "1");
/// let client = TestClient::new(api.with(ctx.layer()));
/// let resp = client.post("/accounts/login")
///     .body_json(&serde_json::json!({"username": "ann", "password": "correct horse battery"}))
///     .send().await;
/// resp.assert_status_is_ok();
/// assert!(resp.0.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("sessionid=")));
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionViews;

/// The login form. Both fields are optional in the schema: as in the tutorial's view,
/// a missing one is answered like a wrong one, 400 `{"error": "Invalid credentials"}`.
#[derive(Debug, Object, serde::Deserialize)]
pub struct LoginIn {
    /// The login name.
    pub username: Option<String>,
    /// The password.
    #[oai(write_only)]
    pub password: Option<String>,
}

/// `{"error": ...}`.
#[derive(Debug, Object)]
pub struct ErrorOut {
    /// What went wrong.
    pub error: String,
}

/// What the login view answers.
#[derive(ApiResponse)]
pub enum LoginResponse {
    /// Logged in; the response sets the `sessionid` and `csrftoken` cookies.
    #[oai(status = 200)]
    Ok(Json<Message>),
    /// Wrong or missing credentials.
    #[oai(status = 400)]
    Invalid(Json<ErrorOut>),
}

/// What the logout view answers.
#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// The session is ended (or the sliding token blacklisted); the cookies are cleared.
    #[oai(status = 200)]
    Ok(Json<Message>),
    /// The request was authenticated by a JWT access token, which no server-side
    /// logout can end: `no_session`.
    #[oai(status = 400)]
    NoSession(Json<Detail>),
}

/// A response with the cookies of a login or logout.
fn with_cookies<T: poem_openapi::ApiResponse>(body: T, cookies: SetCookies) -> Response<T> {
    cookies.apply_to(Response::new(body))
}

#[secured]
#[OpenApi(tag = "Tag::Accounts")]
impl SessionViews {
    /// Logs in with username and password and starts a session (the id changes at
    /// every login).
    #[public]
    #[oai(path = "/login/", method = "post")]
    async fn login(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: Input<LoginIn>,
    ) -> poem::Result<Limited<Response<LoginResponse>>> {
        login_checked(req, ctx, body).await.map(Limited)
    }

    /// Ends the session server-side and clears its cookie. With a sliding JWT, the
    /// token is blacklisted. A JWT access token cannot be ended here (it is valid until
    /// it expires): that is a 400 that says so, not a pretended logout.
    #[authenticated(session, jwt)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/logout/", method = "post")]
    async fn logout(
        &self,
        req: &Request,
        ctx: AuthContext,
        who: crate::Identity,
    ) -> poem::Result<Response<LogoutResponse>> {
        let logged_out = || LogoutResponse::Ok(Json("Logged out successfully".into()));
        if who.scheme == <crate::schemes::Session as crate::Authenticator>::NAME {
            let cookies = session::logout(&ctx, req).await?;
            return Ok(with_cookies(logged_out(), cookies));
        }
        let claims = who.claims.as_ref();
        let claim = |name: &str| claims.and_then(|c| c.get(name));
        let sliding = claim(TOKEN_TYPE_CLAIM).and_then(|v| v.as_str()) == Some("sliding");
        let jti = claim("jti").and_then(|v| v.as_str());
        let until = claim(REFRESH_EXP_CLAIM).and_then(|v| v.as_i64());
        if let (true, Some(jti), Some(until)) = (sliding, jti, until) {
            ctx.store().blacklist(jti, until).await?;
            return Ok(Response::new(logged_out()));
        }
        Ok(Response::new(LogoutResponse::NoSession(Json(Detail::new(
            "No session was ended: this request is authenticated by a JWT access token, which stays valid until it expires. To log out, blacklist the refresh token with the JWT blacklist view and discard both tokens.",
            "no_session",
        )))))
    }
}

/// The view behind `login`, before its 429 is documented.
async fn login_checked(
    req: &Request,
    ctx: AuthContext,
    body: Input<LoginIn>,
) -> poem::Result<Response<LoginResponse>> {
    let invalid = || {
        Response::new(LoginResponse::Invalid(Json(ErrorOut {
            error: "Invalid credentials".into(),
        })))
    };
    let (Some(username), Some(password)) = (body.0.username, body.0.password) else {
        return Ok(invalid());
    };
    let Some(user) = ctx.check_credentials(req, &username, &password).await? else {
        return Ok(invalid());
    };
    let cookies = session::login(&ctx, req, &user).await?;
    ctx.store().touch_last_login(user.id).await?;
    Ok(with_cookies(
        LoginResponse::Ok(Json("Login successful".into())),
        cookies,
    ))
}
