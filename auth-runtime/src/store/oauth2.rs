//! OAuth2 applications, authorization codes, access and refresh tokens. Client
//! secrets, codes and tokens are stored as SHA-256 digests and found by digest. The
//! single-use rules (codes, rotated refresh tokens) are enforced by one conditional
//! `UPDATE` each, so that of concurrent requests exactly one wins.

use sqlx::{any::AnyRow, Row};

use super::{cache::CachedAccess, now, user_from_row, Store, StoreError};
use crate::principal::User;

/// An OAuth2 client as registered (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Application {
    /// Row id.
    pub id: i64,
    /// The public client identifier.
    pub client_id: String,
    /// Display name, shown on the consent page.
    pub name: String,
    /// `confidential` (has a secret) or `public` (cannot keep one).
    pub client_type: String,
    /// Grant types it may use: `authorization_code`, `password`, `client_credentials`,
    /// `refresh_token`.
    pub grant_types: Vec<String>,
    /// Exact redirect URIs for the authorization code flow.
    pub redirect_uris: Vec<String>,
    /// The user who registered it, if any.
    pub owner_id: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
}

impl Application {
    /// Whether it may use `grant_type`.
    pub fn allows(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    /// `client_type == "public"`.
    pub fn is_public(&self) -> bool {
        self.client_type == "public"
    }
}

/// What [`Store::create_application`] needs.
#[derive(Debug, Clone)]
pub struct NewApplication<'a> {
    /// Public identifier.
    pub client_id: &'a str,
    /// Digest of the secret (`None` for public clients).
    pub client_secret_digest: Option<&'a str>,
    /// Display name.
    pub name: &'a str,
    /// `confidential` or `public`.
    pub client_type: &'a str,
    /// Allowed grant types.
    pub grant_types: &'a [String],
    /// Registered redirect URIs.
    pub redirect_uris: &'a [String],
    /// Owner.
    pub owner_id: Option<i64>,
}

/// A stored authorization code, once claimed.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// The application it was issued to.
    pub application_id: i64,
    /// The user who approved it.
    pub user_id: i64,
    /// The `redirect_uri` of the authorization request, if it had one.
    pub redirect_uri: Option<String>,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: Option<String>,
    /// The family the tokens it buys belong to.
    pub family: String,
}

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

const APP_COLUMNS: &str =
    "id, client_id, name, client_type, grant_types, redirect_uris, owner_id, created_at";

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

