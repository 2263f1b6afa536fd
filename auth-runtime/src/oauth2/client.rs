//! OAuth2 clients: registration with validated redirect URIs, and client
//! authentication at the token, revocation and introspection endpoints (HTTP Basic or
//! the request body, RFC 6749 §2.3.1).

use base64::{engine::general_purpose::STANDARD, Engine};
use poem::http::{header, HeaderMap};
use url::Url;

use super::OAuthError;
use crate::{
    secret,
    store::{Application, NewApplication, Store, StoreError},
};

/// Query parameters the authorization server adds to a redirect URI.
const RESERVED_PARAMETERS: &[&str] = &[
    "code",
    "state",
    "error",
    "error_description",
    "error_uri",
    "iss",
];

/// `confidential` and `public`.
pub const CLIENT_TYPES: &[&str] = &["confidential", "public"];

/// The grant types an application may be allowed.
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "password",
    "client_credentials",
    "refresh_token",
];

pub use crate::input::FieldErrors;

/// What registering an application takes.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// Display name.
    pub name: String,
    /// `confidential` or `public`.
    pub client_type: String,
    /// Allowed grant types (several may be given).
    pub grant_types: Vec<String>,
    /// Exact redirect URIs (required for `authorization_code`).
    pub redirect_uris: Vec<String>,
    /// Privileged scopes (see `oauth2.privileged_scopes` in settings) this application
    /// may give its own `client_credentials` tokens. Only an administrator sets them
    /// (the command line); the applications API never does.
    pub privileged_scopes: Vec<String>,
    /// The registering user.
    pub owner_id: Option<i64>,
}

/// A registered application and, for a confidential one, its secret: shown once.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The application.
    pub application: Application,
    /// The client secret (confidential clients only).
    pub client_secret: Option<String>,
}

/// Why registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// Some fields are wrong.
    #[error("invalid application: {0:?}")]
    Invalid(FieldErrors),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn push(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

/// Whether a redirect URI may be registered: absolute, no fragment, no whitespace,
/// control characters or backslashes (the URL parser would quietly encode or rewrite
/// them, so the string checked would not be the string used), and `https`, or `http`
/// on a loopback host (RFC 8252 §7.3), or a private-use scheme with a dot
/// (`com.example.app:/callback`, RFC 8252 §7.1).
///
/// ```
/// use auth_runtime::oauth2::client::redirect_uri_error;
/// assert!(redirect_uri_error("https://app.example.com/callback").is_none());
/// assert!(redirect_uri_error("http://127.0.0.1:8080/cb").is_none());
/// assert!(redirect_uri_error("http://app.example.com/cb").is_some());
/// assert!(redirect_uri_error("https://app.example.com/cb#frag").is_some());
/// assert!(redirect_uri_error("/relative").is_some());
/// assert!(redirect_uri_error("https://ok.example/cb javascript:alert(1)//").is_some());
/// assert!(redirect_uri_error("https://ok.example/cb\thttp://evil.example/").is_some());
/// assert!(redirect_uri_error("https://ok.example/cb\u{a0}x").is_some());
/// assert!(redirect_uri_error("https://app.example.com/cb/../../evil").is_some());
/// assert!(redirect_uri_error("http://127.1/cb").is_some());
/// assert!(redirect_uri_error("https://app.example.com/cb?x=1&code=evil").is_some());
/// assert!(redirect_uri_error("https://app.example.com/cb?x=1").is_none());
/// assert!(redirect_uri_error("https://app.example.com@evil.example/cb").is_some());
/// ```
pub fn redirect_uri_error(uri: &str) -> Option<&'static str> {
    if uri
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Some(
            "A redirect URI may not contain whitespace, control characters or backslashes.",
        );
    }
    let Ok(url) = Url::parse(uri) else {
        return Some("Enter an absolute URI.");
    };
    // What is registered is what is matched and what the answer goes to: a URI that the
    // parser would rewrite (dot segments, host case, `127.1`, a default port, an empty
    // path) would be sent somewhere other than where it reads.
    if url.as_str() != uri {
        return Some("Write the URI in its normal form, as a URL parser writes it: lowercase scheme and host, no dot segments or default port, `/` for an empty path.");
    }
    if url
        .query_pairs()
        .any(|(k, _)| RESERVED_PARAMETERS.contains(&k.as_ref()))
    {
        return Some("A redirect URI may not carry code, state, error, error_description, error_uri or iss: the server adds them.");
    }
    if !url.username().is_empty() || url.password().is_some() {
        // `https://app.example.com@evil.example/` reads as one host and goes to another.
        return Some("A redirect URI may not contain a user name or password.");
    }
    if url.fragment().is_some() {
        return Some("A redirect URI must not contain a fragment.");
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => None,
        "http" if loopback => None,
        "http" => Some("Use https, or http on localhost or 127.0.0.1 only."),
        scheme if scheme.contains('.') => None,
        _ => Some("Use https, http on a loopback host, or a reverse-domain private scheme."),
    }
}

