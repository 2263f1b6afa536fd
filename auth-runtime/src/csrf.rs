//! Cross-site request protection for session-authenticated unsafe requests.
//!
//! The default check is the one of Go 1.25's `http.CrossOriginProtection`: a browser
//! tells the server where a request comes from (`Sec-Fetch-Site`, else `Origin`), and
//! a cross-origin unsafe request is refused unless its origin is trusted. Clients that
//! are not browsers send neither header and pass, which is safe because they do not
//! carry a victim's ambient cookies. Strict mode also requires a token bound to the
//! session: the `csrftoken` cookie set at login, echoed in the `X-CSRFToken` header.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{digest::KeyInit, Hmac, Mac};
use poem::Request;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::settings::SessionSettings;

/// Cookie holding the CSRF token for strict mode (readable by the page's scripts).
pub const CSRF_COOKIE: &str = "csrftoken";
/// Header that must echo the token in strict mode.
pub const CSRF_HEADER: &str = "x-csrftoken";

/// Refuses a cross-origin request. `Err` carries the reason shown after "CSRF Failed: ".
///
/// ```
/// use auth_runtime::{csrf::check_origin, settings::SessionSettings};
/// let s = SessionSettings::default();
/// let curl = poem::Request::builder().header("host", "127.0.0.1:8000").finish();
/// assert!(check_origin(&curl, &s).is_ok());
/// let evil = poem::Request::builder().header("host", "127.0.0.1:8000")
///     .header("origin", "https://evil.example").finish();
/// assert!(check_origin(&evil, &s).is_err());
/// let site = poem::Request::builder().header("sec-fetch-site", "cross-site").finish();
/// assert!(check_origin(&site, &s).is_err());
/// ```
pub fn check_origin(req: &Request, settings: &SessionSettings) -> Result<(), &'static str> {
    let origin = req
        .headers()
        .get("origin")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let trusted = |o: &str| {
        settings
            .trusted_origins
            .iter()
            .any(|t| t.eq_ignore_ascii_case(o))
    };
    if let Some(site) = req.headers().get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => Ok(()),
            _ if origin.is_some_and(trusted) => Ok(()),
            _ => Err("Cross-site request refused (Sec-Fetch-Site)."),
        };
    }
    let Some(origin) = origin else {
        // No Fetch Metadata and no Origin: not a browser, or a same-origin request
        // from a browser too old to send them.
        return Ok(());
    };
    if trusted(origin) {
        return Ok(());
    }
    let origin_host = origin.split_once("://").map(|(_, h)| h);
    let host = req.headers().get("host").and_then(|h| h.to_str().ok());
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(
            "Origin checking failed - the Origin does not match the Host or any trusted origin.",
        ),
    }
}

/// The CSRF token bound to a session key.
pub(crate) fn token_for(key: &[u8; 64], session_key: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new(key.into());
    mac.update(session_key.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Strict mode: the header must carry the session's token (constant-time compare).
pub(crate) fn check_token(
    req: &Request,
    key: &[u8; 64],
    session_key: &str,
) -> Result<(), &'static str> {
    let Some(sent) = req.headers().get(CSRF_HEADER) else {
        return Err("CSRF token missing.");
    };
    let expected = token_for(key, session_key);
    if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err("CSRF token incorrect.")
    }
}
