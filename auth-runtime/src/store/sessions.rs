//! Server-side sessions, stored under the digest of their key.

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
        let row = sqlx::query(
            "SELECT u.id, u.username, u.email, u.is_staff, u.is_superuser, u.is_active \
             FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id \
             WHERE s.key_digest = $1 AND s.expires_at > $2 AND u.is_active = TRUE",
        )
        .bind(key_digest)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// Deletes a session; true if it existed.
    pub async fn delete_session(&self, key_digest: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM auth_sessions WHERE key_digest = $1")
            .bind(key_digest)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }
}
