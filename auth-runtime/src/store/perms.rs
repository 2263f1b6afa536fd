//! Named permissions, groups and who holds what (Django's `Permission`, `Group` and
//! their many-to-many tables). A user holds a permission directly or through a group;
//! a superuser holds every one (checked by [`HasPerm`](crate::rbac::HasPerm), not here).

use std::collections::BTreeMap;

use sqlx::Row;

use super::{unique_violation, Store, StoreError};

/// Where a user's permission comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "group")]
pub enum Source {
    /// Granted to the user.
    Direct,
    /// Granted to a group the user is in.
    Group(String),
}

/// A group and the permissions granted to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupInfo {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The permissions granted to it, by name.
    pub permissions: Vec<String>,
}

/// Who or what a permission is granted to.
#[derive(Debug, Clone, Copy)]
pub enum Grantee<'a> {
    /// A user, by id.
    User(i64),
    /// A group, by name.
    Group(&'a str),
}

impl Store {
    /// Declares permissions by name, with a description (kept if one exists already):
    /// [`AuthContextBuilder::permissions`](crate::AuthContextBuilder::permissions) does
    /// it at start-up, so that grants can name them.
    pub async fn declare_permissions(&self, names: &[(&str, &str)]) -> Result<(), StoreError> {
        for (name, description) in names {
            sqlx::query(
                "INSERT INTO auth_permissions (name, description) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(*name)
            .bind(*description)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Every declared permission and its description.
    pub async fn permissions(&self) -> Result<BTreeMap<String, String>, StoreError> {
        let rows = sqlx::query("SELECT name, description FROM auth_permissions ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("description")?)))
            .collect()
    }

    /// Creates a group; [`StoreError::Duplicate`]`("name")` if the name is taken.
    pub async fn create_group(&self, name: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("INSERT INTO auth_groups (name) VALUES ($1) RETURNING id")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| unique_violation(e, "name"))?;
        Ok(row.try_get("id")?)
    }

    /// Every group with its permissions.
    pub async fn groups(&self) -> Result<Vec<GroupInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT g.id, g.name, p.name AS permission FROM auth_groups g \
             LEFT JOIN auth_group_permissions gp ON gp.group_id = g.id \
             LEFT JOIN auth_permissions p ON p.id = gp.permission_id ORDER BY g.name, p.name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut groups: Vec<GroupInfo> = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let permission: Option<String> = r.try_get("permission")?;
            if groups.last().is_none_or(|g| g.id != id) {
                groups.push(GroupInfo {
                    id,
                    name: r.try_get("name")?,
                    permissions: Vec::new(),
                });
            }
            if let (Some(group), Some(permission)) = (groups.last_mut(), permission) {
                group.permissions.push(permission);
            }
        }
        Ok(groups)
    }

    /// Puts a user in a group (nothing if already in it); `false` if there is no such
    /// group.
    pub async fn add_to_group(&self, user_id: i64, group: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO auth_user_groups (user_id, group_id) \
             SELECT $1, id FROM auth_groups WHERE name = $2 ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(group)
        .execute(&self.pool)
        .await?;
        self.permissions_changed().await;
        Ok(done.rows_affected() > 0 || self.group_exists(group).await?)
    }

    /// Takes a user out of a group; whether they were in it.
    pub async fn remove_from_group(&self, user_id: i64, group: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM auth_user_groups WHERE user_id = $1 \
             AND group_id = (SELECT id FROM auth_groups WHERE name = $2)",
        )
        .bind(user_id)
        .bind(group)
        .execute(&self.pool)
        .await?;
        self.permissions_changed().await;
        Ok(done.rows_affected() > 0)
    }

