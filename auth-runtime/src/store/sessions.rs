//! Server-side sessions, stored under the digest of their key.

use sqlx::Row;

use super::{now, user_from_row, Store, StoreError};
use crate::principal::User;

impl Store {
    /// Stores a new session under the digest of its key.
    pub async fn create_session(
        &self,
        key_digest: &str,
        user_id: i64,
        ttl: u64,
    ) -> Result<(), StoreError> {
        let now = now();
        sqlx::query(
            "INSERT INTO auth_sessions (key_digest, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(key_digest)
        .bind(user_id)
        .bind(now)
        .bind(now.saturating_add(ttl as i64))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The active user of a live session, in one round trip.
    pub async fn session_user(&self, key_digest: &str) -> Result<Option<User>, StoreError> {
        let now = now();
        let epoch = self.cache.as_ref().map(|c| c.epoch());
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.sessions.get(key_digest)) {
            if hit.expires_at <= now {
                return Ok(None);
            }
            return Ok(self
                .user_with_version(hit.user_id)
                .await?
                .map(|(user, _)| user)
                .filter(|u| u.is_active));
        }
        let row = sqlx::query(
            "SELECT u.id, u.username, u.email, u.is_staff, u.is_superuser, u.is_active, \
             s.expires_at AS session_expires_at \
             FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id \
             WHERE s.key_digest = $1 AND s.expires_at > $2 AND u.is_active = TRUE",
        )
        .bind(key_digest)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = user_from_row(&row)?;
        if let (Some(cache), Some(epoch)) = (&self.cache, epoch) {
            if cache.still(epoch) {
                let expires_at: i64 = row.try_get("session_expires_at")?;
                cache.sessions.insert(
                    key_digest.to_owned(),
                    super::cache::CachedSession {
                        user_id: user.id,
                        expires_at,
                    },
                );
            }
        }
        Ok(Some(user))
    }

    /// Deletes a session; true if it existed.
    pub async fn delete_session(&self, key_digest: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM auth_sessions WHERE key_digest = $1")
            .bind(key_digest)
            .execute(&self.pool)
            .await?;
        self.revoked(&[super::cache::Event::Session(key_digest.to_owned())])
            .await;
        Ok(r.rows_affected() > 0)
    }
}
