//! The shared state every scheme needs: settings, store, keys, hasher, throttles.

use std::sync::Arc;

use crate::{
    jwt::{ClaimsHook, JwtService},
    operation::{Operation, SecuredApi},
    password::{HashError, PasswordHasher},
    server_key::ServerKey,
    settings::{Backend as ThrottleBackend, CacheInvalidation, Settings, SettingsError},
    store::{Announce, Backend, Store, StoreError},
    throttle::Throttler,
};

/// Why an [`AuthContext`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The settings are invalid.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The hashing parameters are invalid.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The throttle backend could not be set up.
    #[error(transparent)]
    Throttle(#[from] crate::throttle::ThrottleError),
    /// There is no usable server secret.
    #[error(transparent)]
    ServerKey(#[from] crate::server_key::ServerKeyError),
}

struct Inner {
    settings: Settings,
    store: Store,
    hasher: PasswordHasher,
    jwt: JwtService,
    throttler: Throttler,
    cookie_key: cookie::Key,
    csrf_key: [u8; 64],
    operations: Vec<&'static Operation>,
}

/// Settings, store, password hasher and keys, shared by every request. Cheap to clone.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{AuthContext, Settings, Store};
/// let dir = tempfile::tempdir().unwrap();
/// let store = Store::connect(&format!("sqlite://{}/a.sqlite3", dir.path().display())).await.unwrap();
/// store.migrate().await.unwrap();
/// let ctx = AuthContext::new(Settings::default(), store).await.unwrap();
/// assert_eq!(ctx.settings().jwt.access_token_lifetime, 300);
/// # });
/// ```
#[derive(Clone)]
pub struct AuthContext(Arc<Inner>);

impl std::fmt::Debug for AuthContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthContext").finish_non_exhaustive()
    }
}

/// Builds an [`AuthContext`] with extras: `AuthContext::builder(settings, store)`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// # let store = auth_runtime::Store::connect(&format!("sqlite://{}/a.db", dir.path().display())).await.unwrap();
/// # store.migrate().await.unwrap();
/// use auth_runtime::{AuthContext, Settings};
/// let ctx = AuthContext::builder(Settings::default(), store)
///     .jwt_claims(|user, claims| {
///         claims.insert("name".into(), user.username.clone().into());
///     })
///     .build()
///     .await
///     .unwrap();
/// # let _ = ctx;
/// # });
/// ```
#[must_use]
pub struct AuthContextBuilder {
    settings: Settings,
    store: Store,
    claims_hook: Option<ClaimsHook>,
    operations: Vec<&'static Operation>,
    permissions: Vec<(&'static str, &'static str)>,
}

impl AuthContextBuilder {
    /// Serves the operations of `A` (a `#[secured]` API, or a tuple of them as
    /// `OpenApiService::new` takes): [`build`](Self::build) checks that the settings
    /// agree with what they declare (see [`operation::check`](crate::operation::check)),
    /// and [`AuthContext::operations`] lists them.
    pub fn api<A: SecuredApi>(mut self) -> Self {
        self.operations.extend(A::operations());
        self
    }

    /// Declares the application's named permissions, each with a description:
    /// `HasPerm("articles.publish")` may name only these ([`build`](Self::build)
    /// refuses an operation that names another), and grants can only give these. They
    /// are written to the database at start-up.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let store = auth_runtime::Store::connect("sqlite::memory:").await.unwrap();
    /// # store.migrate().await.unwrap();
    /// let ctx = auth_runtime::AuthContext::builder(Default::default(), store)
    ///     .permissions(&[("articles.publish", "Publish an article")])
    ///     .build().await.unwrap();
    /// assert!(ctx.store().permissions().await.unwrap().contains_key("articles.publish"));
    /// # });
    /// ```
    pub fn permissions(mut self, names: &[(&'static str, &'static str)]) -> Self {
        self.permissions.extend_from_slice(names);
        self
    }

    /// Adds claims of your own to every JWT issued for a user (reserved claims such as
    /// `exp` or `user_id` cannot be replaced). Refreshed tokens keep them.
    pub fn jwt_claims(
        mut self,
        hook: impl Fn(&crate::principal::User, &mut serde_json::Map<String, serde_json::Value>)
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.claims_hook = Some(Arc::new(hook));
        self
    }

