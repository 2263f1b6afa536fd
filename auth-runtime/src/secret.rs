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
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // By hand rather than with `{:x}`: this runs on every token-authenticated request.
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(secret.as_bytes()) {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

/// Hashes map keys that are already digests (SHA-256 bytes or their hex) by mixing
/// their first sixteen bytes: those carry 64 bits or more that nobody can choose
/// without a preimage, so no keyed hash is needed. SipHash, the default, would cost
/// more than the lookup.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DigestHash;

/// The hasher of [`DigestHash`].
#[derive(Debug, Default)]
pub(crate) struct DigestHasher(u64);

impl std::hash::BuildHasher for DigestHash {
    type Hasher = DigestHasher;
    fn build_hasher(&self) -> DigestHasher {
        DigestHasher::default()
    }
}

impl std::hash::Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Arrays and strings also write a length or a terminator: mixed in, harmless.
        let mut words = [0u8; 16];
        let n = bytes.len().min(16);
        words[..n].copy_from_slice(&bytes[..n]);
        let (a, b) = words.split_at(8);
        let word = |w: &[u8]| u64::from_le_bytes(w.try_into().unwrap_or_default());
        self.0 = self.0.rotate_left(29) ^ word(a) ^ word(b).rotate_left(32);
    }

    fn finish(&self) -> u64 {
        // splitmix64's finalizer: every input bit moves every output bit (hex digits
        // would otherwise leave the low bits nearly constant).
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
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
