//! The administration of named permissions and groups, for administrators: what the
//! `create-group`, `grant`, `revoke` and `perms` commands do, as an API.

use std::collections::BTreeMap;

use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::{body::Detail, Tag};
use crate::{
    context::AuthContext,
    input::Input,
    secured,
    store::{Grantee, GroupInfo, Source, StoreError},
    IsAdmin,
};

/// Named permissions and groups at `/permissions/`, `/groups/...` and
/// `/users/{username}/permissions/`, for administrators (`IsAdmin`, with a session,
/// JWT, API token or Basic): the permissions declared, each group's, who is in which
/// group, and what a user holds and through what. Mount it under a prefix of yours.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{testing, views::{Mount, PermissionAdminViews}};
/// use poem::{http::StatusCode, test::TestClient};
/// auth_runtime::prefix!(pub Admin = "/admin");
///
/// let ctx = testing::memory_context().await;
/// ctx.store().declare_permissions(&[("articles.publish", "Publish")]).await.unwrap();
/// let root = testing::user("root").superuser().create(&ctx).await;
/// let ann = testing::user("ann").create(&ctx).await;
/// let api = poem_openapi::OpenApiService::new(Mount::<Admin, PermissionAdminViews>::default(), "t", "1");
/// let client = TestClient::new(auth_runtime::App::new(api, &ctx).into_endpoint());
/// testing::force_authenticate(client.post("/admin/groups/"), &root)
///     .body_json(&serde_json::json!({"name": "editors"})).send().await
///     .assert_status(StatusCode::CREATED);
/// testing::force_authenticate(client.get("/admin/groups/"), &ann).send().await
///     .assert_status(StatusCode::FORBIDDEN);
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PermissionAdminViews;

/// `{name}`: a group to create.
#[derive(Debug, Object, Deserialize)]
pub struct GroupIn {
    /// 1 to 150 characters.
    pub name: String,
}

/// `{permission}`: a permission to grant.
#[derive(Debug, Object, Deserialize)]
pub struct PermissionIn {
    /// A declared permission (`app.action`).
    pub permission: String,
}

/// `{username}`: a member to add.
#[derive(Debug, Object, Deserialize)]
pub struct MemberIn {
    /// The user's login name.
    pub username: String,
}

/// A group and its permissions.
#[derive(Debug, Object)]
pub struct GroupOut {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The permissions granted to it.
    pub permissions: Vec<String>,
}

impl From<GroupInfo> for GroupOut {
    fn from(g: GroupInfo) -> Self {
        Self {
            id: g.id,
            name: g.name,
            permissions: g.permissions,
        }
    }
}

/// A permission a user holds, and through what.
#[derive(Debug, Object)]
pub struct HeldPermission {
    /// The permission.
    pub permission: String,
    /// The group it comes from; absent when granted to the user directly.
    #[oai(skip_serializing_if_is_none)]
    pub group: Option<String>,
}

/// What a user holds.
#[derive(Debug, Object)]
pub struct UserPermissions {
    /// A superuser holds every permission.
    pub superuser: bool,
    /// The permissions granted to the user or their groups.
    pub permissions: Vec<HeldPermission>,
}

/// What creating a group answers.
#[derive(ApiResponse)]
pub enum GroupCreated {
    /// Created.
    #[oai(status = 201)]
    Created(Json<GroupOut>),
    /// The name is empty, too long or taken.
    #[oai(status = 400)]
    Invalid(Json<BTreeMap<String, Vec<String>>>),
}

/// What a change to a grant or a membership answers.
#[derive(ApiResponse)]
pub enum Changed {
    /// Done (or already so).
    #[oai(status = 204)]
    Done,
    /// No such group, user or declared permission.
    #[oai(status = 404)]
    NotFound(Json<Detail>),
}

/// What reading a user's permissions answers.
#[derive(ApiResponse)]
pub enum Held {
    /// What they hold.
    #[oai(status = 200)]
    Ok(Json<UserPermissions>),
    /// No such user.
    #[oai(status = 404)]
    NotFound(Json<Detail>),
}

fn changed(done: bool) -> Changed {
    if done {
        Changed::Done
    } else {
        Changed::NotFound(Json(Detail::not_found()))
    }
}

async fn user_id(ctx: &AuthContext, username: &str) -> Result<Option<i64>, StoreError> {
    Ok(ctx
        .store()
        .user_by_username(username)
        .await?
        .map(|r| r.user.id))
}

#[secured(authenticated(session, jwt, token, basic), permission(IsAdmin))]
#[OpenApi(tag = "Tag::Permissions")]
impl PermissionAdminViews {
    /// The declared permissions and their descriptions.
    #[oai(path = "/permissions/", method = "get")]
    async fn permissions(&self, ctx: AuthContext) -> poem::Result<Json<BTreeMap<String, String>>> {
        Ok(Json(ctx.store().permissions().await?))
    }

