//! Scopes: space-separated names (RFC 6749 §3.3) checked against the configured set.

use crate::settings::OAuth2Settings;

use super::OAuthError;

/// The scopes of `requested` (or the defaults when it is absent or blank), each known
/// to the configured set, without repeats, in the order given.
///
/// ```
/// use auth_runtime::{oauth2::scope, settings::OAuth2Settings};
/// let s = OAuth2Settings::default();
/// assert_eq!(scope::resolve(None, &s).unwrap(), ["read", "write"]);
/// assert_eq!(scope::resolve(Some("write read write"), &s).unwrap(), ["write", "read"]);
/// assert_eq!(scope::resolve(Some("admin"), &s).unwrap_err().error(), "invalid_scope");
/// ```
pub fn resolve(
    requested: Option<&str>,
    settings: &OAuth2Settings,
) -> Result<Vec<String>, OAuthError> {
    let Some(text) = requested.filter(|t| !t.trim().is_empty()) else {
        return Ok(settings.default_scopes.clone());
    };
    let mut scopes: Vec<String> = Vec::new();
    for name in text.split_whitespace() {
        if !settings.scopes.contains_key(name) {
            return Err(OAuthError::invalid_scope(format!(
                "Unknown scope `{name}`."
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
