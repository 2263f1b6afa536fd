//! One settings type with production defaults, loaded from a TOML file and
//! `AUTH_`-prefixed environment variables (`AUTH_JWT__ACCESS_TOKEN_LIFETIME=60`).

use std::path::{Path, PathBuf};

use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use serde::{Deserialize, Serialize};

mod basic;
mod jwt;
mod oauth2;
mod password;
mod session;
mod throttle;
mod token;

pub use self::{
    basic::BasicSettings,
    jwt::{Algorithm, JwtSettings, TokenType},
    oauth2::OAuth2Settings,
    password::PasswordSettings,
    session::{CookieSecure, CsrfMode, SameSite, SessionSettings},
    throttle::{Backend, LoginSettings, Rate, ThrottleSettings},
    token::TokenSettings,
};

/// Everything the framework can be told. Every field has a default; a file and the
/// environment override them, in that order.
///
/// ```
/// use auth_runtime::Settings;
/// let s = Settings::default();
/// assert_eq!(s.jwt.access_token_lifetime, 300);
/// assert_eq!(s.jwt.algorithm, auth_runtime::settings::Algorithm::HS256);
/// assert_eq!(s.session.cookie_samesite, auth_runtime::settings::SameSite::Lax);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Server secret for HS* JWT signatures, cookie signatures and CSRF tokens
    /// (`AUTH_SECRET_KEY`), at least 32 characters. It never lives in the database: when
    /// neither this nor `secret_key_file` is set, a SQLite database gets a key file
    /// beside it, and PostgreSQL refuses to start (see [`crate::server_key`]).
    pub secret_key: Option<String>,
    /// A file holding the server secret (mode 0600), for instances that share one.
    pub secret_key_file: Option<PathBuf>,
    /// The default chain for `#[authenticated]` with no list (DRF's
    /// `DEFAULT_AUTHENTICATION_CLASSES`), by scheme name.
    pub default_schemes: Vec<String>,
    /// How long, in seconds, this process may reuse a credential lookup (user, session,
    /// API token, OAuth2 token) without asking the database. Revocations made by this
    /// process apply at once; those made by another process sharing the database apply
    /// as soon as `cache_invalidation` carries them here, and within this delay when
    /// it cannot. `0` asks the database every time.
    pub credential_cache_ttl: u64,
    /// How revocations reach the other instances sharing the database, so that their
    /// credential caches drop them at once.
    pub cache_invalidation: CacheInvalidation,
    /// The permission of operations that declare `#[authenticated]` but no
    /// `#[permission(...)]` (DRF's `DEFAULT_PERMISSION_CLASSES`).
    pub default_permission: DefaultPermission,
    /// JSON Web Tokens (simplejwt's `SIMPLE_JWT`).
    pub jwt: JwtSettings,
    /// Server-side sessions and their cookie.
    pub session: SessionSettings,
    /// DRF-style API tokens.
    pub token: TokenSettings,
    /// HTTP Basic.
    pub basic: BasicSettings,
    /// The OAuth2 authorization server.
    pub oauth2: OAuth2Settings,
    /// Throttling and brute-force protection.
    pub throttle: ThrottleSettings,
    /// Password hashing and validation.
    pub password: PasswordSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            secret_key: None,
            secret_key_file: None,
            default_schemes: vec!["session".into(), "jwt".into()],
            default_permission: DefaultPermission::IsAuthenticated,
            credential_cache_ttl: 5,
            cache_invalidation: CacheInvalidation::Auto,
            jwt: JwtSettings::default(),
            session: SessionSettings::default(),
            token: TokenSettings::default(),
            basic: BasicSettings::default(),
            oauth2: OAuth2Settings::default(),
            throttle: ThrottleSettings::default(),
            password: PasswordSettings::default(),
        }
    }
}