/// Checks a registration; every problem is reported, per field.
pub fn validate(reg: &Registration) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    let name_len = reg.name.trim().chars().count();
    if name_len == 0 || name_len > 255 {
        push(
            &mut errors,
            "name",
            "Ensure this field has 1 to 255 characters.",
        );
    }
    if !CLIENT_TYPES.contains(&reg.client_type.as_str()) {
        push(
            &mut errors,
            "client_type",
            "Not a valid choice; use confidential or public.",
        );
    }
    if reg.grant_types.is_empty() {
        push(&mut errors, "grant_types", "Allow at least one grant type.");
    }
    for (i, g) in reg.grant_types.iter().enumerate() {
        if !GRANT_TYPES.contains(&g.as_str()) {
            push(
                &mut errors,
                "grant_types",
                // The item's position, not its text: error bodies do not echo input.
                format!(
                    "Item {}: not a valid choice; use one of {}.",
                    i + 1,
                    GRANT_TYPES.join(", ")
                ),
            );
        } else if reg.grant_types[..i].contains(g) {
            push(
                &mut errors,
                "grant_types",
                format!("\"{g}\" is given twice."),
            );
        }
    }
    if reg.client_type == "public" && reg.grant_types.iter().any(|g| g == "client_credentials") {
        push(
            &mut errors,
            "grant_types",
            "A public client cannot use client_credentials: it has no secret.",
        );
    }
    for (i, uri) in reg.redirect_uris.iter().enumerate() {
        if let Some(problem) = redirect_uri_error(uri) {
            push(
                &mut errors,
                "redirect_uris",
                format!("Item {}: {problem}", i + 1),
            );
        }
    }
    for scope in &reg.privileged_scopes {
        if !super::scope::is_token(scope) {
            push(
                &mut errors,
                "privileged_scopes",
                "A scope is one word of printable ASCII characters.",
            );
        }
    }
    if reg.grant_types.iter().any(|g| g == "authorization_code") && reg.redirect_uris.is_empty() {
        push(
            &mut errors,
            "redirect_uris",
            "The authorization_code grant needs at least one redirect URI.",
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Registers an application: a random client id, and for a confidential client a
/// random secret that is stored as a digest and returned only now.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// # let store = auth_runtime::Store::connect(&format!("sqlite://{}/o.db", dir.path().display())).await.unwrap();
/// # store.migrate().await.unwrap();
/// use auth_runtime::oauth2::client::{register, Registration};
/// let reg = Registration {
///     name: "MyAppClient".into(),
///     client_type: "confidential".into(),
///     grant_types: vec!["password".into()],
///     ..Default::default()
/// };
/// let done = register(&store, reg).await.unwrap();
/// assert!(done.client_secret.is_some());
/// assert!(done.application.allows("password"));
/// # });
/// ```
pub async fn register(store: &Store, reg: Registration) -> Result<Registered, RegistrationError> {
    validate(&reg).map_err(RegistrationError::Invalid)?;
    let client_id = secret::random_urlsafe(30);
    let client_secret = (reg.client_type == "confidential").then(|| secret::random_urlsafe(48));
    let digest = client_secret.as_deref().map(secret::digest);
    let application = store
        .create_application(NewApplication {
            client_id: &client_id,
            client_secret_digest: digest.as_deref(),
            name: reg.name.trim(),
            client_type: &reg.client_type,
            grant_types: &reg.grant_types,
            redirect_uris: &reg.redirect_uris,
            privileged_scopes: &reg.privileged_scopes,
            owner_id: reg.owner_id,
        })
        .await?;
    Ok(Registered {
        application,
        client_secret,
    })
}

/// `application/x-www-form-urlencoded` decoding of one Basic credential part.
fn form_decode(part: &str) -> Option<String> {
    let plus_as_space = part.replace('+', " ");
    url::form_urlencoded::parse(format!("x={plus_as_space}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// Authenticates the client of a token-endpoint request, by HTTP Basic or by the
/// `client_id` / `client_secret` body parameters (not both). A confidential client
/// must prove its secret (compared as digests, in constant time); a public client
/// only names itself.
pub async fn authenticate(
    store: &Store,
    headers: &HeaderMap,
    body_id: Option<&str>,
    body_secret: Option<&str>,
) -> Result<Application, OAuthError> {
    let failed = || OAuthError::invalid_client("Client authentication failed.");
    let basic = match crate::net::authorization_words(headers.get(header::AUTHORIZATION), b"basic")
    {
        Some(mut words) => {
            let (Some(encoded), None) = (words.next(), words.next()) else {
                return Err(failed());
            };
            let decoded = STANDARD.decode(encoded).map_err(|_| failed())?;
            let text = String::from_utf8(decoded).map_err(|_| failed())?;
            let (id, secret) = text.split_once(':').ok_or_else(failed)?;
            Some((
                form_decode(id).ok_or_else(failed)?,
                form_decode(secret).ok_or_else(failed)?,
            ))
        }
        None => None,
    };
    let (client_id, presented) =
        match (basic, body_id, body_secret) {
            (Some(_), _, Some(_)) => return Err(OAuthError::invalid_request(
                "Use one client authentication method: HTTP Basic or the request body, not both.",
            )),
            (Some((id, secret)), body_id, None) => {
                if body_id.is_some_and(|b| b != id) {
                    return Err(failed());
                }
                (id, Some(secret))
            }
            (None, Some(id), secret) => (id.to_owned(), secret.map(str::to_owned)),
            (None, None, _) => return Err(failed()),
        };
    let Some((app, digest)) = store.application_by_client_id(&client_id).await? else {
        return Err(failed());
    };
    match (digest, presented) {
        (Some(stored), Some(given)) if secret::eq(&stored, &secret::digest(&given)) => Ok(app),
        // A public client has no secret; an empty one (some libraries send it) is none.
        (None, None) => Ok(app),
        (None, Some(given)) if given.is_empty() => Ok(app),
        _ => Err(failed()),
    }
}
