//! simplejwt's outstanding and blacklisted refresh tokens.

use super::{now, unique_violation, Store, StoreError};

impl Store {
    /// Records an issued refresh token (simplejwt's `OutstandingToken`).
    pub async fn add_outstanding(
        &self,
        jti: &str,
        user_id: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO auth_jwt_outstanding (jti, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(jti)
        .bind(user_id)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(|e| unique_violation(e, "jti"))?;
        Ok(())
    }

    /// Blacklists a token id. Returns false if it already was: of several concurrent
    /// callers exactly one gets true, which is what makes rotation single-use.
    pub async fn blacklist(&self, jti: &str, expires_at: i64) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO auth_jwt_blacklist (jti, blacklisted_at, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Whether a token id is blacklisted.
    pub async fn is_blacklisted(&self, jti: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 AS x FROM auth_jwt_blacklist WHERE jti = $1")
            .bind(jti)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}
