//! The browser's side of the authorization code flow: the consent page and the login
//! page it sends a user to.

use poem::{http::header, Request};
use poem_openapi::{
    payload::{Html, Response},
    ApiResponse, Object, OpenApi,
};
use serde::Deserialize;

use super::endpoints::NO_STORE;
use crate::{
    context::AuthContext,
    csrf,
    error::AuthError,
    oauth2::{
        authorize::{self, AuthorizationRequest, AuthorizeError},
        form::OAuthForm,
        pages,
    },
    principal::User,
    public, secret, secured, session,
};

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

/// The authorization endpoint with its consent and login pages (part of
/// [`OAuth2Api`](super::OAuth2Api)).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthorizePages;

#[secured]
#[OpenApi(tag = "crate::docs::Tag::OAuth2")]
impl AuthorizePages {
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
        let session = session_user(req, &ctx).await?;
        let valid = match authorize::validate(&ctx, &query.0).await {
            Ok(valid) => valid,
            Err(AuthorizeError::Fatal(why)) => {
                return Ok(AuthorizePage::Invalid(Html(pages::error(&why))))
            }
            // Shown, never redirected to unasked (no open redirector): a logged-in user
            // may follow a link back to the client, with the error for it.
            Err(AuthorizeError::Redirect { to, description }) => {
                let back = session.as_ref().map(|_| to.as_str());
                return Ok(AuthorizePage::Invalid(Html(pages::error_for_client(
                    &description,
                    back,
                ))));
            }
            Err(AuthorizeError::Store(e)) => return Err(e.into()),
        };
        let Some((user, key)) = session else {
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
        // Only the consent page, shown to a logged-in user, posts this form: without a
        // session it is stale (the session ended) or forged; nothing is decided.
        let Some((user, key)) = session_user(req, &ctx).await? else {
            return Ok(AuthorizePage::Forbidden(Html(pages::error(
                "Your session ended before you answered; log in and start again from the application.",
            ))));
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
            Err(AuthorizeError::Redirect { to, .. }) => return Ok(AuthorizePage::Redirect(to)),
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
        for c in cookies.cookies {
            resp = resp.header(header::SET_COOKIE, c);
        }
        Ok(resp)
    }
}
