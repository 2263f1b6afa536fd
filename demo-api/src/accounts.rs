use crate::input::{FieldErrors, Input};
use auth_runtime::{
    authenticated,
    password::validate_password,
    permission, public, secured, session,
    store::{NewUser, StoreError},
    AuthContext, AuthError, Identity, IsAdmin, IsAuthenticated, Principal, User,
};
use poem::Request;
use poem_openapi::{
    payload::{Json, Response},
    ApiResponse, Object, OpenApi,
};
use serde::Deserialize;

/// `/api/accounts/`: registration, session login and logout, profile, user list.
pub struct AccountsApi;

/// A user as the API shows it (the tutorial's `UserSerializer`).
#[derive(Object)]
pub(crate) struct UserOut {
    id: i64,
    username: String,
    email: String,
    is_staff: bool,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            email: u.email.clone(),
            is_staff: u.is_staff,
        }
    }
}

/// Registration form. Fields are optional here so that a missing one gets DRF's
/// field error rather than a parse error.
#[derive(Object, Deserialize)]
struct RegisterIn {
    username: Option<String>,
    #[oai(default)]
    email: Option<String>,
    #[oai(write_only)]
    password: Option<String>,
}

/// A profile change.
#[derive(Object, Deserialize)]
struct ProfileIn {
    /// The new email address.
    email: Option<String>,
}

#[derive(ApiResponse)]
enum UpdateProfileResponse {
    /// The updated user.
    #[oai(status = 200)]
    Ok(Json<UserOut>),
    /// Field errors.
    #[oai(status = 400)]
    Invalid(Json<FieldErrors>),
}

/// Credentials.
#[derive(Object, Deserialize)]
struct LoginIn {
    username: Option<String>,
    #[oai(write_only)]
    password: Option<String>,
}

/// `{"message": ...}`.
#[derive(Object)]
struct Message {
    message: String,
}

/// `{"error": ...}`.
#[derive(Object)]
struct ErrorOut {
    error: String,
}

#[derive(ApiResponse)]
enum RegisterResponse {
    /// The user was created.
    #[oai(status = 201)]
    Created(Json<UserOut>),
    /// Field errors: `{"field": ["message", ...]}`.
    #[oai(status = 400)]
    Invalid(Json<FieldErrors>),
}

#[derive(ApiResponse)]
enum LoginResponse {
    /// Logged in; the response sets the `sessionid` and `csrftoken` cookies.
    #[oai(status = 200)]
    Ok(Json<Message>),
    /// Wrong or missing credentials.
    #[oai(status = 400)]
    Invalid(Json<ErrorOut>),
}

const REQUIRED: &str = "This field is required.";

fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 150
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
}

