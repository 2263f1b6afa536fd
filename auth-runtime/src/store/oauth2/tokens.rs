//! Access and refresh tokens, stored by digest: issuing, looking up, rotating and
//! revoking them, and the grants a user can list and revoke. A spent refresh token is
//! claimed by one conditional `UPDATE`, so of concurrent refreshes exactly one wins.

use sqlx::Row;

use crate::{
    principal::User,
    store::{
        cache::{CachedAccess, Event},
        now, user_from_row, Store, StoreError,
    },
};

/// The outcome of claiming a code or a refresh token.
#[derive(Debug)]
pub enum Claim<T> {
    /// First use: it is now spent.
    Claimed(T),
    /// Already spent: a replay. Carries the family of what it bought.
    Replayed(String),
    /// Unknown or expired.
    Invalid,
}

/// Tokens to store for a grant: the access token and, for a user's grant, a refresh
/// token (digests and expiry; the values exist only in the response).
#[derive(Debug, Clone)]
pub struct NewTokens {
    /// Digest of the access token.
    pub access_digest: String,
    /// When it expires (Unix seconds).
    pub access_expires_at: i64,
    /// The access token's scope when narrower than the grant's (a refresh may narrow).
    pub access_scope: Option<String>,
    /// Digest and expiry of the refresh token, when one is issued.
    pub refresh: Option<(String, Option<i64>)>,
}

/// A refresh token being exchanged.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    /// The application it was issued to.
    pub application_id: i64,
    /// Its user.
    pub user_id: i64,
    /// Its scopes, space-separated.
    pub scope: String,
    /// Its family.
    pub family: String,
}

/// A live access token and what it grants.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    /// Row id.
    pub id: i64,
    /// The application's client id.
    pub client_id: String,
    /// Its user; `None` for a client-credentials token.
    pub user: Option<User>,
    /// Scopes, space-separated.
    pub scope: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Family, to revoke the whole authorization.
    pub family: String,
}

/// A live refresh token, for introspection and revocation.
#[derive(Debug, Clone)]
pub struct RefreshInfo {
    /// The application's row id.
    pub application_id: i64,
    /// The application's client id.
    pub client_id: String,
    /// Its user.
    pub user: User,
    /// Scopes, space-separated.
    pub scope: String,
    /// Unix seconds, or never.
    pub expires_at: Option<i64>,
    /// Family.
    pub family: String,
}

/// An authorization a user granted, as listed to them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuthorizedToken {
    /// The access token's row id, to revoke it by.
    pub id: i64,
    /// The application's name.
    pub application: String,
    /// The application's client id.
    pub client_id: String,
    /// Scopes, space-separated.
    pub scope: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Columns of a user joined as `u`.
const JOINED_USER: &str = "u.id, u.username, u.email, u.is_staff, u.is_superuser, u.is_active";

impl Store {
    /// Stores the tokens of a grant (password, client credentials, a refresh without
    /// rotation): the access token and, when given, the refresh token, in one
    /// transaction.
    pub async fn issue_tokens(
        &self,
        application_id: i64,
        user_id: Option<i64>,
        scope: &str,
        family: &str,
        tokens: &NewTokens,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_tokens(&mut tx, application_id, user_id, scope, family, tokens).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A live access token with its application and user, in one round trip.
    pub async fn access_token(&self, digest: &str) -> Result<Option<AccessGrant>, StoreError> {
        let now = now();
        let epoch = self.cache.as_ref().map(|c| c.epoch());
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.access.get(digest)) {
            if hit.expires_at <= now {
                return Ok(None);
            }
            let user = match hit.user_id {
                Some(id) => match self.user_by_id(id).await? {
                    Some(user) => Some(user),
                    None => return Ok(None),
                },
                None => None,
            };
            return Ok(Some(AccessGrant {
                id: hit.id,
                client_id: hit.client_id,
                user,
                scope: hit.scope,
                expires_at: hit.expires_at,
                family: hit.family,
            }));
        }
        let row = sqlx::query(&format!(
            "SELECT t.id AS token_id, t.application_id, t.scope, t.expires_at, t.family, \
             t.user_id AS token_user, a.client_id, {JOINED_USER} \
             FROM oauth2_access_tokens t JOIN oauth2_applications a ON a.id = t.application_id \
             LEFT JOIN auth_users u ON u.id = t.user_id \
             WHERE t.digest = $1 AND t.expires_at > $2"
        ))
        .bind(digest)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let token_user: Option<i64> = r.try_get("token_user")?;
        let user = match token_user {
            Some(_) => Some(user_from_row(&r)?),
            None => None,
        };
        let grant = AccessGrant {
            id: r.try_get("token_id")?,
            client_id: r.try_get("client_id")?,
            user,
            scope: r.try_get("scope")?,
            expires_at: r.try_get("expires_at")?,
            family: r.try_get("family")?,
        };
        if let (Some(cache), Some(epoch)) = (&self.cache, epoch) {
            if cache.still(epoch) {
                cache.access.insert(
                    digest.to_owned(),
                    CachedAccess {
                        id: grant.id,
                        application_id: r.try_get("application_id")?,
                        client_id: grant.client_id.clone(),
                        user_id: token_user,
                        scope: grant.scope.clone(),
                        expires_at: grant.expires_at,
                        family: grant.family.clone(),
                    },
                );
            }
        }
        Ok(Some(grant))
    }

