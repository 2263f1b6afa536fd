//! Storage on sqlx: SQLite (the embedded default, a file created on first start) or
//! PostgreSQL (`postgres://...`, shared by several instances). One set of queries
//! serves both through sqlx's `Any` driver; migrations are per backend and embedded.

use sqlx::{
    any::{AnyPoolOptions, AnyRow},
    AnyPool, Row,
};

use crate::principal::User;

mod api_tokens;
mod bus;
mod cache;
mod jwt;
mod oauth2;
mod perms;
mod sessions;
mod users;

pub use api_tokens::ApiToken;
pub use bus::Announce;
pub use oauth2::{
    AccessGrant, Application, AuthorizedToken, Claim, CodeGrant, NewApplication, NewTokens,
    RefreshGrant, RefreshInfo,
};
pub use perms::{Grantee, GroupInfo, Source};

pub use crate::clock::{now, now_millis};

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a local file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The Cargo feature that builds its driver.
    ///
    /// ```
    /// assert_eq!(auth_runtime::store::Backend::Postgres.feature(), "postgres");
    /// ```
    pub fn feature(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
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
    /// The URL names a database this build leaves out.
    #[error("this database needs auth-runtime's `{0}` feature")]
    NotBuilt(&'static str),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The channel that announces revocations to other instances could not be set up.
    #[error("revocation channel: {0}")]
    Channel(String),
    /// The lock that serialises migrations of a SQLite file could not be taken.
    #[error("migration lock: {0}")]
    Lock(std::io::Error),
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
    location: Location,
    cache: Option<std::sync::Arc<cache::Cache>>,
    /// The URL, kept for the connection that listens for revocations (PostgreSQL).
    /// Never logged: it may hold a password.
    url: Option<std::sync::Arc<str>>,
    bus: Option<std::sync::Arc<bus::Bus>>,
}

/// Where a SQLite database lives.
#[derive(Clone, Debug)]
enum Location {
    File(std::sync::Arc<std::path::Path>),
    Memory,
    Server,
}

/// An exclusive lock on `<database>-migrations.lock`, held until dropped.
async fn migration_lock(db: &std::path::Path) -> Result<std::fs::File, StoreError> {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push("-migrations.lock");
    let path = db.with_file_name(name);
    let locked = tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|e| StoreError::Lock(std::io::Error::other(e)))?;
    locked.map_err(StoreError::Lock)
}

/// The file of a `sqlite:` URL, or `None` for an in-memory database.
fn sqlite_location(rest: &str) -> Location {
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.strip_prefix("//").unwrap_or(path);
    let memory = path.is_empty()
        || path == ":memory:"
        || url::form_urlencoded::parse(params.as_bytes())
            .any(|(k, v)| k == "mode" && v == "memory");
    if memory {
        return Location::Memory;
    }
    let decoded = percent_decode(path);
    Location::File(std::path::PathBuf::from(decoded).into())
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map_or_else(|| s.to_owned(), |(_, v)| v.into_owned())
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
        let mut location = Location::Server;
        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            location = sqlite_location(rest);
            let mut u = format!("sqlite:{rest}");
            if !rest.contains("mode=") && !rest.contains(":memory:") {
                u.push(if rest.contains('?') { '&' } else { '?' });
                u.push_str("mode=rwc");
            }
            (Backend::Sqlite, u)
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let built = match backend {
            Backend::Sqlite => cfg!(feature = "sqlite"),
            Backend::Postgres => cfg!(feature = "postgres"),
        };
        if !built {
            return Err(StoreError::NotBuilt(backend.feature()));
        }
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
        // Each connection to `sqlite::memory:` is a database of its own: an in-memory
        // store keeps exactly one, for as long as the pool lives.
        let opts = if matches!(location, Location::Memory) {
            opts.max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            opts.max_connections(16)
        };
        let pool = opts.connect(&url).await?;
        Ok(Self {
            pool,
            backend,
            location,
            cache: None,
            url: (backend == Backend::Postgres).then(|| url.into()),
            bus: None,
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
        // PostgreSQL migrations take an advisory lock; SQLite's do not, so two
        // processes starting together on a new file would both create the tables. A
        // lock file beside the database serialises them.
        let _lock = match self.sqlite_file() {
            Some(db) => Some(migration_lock(db).await?),
            None => None,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// This store with a per-process cache of credential lookups whose entries live
    /// `ttl` (none for zero). Revocations made through this store take effect at once;
    /// other processes see them within `ttl`, or at once with
    /// [`Store::announce_revocations`]. [`AuthContext`](crate::context::AuthContext)
    /// sets it from `credential_cache_ttl`. Call it before `announce_revocations`.
    pub fn with_credential_cache(mut self, ttl: std::time::Duration) -> Self {
        self.cache = (!ttl.is_zero()).then(|| std::sync::Arc::new(cache::Cache::new(ttl)));
        self
    }

    /// This store, announcing every revocation it writes to the other instances
    /// sharing the database, and (with a credential cache) listening for theirs, so
    /// that each instance drops a revoked credential from its cache at once. The
    /// subscription is made before this returns; if it cannot be, a warning is logged
    /// and it is retried in the background (meanwhile `ttl` bounds what a cache
    /// keeps). [`AuthContext`](crate::context::AuthContext) sets it from
    /// `cache_invalidation`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use auth_runtime::{store::Announce, Store};
    /// let store = Store::connect("sqlite::memory:").await.unwrap();
    /// // LISTEN/NOTIFY needs PostgreSQL.
    /// assert!(store.announce_revocations(&Announce::Postgres).await.is_err());
    /// # });
    /// ```
    pub async fn announce_revocations(mut self, via: &Announce) -> Result<Self, StoreError> {
        let bus = bus::Bus::join(via, self.url.as_deref(), self.cache.as_ref()).await?;
        self.bus = Some(std::sync::Arc::new(bus));
        Ok(self)
    }

    /// Forgets what `events` made stale in this process's cache, and tells the other
    /// instances. Called by every write that revokes or changes a credential, after it
    /// commits.
    pub(crate) async fn revoked(&self, events: &[cache::Event]) {
        if let Some(cache) = &self.cache {
            for event in events {
                cache.apply(event);
            }
        }
        if let Some(bus) = &self.bus {
            bus.publish(&self.pool, events).await;
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The file of a SQLite database (`None` for PostgreSQL and in-memory SQLite).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = dir.path().join("app.db");
    /// let store = auth_runtime::Store::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    /// assert_eq!(store.sqlite_file(), Some(file.as_path()));
    /// # });
    /// ```
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        match &self.location {
            Location::File(p) => Some(p),
            Location::Memory | Location::Server => None,
        }
    }

    /// Whether this is an in-memory SQLite database.
    pub fn is_in_memory(&self) -> bool {
        matches!(self.location, Location::Memory)
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
}

impl From<StoreError> for crate::error::AuthError {
    /// A storage failure is 503; the cause is logged, never sent.
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failed");
        crate::error::AuthError::Unavailable
    }
}

/// A storage failure in a handler (`store_call().await?`) answers like
/// [`AuthError::Unavailable`](crate::error::AuthError::Unavailable): 503 with a JSON body; the cause is logged, never sent.
impl poem::error::ResponseError for StoreError {
    fn status(&self) -> poem::http::StatusCode {
        poem::http::StatusCode::SERVICE_UNAVAILABLE
    }

    fn as_response(&self) -> poem::Response {
        tracing::error!(error = %self, "store failed");
        poem::error::ResponseError::as_response(&crate::error::AuthError::Unavailable)
    }
}