#[secured]
#[OpenApi]
impl AccountsApi {
    /// Creates an account. The password is checked by the validators and stored as an
    /// argon2id hash.
    #[public]
    #[oai(path = "/api/accounts/register/", method = "post")]
    async fn register(
        &self,
        ctx: AuthContext,
        body: Input<RegisterIn>,
    ) -> poem::Result<RegisterResponse> {
        let RegisterIn {
            username,
            email,
            password,
        } = body.into_inner();
        let email = email.unwrap_or_default();
        let mut errors = FieldErrors::new();
        let username = username
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        match &username {
            None => {
                errors.insert("username".into(), vec![REQUIRED.into()]);
            }
            Some(u) if !valid_username(u) => {
                errors.insert(
                    "username".into(),
                    vec!["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters (150 at most).".into()],
                );
            }
            Some(_) => {}
        }
        if email.chars().count() > 254 || email.chars().any(char::is_control) {
            errors.insert("email".into(), vec!["Enter a valid email address.".into()]);
        }
        match &password {
            None => {
                errors.insert("password".into(), vec![REQUIRED.into()]);
            }
            Some(p) if p.is_empty() => {
                errors.insert(
                    "password".into(),
                    vec!["This field may not be blank.".into()],
                );
            }
            Some(p) => {
                let min = ctx.settings().password.min_length;
                if let Err(e) = validate_password(p, username.as_deref().unwrap_or(""), &email, min)
                {
                    errors.insert("password".into(), e);
                }
            }
        }
        let (Some(username), Some(password), true) = (username, password, errors.is_empty()) else {
            return Ok(RegisterResponse::Invalid(Json(errors)));
        };
        let hash = ctx.hasher().hash(&password).await.map_err(|e| {
            tracing::error!(error = %e, "hashing failed");
            poem::Error::from(AuthError::Unavailable)
        })?;
        let created = ctx
            .store()
            .create_user(NewUser {
                username: &username,
                email: &email,
                password_hash: &hash,
                is_staff: false,
                is_superuser: false,
            })
            .await;
        match created {
            Ok(user) => Ok(RegisterResponse::Created(Json((&user).into()))),
            Err(StoreError::Duplicate(_)) => {
                Ok(RegisterResponse::Invalid(Json(FieldErrors::from([(
                    "username".to_owned(),
                    vec!["A user with that username already exists.".to_owned()],
                )]))))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Logs in with username and password and starts a session (the id changes at
    /// every login).
    #[public]
    #[oai(path = "/api/accounts/login/", method = "post")]
    async fn login(
        &self,
        req: &Request,
        ctx: AuthContext,
        body: Input<LoginIn>,
    ) -> poem::Result<Response<LoginResponse>> {
        let invalid = || {
            Response::new(LoginResponse::Invalid(Json(ErrorOut {
                error: "Invalid credentials".into(),
            })))
        };
        let body = body.into_inner();
        let (Some(username), Some(password)) = (body.username, body.password) else {
            return Ok(invalid());
        };
        let Some(user) = ctx.check_credentials(req, &username, &password).await? else {
            return Ok(invalid());
        };
        let cookies = session::login(&ctx, req, &user).await?;
        ctx.store().touch_last_login(user.id).await?;
        let mut resp = Response::new(LoginResponse::Ok(Json(Message {
            message: "Login successful".into(),
        })));
        for c in cookies.0 {
            resp = resp.header("Set-Cookie", c);
        }
        Ok(resp)
    }

    /// Ends the session server-side and clears its cookie.
    #[authenticated(session, jwt)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/api/accounts/logout/", method = "post")]
    async fn logout(
        &self,
        req: &Request,
        ctx: AuthContext,
    ) -> poem::Result<Response<Json<Message>>> {
        let cookies = session::logout(&ctx, req).await?;
        let mut resp = Response::new(Json(Message {
            message: "Logged out successfully".into(),
        }));
        for c in cookies.0 {
            resp = resp.header("Set-Cookie", c);
        }
        Ok(resp)
    }

    /// The authenticated user.
    #[authenticated(jwt, session, oauth2, token, basic)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/api/accounts/profile/", method = "get")]
    async fn profile(&self, who: Principal) -> poem::Result<Json<UserOut>> {
        who.user()
            .map(|u| Json(u.into()))
            .ok_or_else(|| AuthError::not_authenticated(&[]).into())
    }

    /// Changes your email address. An OAuth2 token needs the `write` scope.
    #[authenticated(jwt, session, oauth2(scope = "write"), token, basic)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/api/accounts/profile/", method = "patch")]
    async fn update_profile(
        &self,
        ctx: AuthContext,
        who: Identity,
        body: Input<ProfileIn>,
    ) -> poem::Result<UpdateProfileResponse> {
        let Some(email) = body.into_inner().email else {
            return Ok(UpdateProfileResponse::Invalid(Json(
                crate::input::required(&[("email", true)]),
            )));
        };
        if email.chars().count() > 254 || email.chars().any(char::is_control) {
            return Ok(UpdateProfileResponse::Invalid(Json(FieldErrors::from([(
                "email".to_owned(),
                vec!["Enter a valid email address.".to_owned()],
            )]))));
        }
        let user = ctx.store().set_email(who.user.id, &email).await?;
        Ok(UpdateProfileResponse::Ok(Json((&user).into())))
    }

    /// Every user (staff only).
    #[authenticated(jwt, session, oauth2, token, basic)]
    #[permission(IsAdmin)]
    #[oai(path = "/api/accounts/users/", method = "get")]
    async fn users(&self, ctx: AuthContext) -> poem::Result<Json<Vec<UserOut>>> {
        let users = ctx.store().list_users().await?;
        Ok(Json(users.iter().map(UserOut::from).collect()))
    }
}
