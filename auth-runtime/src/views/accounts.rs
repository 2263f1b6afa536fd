//! Registration and password change.

use poem::Request;
use poem_openapi::{payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::{
    body::{Fields, Limited, Message, UserOut},
    Tag,
};
use crate::{
    accounts::{self, AccountError},
    authenticated,
    context::AuthContext,
    input::{FieldErrors, Input},
    password::validate_password,
    permission, public, secret, secured,
    session::{self, SessionCookie},
    Identity, IsAuthenticated,
};

/// Open registration at `/register/`: `{username, email, password}` → 201 with the
/// user, or DRF's field errors. The username is normalised (NFKC) and checked as
/// Django does; the password goes through the validators and is hashed (counted with
/// the client's other hashes in flight, so registrations cannot fill the hashing
/// queue). Mount it only if anyone may sign up.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{testing, views::{Mount, RegisterView}};
/// use poem::{test::TestClient, EndpointExt};
/// auth_runtime::prefix!(pub Accounts = "/accounts");
///
/// let ctx = testing::memory_context().await;
/// let api = poem_openapi::OpenApiService::new(Mount::<Accounts, RegisterView>::default(), "app", "1");
/// let client = TestClient::new(api.with(ctx.layer()));
/// let resp = client.post("/accounts/register")
///     .body_json(&serde_json::json!({"username": "ann", "password": "correct horse battery"}))
///     .send().await;
/// resp.assert_status(poem::http::StatusCode::CREATED);
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RegisterView;

/// Password change at `/password/`: the old and the new password; revokes every other
/// credential of the account.
///
/// Django's `PasswordChangeView`: the old password is checked through the brute-force
/// protection (guessing it is guessing), the new one by the validators. On success
/// every session, JWT, API token and OAuth2 token of the user is revoked, except the
/// session making the change.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{testing, views::{Mount, PasswordChangeView}};
/// use poem::{test::TestClient, EndpointExt};
/// auth_runtime::prefix!(pub Accounts = "/accounts");
///
/// let ctx = testing::memory_context().await;
/// let ann = testing::user("ann").password("correct horse battery").create(&ctx).await;
/// let bearer = testing::bearer(&ctx, &ann).await;
/// let api = poem_openapi::OpenApiService::new(Mount::<Accounts, PasswordChangeView>::default(), "app", "1");
/// let client = TestClient::new(api.with(ctx.layer()));
/// let resp = client.post("/accounts/password")
///     .header("Authorization", format!("Bearer {bearer}"))
///     .body_json(&serde_json::json!({"old_password": "correct horse battery",
///                                    "new_password": "battery staple horse"}))
///     .send().await;
/// resp.assert_status_is_ok();
/// // The JWT that made the change is revoked with every other credential.
/// client.post("/accounts/password").header("Authorization", format!("Bearer {bearer}"))
///     .send().await.assert_status(poem::http::StatusCode::UNAUTHORIZED);
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordChangeView;

/// Registration form.
#[derive(Debug, Object, Deserialize)]
pub struct RegisterIn {
    /// Letters, digits and `@.+-_`, at most 150 characters.
    pub username: String,
    /// The email address (optional; at most 254 characters, no control characters).
    #[oai(
        default,
        validator(max_length = 254, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")
    )]
    pub email: Option<String>,
    /// Checked by the password validators.
    #[oai(write_only)]
    pub password: String,
}

/// What the register view answers.
#[derive(ApiResponse)]
pub enum RegisterResponse {
    /// The user was created.
    #[oai(status = 201)]
    Created(Json<UserOut>),
    /// Field errors: `{"field": ["message", ...]}`.
    #[oai(status = 400)]
    Invalid(Fields),
}

/// A password change.
#[derive(Debug, Object, Deserialize)]
pub struct PasswordChangeIn {
    /// The current password.
    #[oai(write_only)]
    pub old_password: String,
    /// The new password, checked by the validators.
    #[oai(write_only)]
    pub new_password: String,
}

