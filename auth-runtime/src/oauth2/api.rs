//! The OAuth2 endpoints under `/o/`, documented in OpenAPI: token, revocation,
//! introspection, server metadata, the authorization flow's pages, and the JSON APIs
//! for a user's applications and authorized tokens.

use poem::{http::header, Request};
use poem_openapi::{
    param::Path,
    payload::{Html, Json, Response},
    ApiResponse, Object, OpenApi,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    authorize::{self, AuthorizationRequest, AuthorizeError},
    client::{self, FieldErrors, Registration, RegistrationError},
    form::OAuthForm,
    pages,
    token::{self, Introspection, TokenRequest, TokenResponse},
    OAuthError,
};
use crate::{
    authenticated, csrf, public, secret, secured, session,
    store::{Application, AuthorizedToken},
    AuthContext, AuthError, Identity, User,
};

/// The OAuth2 authorization server's endpoints. Add it to the application's
/// `OpenApiService` next to its own APIs (tuples of APIs are APIs).
///
/// ```
/// use auth_runtime::{docs::ApiDocs, oauth2::OAuth2Api};
/// let api = poem_openapi::OpenApiService::new(OAuth2Api, "auth", "1");
/// let spec: serde_json::Value = serde_json::from_str(ApiDocs::new(&api).spec()).unwrap();
/// assert!(spec["paths"]["/o/token/"]["post"].is_object());
/// ```
pub struct OAuth2Api;

/// `Cache-Control: no-store`, required on token responses (RFC 6749 §5.1).
const NO_STORE: &str = "no-store";

#[derive(ApiResponse)]
enum TokenOk {
    /// The tokens.
    #[oai(status = 200)]
    Ok(
        Json<TokenResponse>,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Pragma")] String,
    ),
}

/// Revocation and introspection parameters.
#[derive(Debug, Default, Deserialize, Object)]
struct TokenQuery {
    /// The token.
    #[oai(write_only)]
    token: Option<String>,
    /// `access_token` or `refresh_token` (a hint; both are searched).
    token_type_hint: Option<String>,
    /// Client id, when not sent with HTTP Basic.
    client_id: Option<String>,
    /// Client secret, when not sent with HTTP Basic.
    #[oai(write_only)]
    client_secret: Option<String>,
}

#[derive(ApiResponse)]
enum RevokeOk {
    /// Revoked, or there was nothing to revoke (RFC 7009 §2.2).
    #[oai(status = 200)]
    Ok(Json<Value>),
}