/// How one instance's revocations reach the others' credential caches
/// (`cache_invalidation`).
///
/// ```
/// use auth_runtime::settings::CacheInvalidation;
/// let c: CacheInvalidation = serde_json::from_str("\"auto\"").unwrap();
/// assert_eq!(c, CacheInvalidation::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheInvalidation {
    /// PostgreSQL's `LISTEN`/`NOTIFY` on a PostgreSQL database; otherwise Redis
    /// pub/sub when `throttle.backend = "redis"`; otherwise none (one instance).
    #[default]
    Auto,
    /// `LISTEN`/`NOTIFY` on the PostgreSQL database.
    Postgres,
    /// Pub/sub on `throttle.redis_url`, channel `<throttle.redis_prefix>:revocations`.
    Redis,
    /// None: other instances honour a revocation within `credential_cache_ttl`.
    Off,
}

/// The built-in permissions `default_permission` can name, written as their types.
///
/// ```
/// use auth_runtime::settings::DefaultPermission;
/// let p: DefaultPermission = serde_json::from_str("\"AllowAny\"").unwrap();
/// assert_eq!(p, DefaultPermission::AllowAny);
/// assert!(serde_json::from_str::<DefaultPermission>("\"IsOwner\"").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DefaultPermission {
    /// [`IsAuthenticated`](crate::permission::IsAuthenticated) (DRF's default is `AllowAny`; ours
    /// denies by default).
    #[default]
    IsAuthenticated,
    /// [`IsAdmin`](crate::permission::IsAdmin).
    IsAdmin,
    /// [`IsAuthenticatedOrReadOnly`](crate::permission::IsAuthenticatedOrReadOnly).
    IsAuthenticatedOrReadOnly,
    /// [`AllowAny`](crate::permission::AllowAny).
    AllowAny,
}

impl DefaultPermission {
    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultPermission::IsAuthenticated => "IsAuthenticated",
            DefaultPermission::IsAdmin => "IsAdmin",
            DefaultPermission::IsAuthenticatedOrReadOnly => "IsAuthenticatedOrReadOnly",
            DefaultPermission::AllowAny => "AllowAny",
        }
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("invalid settings: {0}")]
pub struct SettingsError(String);

impl SettingsError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl Settings {
    /// Defaults, then `file` if given (it must exist), then `AUTH_*` environment
    /// variables (`__` separates sections: `AUTH_SESSION__COOKIE_SECURE=true`).
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::load_over(Settings::default(), file)
    }

    /// Like [`Settings::load`], over an application's own defaults instead of the
    /// framework's.
    pub fn load_over(base: Settings, file: Option<&Path>) -> Result<Self, SettingsError> {
        let mut fig = Figment::from(Serialized::defaults(base));
        if let Some(path) = file {
            if !path.exists() {
                return Err(SettingsError(format!("{} does not exist", path.display())));
            }
            fig = fig.merge(Toml::file(path));
        }
        let s: Settings = fig
            .merge(Env::prefixed("AUTH_").split("__"))
            .extract()
            .map_err(|e| SettingsError(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    /// Checks what the types cannot say: values that would only fail later, at the
    /// first request.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let jwt = &self.jwt;
        if [
            jwt.access_token_lifetime,
            jwt.refresh_token_lifetime,
            jwt.sliding_token_lifetime,
            jwt.sliding_token_refresh_lifetime,
        ]
        .contains(&0)
        {
            return Err(SettingsError("token lifetimes must be positive".into()));
        }
        if let Some(k) = &self.secret_key {
            if k.len() < 32 {
                return Err(SettingsError(
                    "secret_key must be at least 32 characters".into(),
                ));
            }
        }
        let keyword = &self.token.keyword;
        if keyword.is_empty() || !keyword.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(SettingsError(
                "token.keyword must be a single word of letters and digits".into(),
            ));
        }
        self.oauth2.validate()?;
        if !(0..=19).contains(&self.password.hash_thread_nice) {
            return Err(SettingsError(
                "password.hash_thread_nice must be between 0 and 19".into(),
            ));
        }
        if self.default_schemes.is_empty() {
            return Err(SettingsError(
                "default_schemes is empty; name at least one scheme".into(),
            ));
        }
        for name in &self.default_schemes {
            if auth_grammar::schemes::builtin(name).is_none() {
                let known: Vec<_> = auth_grammar::schemes::BUILTIN
                    .iter()
                    .map(|b| b.name)
                    .collect();
                return Err(SettingsError(format!(
                    "default_schemes: unknown scheme `{name}`; expected one of {known:?}"
                )));
            }
        }
        Ok(())
    }
}
