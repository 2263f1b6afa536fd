//! The shared state every scheme needs (settings, store, keys, hasher) and the
//! middleware that hands it to each request.

use std::sync::Arc;

use poem::{Endpoint, FromRequest, IntoResponse, Middleware, Request, RequestBody, Response};
use sha2::{Digest, Sha512};

use crate::{
    error::AuthError,
    jwt::{ClaimsHook, JwtService},
    password::{HashError, PasswordHasher},
    principal::PrincipalSlot,
    settings::{Settings, SettingsError},
    store::{Store, StoreError},
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
}

struct Inner {
    settings: Settings,
    store: Store,
    hasher: PasswordHasher,
    jwt: JwtService,
    throttler: Throttler,
    cookie_key: cookie::Key,
    csrf_key: [u8; 64],
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
/// assert_eq!(ctx.settings().jwt.algorithm, "HS256");
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
}

impl AuthContextBuilder {
    /// Adds claims of your own to every JWT issued for a user (reserved claims such as
    /// `exp` or `user_id` cannot be replaced). Refreshed tokens keep them.
    pub fn jwt_claims(
        mut self,
        hook: impl Fn(&crate::User, &mut serde_json::Map<String, serde_json::Value>)
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.claims_hook = Some(Arc::new(hook));
        self
    }

    /// Validates the settings, loads keys and builds the context. Without a
    /// configured `secret_key`, the one kept in the store is used (generated on first
    /// use), so instances sharing a database agree.
    pub async fn build(self) -> Result<AuthContext, ContextError> {
        let Self {
            settings,
            store,
            claims_hook,
        } = self;
        settings.validate()?;
        let store = store.with_credential_cache(std::time::Duration::from_secs(
            settings.credential_cache_ttl,
        ));
        let secret = match &settings.secret_key {
            Some(k) => k.clone(),
            None => {
                store
                    .secret_or_insert("secret_key", || crate::secret::random_urlsafe(48))
                    .await?
            }
        };
        // Independent keys per purpose, derived from the one secret.
        let derive = |purpose: &[u8]| {
            Sha512::new()
                .chain_update(purpose)
                .chain_update(secret.as_bytes())
                .finalize()
        };
        let cookie_key = cookie::Key::from(&derive(b"auth-runtime.cookie")[..]);
        let csrf_key: [u8; 64] = derive(b"auth-runtime.csrf").into();
        let jwt_secret: String = derive(b"auth-runtime.jwt")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let jwt = JwtService::new(&settings.jwt, &jwt_secret, claims_hook)?;
        let hasher = PasswordHasher::new(&settings.password)?;
        let throttler = Throttler::new(&settings.throttle).await?;
        Ok(AuthContext(Arc::new(Inner {
            settings,
            store,
            hasher,
            jwt,
            throttler,
            cookie_key,
            csrf_key,
        })))
    }
}

impl AuthContext {
    /// Builds the context with default extras; see [`AuthContext::builder`].
    pub async fn new(settings: Settings, store: Store) -> Result<Self, ContextError> {
        Self::builder(settings, store).build().await
    }

    /// A builder, for a context with extras such as custom JWT claims.
    pub fn builder(settings: Settings, store: Store) -> AuthContextBuilder {
        AuthContextBuilder {
            settings,
            store,
            claims_hook: None,
        }
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

    /// Django's `authenticate(username=..., password=...)`: the active user with these
    /// credentials, or `None`. An unknown or inactive username costs one argon2
    /// verification too, so timing does not tell which accounts exist.
    ///
    /// Brute-force protection: while the username or the request's client address has
    /// too many recent failures (`throttle.login_failures_per_*`), every attempt is
    /// refused with 429, the right password included; each failure is counted.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let store = auth_runtime::Store::connect(&format!("sqlite://{}/a.db", dir.path().display())).await.unwrap();
    /// # store.migrate().await.unwrap();
    /// # let ctx = auth_runtime::AuthContext::new(auth_runtime::Settings::default(), store).await.unwrap();
    /// let hash = ctx.hasher().hash("s3cret-pass").await.unwrap();
    /// ctx.store().create_user(auth_runtime::store::NewUser { username: "ann", email: "",
    ///     password_hash: &hash, is_staff: false, is_superuser: false }).await.unwrap();
    /// let req = poem::Request::default();
    /// assert!(ctx.check_credentials(&req, "ann", "s3cret-pass").await.unwrap().is_some());
    /// assert!(ctx.check_credentials(&req, "ann", "wrong").await.unwrap().is_none());
    /// assert!(ctx.check_credentials(&req, "bob", "s3cret-pass").await.unwrap().is_none());
    /// # });
    /// ```
    pub async fn check_credentials(
        &self,
        req: &poem::Request,
        username: &str,
        password: &str,
    ) -> Result<Option<crate::User>, AuthError> {
        let throttler = self.throttler();
        let address = throttler.client_address(req);
        throttler.check_login(username, &address).await?;
        let record = self.store().user_by_username(username).await?;
        let hash = record
            .as_ref()
            .filter(|r| r.user.is_active)
            .map(|r| r.password_hash.as_str());
        if !self.hasher().verify(password, hash).await {
            throttler.record_login_failure(username, &address).await?;
            return Ok(None);
        }
        Ok(record.map(|r| r.user))
    }

    /// The middleware that makes this context available to every request.
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.clone())
    }
}

/// What [`AuthLayer`] stores in each request: the context and the slot the chain
/// writes the principal into.
#[derive(Clone)]
pub(crate) struct RequestAuth {
    pub(crate) ctx: AuthContext,
    pub(crate) slot: PrincipalSlot,
}

/// Middleware that gives every request the [`AuthContext`]. Secured operations fail
/// closed (500, logged) without it.
///
/// ```no_run
/// # async fn demo(ctx: auth_runtime::AuthContext) {
/// use poem::{EndpointExt, Route};
/// let app = Route::new().with(ctx.layer());
/// # }
/// ```
#[derive(Clone)]
pub struct AuthLayer(AuthContext);

impl AuthLayer {
    /// Wraps a context.
    pub fn new(ctx: AuthContext) -> Self {
        Self(ctx)
    }
}

impl<E: Endpoint> Middleware<E> for AuthLayer {
    type Output = AuthEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        AuthEndpoint {
            inner: ep,
            ctx: self.0.clone(),
        }
    }
}

/// The endpoint [`AuthLayer`] produces.
pub struct AuthEndpoint<E> {
    inner: E,
    ctx: AuthContext,
}

impl<E: Endpoint> Endpoint for AuthEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        req.extensions_mut().insert(RequestAuth {
            ctx: self.ctx.clone(),
            slot: PrincipalSlot::default(),
        });
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}

impl<'a> FromRequest<'a> for AuthContext {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        req.extensions()
            .get::<RequestAuth>()
            .map(|s| s.ctx.clone())
            .ok_or_else(|| AuthError::Misconfigured("AuthLayer is missing from the route").into())
    }
}
