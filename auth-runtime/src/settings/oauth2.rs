//! The OAuth2 authorization server: django-oauth-toolkit's `OAUTH2_PROVIDER`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SettingsError;

/// The OAuth2 authorization server (django-oauth-toolkit's `OAUTH2_PROVIDER`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuth2Settings {
    /// `ACCESS_TOKEN_EXPIRE_SECONDS` (DOT's default: 36000).
    pub access_token_lifetime: u64,
    /// `REFRESH_TOKEN_EXPIRE_SECONDS`; none means refresh tokens never expire (DOT's
    /// default). Default here: 30 days.
    pub refresh_token_lifetime: Option<u64>,
    /// `AUTHORIZATION_CODE_EXPIRE_SECONDS` (60).
    pub authorization_code_lifetime: u64,
    /// `SCOPES`: every scope and its description, shown on the consent page.
    pub scopes: BTreeMap<String, String>,
    /// `DEFAULT_SCOPES`: granted when a request names none.
    pub default_scopes: Vec<String>,
    /// Scopes that no user can grant or obtain: only an administrator gives them to an
    /// application (`create-oauth-app --privileged-scope ...`), for its own
    /// `client_credentials` tokens. `introspection` (RFC 7662) is one by default.
    pub privileged_scopes: Vec<String>,
    /// `ROTATE_REFRESH_TOKEN`: a refresh returns a new refresh token and spends the
    /// old one; reusing a spent one revokes the whole authorization.
    pub rotate_refresh_tokens: bool,
    /// Accept PKCE's `plain` method besides `S256` (off: OAuth 2.1).
    pub allow_plain_pkce: bool,
    /// The issuer in `/.well-known/oauth-authorization-server`; by default the
    /// scheme and host of the request.
    pub issuer: Option<String>,
    /// Where `/o/authorize/` sends a user who is not logged in.
    pub login_url: String,
}

impl Default for OAuth2Settings {
    fn default() -> Self {
        Self {
            access_token_lifetime: 36_000,
            refresh_token_lifetime: Some(30 * 24 * 60 * 60),
            authorization_code_lifetime: 60,
            scopes: BTreeMap::from([
                ("read".to_owned(), "Reading scope".to_owned()),
                ("write".to_owned(), "Writing scope".to_owned()),
                (
                    "introspection".to_owned(),
                    "Introspect other tokens".to_owned(),
                ),
            ]),
            default_scopes: vec!["read".into(), "write".into()],
            privileged_scopes: vec!["introspection".into()],
            rotate_refresh_tokens: true,
            allow_plain_pkce: false,
            issuer: None,
            login_url: "/o/login/".into(),
        }
    }
}

impl OAuth2Settings {
    /// The scope lists agree, and the login page is on this server.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        for scope in self.scopes.keys() {
            if !auth_grammar::scope::is_token(scope) {
                return Err(SettingsError::new(format!(
                    "oauth2.scopes: `{scope}` is not a valid scope name (RFC 6749 3.3)"
                )));
            }
        }
        for scope in &self.default_scopes {
            if !self.scopes.contains_key(scope) {
                return Err(SettingsError::new(format!(
                    "oauth2.default_scopes: `{scope}` is not in oauth2.scopes"
                )));
            }
        }
        for scope in &self.privileged_scopes {
            if self.default_scopes.contains(scope) {
                return Err(SettingsError::new(format!(
                    "oauth2.default_scopes: `{scope}` is privileged; a default scope is granted to anyone"
                )));
            }
        }
        if !self.login_url.starts_with('/') {
            return Err(SettingsError::new(
                "oauth2.login_url must be a path on this server, starting with `/`",
            ));
        }
        Ok(())
    }
}
