//! Storage on sqlx: SQLite (the embedded default, a file created on first start) or
//! PostgreSQL (`postgres://...`, shared by several instances). One set of queries
//! serves both through sqlx's `Any` driver; migrations are per backend and embedded.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{
    any::{AnyPoolOptions, AnyRow},
    AnyPool, Row,
};

use crate::principal::User;

/// Current Unix time in seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a local file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique field (named) already holds this value.
    #[error("a row with this {0} already exists")]
    Duplicate(&'static str),
    /// The URL names no supported database.
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A user row with its password hash, for credential checks only.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The user.
    pub user: User,
    /// PHC-format argon2id hash.
    pub password_hash: String,
    /// When the password last changed (Unix seconds).
    pub password_changed_at: i64,
}

/// What [`Store::create_user`] needs.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Unique login name.
    pub username: &'a str,
    /// Email address.
    pub email: &'a str,
    /// PHC-format hash from [`PasswordHasher::hash`](crate::password::PasswordHasher::hash).
    pub password_hash: &'a str,
    /// Staff flag.
    pub is_staff: bool,
    /// Superuser flag.
    pub is_superuser: bool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const USER_COLUMNS: &str = "id, username, email, is_staff, is_superuser, is_active";

/// The database behind sessions, users and token lists. Cheap to clone.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::Store;
/// let dir = tempfile::tempdir().unwrap();
/// let url = format!("sqlite://{}/db.sqlite3", dir.path().display());
/// let store = Store::connect(&url).await.unwrap();
/// store.migrate().await.unwrap();
/// assert!(store.user_by_username("nobody").await.unwrap().is_none());
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// A boolean column: `BOOLEAN` on PostgreSQL, `INTEGER` 0/1 on SQLite.
fn get_bool(row: &AnyRow, col: &str) -> Result<bool, sqlx::Error> {
    row.try_get::<bool, _>(col)
        .or_else(|_| row.try_get::<i64, _>(col).map(|v| v != 0))
}

fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        is_staff: get_bool(row, "is_staff")?,
        is_superuser: get_bool(row, "is_superuser")?,
        is_active: get_bool(row, "is_active")?,
    })
}

fn unique_violation(e: sqlx::Error, field: &'static str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(field),
        _ => StoreError::Database(e),
    }
}

impl Store {
    /// Connects (creating a missing SQLite file). Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            let mut u = format!("sqlite:{rest}");
            if !rest.contains("mode=") && !rest.contains(":memory:") {
                u.push(if rest.contains('?') { '&' } else { '?' });
                u.push_str("mode=rwc");
            }
            (Backend::Sqlite, u)
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let mut opts = AnyPoolOptions::new();
        if backend == Backend::Sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the one writer; the busy timeout makes
                    // concurrent writers wait instead of failing.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = NORMAL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 10000",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            });
        }
        let pool = opts.max_connections(16).connect(&url).await?;
        Ok(Self { pool, backend })
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for an application's own queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    // ---- users ----

    /// Inserts a user; [`StoreError::Duplicate`]`("username")` if the name is taken.
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User, StoreError> {
        let now = now();
        let row = sqlx::query(&format!(
            "INSERT INTO auth_users (username, email, password_hash, is_staff, is_superuser, \
             is_active, date_joined, password_changed_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) \
             RETURNING {USER_COLUMNS}"
        ))
        .bind(new.username)
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

    /// A user and their hash, by username (case-sensitive, like Django).
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash, password_changed_at FROM auth_users WHERE username = $1"
        ))
        .bind(username)
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
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM auth_users WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
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

    /// Replaces a password hash and ends the user's sessions.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE auth_users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
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
        Ok(())
    }

    /// Activates or deactivates a user; deactivation ends their sessions.
    pub async fn set_active(&self, user_id: i64, active: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE auth_users SET is_active = $1 WHERE id = $2")
            .bind(active)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if !active {
            sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&self.pool)
                .await?;
        }
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

    // ---- sessions ----

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

    // ---- JWT ----

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

    /// Deletes expired sessions, outstanding and blacklisted tokens; returns how many.
    pub async fn clear_expired(&self) -> Result<u64, StoreError> {
        let now = now();
        let mut n = 0;
        for table in [
            "auth_sessions",
            "auth_jwt_blacklist",
            "auth_jwt_outstanding",
        ] {
            n += sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(n)
    }

    // ---- secrets ----

    /// A named server secret: the stored one, or `generate()`'s, stored atomically so
    /// that instances starting together agree.
    pub async fn secret_or_insert(
        &self,
        name: &str,
        generate: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO auth_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(generate())
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT value FROM auth_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }
}
