//! The JSON APIs of a user's own OAuth2 applications and of the tokens they granted.

use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    authenticated,
    context::AuthContext,
    input::Input,
    oauth2::client::{self, FieldErrors, Registration, RegistrationError},
    permission::IsAuthenticated,
    principal::{Identity, User},
    secured,
    store::{Application, AuthorizedToken},
};

/// An application as its owner sees it (never its secret).
#[derive(Object)]
struct ApplicationOut {
    id: i64,
    client_id: String,
    name: String,
    /// `confidential` or `public`.
    client_type: String,
    grant_types: Vec<String>,
    redirect_uris: Vec<String>,
    /// Unix seconds.
    created_at: i64,
}

impl From<Application> for ApplicationOut {
    fn from(a: Application) -> Self {
        Self {
            id: a.id,
            client_id: a.client_id,
            name: a.name,
            client_type: a.client_type,
            grant_types: a.grant_types,
            redirect_uris: a.redirect_uris,
            created_at: a.created_at,
        }
    }
}

/// A new application: the only time its secret is shown.
#[derive(Object)]
struct ApplicationCreated {
    #[oai(flatten)]
    application: ApplicationOut,
    /// The client secret (confidential clients); keep it, it is not stored.
    client_secret: Option<String>,
}

/// What an application is made of.
#[derive(Object, Deserialize)]
struct ApplicationIn {
    /// Display name, shown on the consent page.
    name: Option<String>,
    /// `confidential` (default) or `public`; fixed once created.
    client_type: Option<String>,
    /// `authorization_code`, `password`, `client_credentials`, `refresh_token`.
    grant_types: Option<Vec<String>>,
    /// Exact redirect URIs (needed for `authorization_code`).
    redirect_uris: Option<Vec<String>>,
}

#[derive(ApiResponse)]
enum CreateApplication {
    /// Registered; the secret is shown this once.
    #[oai(status = 201)]
    Created(Json<ApplicationCreated>),
    /// Field errors.
    #[oai(status = 400)]
    Invalid(Json<FieldErrors>),
}

#[derive(ApiResponse)]
enum OneApplication {
    /// The application.
    #[oai(status = 200)]
    Ok(Json<ApplicationOut>),
    /// Field errors.
    #[oai(status = 400)]
    Invalid(Json<FieldErrors>),
    /// You have no application with this id.
    #[oai(status = 404)]
    NotFound(Json<Value>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Done.
    #[oai(status = 204)]
    Done,
    /// Not found (or not yours).
    #[oai(status = 404)]
    NotFound(Json<Value>),
}

fn not_found() -> Json<Value> {
    Json(json!({"detail": "Not found."}))
}

/// A grant a user made, as listed to them.
#[derive(Object)]
struct AuthorizedTokenOut {
    /// Revoke it with `DELETE /o/authorized_tokens/{id}/`.
    id: i64,
    /// The application's name.
    application: String,
    client_id: String,
    /// Granted scopes, space-separated.
    scope: String,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds.
    expires_at: i64,
}

impl From<AuthorizedToken> for AuthorizedTokenOut {
    fn from(t: AuthorizedToken) -> Self {
        Self {
            id: t.id,
            application: t.application,
            client_id: t.client_id,
            scope: t.scope,
            created_at: t.created_at,
            expires_at: t.expires_at,
        }
    }
}

fn registration(body: ApplicationIn, owner: &User, client_type: Option<String>) -> Registration {
    Registration {
        name: body.name.unwrap_or_default(),
        client_type: client_type.unwrap_or_else(|| "confidential".into()),
        grant_types: body.grant_types.unwrap_or_default(),
        redirect_uris: body.redirect_uris.unwrap_or_default(),
        privileged_scopes: Vec::new(),
        owner_id: Some(owner.id),
    }
}

crate::chain! {
    /// What reads a user's applications and grants: their session or any token of
    /// theirs, an OAuth2 token with `read`.
    pub(crate) Reader = session, jwt, oauth2(scope = "read"), token, basic;
    /// What changes them: the same, an OAuth2 token with `write`.
    pub(crate) Writer = session, jwt, oauth2(scope = "write"), token, basic;
}

/// A user's applications and authorized tokens (part of [`OAuth2Api`](super::OAuth2Api)).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplicationsApi;

#[secured(authenticated(Reader), permission(IsAuthenticated))]
#[OpenApi(tag = "crate::docs::Tag::OAuth2")]
impl ApplicationsApi {
    /// Your OAuth2 applications.
    #[oai(path = "/o/applications/", method = "get")]
    async fn applications(
        &self,
        ctx: AuthContext,
        who: Identity,
    ) -> poem::Result<Json<Vec<ApplicationOut>>> {
        let apps = ctx.store().applications_of(who.user.id).await?;
        Ok(Json(apps.into_iter().map(ApplicationOut::from).collect()))
    }