#[derive(ApiResponse)]
enum IntrospectOk {
    /// What the token is; `{"active": false}` for anything not live.
    #[oai(status = 200)]
    Ok(Json<Introspection>, #[oai(header = "Cache-Control")] String),
}

#[derive(ApiResponse)]
enum AuthorizePage {
    /// The consent page, or the login redirect.
    #[oai(status = 200)]
    Page(
        Html<String>,
        #[oai(header = "Content-Security-Policy")] String,
        #[oai(header = "X-Frame-Options")] String,
        #[oai(header = "Cache-Control")] String,
    ),
    /// To the login page, or back to the client with `code` or `error`.
    #[oai(status = 302)]
    Redirect(#[oai(header = "Location")] String),
    /// The client or its redirect URI is wrong; nothing is sent to the client.
    #[oai(status = 400)]
    Invalid(Html<String>),
    /// The consent form did not come from this site.
    #[oai(status = 403)]
    Forbidden(Html<String>),
    /// Too many failed logins; try again later.
    #[oai(status = 429)]
    TooMany(Html<String>, #[oai(header = "Retry-After")] String),
}

fn html(body: String) -> AuthorizePage {
    AuthorizePage::Page(
        Html(body),
        pages::CSP.into(),
        "DENY".into(),
        NO_STORE.into(),
    )
}

/// The consent form: the authorization request and the user's answer.
#[derive(Debug, Default, Deserialize, Object)]
struct ConsentForm {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    /// `true` to authorize, anything else to deny.
    allow: Option<String>,
    /// The token the consent page carried.
    csrf_token: Option<String>,
}

impl ConsentForm {
    fn request(&self) -> AuthorizationRequest {
        AuthorizationRequest {
            response_type: self.response_type.clone(),
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scope: self.scope.clone(),
            state: self.state.clone(),
            code_challenge: self.code_challenge.clone(),
            code_challenge_method: self.code_challenge_method.clone(),
        }
    }
}

/// The login form of the authorization flow.
#[derive(Debug, Default, Deserialize, Object)]
struct LoginForm {
    username: Option<String>,
    #[oai(write_only)]
    password: Option<String>,
    /// Where to go afterwards (a path on this server).
    next: Option<String>,
}

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
#[derive(Object)]
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

/// The logged-in user of a browser request and their session key; a missing, forged
/// or expired session is "not logged in" here, so the flow sends the user to log in.
async fn session_user(req: &Request, ctx: &AuthContext) -> poem::Result<Option<(User, String)>> {
    match session::authenticate(req, ctx).await {
        Ok(found) => Ok(found),
        Err(AuthError::Unavailable) => Err(AuthError::Unavailable.into()),
        Err(_) => Ok(None),
    }
}

fn login_redirect(ctx: &AuthContext, req: &Request) -> AuthorizePage {
    let here = req
        .uri()
        .path_and_query()
        .map_or("/o/authorize/", |p| p.as_str());
    let login = &ctx.settings().oauth2.login_url;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", here)
        .finish();
    let joiner = if login.contains('?') { '&' } else { '?' };
    AuthorizePage::Redirect(format!("{login}{joiner}{query}"))
}

/// This server's base URL for the metadata document: configured, or from the request.
fn issuer(ctx: &AuthContext, req: &Request) -> String {
    if let Some(issuer) = &ctx.settings().oauth2.issuer {
        return issuer.trim_end_matches('/').to_owned();
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = match req.headers().get("x-forwarded-proto").map(|v| v.as_bytes()) {
        Some(b"https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

fn registration(body: ApplicationIn, owner: &User, client_type: Option<String>) -> Registration {
    Registration {
        name: body.name.unwrap_or_default(),
        client_type: client_type.unwrap_or_else(|| "confidential".into()),
        grant_types: body.grant_types.unwrap_or_default(),
        redirect_uris: body.redirect_uris.unwrap_or_default(),
        owner_id: Some(owner.id),
    }
}

#[secured]
#[OpenApi]
impl OAuth2Api {
    /// The token endpoint (RFC 6749): grants `password`, `client_credentials`,
    /// `authorization_code` (with PKCE) and `refresh_token`. Client authentication by
    /// HTTP Basic or `client_id`/`client_secret` in the form.
    #[public]
    #[oai(path = "/o/token/", method = "post")]
    async fn token(
        &self,
        req: &Request,
        ctx: AuthContext,
        form: OAuthForm<TokenRequest>,
    ) -> Result<TokenOk, OAuthError> {
        let issued = token::token(&ctx, req, form.0?).await?;
        Ok(TokenOk::Ok(
            Json(issued),
            NO_STORE.into(),
            "no-cache".into(),
        ))
    }

    /// Token revocation (RFC 7009). Always 200 for an authenticated client, whether
    /// or not the token existed; a refresh token takes its whole authorization along.
    #[public]
    #[oai(path = "/o/revoke_token/", method = "post")]
    async fn revoke_token(
        &self,
        req: &Request,
        ctx: AuthContext,
        form: OAuthForm<TokenQuery>,
    ) -> Result<RevokeOk, OAuthError> {
        let form = form.0?;
        let app = client::authenticate(
            ctx.store(),
            req.headers(),
            form.client_id.as_deref(),
            form.client_secret.as_deref(),
        )
        .await?;
        let token = form
            .token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("Missing token parameter."))?;
        token::revoke(&ctx, &app, &token).await?;
        Ok(RevokeOk::Ok(Json(json!({}))))
    }

    /// Token introspection (RFC 7662), for an authenticated client or a bearer token
    /// with the `introspection` scope.
    #[public]
    #[oai(path = "/o/introspect/", method = "post")]
    async fn introspect(
        &self,
        req: &Request,
        ctx: AuthContext,
        form: OAuthForm<TokenQuery>,
    ) -> Result<IntrospectOk, OAuthError> {
        let form = form.0?;
        let bearer = crate::schemes::authorization_words(
            req.headers().get(header::AUTHORIZATION),
            b"bearer",
        )
        .and_then(|mut w| w.next())
        .and_then(|t| std::str::from_utf8(t).ok());
        match bearer {
            Some(bearer) => {
                let grant = ctx.store().access_token(&secret::digest(bearer)).await?;
                let allowed =
                    grant.is_some_and(|g| g.scope.split_whitespace().any(|s| s == "introspection"));
                if !allowed {
                    return Err(OAuthError::invalid_client(
                        "The bearer token is invalid or lacks the introspection scope.",
                    ));
                }
            }
            None => {
                client::authenticate(
                    ctx.store(),
                    req.headers(),
                    form.client_id.as_deref(),
                    form.client_secret.as_deref(),
                )
                .await?;
            }
        }
        let token = form
            .token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("Missing token parameter."))?;
        Ok(IntrospectOk::Ok(
            Json(token::introspect(&ctx, &token).await?),
            NO_STORE.into(),
        ))
    }

    /// Authorization server metadata (RFC 8414).
    #[public]
    #[oai(path = "/.well-known/oauth-authorization-server", method = "get")]
    async fn metadata(&self, req: &Request, ctx: AuthContext) -> Json<Value> {
        let base = issuer(&ctx, req);
        let settings = &ctx.settings().oauth2;
        let mut pkce = vec!["S256"];
        if settings.allow_plain_pkce {
            pkce.push("plain");
        }
        let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
        Json(json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/o/authorize/"),
            "token_endpoint": format!("{base}/o/token/"),
            "revocation_endpoint": format!("{base}/o/revoke_token/"),
            "introspection_endpoint": format!("{base}/o/introspect/"),
            "scopes_supported": settings.scopes.keys().collect::<Vec<_>>(),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": client::GRANT_TYPES,
            "token_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": pkce,
        }))
    }

    /// The authorization endpoint: a logged-in user sees the consent page; others are
    /// sent to log in first. Errors go back to the client's redirect URI, except a bad
    /// client or redirect URI, which are shown here.
    #[public]
    #[oai(path = "/o/authorize/", method = "get")]
    async fn authorize(
        &self,
        req: &Request,
        ctx: AuthContext,
        query: poem::web::Query<AuthorizationRequest>,
    ) -> poem::Result<AuthorizePage> {
        let valid = match authorize::validate(&ctx, &query.0).await {
            Ok(valid) => valid,
            Err(AuthorizeError::Fatal(why)) => {
                return Ok(AuthorizePage::Invalid(Html(pages::error(&why))))
            }
            Err(AuthorizeError::Redirect(to)) => return Ok(AuthorizePage::Redirect(to)),
            Err(AuthorizeError::Store(e)) => return Err(e.into()),
        };
        let Some((user, key)) = session_user(req, &ctx).await? else {
            return Ok(login_redirect(&ctx, req));
        };
        let described: Vec<(String, String)> = valid
            .scopes
            .iter()
            .map(|s| {
                let description = ctx
                    .settings()
                    .oauth2
                    .scopes
                    .get(s)
                    .cloned()
                    .unwrap_or_default();
                (s.clone(), description)
            })
            .collect();
        let q = &query.0;
        let scope = valid.scopes.join(" ");
        let mut hidden: Vec<(&str, &str)> = vec![("response_type", "code"), ("scope", &scope)];
        let optional = [
            ("client_id", &q.client_id),
            ("redirect_uri", &q.redirect_uri),
            ("state", &q.state),
            ("code_challenge", &q.code_challenge),
            ("code_challenge_method", &q.code_challenge_method),
        ];
        for (name, value) in &optional {
            if let Some(v) = value {
                hidden.push((name, v));
            }
        }
        let token = csrf::token_for(ctx.csrf_key(), &key);
        Ok(html(pages::consent(
            &user.username,
            &valid.application.name,
            &described,
            &hidden,
            &token,
        )))
    }

    /// The user's answer to the consent page: a code (or `error=access_denied`) sent to
    /// the client's redirect URI.
    #[public]
    #[oai(path = "/o/authorize/", method = "post")]
    async fn authorize_answer(
        &self,
        req: &Request,
        ctx: AuthContext,
        form: OAuthForm<ConsentForm>,
    ) -> poem::Result<AuthorizePage> {
        let Ok(form) = form.0 else {
            return Ok(AuthorizePage::Invalid(Html(pages::error(
                "Malformed consent form.",
            ))));
        };
        if let Err(why) = csrf::check_origin(req, &ctx.settings().session) {
            return Ok(AuthorizePage::Forbidden(Html(pages::error(why))));
        }
        let Some((user, key)) = session_user(req, &ctx).await? else {
            return Ok(login_redirect(&ctx, req));
        };
        let expected = csrf::token_for(ctx.csrf_key(), &key);
        if !form
            .csrf_token
            .as_deref()
            .is_some_and(|t| secret::eq(t, &expected))
        {
            return Ok(AuthorizePage::Forbidden(Html(pages::error(
                "The consent form expired or did not come from this site; start again.",
            ))));
        }
        let valid = match authorize::validate(&ctx, &form.request()).await {
            Ok(valid) => valid,
            Err(AuthorizeError::Fatal(why)) => {
                return Ok(AuthorizePage::Invalid(Html(pages::error(&why))))
            }
            Err(AuthorizeError::Redirect(to)) => return Ok(AuthorizePage::Redirect(to)),
            Err(AuthorizeError::Store(e)) => return Err(e.into()),
        };
        if form.allow.as_deref() != Some("true") {
            return Ok(AuthorizePage::Redirect(authorize::deny(&valid)));
        }
        Ok(AuthorizePage::Redirect(
            authorize::approve(&ctx, &valid, &user).await?,
        ))
    }

    /// The login page of the authorization flow.
    #[public]
    #[oai(path = "/o/login/", method = "get")]
    async fn login_page(&self, query: poem::web::Query<LoginForm>) -> AuthorizePage {
        let next = query
            .0
            .next
            .filter(|n| pages::safe_next(n))
            .unwrap_or_else(|| "/docs".into());
        html(pages::login(&next, None))
    }

    /// Logs in with a session (as `/api/accounts/login/` does) and continues to `next`.
    #[public]
    #[oai(path = "/o/login/", method = "post")]
    async fn login_submit(
        &self,
        req: &Request,
        ctx: AuthContext,
        form: OAuthForm<LoginForm>,
    ) -> poem::Result<Response<AuthorizePage>> {
        let form = form.0.unwrap_or_default();
        let next = form
            .next
            .filter(|n| pages::safe_next(n))
            .unwrap_or_else(|| "/docs".into());
        if let Err(why) = csrf::check_origin(req, &ctx.settings().session) {
            return Ok(Response::new(AuthorizePage::Forbidden(Html(pages::error(
                why,
            )))));
        }
        let user = match (&form.username, &form.password) {
            (Some(u), Some(p)) => match ctx.check_credentials(req, u, p).await {
                Ok(user) => user,
                Err(AuthError::Throttled { wait_secs }) => {
                    let problem =
                        format!("Too many failed attempts. Try again in {wait_secs} seconds.");
                    let page = pages::login(&next, Some(&problem));
                    return Ok(Response::new(AuthorizePage::TooMany(
                        Html(page),
                        wait_secs.to_string(),
                    )));
                }
                Err(e) => return Err(e.into()),
            },
            _ => None,
        };
        let Some(user) = user else {
            let page = pages::login(&next, Some("Invalid username or password."));
            return Ok(Response::new(AuthorizePage::Invalid(Html(page))));
        };
        let cookies = session::login(&ctx, req, &user).await?;
        ctx.store().touch_last_login(user.id).await?;
        let mut resp = Response::new(AuthorizePage::Redirect(next));
        for c in cookies.0 {
            resp = resp.header(header::SET_COOKIE, c);
        }
        Ok(resp)
    }

    /// Your OAuth2 applications.
    #[authenticated(session, jwt, oauth2, token, basic)]
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
    #[authenticated(session, jwt, oauth2, token, basic)]
    #[oai(path = "/o/applications/", method = "post")]
    async fn create_application(
        &self,
        ctx: AuthContext,
        who: Identity,
        body: Json<ApplicationIn>,
    ) -> poem::Result<CreateApplication> {
        let client_type = body.0.client_type.clone();
        match client::register(ctx.store(), registration(body.0, &who.user, client_type)).await {
            Ok(done) => Ok(CreateApplication::Created(Json(ApplicationCreated {
                application: done.application.into(),
                client_secret: done.client_secret,
            }))),
            Err(RegistrationError::Invalid(errors)) => Ok(CreateApplication::Invalid(Json(errors))),
            Err(RegistrationError::Store(e)) => Err(e.into()),
        }
    }

    /// One of your applications.
    #[authenticated(session, jwt, oauth2, token, basic)]
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
    #[authenticated(session, jwt, oauth2, token, basic)]
    #[oai(path = "/o/applications/:id/", method = "put")]
    async fn update_application(
        &self,
        ctx: AuthContext,
        who: Identity,
        id: Path<i64>,
        body: Json<ApplicationIn>,
    ) -> poem::Result<OneApplication> {
        let store = ctx.store();
        let Some(current) = store
            .application_by_id(id.0)
            .await?
            .filter(|a| a.owner_id == Some(who.user.id))
        else {
            return Ok(OneApplication::NotFound(not_found()));
        };
        let reg = registration(body.0, &who.user, Some(current.client_type.clone()));
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
    #[authenticated(session, jwt, oauth2, token, basic)]
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
    #[authenticated(session, jwt, oauth2, token, basic)]
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
    #[authenticated(session, jwt, oauth2, token, basic)]
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