fn app_from_row(r: &AnyRow) -> Result<Application, sqlx::Error> {
    Ok(Application {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        name: r.try_get("name")?,
        client_type: r.try_get("client_type")?,
        grant_types: words(&r.try_get::<String, _>("grant_types")?),
        redirect_uris: words(&r.try_get::<String, _>("redirect_uris")?),
        owner_id: r.try_get("owner_id")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Columns of a user joined as `u`.
const JOINED_USER: &str = "u.id, u.username, u.email, u.is_staff, u.is_superuser, u.is_active";

impl Store {
    /// Registers an application. `client_id` must be unique.
    pub async fn create_application(
        &self,
        new: NewApplication<'_>,
    ) -> Result<Application, StoreError> {
        let row = sqlx::query(&format!(
            "INSERT INTO oauth2_applications (client_id, client_secret_digest, name, client_type, \
             grant_types, redirect_uris, owner_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING {APP_COLUMNS}"
        ))
        .bind(new.client_id)
        .bind(new.client_secret_digest)
        .bind(new.name)
        .bind(new.client_type)
        .bind(new.grant_types.join(" "))
        .bind(new.redirect_uris.join(" "))
        .bind(new.owner_id)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| super::unique_violation(e, "client_id"))?;
        Ok(app_from_row(&row)?)
    }

    /// An application and its secret digest, by client id.
    pub async fn application_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(Application, Option<String>)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {APP_COLUMNS}, client_secret_digest FROM oauth2_applications WHERE client_id = $1"
        ))
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((app_from_row(&r)?, r.try_get("client_secret_digest")?)))
            .transpose()
    }

    /// An application by row id.
    pub async fn application_by_id(&self, id: i64) -> Result<Option<Application>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {APP_COLUMNS} FROM oauth2_applications WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(app_from_row).transpose()?)
    }

    /// The applications a user registered, oldest first.
    pub async fn applications_of(&self, owner_id: i64) -> Result<Vec<Application>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {APP_COLUMNS} FROM oauth2_applications WHERE owner_id = $1 ORDER BY id"
        ))
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(app_from_row).collect::<Result<_, _>>()?)
    }

    /// Replaces an owned application's name, grant types and redirect URIs.
    pub async fn update_application(
        &self,
        owner_id: i64,
        id: i64,
        name: &str,
        grant_types: &[String],
        redirect_uris: &[String],
    ) -> Result<Option<Application>, StoreError> {
        let row = sqlx::query(&format!(
            "UPDATE oauth2_applications SET name = $1, grant_types = $2, redirect_uris = $3 \
             WHERE id = $4 AND owner_id = $5 RETURNING {APP_COLUMNS}"
        ))
        .bind(name)
        .bind(grant_types.join(" "))
        .bind(redirect_uris.join(" "))
        .bind(id)
        .bind(owner_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(app_from_row).transpose()?)
    }

    /// Deletes an owned application and everything issued to it.
    pub async fn delete_application(&self, owner_id: i64, id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM oauth2_applications WHERE id = $1 AND owner_id = $2")
            .bind(id)
            .bind(owner_id)
            .execute(&self.pool)
            .await?;
        if let Some(cache) = &self.cache {
            cache.forget_application(id);
        }
        Ok(r.rows_affected() > 0)
    }

    /// Stores an authorization code under its digest.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_code(
        &self,
        digest: &str,
        application_id: i64,
        user_id: i64,
        redirect_uri: Option<&str>,
        scope: &str,
        code_challenge: Option<&str>,
        code_challenge_method: Option<&str>,
        family: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oauth2_codes (digest, application_id, user_id, redirect_uri, scope, \
             code_challenge, code_challenge_method, family, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(digest)
        .bind(application_id)
        .bind(user_id)
        .bind(redirect_uri)
        .bind(scope)
        .bind(code_challenge)
        .bind(code_challenge_method)
        .bind(family)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Spends a code: the first caller gets its grant, any later one learns it was
    /// replayed.
    pub async fn claim_code(&self, digest: &str) -> Result<Claim<CodeGrant>, StoreError> {
        let now = now();
        let row = sqlx::query(
            "UPDATE oauth2_codes SET used_at = $1 \
             WHERE digest = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING application_id, user_id, redirect_uri, scope, code_challenge, \
             code_challenge_method, family",
        )
        .bind(now)
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = row {
            return Ok(Claim::Claimed(CodeGrant {
                application_id: r.try_get("application_id")?,
                user_id: r.try_get("user_id")?,
                redirect_uri: r.try_get("redirect_uri")?,
                scope: r.try_get("scope")?,
                code_challenge: r.try_get("code_challenge")?,
                code_challenge_method: r.try_get("code_challenge_method")?,
                family: r.try_get("family")?,
            }));
        }
        let row = sqlx::query(
            "SELECT family FROM oauth2_codes WHERE digest = $1 AND used_at IS NOT NULL",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Claim::Replayed(r.try_get("family")?),
            None => Claim::Invalid,
        })
    }

    /// Stores an access token; returns its row id.
    pub async fn create_access_token(
        &self,
        digest: &str,
        application_id: i64,
        user_id: Option<i64>,
        scope: &str,
        family: &str,
        expires_at: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO oauth2_access_tokens (digest, application_id, user_id, scope, family, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(digest)
        .bind(application_id)
        .bind(user_id)
        .bind(scope)
        .bind(family)
        .bind(now())
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Stores a refresh token.
    pub async fn create_refresh_token(
        &self,
        digest: &str,
        application_id: i64,
        user_id: i64,
        scope: &str,
        family: &str,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oauth2_refresh_tokens (digest, application_id, user_id, scope, family, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(digest)
        .bind(application_id)
        .bind(user_id)
        .bind(scope)
        .bind(family)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
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

    /// Spends a refresh token for rotation: the first caller gets its grant; a token
    /// already rotated or revoked is reported as replayed, with its family.
    pub async fn claim_refresh_token(
        &self,
        digest: &str,
    ) -> Result<Claim<RefreshGrant>, StoreError> {
        let now = now();
        let row = sqlx::query(
            "UPDATE oauth2_refresh_tokens SET revoked_at = $1 \
             WHERE digest = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1) \
             RETURNING application_id, user_id, scope, family",
        )
        .bind(now)
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = row {
            return Ok(Claim::Claimed(RefreshGrant {
                application_id: r.try_get("application_id")?,
                user_id: r.try_get("user_id")?,
                scope: r.try_get("scope")?,
                family: r.try_get("family")?,
            }));
        }
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
        if let Some(cache) = &self.cache {
            cache.forget_family(family);
        }
        Ok(())
    }

    /// Revokes one access token.
    pub async fn revoke_access_token(&self, digest: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM oauth2_access_tokens WHERE digest = $1")
            .bind(digest)
            .execute(&self.pool)
            .await?;
        if let Some(cache) = &self.cache {
            cache.forget_access(digest);
        }
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
