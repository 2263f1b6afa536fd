//! Storage on sqlx: SQLite (the embedded default, a file created on first start) or
//! PostgreSQL (`postgres://...`, shared by several instances). One set of queries
//! serves both through sqlx's `Any` driver; migrations are per backend and embedded.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{
    any::{AnyPoolOptions, AnyRow},
    AnyPool, Row,
};

use crate::principal::User;

mod api_tokens;
mod cache;
mod jwt;
mod oauth2;
mod sessions;
mod users;

pub use api_tokens::ApiToken;
pub use oauth2::{
    AccessGrant, Application, AuthorizedToken, Claim, CodeGrant, NewApplication, RefreshGrant,
    RefreshInfo,
};

/// Current Unix time in seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Current Unix time in milliseconds.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
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

/// Tables whose rows expire, with what `clear-expired` calls them. The blacklist goes
/// first: its rows only matter while the refresh token they name is alive.
const EXPIRING: &[(&str, &str)] = &[
    ("auth_sessions", "sessions"),
    ("auth_jwt_blacklist", "blacklisted refresh tokens"),
    ("auth_jwt_outstanding", "outstanding refresh tokens"),
    ("auth_api_tokens", "API tokens"),
    ("oauth2_codes", "OAuth2 authorization codes"),
    ("oauth2_access_tokens", "OAuth2 access tokens"),
    ("oauth2_refresh_tokens", "OAuth2 refresh tokens"),
];

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
    cache: Option<std::sync::Arc<cache::Cache>>,
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
        Ok(Self {
            pool,
            backend,
            cache: None,
        })
    }

    /// Applies the embedded migrations of this backend.
    ///
    /// Versions below 1000 are the framework's; an application may keep its own
    /// migrations in the same database from 1000 up, run with
    /// [`Store::migrate_with`] (each migrator ignores the other's versions).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        self.migrate_with(migrator).await
    }

    /// Runs an application's own migrator (versions from 1000 up), alongside the
    /// framework's.
    pub async fn migrate_with(
        &self,
        mut migrator: sqlx::migrate::Migrator,
    ) -> Result<(), StoreError> {
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// This store with a per-process cache of credential lookups whose entries live
    /// `ttl` (none for zero). Revocations made through this store take effect at once;
    /// other processes see them within `ttl`. [`AuthContext`](crate::AuthContext) sets
    /// it from `credential_cache_ttl`.
    pub fn with_credential_cache(mut self, ttl: std::time::Duration) -> Self {
        self.cache = (!ttl.is_zero()).then(|| std::sync::Arc::new(cache::Cache::new(ttl)));
        self
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for an application's own queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Deletes every expired row (sessions, refresh-token records, blacklist entries,
    /// API tokens, OAuth2 grants and tokens) and says how many of each went.
    pub async fn clear_expired(&self) -> Result<Vec<(&'static str, u64)>, StoreError> {
        let now = now();
        let mut cleared = Vec::new();
        for (table, what) in EXPIRING {
            let n = sqlx::query(&format!(
                "DELETE FROM {table} WHERE expires_at IS NOT NULL AND expires_at <= $1"
            ))
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
            cleared.push((*what, n));
        }
        Ok(cleared)
    }

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