    /// Every group, with its permissions.
    #[oai(path = "/groups/", method = "get")]
    async fn groups(&self, ctx: AuthContext) -> poem::Result<Json<Vec<GroupOut>>> {
        let groups = ctx.store().groups().await?;
        Ok(Json(groups.into_iter().map(GroupOut::from).collect()))
    }

    /// Creates a group.
    #[oai(path = "/groups/", method = "post")]
    async fn create_group(
        &self,
        ctx: AuthContext,
        body: Input<GroupIn>,
    ) -> poem::Result<GroupCreated> {
        let name = body.0.name.trim().to_owned();
        let invalid = |message: &str| {
            GroupCreated::Invalid(Json(BTreeMap::from([(
                "name".to_owned(),
                vec![message.to_owned()],
            )])))
        };
        if name.is_empty() || name.chars().count() > 150 || name.chars().any(char::is_control) {
            return Ok(invalid(
                "Ensure this field has 1 to 150 printable characters.",
            ));
        }
        match ctx.store().create_group(&name).await {
            Ok(id) => Ok(GroupCreated::Created(Json(GroupOut {
                id,
                name,
                permissions: Vec::new(),
            }))),
            Err(StoreError::Duplicate(_)) => Ok(invalid("A group with that name already exists.")),
            Err(e) => Err(e.into()),
        }
    }

    /// Grants a declared permission to a group.
    #[oai(path = "/groups/:group/permissions/", method = "post")]
    async fn grant_group(
        &self,
        ctx: AuthContext,
        group: Path<String>,
        body: Input<PermissionIn>,
    ) -> poem::Result<Changed> {
        let done = ctx
            .store()
            .grant(Grantee::Group(&group.0), &body.0.permission)
            .await?;
        Ok(changed(done))
    }

    /// Revokes a permission from a group.
    #[oai(path = "/groups/:group/permissions/:permission/", method = "delete")]
    async fn revoke_group(
        &self,
        ctx: AuthContext,
        group: Path<String>,
        permission: Path<String>,
    ) -> poem::Result<Changed> {
        let done = ctx
            .store()
            .revoke(Grantee::Group(&group.0), &permission.0)
            .await?;
        Ok(changed(done))
    }

    /// Puts a user in a group.
    #[oai(path = "/groups/:group/members/", method = "post")]
    async fn add_member(
        &self,
        ctx: AuthContext,
        group: Path<String>,
        body: Input<MemberIn>,
    ) -> poem::Result<Changed> {
        let Some(id) = user_id(&ctx, &body.0.username).await? else {
            return Ok(changed(false));
        };
        Ok(changed(ctx.store().add_to_group(id, &group.0).await?))
    }

    /// Takes a user out of a group.
    #[oai(path = "/groups/:group/members/:username/", method = "delete")]
    async fn remove_member(
        &self,
        ctx: AuthContext,
        group: Path<String>,
        username: Path<String>,
    ) -> poem::Result<Changed> {
        let Some(id) = user_id(&ctx, &username.0).await? else {
            return Ok(changed(false));
        };
        Ok(changed(ctx.store().remove_from_group(id, &group.0).await?))
    }

    /// What a user holds, and through what.
    #[oai(path = "/users/:username/permissions/", method = "get")]
    async fn user_permissions(
        &self,
        ctx: AuthContext,
        username: Path<String>,
    ) -> poem::Result<Held> {
        let Some(record) = ctx.store().user_by_username(&username.0).await? else {
            return Ok(Held::NotFound(Json(Detail::not_found())));
        };
        let permissions = ctx
            .store()
            .permission_sources(record.user.id)
            .await?
            .into_iter()
            .map(|(permission, source)| HeldPermission {
                permission,
                group: match source {
                    Source::Direct => None,
                    Source::Group(g) => Some(g),
                },
            })
            .collect();
        Ok(Held::Ok(Json(UserPermissions {
            superuser: record.user.is_superuser,
            permissions,
        })))
    }

    /// Grants a declared permission to a user directly.
    #[oai(path = "/users/:username/permissions/", method = "post")]
    async fn grant_user(
        &self,
        ctx: AuthContext,
        username: Path<String>,
        body: Input<PermissionIn>,
    ) -> poem::Result<Changed> {
        let Some(id) = user_id(&ctx, &username.0).await? else {
            return Ok(changed(false));
        };
        Ok(changed(
            ctx.store()
                .grant(Grantee::User(id), &body.0.permission)
                .await?,
        ))
    }

    /// Revokes a permission granted to a user directly.
    #[oai(path = "/users/:username/permissions/:permission/", method = "delete")]
    async fn revoke_user(
        &self,
        ctx: AuthContext,
        username: Path<String>,
        permission: Path<String>,
    ) -> poem::Result<Changed> {
        let Some(id) = user_id(&ctx, &username.0).await? else {
            return Ok(changed(false));
        };
        Ok(changed(
            ctx.store().revoke(Grantee::User(id), &permission.0).await?,
        ))
    }
}
