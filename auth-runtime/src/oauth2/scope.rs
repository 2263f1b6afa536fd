//! Scopes: space-separated names (RFC 6749 §3.3) checked against the configured set.

use crate::settings::OAuth2Settings;

use super::OAuthError;

/// Whether `name` is a scope token of RFC 6749 §3.3: one or more printable ASCII
/// characters other than space, `"` and `\\`.
///
/// ```
/// use auth_runtime::oauth2::scope::is_token;
/// assert!(is_token("articles:read"));
/// assert!(!is_token("two words") && !is_token("") && !is_token("quo\"te"));
/// ```
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
}

/// The scopes of `requested` (or the defaults when it is absent or blank), each known
/// to the configured set, without repeats, in the order given. A privileged scope
/// (`oauth2.privileged_scopes`, such as `introspection`) is refused unless it is in
/// `allowed`: what an administrator gave the client for its own tokens.
///
/// ```
/// use auth_runtime::{oauth2::scope, settings::OAuth2Settings};
/// let s = OAuth2Settings::default();
/// assert_eq!(scope::resolve(None, &s, &[]).unwrap(), ["read", "write"]);
/// assert_eq!(scope::resolve(Some("write read write"), &s, &[]).unwrap(), ["write", "read"]);
/// assert_eq!(scope::resolve(Some("admin"), &s, &[]).unwrap_err().error(), "invalid_scope");
/// assert_eq!(scope::resolve(Some("introspection"), &s, &[]).unwrap_err().error(), "invalid_scope");
/// let allowed = ["introspection".to_owned()];
/// assert_eq!(scope::resolve(Some("introspection"), &s, &allowed).unwrap(), ["introspection"]);
/// ```
pub fn resolve(
    requested: Option<&str>,
    settings: &OAuth2Settings,
    allowed: &[String],
) -> Result<Vec<String>, OAuthError> {
    let Some(text) = requested.filter(|t| !t.trim().is_empty()) else {
        return Ok(settings.default_scopes.clone());
    };
    let mut scopes: Vec<String> = Vec::new();
    for name in text.split_whitespace() {
        if !settings.scopes.contains_key(name) {
            return Err(OAuthError::invalid_scope(format!(
                "Unknown scope; the scopes are {}.",
                settings
                    .scopes
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let privileged = settings.privileged_scopes.iter().any(|p| p == name);
        if privileged && !allowed.iter().any(|a| a == name) {
            return Err(OAuthError::invalid_scope(format!(
                "The `{name}` scope is granted only by an administrator, to a client for its own tokens."
            )));
        }
        if !scopes.iter().any(|s| s == name) {
            scopes.push(name.to_owned());
        }
    }
    Ok(scopes)
}

/// Whether every scope of `wanted` is in the space-separated `granted`.
///
/// ```
/// use auth_runtime::oauth2::scope::within;
/// assert!(within(&["read".to_owned()], "read write"));
/// assert!(!within(&["admin".to_owned()], "read write"));
/// ```
pub fn within(wanted: &[String], granted: &str) -> bool {
    wanted
        .iter()
        .all(|w| granted.split_whitespace().any(|g| g == w))
}
