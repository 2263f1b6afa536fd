//! Server-side sessions: the cookie and CSRF protection.

use serde::{Deserialize, Serialize};

/// The cookies' `SameSite` attribute, written as in the header.
///
/// ```
/// use auth_runtime::settings::SameSite;
/// assert_eq!(serde_json::from_str::<SameSite>("\"Strict\"").unwrap(), SameSite::Strict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SameSite {
    /// Sent on top-level navigations from other sites, not on their subrequests.
    #[default]
    Lax,
    /// Never sent from other sites.
    Strict,
    /// Always sent (the cookie is then always `Secure`).
    None,
}

/// How unsafe requests of session-authenticated callers are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CsrfMode {
    /// Refuse what the browser marks as cross-origin (`Sec-Fetch-Site`, else `Origin`
    /// against `Host` and the trusted origins), like Go's `http.CrossOriginProtection`.
    /// Non-browser clients need no token.
    #[default]
    Origin,
    /// The origin check and, in addition, an `X-CSRFToken` header matching the
    /// `csrftoken` cookie set at login.
    Strict,
}

/// When cookies get the `Secure` flag: written `"auto"`, `true` or `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieSecure {
    /// When the request came over HTTPS.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never (plain-HTTP development only).
    Never,
}

impl Serialize for CookieSecure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CookieSecure::Auto => s.serialize_str("auto"),
            CookieSecure::Always => s.serialize_bool(true),
            CookieSecure::Never => s.serialize_bool(false),
        }
    }
}

impl<'de> Deserialize<'de> for CookieSecure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Flag(bool),
            Word(String),
        }
        match Written::deserialize(d)? {
            Written::Flag(true) => Ok(CookieSecure::Always),
            Written::Flag(false) => Ok(CookieSecure::Never),
            Written::Word(w) => match w.to_ascii_lowercase().as_str() {
                "auto" => Ok(CookieSecure::Auto),
                "true" | "always" => Ok(CookieSecure::Always),
                "false" | "never" => Ok(CookieSecure::Never),
                _ => Err(serde::de::Error::custom(
                    "session.cookie_secure must be \"auto\", true or false",
                )),
            },
        }
    }
}

/// The session cookie and CSRF protection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Session lifetime in seconds (Django's `SESSION_COOKIE_AGE`, two weeks).
    pub cookie_age: u64,
    /// The cookies' `Secure` flag: `auto` (default) sets it when the request came over
    /// HTTPS (or, behind `throttle.num_proxies` proxies, with `X-Forwarded-Proto:
    /// https`), so plain `http://127.0.0.1` works in development and HTTPS gets secure
    /// cookies; `true` always (behind a TLS proxy that says nothing), `false` never.
    pub cookie_secure: CookieSecure,
    /// `SameSite` (default `Lax`).
    pub cookie_samesite: SameSite,
    /// Cookie `Domain`, when it must be shared with subdomains.
    pub cookie_domain: Option<String>,
    /// CSRF protection mode.
    pub csrf_mode: CsrfMode,
    /// Origins (`https://app.example.com`) allowed to make cross-origin unsafe requests
    /// (Django's `CSRF_TRUSTED_ORIGINS`).
    pub trusted_origins: Vec<String>,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            cookie_age: 14 * 24 * 60 * 60,
            cookie_secure: CookieSecure::Auto,
            cookie_samesite: SameSite::Lax,
            cookie_domain: None,
            csrf_mode: CsrfMode::Origin,
            trusted_origins: Vec::new(),
        }
    }
}
