//! Tokens this process has verified, so that a token seen again skips the signature
//! check and the JSON parse (what Envoy's `jwt_authn` does with its token cache).
//!
//! An entry records only what the signature proved: the claims, read with the keys,
//! algorithm, issuer, audience and token types of this service, which never change
//! while it lives. It is keyed by the SHA-256 digest of the whole token, so only that
//! exact token finds it. What can change with time is checked on every hit exactly as
//! `jsonwebtoken` checks it (`exp` and `nbf` with the leeway), and what can change
//! with the database (the blacklist, the user's `auth_version`, the active flag) is
//! checked by the caller on every request, hit or miss. Entries leave when their token
//! expires, and the cache holds at most `jwt.verified_cache_size` of them.

use std::{sync::Arc, time::Duration};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::TokenError;
use crate::bounded::Bounded;

/// What verification proved about one token.
#[derive(Debug)]
pub(super) struct Verified {
    /// Every claim, shared with the requests the token authenticates.
    pub(super) claims: Arc<Map<String, Value>>,
    /// A sliding token (checked against the blacklist on every request).
    pub(super) sliding: bool,
    pub(super) jti: Box<str>,
    pub(super) exp: i64,
    /// `nbf`, when the token has one (a verified token's is a non-negative integer).
    pub(super) nbf: Option<u64>,
    pub(super) user_id: i64,
    /// The `auth_version` it was issued under.
    pub(super) version: i64,
}

impl Verified {
    /// `jsonwebtoken`'s time checks, with the same comparisons: expired once
    /// `exp < now - leeway`, not yet valid while `nbf > now + leeway`. `nbf` is checked
    /// again because the clock may step back.
    fn check_time(&self, now: i64, leeway: u64) -> Result<(), TokenError> {
        let leeway = i64::try_from(leeway).unwrap_or(i64::MAX);
        if self.exp < now.saturating_sub(leeway) {
            return Err(TokenError::Expired);
        }
        if let Some(nbf) = self.nbf {
            if i128::from(nbf) > i128::from(now) + i128::from(leeway) {
                return Err(TokenError::Invalid);
            }
        }
        Ok(())
    }
}

/// The bounded cache of verified tokens.
pub(super) struct VerifiedCache {
    entries: Bounded<[u8; 32], Arc<Verified>>,
    leeway: u64,
}

impl VerifiedCache {
    /// A cache of at most `size` tokens, or `None` for size 0.
    pub(super) fn new(size: u64, leeway: u64) -> Option<Self> {
        (size > 0).then(|| Self {
            entries: Bounded::new(size, Duration::ZERO),
            leeway,
        })
    }

    /// The verified claims of `token`: from the cache when these exact bytes were
    /// verified before (and the time checks still pass), else from `verify`, whose
    /// success is remembered.
    pub(super) fn get_or_verify<E: From<TokenError>>(
        &self,
        token: &[u8],
        verify: impl FnOnce() -> Result<Verified, E>,
    ) -> Result<Arc<Verified>, E> {
        let key: [u8; 32] = Sha256::digest(token).into();
        if let Some(hit) = self.entries.get(&key) {
            hit.check_time(crate::clock::now(), self.leeway)?;
            return Ok(hit);
        }
        let verified = Arc::new(verify()?);
        // Kept until the token can no longer pass the `exp` check.
        let left = verified
            .exp
            .saturating_sub(crate::clock::now())
            .saturating_add(i64::try_from(self.leeway).unwrap_or(i64::MAX))
            .saturating_add(1);
        let left = Duration::from_secs(u64::try_from(left).unwrap_or(0));
        self.entries.insert_for(key, verified.clone(), left);
        Ok(verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(exp: i64, nbf: Option<u64>) -> Verified {
        Verified {
            claims: Arc::default(),
            sliding: false,
            jti: "j".into(),
            exp,
            nbf,
            user_id: 1,
            version: 0,
        }
    }

    #[test]
    fn time_checks_match_jsonwebtoken() {
        // jsonwebtoken: expired when `exp < now - leeway`, so a token is still valid in
        // the second of its `exp`.
        assert_eq!(verified(100, None).check_time(100, 0), Ok(()));
        assert_eq!(
            verified(100, None).check_time(101, 0),
            Err(TokenError::Expired)
        );
        assert_eq!(verified(100, None).check_time(105, 5), Ok(()));
        assert_eq!(
            verified(100, None).check_time(106, 5),
            Err(TokenError::Expired)
        );
        // Not yet valid while `nbf > now + leeway`.
        assert_eq!(
            verified(200, Some(150)).check_time(149, 0),
            Err(TokenError::Invalid)
        );
        assert_eq!(verified(200, Some(150)).check_time(150, 0), Ok(()));
        assert_eq!(verified(200, Some(150)).check_time(145, 5), Ok(()));
    }

    #[test]
    fn a_token_seen_again_is_not_verified_again_and_failures_are_not_kept() {
        let cache = VerifiedCache::new(10, 0).unwrap();
        let now = crate::clock::now();
        let first = cache.get_or_verify(b"a.b.c", || Ok::<_, TokenError>(verified(now + 60, None)));
        assert!(first.is_ok());
        // The same token again: not verified again.
        let again = cache.get_or_verify(b"a.b.c", || Err(TokenError::Invalid));
        assert!(again.is_ok());
        // Another token: verified, and its failure is not remembered as a success.
        let other = cache.get_or_verify(b"a.b.d", || Err(TokenError::Invalid));
        assert_eq!(other.err(), Some(TokenError::Invalid));
    }
}
