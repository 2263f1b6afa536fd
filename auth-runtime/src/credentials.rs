//! Checking and hashing passwords for a request: Django's `authenticate()` behind the
//! brute-force protection of [`throttle`](crate::throttle), and new passwords counted
//! with the client's other hashes in flight.

use crate::{context::AuthContext, error::AuthError};

impl AuthContext {
    /// Django's `authenticate(username=..., password=...)`: the active user with these
    /// credentials, or `None`. The username is NFKC-normalised first. An unknown or
    /// inactive username costs one argon2 verification too, so timing does not tell
    /// which accounts exist.
    ///
    /// Brute-force protection (see [`throttle`](crate::throttle) and
    /// `docs/security.md`): the attempt is counted before its password is hashed, and
    /// refused with 429 (the right password included) when this username has too many
    /// recent failures from this client address, or the address has too many across
    /// usernames, or too many of its checks are already in flight. Once a username has
    /// many failures from everywhere, each failure holds its places for a growing delay,
    /// so guessing it slows down; it is never locked, and a right password is never
    /// delayed.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let store = auth_runtime::Store::connect(&format!("sqlite://{}/a.db", dir.path().display())).await.unwrap();
    /// # store.migrate().await.unwrap();
    /// # let ctx = auth_runtime::AuthContext::new(auth_runtime::Settings::default(), store).await.unwrap();
    /// let hash = ctx.hasher().hash("s3cret-pass").await.unwrap();
    /// ctx.store().create_user(auth_runtime::store::NewUser { username: "ann", email: "",
    ///     password_hash: &hash, is_staff: false, is_superuser: false }).await.unwrap();
    /// let req = poem::Request::default();
    /// assert!(ctx.check_credentials(&req, "ann", "s3cret-pass").await.unwrap().is_some());
    /// assert!(ctx.check_credentials(&req, "ａｎｎ", "s3cret-pass").await.unwrap().is_some());
    /// assert!(ctx.check_credentials(&req, "ann", "wrong").await.unwrap().is_none());
    /// assert!(ctx.check_credentials(&req, "bob", "s3cret-pass").await.unwrap().is_none());
    /// # });
    /// ```
    pub async fn check_credentials(
        &self,
        req: &poem::Request,
        username: &str,
        password: &str,
    ) -> Result<Option<crate::principal::User>, AuthError> {
        let username = crate::username::normalize(username);
        let mut attempt = self.throttler().begin_login(req, &username).await?;
        let record = match self.store().user_by_username(&username).await {
            Ok(record) => record,
            Err(e) => {
                attempt.abandon().await;
                return Err(e.into());
            }
        };
        let hash = record
            .as_ref()
            .filter(|r| r.user.is_active)
            .map(|r| r.password_hash.as_str());
        let slots = attempt.take_slots();
        let (right, slots) = self.hasher().verify_holding(password, hash, slots).await;
        if !right {
            // The reservation stays: it is the failure.
            attempt.failed(slots.flatten());
            return Ok(None);
        }
        attempt.succeeded().await?;
        Ok(record.map(|r| r.user))
    }

    /// Hashes a new password for a request (registration, a password change), counted
    /// with the client's other password checks in flight: one address cannot fill the
    /// hashing queue with registrations either. 429 when it has too many in flight.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let store = auth_runtime::Store::connect(&format!("sqlite://{}/a.db", dir.path().display())).await.unwrap();
    /// # let ctx = auth_runtime::AuthContext::new(auth_runtime::Settings::default(), store).await.unwrap();
    /// let hash = ctx.hash_password(&poem::Request::default(), "n3w-passphrase").await.unwrap();
    /// assert!(hash.starts_with("$argon2id$"));
    /// # });
    /// ```
    pub async fn hash_password(
        &self,
        req: &poem::Request,
        password: &str,
    ) -> Result<String, AuthError> {
        let slot = self.throttler().hashing_slot(req).await?;
        self.hasher()
            .hash_holding(password, slot)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "hashing failed");
                AuthError::Unavailable
            })
    }
}
