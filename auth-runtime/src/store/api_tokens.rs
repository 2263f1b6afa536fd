//! DRF-style API tokens (`Authorization: Token <key>`), kept as digests: a row says
//! whose the token is, never what it is.

use sqlx::Row;

use super::{now, user_from_row, Store, StoreError};
use crate::principal::User;

/// A user's API token as listed to them: never the key, which is shown once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    /// Row id, to revoke it by.
    pub id: i64,
    /// The name its owner gave it.
    pub name: String,
    /// The key's first characters, to tell tokens apart.
    pub prefix: String,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When it stops working (Unix seconds), or never.
    pub expires_at: Option<i64>,
}

/// A live token whose prefix matched, with its owner: the caller compares `digest`
/// with the presented key's in constant time.
#[derive(Debug, Clone)]
pub struct ApiTokenMatch {
    /// The stored digest.
    pub digest: String,
    /// The owner (active or not: the scheme tells the two refusals apart).
    pub user: User,
}

impl Store {
    /// Stores a token under its prefix and digest; returns its row id.
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        prefix: &str,
        digest: &str,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO auth_api_tokens (user_id, name, prefix, digest, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(prefix)
        .bind(digest)
        .bind(now())
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| super::unique_violation(e, "token"))?;
        Ok(row.try_get("id")?)
    }

    /// Unexpired tokens with this prefix and their owners, in one round trip.
    pub async fn api_tokens_by_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<ApiTokenMatch>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.digest, u.id, u.username, u.email, u.is_staff, u.is_superuser, u.is_active \
             FROM auth_api_tokens t JOIN auth_users u ON u.id = t.user_id \
             WHERE t.prefix = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(prefix)
        .bind(now())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenMatch {
                    digest: r.try_get("digest")?,
                    user: user_from_row(r)?,
                })
            })
            .collect()
    }

    /// A user's tokens, expired ones included, newest first.
    pub async fn list_api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, created_at, expires_at FROM auth_api_tokens \
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    prefix: r.try_get("prefix")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Revokes one of a user's tokens; false if they have no such token.
    pub async fn delete_api_token(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM auth_api_tokens WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Revokes a user's tokens of this name; returns how many.
    pub async fn delete_api_tokens_named(
        &self,
        user_id: i64,
        name: &str,
    ) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM auth_api_tokens WHERE user_id = $1 AND name = $2")
            .bind(user_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }
}