/// What the password change view answers.
#[derive(ApiResponse)]
pub enum PasswordChangeResponse {
    /// Changed; every other session and token of the account is revoked.
    #[oai(status = 200)]
    Ok(Json<Message>),
    /// Field errors: a missing field, a wrong old password, a new password the
    /// validators refuse.
    #[oai(status = 400)]
    Invalid(Fields),
}

#[secured]
#[OpenApi(tag = "Tag::Accounts")]
impl RegisterView {
    /// Creates an account. The password is checked by the validators and stored as an
    /// argon2id hash.
    #[public]
    #[oai(path = "/register/", method = "post")]
    async fn register(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: Input<RegisterIn>,
    ) -> poem::Result<Limited<RegisterResponse>> {
        register_checked(req, ctx, body).await.map(Limited)
    }
}

#[secured]
#[OpenApi(tag = "Tag::Accounts")]
impl PasswordChangeView {
    /// Changes your password (old and new, the validators apply) and revokes every
    /// credential of the account — sessions, JWTs, API tokens, OAuth2 tokens — except
    /// the session making the change.
    #[authenticated(session, jwt, token, basic)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/password/", method = "post")]
    async fn change_password(
        &self,
        req: &Request,
        ctx: AuthContext,
        who: Identity,
        body: Input<PasswordChangeIn>,
    ) -> poem::Result<PasswordChangeResponse> {
        let PasswordChangeIn {
            old_password: old,
            new_password: new,
        } = &body.into_inner();
        let user = &who.user;
        // Through the brute-force protection: guessing the old password is guessing.
        if ctx
            .check_credentials(req, &user.username, old)
            .await?
            .is_none()
        {
            return Ok(PasswordChangeResponse::Invalid(Json(FieldErrors::from([
                (
                    "old_password".to_owned(),
                    vec![
                        "Your old password was entered incorrectly. Please enter it again."
                            .to_owned(),
                    ],
                ),
            ]))));
        }
        let min = ctx.settings().password.min_length;
        if let Err(errors) = validate_password(new, &user.username, &user.email, min) {
            return Ok(PasswordChangeResponse::Invalid(Json(FieldErrors::from([
                ("new_password".to_owned(), errors),
            ]))));
        }
        let hash = ctx.hash_password(req, new).await?;
        let keep = match (who.scheme, session::read_cookie(req, &ctx)) {
            ("session", SessionCookie::Key(key)) => Some(secret::digest(&key)),
            _ => None,
        };
        ctx.store()
            .set_password_keeping(user.id, &hash, keep.as_deref())
            .await?;
        Ok(PasswordChangeResponse::Ok(Json(
            "Password changed. Every other session and token of this account is revoked.".into(),
        )))
    }
}

/// The view behind `register`, before its 429 is documented.
async fn register_checked(
    req: &Request,
    ctx: AuthContext,
    body: Input<RegisterIn>,
) -> poem::Result<RegisterResponse> {
    let RegisterIn {
        username,
        email,
        password,
    } = body.into_inner();
    let min = ctx.settings().password.min_length;
    let account = match accounts::validate(Some(&username), email.as_deref(), Some(&password), min)
    {
        Ok(account) => account,
        Err(errors) => return Ok(RegisterResponse::Invalid(Json(errors))),
    };
    // A taken name costs no hash (the unique index still decides a race).
    if ctx.username_taken(&account.username).await? {
        return Ok(RegisterResponse::Invalid(Json(accounts::taken())));
    }
    // Counted with the client's other password hashes in flight.
    let hash = ctx.hash_password(req, &account.password).await?;
    match ctx.insert_user(&account, &hash, false).await {
        Ok(user) => Ok(RegisterResponse::Created(Json((&user).into()))),
        Err(AccountError::Invalid(errors)) => Ok(RegisterResponse::Invalid(Json(errors))),
        Err(AccountError::Unavailable(e)) => Err(e.into()),
    }
}