    /// Validates the settings (against the operations of [`api`](Self::api) too),
    /// loads keys and builds the context. The server secret
    /// comes from settings or a key file, never from the database (see
    /// [`crate::server_key`]); where it came from is logged.
    pub async fn build(self) -> Result<AuthContext, ContextError> {
        let Self {
            settings,
            store,
            claims_hook,
            operations,
            permissions,
        } = self;
        settings.validate()?;
        crate::operation::check(&operations, &settings)?;
        if let Some(bad) = permissions
            .iter()
            .find(|(name, _)| !auth_grammar::permission::is_name(name))
        {
            return Err(SettingsError::new(format!(
                "permission `{}`: {}",
                bad.0,
                auth_grammar::permission::EXPECTED
            ))
            .into());
        }
        crate::operation::check_permissions(&operations, &permissions)?;
        store.declare_permissions(&permissions).await?;
        let store = store.with_credential_cache(std::time::Duration::from_secs(
            settings.credential_cache_ttl,
        ));
        let store = match announce_via(&settings, &store)? {
            Some(via) => store.announce_revocations(&via).await?,
            None => store,
        };
        let key = ServerKey::resolve(&settings, &store)?;
        key.announce();
        announce(&settings);
        // Independent keys per purpose, derived from the one secret.
        let cookie_key = cookie::Key::from(&key.derive(b"auth-runtime.cookie")[..]);
        let csrf_key = key.derive(b"auth-runtime.csrf");
        let jwt_secret: String = key
            .derive(b"auth-runtime.jwt")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let jwt = JwtService::new(&settings.jwt, &jwt_secret, claims_hook)?;
        let hasher = PasswordHasher::new(&settings.password)?;
        let throttler = Throttler::new(&settings.throttle, hasher.max_concurrent()).await?;
        Ok(AuthContext(Arc::new(Inner {
            settings,
            store,
            hasher,
            jwt,
            throttler,
            cookie_key,
            csrf_key,
            operations,
        })))
    }
}

/// The channel `cache_invalidation` chooses for this store, if any.
fn announce_via(settings: &Settings, store: &Store) -> Result<Option<Announce>, SettingsError> {
    let redis = || Announce::Redis {
        url: settings.throttle.redis_url.clone(),
        channel: format!("{}:revocations", settings.throttle.redis_prefix),
    };
    let postgres = store.backend() == Backend::Postgres;
    Ok(match settings.cache_invalidation {
        CacheInvalidation::Off => None,
        CacheInvalidation::Postgres if postgres => Some(Announce::Postgres),
        CacheInvalidation::Postgres => {
            return Err(SettingsError::new(
                "cache_invalidation = \"postgres\" needs a PostgreSQL database",
            ))
        }
        CacheInvalidation::Redis => Some(redis()),
        CacheInvalidation::Auto if postgres => Some(Announce::Postgres),
        CacheInvalidation::Auto => {
            (settings.throttle.backend == ThrottleBackend::Redis).then(redis)
        }
    })
}

/// Says at start what depends on the deployment rather than on the code.
fn announce(settings: &Settings) {
    use crate::settings::CookieSecure;
    match settings.session.cookie_secure {
        CookieSecure::Auto => tracing::info!(
            "session cookies: Secure when the request came over HTTPS (session.cookie_secure = auto; X-Forwarded-Proto is believed only with throttle.num_proxies set)"
        ),
        CookieSecure::Always => tracing::info!("session cookies: always Secure"),
        CookieSecure::Never => tracing::warn!(
            "session cookies: never Secure (session.cookie_secure = false): for plain-HTTP development only"
        ),
    }
    if settings.oauth2.issuer.is_none() {
        tracing::info!(
            "oauth2.issuer is not set: the authorization server metadata, where served, takes its issuer from the request's Host header; set it in production"
        );
    }
}

impl AuthContext {
    /// Builds the context with default extras; see [`AuthContext::builder`].
    pub async fn new(settings: Settings, store: Store) -> Result<Self, ContextError> {
        Self::builder(settings, store).build().await
    }

    /// Opens the database at `database_url` (`sqlite://FILE`, created if missing, or
    /// `postgres://...`), applies the framework's migrations, and builds the context
    /// for the operations of `A` (see [`AuthContextBuilder::api`]): the whole set-up
    /// of an application that needs no extras.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use auth_runtime::{views::JwtViews, AuthContext, Settings};
    /// let dir = tempfile::tempdir().unwrap();
    /// let url = format!("sqlite://{}/app.sqlite3", dir.path().display());
    /// let ctx = AuthContext::connect::<JwtViews>(&url, Settings::default()).await.unwrap();
    /// assert_eq!(ctx.operations().len(), 4);
    /// # });
    /// ```
    pub async fn connect<A: SecuredApi>(
        database_url: &str,
        settings: Settings,
    ) -> Result<Self, ContextError> {
        let store = Store::connect(database_url).await?;
        store.migrate().await?;
        Self::builder(settings, store).api::<A>().build().await
    }

    /// A builder, for a context with extras such as custom JWT claims.
    pub fn builder(settings: Settings, store: Store) -> AuthContextBuilder {
        AuthContextBuilder {
            settings,
            store,
            claims_hook: None,
            operations: Vec::new(),
            permissions: Vec::new(),
        }
    }

    /// The operations registered with [`AuthContextBuilder::api`].
    pub fn operations(&self) -> &[&'static Operation] {
        &self.0.operations
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The password hasher.
    pub fn hasher(&self) -> &PasswordHasher {
        &self.0.hasher
    }

    /// Rates and brute-force protection.
    pub fn throttler(&self) -> &Throttler {
        &self.0.throttler
    }

    /// JWT issuing and verification.
    pub fn jwt(&self) -> &JwtService {
        &self.0.jwt
    }

    pub(crate) fn cookie_key(&self) -> &cookie::Key {
        &self.0.cookie_key
    }

    pub(crate) fn csrf_key(&self) -> &[u8; 64] {
        &self.0.csrf_key
    }
}