    /// Registers an application; its client secret is in this response only.
    #[authenticated(Writer)]
    #[oai(path = "/o/applications/", method = "post")]
    async fn create_application(
        &self,
        ctx: AuthContext,
        who: Identity,
        body: Input<ApplicationIn>,
    ) -> poem::Result<CreateApplication> {
        let body = body.into_inner();
        let client_type = body.client_type.clone();
        match client::register(ctx.store(), registration(body, &who.user, client_type)).await {
            Ok(done) => Ok(CreateApplication::Created(Json(ApplicationCreated {
                application: done.application.into(),
                client_secret: done.client_secret,
            }))),
            Err(RegistrationError::Invalid(errors)) => Ok(CreateApplication::Invalid(Json(errors))),
            Err(RegistrationError::Store(e)) => Err(e.into()),
        }
    }

    /// One of your applications.
    #[oai(path = "/o/applications/:id/", method = "get")]
    async fn application(
        &self,
        ctx: AuthContext,
        who: Identity,
        id: Path<i64>,
    ) -> poem::Result<OneApplication> {
        Ok(match ctx.store().application_by_id(id.0).await? {
            Some(app) if app.owner_id == Some(who.user.id) => OneApplication::Ok(Json(app.into())),
            _ => OneApplication::NotFound(not_found()),
        })
    }

    /// Replaces an application's name, grant types and redirect URIs.
    #[authenticated(Writer)]
    #[oai(path = "/o/applications/:id/", method = "put")]
    async fn update_application(
        &self,
        ctx: AuthContext,
        who: Identity,
        id: Path<i64>,
        body: Input<ApplicationIn>,
    ) -> poem::Result<OneApplication> {
        let store = ctx.store();
        let Some(current) = store
            .application_by_id(id.0)
            .await?
            .filter(|a| a.owner_id == Some(who.user.id))
        else {
            return Ok(OneApplication::NotFound(not_found()));
        };
        let reg = registration(
            body.into_inner(),
            &who.user,
            Some(current.client_type.clone()),
        );
        if let Err(errors) = client::validate(&reg) {
            return Ok(OneApplication::Invalid(Json(errors)));
        }
        Ok(
            match store
                .update_application(
                    who.user.id,
                    id.0,
                    reg.name.trim(),
                    &reg.grant_types,
                    &reg.redirect_uris,
                )
                .await?
            {
                Some(app) => OneApplication::Ok(Json(app.into())),
                None => OneApplication::NotFound(not_found()),
            },
        )
    }

    /// Deletes an application and every token issued to it.
    #[authenticated(Writer)]
    #[oai(path = "/o/applications/:id/", method = "delete")]
    async fn delete_application(
        &self,
        ctx: AuthContext,
        who: Identity,
        id: Path<i64>,
    ) -> poem::Result<Deleted> {
        Ok(
            if ctx.store().delete_application(who.user.id, id.0).await? {
                Deleted::Done
            } else {
                Deleted::NotFound(not_found())
            },
        )
    }

    /// The live tokens you granted to applications.
    #[oai(path = "/o/authorized_tokens/", method = "get")]
    async fn authorized_tokens(
        &self,
        ctx: AuthContext,
        who: Identity,
    ) -> poem::Result<Json<Vec<AuthorizedTokenOut>>> {
        let tokens = ctx.store().authorized_tokens(who.user.id).await?;
        Ok(Json(
            tokens.into_iter().map(AuthorizedTokenOut::from).collect(),
        ))
    }

    /// Revokes one of your grants: the token, its refresh token and its family.
    #[authenticated(Writer)]
    #[oai(path = "/o/authorized_tokens/:id/", method = "delete")]
    async fn revoke_authorized_token(
        &self,
        ctx: AuthContext,
        who: Identity,
        id: Path<i64>,
    ) -> poem::Result<Deleted> {
        Ok(
            if ctx
                .store()
                .revoke_authorized_token(who.user.id, id.0)
                .await?
            {
                Deleted::Done
            } else {
                Deleted::NotFound(not_found())
            },
        )
    }
}