    /// A live, unrotated refresh token with its application and user.
    pub async fn refresh_token(&self, digest: &str) -> Result<Option<RefreshInfo>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT t.application_id, t.scope, t.expires_at, t.family, a.client_id, {JOINED_USER} \
             FROM oauth2_refresh_tokens t JOIN oauth2_applications a ON a.id = t.application_id \
             JOIN auth_users u ON u.id = t.user_id \
             WHERE t.digest = $1 AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $2)"
        ))
        .bind(digest)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(RefreshInfo {
                application_id: r.try_get("application_id")?,
                client_id: r.try_get("client_id")?,
                user: user_from_row(&r)?,
                scope: r.try_get("scope")?,
                expires_at: r.try_get("expires_at")?,
                family: r.try_get("family")?,
            })
        })
        .transpose()
    }

    /// Spends a refresh token for rotation and stores its successors, in one
    /// transaction: the first caller gets its grant; a token already rotated or revoked
    /// is reported as replayed, with its family (see [`Store::claim_code`] for why the
    /// successors are written in the same transaction).
    pub async fn claim_refresh_token(
        &self,
        digest: &str,
        tokens: &NewTokens,
    ) -> Result<Claim<RefreshGrant>, StoreError> {
        let now = now();
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE oauth2_refresh_tokens SET revoked_at = $1 \
             WHERE digest = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1) \
             RETURNING application_id, user_id, scope, family",
        )
        .bind(now)
        .bind(digest)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = row {
            let grant = RefreshGrant {
                application_id: r.try_get("application_id")?,
                user_id: r.try_get("user_id")?,
                scope: r.try_get("scope")?,
                family: r.try_get("family")?,
            };
            insert_tokens(
                &mut tx,
                grant.application_id,
                Some(grant.user_id),
                &grant.scope,
                &grant.family,
                tokens,
            )
            .await?;
            tx.commit().await?;
            return Ok(Claim::Claimed(grant));
        }
        tx.rollback().await?;
        let row = sqlx::query(
            "SELECT family FROM oauth2_refresh_tokens WHERE digest = $1 AND revoked_at IS NOT NULL",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Claim::Replayed(r.try_get("family")?),
            None => Claim::Invalid,
        })
    }

    /// Revokes every access and refresh token of a family (one authorization).
    pub async fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM oauth2_access_tokens WHERE family = $1")
            .bind(family)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE oauth2_refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(family)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.revoked(&[Event::Family(family.to_owned())]).await;
        Ok(())
    }

    /// Revokes one access token.
    pub async fn revoke_access_token(&self, digest: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM oauth2_access_tokens WHERE digest = $1")
            .bind(digest)
            .execute(&self.pool)
            .await?;
        self.revoked(&[Event::Access(digest.to_owned())]).await;
        Ok(r.rows_affected() > 0)
    }

    /// The live access tokens a user granted, newest first.
    pub async fn authorized_tokens(
        &self,
        user_id: i64,
    ) -> Result<Vec<AuthorizedToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.id, a.name, a.client_id, t.scope, t.created_at, t.expires_at \
             FROM oauth2_access_tokens t JOIN oauth2_applications a ON a.id = t.application_id \
             WHERE t.user_id = $1 AND t.expires_at > $2 ORDER BY t.id DESC",
        )
        .bind(user_id)
        .bind(now())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuthorizedToken {
                    id: r.try_get("id")?,
                    application: r.try_get("name")?,
                    client_id: r.try_get("client_id")?,
                    scope: r.try_get("scope")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Revokes the authorization behind one of a user's access tokens (the token,
    /// its refresh token and their family); false if it is not theirs.
    pub async fn revoke_authorized_token(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT family FROM oauth2_access_tokens WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(r) = row else {
            return Ok(false);
        };
        let family: String = r.try_get("family")?;
        self.revoke_family(&family).await?;
        Ok(true)
    }
}

/// Inserts a grant's tokens within `tx`. `scope` is the grant's: the refresh token's,
/// and the access token's unless it is narrower.
pub(super) async fn insert_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    application_id: i64,
    user_id: Option<i64>,
    scope: &str,
    family: &str,
    tokens: &NewTokens,
) -> Result<(), StoreError> {
    let now = now();
    sqlx::query(
        "INSERT INTO oauth2_access_tokens (digest, application_id, user_id, scope, family, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&tokens.access_digest)
    .bind(application_id)
    .bind(user_id)
    .bind(tokens.access_scope.as_deref().unwrap_or(scope))
    .bind(family)
    .bind(now)
    .bind(tokens.access_expires_at)
    .execute(&mut **tx)
    .await?;
    if let (Some((digest, expires_at)), Some(user_id)) = (&tokens.refresh, user_id) {
        sqlx::query(
            "INSERT INTO oauth2_refresh_tokens (digest, application_id, user_id, scope, family, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(digest)
        .bind(application_id)
        .bind(user_id)
        .bind(scope)
        .bind(family)
        .bind(now)
        .bind(*expires_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
