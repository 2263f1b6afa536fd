//! User accounts.

use sqlx::Row;

use super::{
    cache::Event, now, unique_violation, user_from_row, NewUser, Store, StoreError, UserRecord,
    USER_COLUMNS,
};
use crate::principal::User;

impl Store {
    /// Inserts a user under the NFKC form of its name (see [`crate::username`]);
    /// [`StoreError::Duplicate`]`("username")` if that name is taken.
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User, StoreError> {
        let now = now();
        let username = crate::username::normalize(new.username);
        let row = sqlx::query(&format!(
            "INSERT INTO auth_users (username, email, password_hash, is_staff, is_superuser, \
             is_active, date_joined, password_changed_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) \
             RETURNING {USER_COLUMNS}"
        ))
        .bind(username.as_ref())
        .bind(new.email)
        .bind(new.password_hash)
        .bind(new.is_staff)
        .bind(new.is_superuser)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique_violation(e, "username"))?;
        Ok(user_from_row(&row)?)
    }

    /// A user and their hash, by the NFKC form of `username` (case-sensitive, like
    /// Django). A name with a NUL character is nobody's.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        // No stored name has a NUL (PostgreSQL cannot hold one, and inputs refuse it);
        // a name from a decoded header might. Nobody has it, on every backend alike.
        if username.contains('\0') {
            return Ok(None);
        }
        let username = crate::username::normalize(username);
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash, password_changed_at FROM auth_users WHERE username = $1"
        ))
        .bind(username.as_ref())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(UserRecord {
                user: user_from_row(&r)?,
                password_hash: r.try_get("password_hash")?,
                password_changed_at: r.try_get("password_changed_at")?,
            })
        })
        .transpose()
    }

    /// A user by id.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        Ok(self.user_with_version(id).await?.map(|(user, _)| user))
    }

    /// A user and their `auth_version` (bumped when the password changes or the account
    /// is deactivated; JWTs carry the value they were issued under).
    pub async fn user_with_version(&self, id: i64) -> Result<Option<(User, i64)>, StoreError> {
        let epoch = self.cache.as_ref().map(|c| c.epoch());
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.users.get(&id)) {
            return Ok(Some(hit));
        }
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, auth_version FROM auth_users WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let found: Option<(User, i64)> = row
            .map(|r| Ok::<_, sqlx::Error>((user_from_row(&r)?, r.try_get("auth_version")?)))
            .transpose()?;
        if let (Some(cache), Some(epoch), Some(found)) = (&self.cache, epoch, &found) {
            if cache.still(epoch) {
                cache.users.insert(id, found.clone());
            }
        }
        Ok(found)
    }

    /// Drops what the credential caches know of a user (after a write).
    async fn forget_user(&self, user_id: i64, sessions_too: bool) {
        if sessions_too {
            self.revoked(&[Event::User(user_id), Event::SessionsOf(user_id)])
                .await;
        } else {
            self.revoked(&[Event::User(user_id)]).await;
        }
    }

    /// All users, by id.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM auth_users ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
    }

    /// Replaces a password hash and revokes every credential of the user: sessions,
    /// JWTs (the `auth_version` they carry is bumped), API tokens, OAuth2 access and
    /// refresh tokens. What a password protected must not outlive it.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.set_password_keeping(user_id, password_hash, None)
            .await
    }

    /// [`Store::set_password`], keeping one session: the one making the change (its key
    /// digest), as Django's `update_session_auth_hash` keeps the user logged in.
    pub async fn set_password_keeping(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE auth_users SET password_hash = $1, password_changed_at = $2, \
             auth_version = auth_version + 1 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1 AND key_digest <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        for statement in [
            "DELETE FROM auth_api_tokens WHERE user_id = $1",
            "DELETE FROM oauth2_access_tokens WHERE user_id = $1",
            "DELETE FROM oauth2_codes WHERE user_id = $1",
        ] {
            sqlx::query(statement)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE oauth2_refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.revoked(&[
            Event::User(user_id),
            Event::SessionsOf(user_id),
            Event::TokensOf(user_id),
            Event::AccessOf(user_id),
        ])
        .await;
        Ok(())
    }

    /// Changes a user's email address; returns the updated user.
    pub async fn set_email(&self, user_id: i64, email: &str) -> Result<User, StoreError> {
        let row = sqlx::query(&format!(
            "UPDATE auth_users SET email = $1 WHERE id = $2 RETURNING {USER_COLUMNS}"
        ))
        .bind(email)
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        self.forget_user(user_id, false).await;
        Ok(user_from_row(&row)?)
    }

    /// Sets staff and superuser flags.
    pub async fn set_flags(
        &self,
        user_id: i64,
        is_staff: bool,
        is_superuser: bool,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE auth_users SET is_staff = $1, is_superuser = $2 WHERE id = $3")
            .bind(is_staff)
            .bind(is_superuser)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        self.forget_user(user_id, false).await;
        Ok(())
    }

    /// Activates or deactivates a user; deactivation ends their sessions and revokes
    /// their JWTs.
    pub async fn set_active(&self, user_id: i64, active: bool) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE auth_users SET is_active = $1, \
             auth_version = auth_version + CASE WHEN $1 THEN 0 ELSE 1 END WHERE id = $2",
        )
        .bind(active)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if !active {
            sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.forget_user(user_id, !active).await;
        Ok(())
    }

    /// Records a successful login.
    pub async fn touch_last_login(&self, user_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE auth_users SET last_login = $1 WHERE id = $2")
            .bind(now())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
