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

    /// The owner of the live token whose digest is `digest`: its row is found by
    /// `prefix`, and the digests are compared in constant time. The owner may be
    /// inactive (the caller refuses them with its own message). Cached per process.
    pub async fn api_token_owner(
        &self,
        prefix: &str,
        digest: &str,
    ) -> Result<Option<User>, StoreError> {
        let now = now();
        let epoch = self.cache.as_ref().map(|c| c.epoch());
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.tokens.get(digest)) {
            if hit.expires_at.is_some_and(|e| e <= now) {
                return Ok(None);
            }
            return self.user_by_id(hit.user_id).await;
        }
        let rows = sqlx::query(
            "SELECT t.id AS token_id, t.digest, t.expires_at, u.id, u.username, u.email, \
             u.is_staff, u.is_superuser, u.is_active \
             FROM auth_api_tokens t JOIN auth_users u ON u.id = t.user_id \
             WHERE t.prefix = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(prefix)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let stored: String = row.try_get("digest")?;
            if !crate::secret::eq(&stored, digest) {
                continue;
            }
            let user = user_from_row(row)?;
            if let (Some(cache), Some(epoch)) = (&self.cache, epoch) {
                if cache.still(epoch) {
                    cache.tokens.insert(
                        digest.to_owned(),
                        super::cache::CachedToken {
                            id: row.try_get("token_id")?,
                            user_id: user.id,
                            expires_at: row.try_get("expires_at")?,
                        },
                    );
                }
            }
            return Ok(Some(user));
        }
        Ok(None)
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
        self.revoked(&[super::cache::Event::Token(id)]).await;
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
        self.revoked(&[super::cache::Event::TokensOf(user_id)])
            .await;
        Ok(r.rows_affected())
    }
}
