use auth_runtime::input::{FieldErrors, Input};

use crate::chains::{Reader, Writer};
use auth_runtime::{
    authenticated, permission, secured, views::UserOut, AuthContext, AuthError, Identity, IsAdmin,
    IsAuthenticated, Principal,
};
use poem_openapi::{payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;

/// `/api/accounts/`: the profile and the user list. Registration, session login and
/// logout and password change are auth-runtime's views, mounted in `lib.rs`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountsApi;

/// A profile change.
#[derive(Object, Deserialize)]
struct ProfileIn {
    /// The new email address (at most 254 characters, no control characters).
    #[oai(validator(max_length = 254, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
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

#[secured]
#[OpenApi(tag = "auth_runtime::docs::Tag::Accounts")]
impl AccountsApi {
    /// The authenticated user. An OAuth2 token needs the `read` scope.
    #[authenticated(Reader)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/api/accounts/profile/", method = "get")]
    async fn profile(&self, who: Principal) -> poem::Result<Json<UserOut>> {
        who.user()
            .map(|u| Json(u.into()))
            .ok_or_else(|| AuthError::not_authenticated(&[]).into())
    }

    /// Changes your email address. An OAuth2 token needs the `write` scope.
    #[authenticated(Writer)]
    #[permission(IsAuthenticated)]
    #[oai(path = "/api/accounts/profile/", method = "patch")]
    async fn update_profile(
        &self,
        ctx: AuthContext,
        who: Identity,
        body: Input<ProfileIn>,
    ) -> poem::Result<UpdateProfileResponse> {
        // A PATCH without fields changes nothing (DRF's partial update).
        let Some(email) = body.into_inner().email else {
            return Ok(UpdateProfileResponse::Ok(Json((&who.user).into())));
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

    /// Every user (staff only). An OAuth2 token needs the `read` scope.
    #[authenticated(Reader)]
    #[permission(IsAdmin)]
    #[oai(path = "/api/accounts/users/", method = "get")]
    async fn users(&self, ctx: AuthContext) -> poem::Result<Json<Vec<UserOut>>> {
        let users = ctx.store().list_users().await?;
        Ok(Json(users.iter().map(UserOut::from).collect()))
    }
}
