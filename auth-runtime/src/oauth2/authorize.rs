//! The authorization endpoint's logic (RFC 6749 §4.1.1 with RFC 7636 PKCE): validating
//! an authorization request, and answering it with a code or an error, by redirect.

use poem_openapi::Object;
use serde::Deserialize;
use url::Url;

use super::{pkce, scope};
use crate::{
    context::AuthContext,
    principal::User,
    secret,
    store::{now, Application, StoreError},
};

/// The parameters of an authorization request (query string, or the consent form).
#[derive(Debug, Default, Clone, Deserialize, Object)]
pub struct AuthorizationRequest {
    /// Must be `code`.
    pub response_type: Option<String>,
    /// The client.
    pub client_id: Option<String>,
    /// One of the client's registered redirect URIs (optional when it has one).
    pub redirect_uri: Option<String>,
    /// Space-separated scopes; the configured defaults when absent.
    pub scope: Option<String>,
    /// Opaque value returned to the client.
    pub state: Option<String>,
    /// PKCE challenge (required for public clients).
    pub code_challenge: Option<String>,
    /// `S256` (or `plain`, when allowed).
    pub code_challenge_method: Option<String>,
}

/// Why an authorization request fails.
#[derive(Debug)]
pub enum AuthorizeError {
    /// The client or the redirect URI is wrong: the user is told, and nothing is sent
    /// to an unverified redirect URI (RFC 6749 §4.1.2.1).
    Fatal(String),
    /// Anything else is for the client, at its redirect URI. The authorization
    /// endpoint shows it rather than redirecting by itself (RFC 9700 §4.11.2: anyone
    /// can register a client, so a server that sent browsers to any registered URI
    /// unasked would be an open redirector); a logged-in user may follow a link back.
    Redirect {
        /// The client's redirect URI with `error`, `error_description` and `state`.
        to: String,
        /// What was wrong, for the page.
        description: String,
    },
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for AuthorizeError {
    fn from(e: StoreError) -> Self {
        AuthorizeError::Store(e)
    }
}

/// A request that passed validation.
#[derive(Debug, Clone)]
pub struct ValidRequest {
    /// The client.
    pub application: Application,
    /// Where to send the answer.
    pub redirect_uri: String,
    /// Whether the request named the redirect URI (then the token request must too).
    pub redirect_uri_given: bool,
    /// The scopes to ask the user for.
    pub scopes: Vec<String>,
    /// The client's `state`.
    pub state: Option<String>,
    /// PKCE challenge and method.
    pub pkce: Option<(String, String)>,
}

/// `uri` with these query parameters added (keeping its own).
///
/// ```
/// use auth_runtime::oauth2::authorize::with_params;
/// assert_eq!(
///     with_params("https://app.example/cb?x=1", &[("code", "a b"), ("state", "s")]),
///     "https://app.example/cb?x=1&code=a+b&state=s"
/// );
/// ```
pub fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in params {
                    query.append_pair(k, v);
                }
            }
            url.to_string()
        }
        // Registered URIs are validated; this is unreachable in practice.
        Err(_) => uri.to_owned(),
    }
}

fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> AuthorizeError {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    AuthorizeError::Redirect {
        to: with_params(redirect_uri, &params),
        description: description.to_owned(),
    }
}

/// Validates an authorization request in RFC 6749's order: client and redirect URI
/// first (fatal), then the rest (reported to the client).
pub async fn validate(
    ctx: &AuthContext,
    req: &AuthorizationRequest,
) -> Result<ValidRequest, AuthorizeError> {
    let Some(client_id) = req.client_id.as_deref().filter(|c| !c.is_empty()) else {
        return Err(AuthorizeError::Fatal(
            "The request names no client (client_id is missing).".into(),
        ));
    };
    let Some((application, _)) = ctx.store().application_by_client_id(client_id).await? else {
        return Err(AuthorizeError::Fatal("Unknown client_id.".into()));
    };
    // Checked again on use: a URI stored before validation refused it is never used.
    let registered: Vec<&String> = application
        .redirect_uris
        .iter()
        .filter(|r| super::client::redirect_uri_error(r).is_none())
        .collect();
    let redirect_uri = match req.redirect_uri.as_deref() {
        Some(given) if registered.iter().any(|r| *r == given) => given.to_owned(),
        Some(_) => {
            return Err(AuthorizeError::Fatal(
                "The redirect_uri is not one this client registered.".into(),
            ))
        }
        None if registered.len() == 1 => registered[0].to_owned(),
        None => {
            return Err(AuthorizeError::Fatal(
                "This client registered several redirect URIs; the request must name one.".into(),
            ))
        }
    };
    let state = req.state.as_deref();
    let fail =
        |error: &str, description: &str| error_redirect(&redirect_uri, error, description, state);
    if req.response_type.as_deref() != Some("code") {
        return Err(fail(
            "unsupported_response_type",
            "Only response_type=code is supported.",
        ));
    }
    if !application.allows("authorization_code") {
        return Err(fail(
            "unauthorized_client",
            "This client may not use the authorization code grant.",
        ));
    }
    let scopes = scope::resolve(req.scope.as_deref(), &ctx.settings().oauth2, &[])
        .map_err(|e| fail("invalid_scope", e.description()))?;
    let pkce = match (&req.code_challenge, &req.code_challenge_method) {
        (Some(challenge), method) => {
            let method = method.as_deref().unwrap_or("plain");
            let allowed =
                method == "S256" || (method == "plain" && ctx.settings().oauth2.allow_plain_pkce);
            if !allowed {
                return Err(fail(
                    "invalid_request",
                    "Unsupported code_challenge_method; use S256.",
                ));
            }
            if !pkce::well_formed(challenge) {
                return Err(fail("invalid_request", "Malformed code_challenge."));
            }
            Some((challenge.clone(), method.to_owned()))
        }
        (None, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method without code_challenge.",
            ))
        }
        (None, None) if application.is_public() => {
            return Err(fail(
                "invalid_request",
                "A public client must use PKCE (code_challenge).",
            ))
        }
        (None, None) => None,
    };
    Ok(ValidRequest {
        application,
        redirect_uri_given: req.redirect_uri.is_some(),
        redirect_uri,
        scopes,
        state: req.state.clone(),
        pkce,
    })
}

/// The user approved: issues a single-use code and returns where to send the browser.
pub async fn approve(
    ctx: &AuthContext,
    valid: &ValidRequest,
    user: &User,
) -> Result<String, StoreError> {
    let code = secret::random_urlsafe(32);
    let lifetime = ctx.settings().oauth2.authorization_code_lifetime;
    let expires_at = now().saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let (challenge, method) = match &valid.pkce {
        Some((c, m)) => (Some(c.as_str()), Some(m.as_str())),
        None => (None, None),
    };
    ctx.store()
        .create_code(
            &secret::digest(&code),
            valid.application.id,
            user.id,
            valid
                .redirect_uri_given
                .then_some(valid.redirect_uri.as_str()),
            &valid.scopes.join(" "),
            challenge,
            method,
            &secret::random_hex(16),
            expires_at,
        )
        .await?;
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = &valid.state {
        params.push(("state", state));
    }
    Ok(with_params(&valid.redirect_uri, &params))
}

/// The user refused: `error=access_denied`, back to the client.
pub fn deny(valid: &ValidRequest) -> String {
    let mut params = vec![
        ("error", "access_denied"),
        (
            "error_description",
            "The resource owner denied the request.",
        ),
    ];
    if let Some(state) = &valid.state {
        params.push(("state", state));
    }
    with_params(&valid.redirect_uri, &params)
}
