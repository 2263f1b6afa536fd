//! Random keys and the digests they are stored under.
//!
//! Every bearer secret the framework issues (session keys, API tokens, OAuth2 tokens
//! and codes, client secrets) is 128 bits or more from the OS RNG, and the database
//! keeps only its SHA-256 digest: a dump of the tables grants nothing, and a lookup by
//! digest reveals nothing about the key through timing.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `n` random bytes as lowercase hex (`2n` characters).
///
/// ```
/// let key = auth_runtime::secret::random_hex(20);
/// assert_eq!(key.len(), 40);
/// assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
/// ```
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes, base64url without padding.
///
/// ```
/// assert_eq!(auth_runtime::secret::random_urlsafe(32).len(), 43);
/// ```
pub fn random_urlsafe(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 digest of a secret, as lowercase hex: what the database stores.
///
/// ```
/// use auth_runtime::secret::digest;
/// assert_eq!(digest("abc").len(), 64);
/// assert_ne!(digest("abc"), digest("abd"));
/// ```
pub fn digest(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets (or digests) in constant time.
///
/// ```
/// use auth_runtime::secret::eq;
/// assert!(eq("same", "same"));
/// assert!(!eq("same", "diff"));
/// ```
pub fn eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}