    async fn group_exists(&self, name: &str) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 AS one FROM auth_groups WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// Grants a declared permission; `false` if the permission (or the group) does not
    /// exist. Granting twice is granting once.
    pub async fn grant(&self, to: Grantee<'_>, permission: &str) -> Result<bool, StoreError> {
        let done = match to {
            Grantee::User(user_id) => {
                sqlx::query(
                    "INSERT INTO auth_user_permissions (user_id, permission_id) \
                     SELECT $1, id FROM auth_permissions WHERE name = $2 ON CONFLICT DO NOTHING",
                )
                .bind(user_id)
                .bind(permission)
                .execute(&self.pool)
                .await?
            }
            Grantee::Group(group) => {
                sqlx::query(
                    "INSERT INTO auth_group_permissions (group_id, permission_id) \
                     SELECT g.id, p.id FROM auth_groups g, auth_permissions p \
                     WHERE g.name = $1 AND p.name = $2 ON CONFLICT DO NOTHING",
                )
                .bind(group)
                .bind(permission)
                .execute(&self.pool)
                .await?
            }
        };
        self.permissions_changed().await;
        if done.rows_affected() > 0 {
            return Ok(true);
        }
        // Nothing inserted: already granted, or a name that names nothing.
        let known = self.permissions().await?.contains_key(permission);
        Ok(known
            && match to {
                Grantee::User(_) => true,
                Grantee::Group(group) => self.group_exists(group).await?,
            })
    }

    /// Revokes a permission granted directly (to a user) or to a group; whether it was.
    pub async fn revoke(&self, from: Grantee<'_>, permission: &str) -> Result<bool, StoreError> {
        let done = match from {
            Grantee::User(user_id) => {
                sqlx::query(
                    "DELETE FROM auth_user_permissions WHERE user_id = $1 \
                     AND permission_id = (SELECT id FROM auth_permissions WHERE name = $2)",
                )
                .bind(user_id)
                .bind(permission)
                .execute(&self.pool)
                .await?
            }
            Grantee::Group(group) => {
                sqlx::query(
                    "DELETE FROM auth_group_permissions \
                     WHERE group_id = (SELECT id FROM auth_groups WHERE name = $1) \
                     AND permission_id = (SELECT id FROM auth_permissions WHERE name = $2)",
                )
                .bind(group)
                .bind(permission)
                .execute(&self.pool)
                .await?
            }
        };
        self.permissions_changed().await;
        Ok(done.rows_affected() > 0)
    }

    /// The permissions a user holds, each with where it comes from (direct grants
    /// first). A superuser's are not listed: they hold every one.
    pub async fn permission_sources(
        &self,
        user_id: i64,
    ) -> Result<Vec<(String, Source)>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.name, NULL AS via FROM auth_user_permissions up \
             JOIN auth_permissions p ON p.id = up.permission_id WHERE up.user_id = $1 \
             UNION ALL \
             SELECT p.name, g.name AS via FROM auth_user_groups ug \
             JOIN auth_groups g ON g.id = ug.group_id \
             JOIN auth_group_permissions gp ON gp.group_id = g.id \
             JOIN auth_permissions p ON p.id = gp.permission_id WHERE ug.user_id = $1 \
             ORDER BY 1, 2",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let via: Option<String> = r.try_get("via")?;
                Ok((
                    r.try_get("name")?,
                    via.map_or(Source::Direct, Source::Group),
                ))
            })
            .collect()
    }

    /// The names of the permissions a user holds, directly or through a group: what
    /// [`HasPerm`](crate::rbac::HasPerm) asks, through the per-process cache.
    pub async fn user_permissions(
        &self,
        user_id: i64,
    ) -> Result<std::sync::Arc<[String]>, StoreError> {
        if let Some(cache) = &self.cache {
            if let Some(found) = cache.permissions.get(&user_id) {
                return Ok(found);
            }
        }
        let epoch = self.cache.as_ref().map(|c| c.epoch());
        let mut names: Vec<String> = self
            .permission_sources(user_id)
            .await?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        names.dedup();
        let names: std::sync::Arc<[String]> = names.into();
        if let (Some(cache), Some(epoch)) = (&self.cache, epoch) {
            if cache.still(epoch) {
                cache.permissions.insert(user_id, names.clone());
            }
        }
        Ok(names)
    }

    /// Forgets every cached permission set, here and (through the revocation channel)
    /// on every instance sharing the database: grants are rare, and one group's change
    /// reaches many users.
    async fn permissions_changed(&self) {
        self.revoked(&[super::cache::Event::Permissions]).await;
    }
}
