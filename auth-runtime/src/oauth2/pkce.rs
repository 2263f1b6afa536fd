//! Proof Key for Code Exchange (RFC 7636).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

/// Whether `s` is a well-formed verifier or challenge: 43 to 128 characters from
/// `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
///
/// ```
/// assert!(auth_runtime::oauth2::pkce::well_formed(&"a".repeat(43)));
/// assert!(!auth_runtime::oauth2::pkce::well_formed("short"));
/// ```
pub fn well_formed(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The `S256` challenge of a verifier: base64url(SHA-256(verifier)).
///
/// ```
/// use auth_runtime::oauth2::pkce::challenge_s256;
/// // RFC 7636, appendix B.
/// assert_eq!(challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
///            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// ```
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` answers `challenge` under `method` (`S256` or `plain`),
/// comparing in constant time.
///
/// ```
/// use auth_runtime::oauth2::pkce::verify;
/// // RFC 7636, appendix B.
/// let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// assert!(verify(challenge, "S256", verifier));
/// assert!(!verify(challenge, "S256", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX"));
/// ```
pub fn verify(challenge: &str, method: &str, verifier: &str) -> bool {
    if !well_formed(verifier) {
        return false;
    }
    let computed = match method {
        "S256" => challenge_s256(verifier),
        "plain" => verifier.to_owned(),
        _ => return false,
    };
    crate::secret::eq(&computed, challenge)
}
