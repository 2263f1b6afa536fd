//! OAuth2 applications (clients): registration, lookup by client id, and their
//! owners' changes. Secrets are stored as SHA-256 digests.

use sqlx::{any::AnyRow, Row};

use crate::store::{now, unique_violation, Store, StoreError};

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
    /// Privileged scopes (such as `introspection`) an administrator allowed it, for its
    /// own `client_credentials` tokens; no user can grant them.
    pub privileged_scopes: Vec<String>,
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
    /// Privileged scopes an administrator allows it.
    pub privileged_scopes: &'a [String],
    /// Owner.
    pub owner_id: Option<i64>,
}

const APP_COLUMNS: &str = "id, client_id, name, client_type, grant_types, redirect_uris, \
                           privileged_scopes, owner_id, created_at";

/// A stored list: items joined by one space. Registration refuses any item with
/// whitespace (see [`crate::oauth2::client::validate`]), so the list splits back into
/// exactly what was validated.
fn words(text: &str) -> Vec<String> {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn app_from_row(r: &AnyRow) -> Result<Application, sqlx::Error> {
    Ok(Application {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        name: r.try_get("name")?,
        client_type: r.try_get("client_type")?,
        grant_types: words(&r.try_get::<String, _>("grant_types")?),
        redirect_uris: words(&r.try_get::<String, _>("redirect_uris")?),
        privileged_scopes: words(&r.try_get::<String, _>("privileged_scopes")?),
        owner_id: r.try_get("owner_id")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// Registers an application. `client_id` must be unique.
    pub async fn create_application(
        &self,
        new: NewApplication<'_>,
    ) -> Result<Application, StoreError> {
        let row = sqlx::query(&format!(
            "INSERT INTO oauth2_applications (client_id, client_secret_digest, name, client_type, \
             grant_types, redirect_uris, privileged_scopes, owner_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {APP_COLUMNS}"
        ))
        .bind(new.client_id)
        .bind(new.client_secret_digest)
        .bind(new.name)
        .bind(new.client_type)
        .bind(new.grant_types.join(" "))
        .bind(new.redirect_uris.join(" "))
        .bind(new.privileged_scopes.join(" "))
        .bind(new.owner_id)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique_violation(e, "client_id"))?;
        Ok(app_from_row(&row)?)
    }

    /// An application and its secret digest, by client id (a client id with a NUL
    /// character, as a decoded header may carry, is nobody's).
    pub async fn application_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(Application, Option<String>)>, StoreError> {
        if client_id.contains('\0') {
            return Ok(None);
        }
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
        self.revoked(&[crate::store::cache::Event::Application(id)])
            .await;
        Ok(r.rows_affected() > 0)
    }
}
