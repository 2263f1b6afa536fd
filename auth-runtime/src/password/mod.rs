//! argon2id password hashing off the async runtime, and Django's password validators.

mod pacing;
mod pool;

use std::sync::Arc;

use argon2::{
    password_hash::{
        rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
    },
    Algorithm, Argon2, Params, Version,
};
use tokio::sync::Semaphore;

use passwords::analyzer::is_common_password;

use crate::settings::PasswordSettings;

/// Why hashing failed (bad parameters, or the hashing threads went away).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes and verifies passwords with argon2id on threads of its own, at most
/// `max_concurrent_hashes` at once (default: one per CPU). The threads run at a lower
/// OS scheduling priority than the runtime's workers (`SCHED_IDLE` on Linux, or
/// `hash_thread_nice`), so a login storm uses the CPU that requests leave idle instead
/// of slowing them down.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{password::PasswordHasher, settings::PasswordSettings};
/// let h = PasswordHasher::new(&PasswordSettings::default()).unwrap();
/// let hash = h.hash("correct horse").await.unwrap();
/// assert!(hash.starts_with("$argon2id$"));
/// assert!(h.verify("correct horse", Some(&hash)).await);
/// assert!(!h.verify("wrong", Some(&hash)).await);
/// assert!(!h.verify("anything", None).await); // unknown user: same cost, always false
/// # });
/// ```
#[derive(Clone)]
pub struct PasswordHasher {
    argon: Argon2<'static>,
    threads: Arc<pool::HashPool>,
    permits: Arc<Semaphore>,
    max_concurrent: usize,
    /// Verified against when the user does not exist, so that the response time does
    /// not tell which usernames exist.
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher with these costs.
    pub fn new(s: &PasswordSettings) -> Result<Self, HashError> {
        let params = Params::new(
            s.argon2_memory_kib,
            s.argon2_iterations,
            s.argon2_parallelism,
            None,
        )
        .map_err(|e| HashError(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let dummy_hash = argon
            .hash_password(b"dummy password for unknown users", &salt)
            .map_err(|e| HashError(e.to_string()))?
            .to_string();
        // One hash per core: the threads' low priority, not their number, keeps
        // requests served while logins hash.
        let permits = s
            .max_concurrent_hashes
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        Ok(Self {
            argon,
            threads: Arc::new(pool::HashPool::new(
                permits,
                pool::Priority::of(s),
                s.hash_pacing,
            )?),
            permits: Arc::new(Semaphore::new(permits)),
            max_concurrent: permits,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// How many hashes run at once.
    pub fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    /// Runs `f` on a hashing thread once a permit is free, and gives `hold` back with
    /// its result. The permit, and `hold`, stay with the job until it is done, even if
    /// the caller stops waiting: a client that disconnects cannot free a slot while its
    /// hash still runs.
    async fn blocking<T: Send + 'static, H: Send + 'static>(
        &self,
        hold: H,
        f: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<(T, H), HashError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        let argon = self.argon.clone();
        self.threads
            .run(move || {
                let out = f(argon);
                drop(permit);
                (out, hold)
            })
            .await
    }

    /// A PHC-format argon2id hash with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        self.hash_holding(password, ()).await
    }

    /// [`Self::hash`], keeping `hold` until the hash is done.
    pub(crate) async fn hash_holding<H: Send + 'static>(
        &self,
        password: &str,
        hold: H,
    ) -> Result<String, HashError> {
        let password = password.to_owned();
        self.blocking(hold, move |argon| {
            let salt = SaltString::generate(&mut OsRng);
            argon
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| HashError(e.to_string()))
        })
        .await?
        .0
    }

    /// Whether `password` matches `hash`. With `None` (no such user) a dummy hash is
    /// verified so the cost is the same, and the answer is false. Comparison is
    /// constant-time inside argon2.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        self.verify_holding(password, hash, ()).await.0
    }

    /// [`Self::verify`], keeping `hold` until the hash is done, and giving it back
    /// (`None` if the hashing threads went away).
    pub(crate) async fn verify_holding<H: Send + 'static>(
        &self,
        password: &str,
        hash: Option<&str>,
        hold: H,
    ) -> (bool, Option<H>) {
        let known = hash.is_some();
        let hash: String = hash.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.to_owned();
        let outcome = self
            .blocking(hold, move |argon| {
                PasswordHash::new(&hash)
                    .map(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok())
                    .unwrap_or(false)
            })
            .await;
        match outcome {
            Ok((ok, hold)) => (ok && known, Some(hold)),
            Err(_) => (false, None),
        }
    }
}

/// The longest password the validators accept.
pub const MAX_LENGTH: usize = 1024;

/// A field error, worded as Django's validators word them.
pub type ValidationErrors = Vec<String>;

/// Runs Django's four default validators on a new password: minimum length, too
/// common, entirely numeric, too similar to the username or email; and refuses one over
/// [`MAX_LENGTH`] characters.
///
/// ```
/// use auth_runtime::password::validate_password;
/// assert!(validate_password("testpass123", "testuser", "t@example.com", 8).is_ok());
/// let errs = validate_password("12345", "bob", "", 8).unwrap_err();
/// assert!(errs.contains(&"This password is too short. It must contain at least 8 characters.".to_string()));
/// assert!(errs.contains(&"This password is entirely numeric.".to_string()));
/// assert!(errs.contains(&"This password is too common.".to_string()));
/// assert!(validate_password(&"long passphrase ".repeat(100), "bob", "", 8).is_err());
/// ```
pub fn validate_password(
    password: &str,
    username: &str,
    email: &str,
    min_length: usize,
) -> Result<(), ValidationErrors> {
    // Long enough for any passphrase; longer would only cost the comparisons below.
    if password.chars().count() > MAX_LENGTH {
        return Err(vec![format!(
            "This password is too long. It must contain at most {MAX_LENGTH} characters."
        )]);
    }
    let mut errors = Vec::new();
    if let Some(attr) = too_similar(password, username, email) {
        errors.push(format!("The password is too similar to the {attr}."));
    }
    if password.chars().count() < min_length {
        errors.push(format!(
            "This password is too short. It must contain at least {min_length} characters."
        ));
    }
    // Django compares the trimmed, lowercased password with its list; this list of
    // ~100,000 keeps case, so both forms are looked up.
    let trimmed = password.trim();
    if is_common_password(trimmed) || is_common_password(trimmed.to_lowercase()) {
        errors.push("This password is too common.".into());
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        errors.push("This password is entirely numeric.".into());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Django's `UserAttributeSimilarityValidator`: compares the password with each
/// attribute and its word parts; similarity 0.7 or more is refused.
fn too_similar(password: &str, username: &str, email: &str) -> Option<&'static str> {
    let password = password.to_lowercase();
    for (name, value) in [("username", username), ("email address", email)] {
        let value = value.to_lowercase();
        if value.is_empty() {
            continue;
        }
        let parts = std::iter::once(value.as_str()).chain(
            value
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| p.len() >= 3),
        );
        for part in parts {
            if strsim::normalized_levenshtein(&password, part) >= 0.7 {
                return Some(name);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_to_username_is_refused() {
        let errs = validate_password("johnsmith1", "johnsmith", "", 8).unwrap_err();
        assert_eq!(
            errs,
            vec!["The password is too similar to the username.".to_string()]
        );
    }

    #[test]
    fn tutorial_password_passes() {
        assert!(validate_password("testpass123", "testuser", "[email protected]", 8).is_ok());
    }
}
