//! OAuth2 scopes (RFC 6749 §3.3) and throttle scopes.

/// Whether `name` is a scope token of RFC 6749 §3.3: one or more printable ASCII
/// characters other than space, `"` and `\`.
///
/// ```
/// use auth_grammar::scope::is_token;
/// assert!(is_token("articles:read"));
/// assert!(!is_token("two words") && !is_token("") && !is_token("quo\"te"));
/// ```
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
}

/// The first word of a space-separated scope list that is not a scope token.
///
/// ```
/// assert_eq!(auth_grammar::scope::malformed("read write"), None);
/// assert_eq!(auth_grammar::scope::malformed("read,\"x\""), Some("read,\"x\""));
/// ```
pub fn malformed(list: &str) -> Option<&str> {
    list.split_whitespace().find(|s| !is_token(s))
}

/// Whether `name` may name a throttle scope: letters, digits, `_` and `-`, and not
/// `anon` or `user` (the names of the other two kinds of rule).
///
/// ```
/// use auth_grammar::scope::is_throttle_scope;
/// assert!(is_throttle_scope("article_writes"));
/// assert!(!is_throttle_scope("user") && !is_throttle_scope("a b"));
/// ```
pub fn is_throttle_scope(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !matches!(name, "anon" | "user")
}
