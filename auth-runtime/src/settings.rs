//! One settings type with production defaults, loaded from a TOML file and
//! `AUTH_`-prefixed environment variables (`AUTH_JWT__ACCESS_TOKEN_LIFETIME=60`).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use serde::{Deserialize, Serialize};

/// Everything the framework can be told. Every field has a default; a file and the
/// environment override them, in that order.
///
/// ```
/// use auth_runtime::Settings;
/// let s = Settings::default();
/// assert_eq!(s.jwt.access_token_lifetime, 300);
/// assert_eq!(s.jwt.algorithm, "HS256");
/// assert_eq!(s.session.cookie_samesite, "Lax");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Server secret for HS* JWT signatures, cookie signatures and CSRF tokens. When
    /// absent, a random one is generated once and kept in the database, so that every
    /// instance sharing the database agrees on it.
    pub secret_key: Option<String>,
    /// The default chain for `#[authenticated]` with no list (DRF's
    /// `DEFAULT_AUTHENTICATION_CLASSES`), by scheme name.
    pub default_schemes: Vec<String>,
    /// How long, in seconds, this process may reuse a credential lookup (user, session,
    /// API token, OAuth2 token) without asking the database. Revocations made by this
    /// process apply at once; those made by another process sharing the database apply
    /// within this delay. `0` asks the database every time.
    pub credential_cache_ttl: u64,
    /// The permission of operations that declare `#[authenticated]` but no
    /// `#[permission(...)]` (DRF's `DEFAULT_PERMISSION_CLASSES`): `IsAuthenticated`
    /// (default), `IsAdmin`, `IsAuthenticatedOrReadOnly` or `AllowAny`.
    pub default_permission: String,
    /// JSON Web Tokens (simplejwt's `SIMPLE_JWT`).
    pub jwt: JwtSettings,
    /// Server-side sessions and their cookie.
    pub session: SessionSettings,
    /// DRF-style API tokens.
    pub token: TokenSettings,
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
            default_schemes: vec!["session".into(), "jwt".into()],
            default_permission: "IsAuthenticated".into(),
            credential_cache_ttl: 5,
            jwt: JwtSettings::default(),
            session: SessionSettings::default(),
            token: TokenSettings::default(),
            oauth2: OAuth2Settings::default(),
            throttle: ThrottleSettings::default(),
            password: PasswordSettings::default(),
        }
    }
}

/// simplejwt's settings, same names and defaults (lifetimes in seconds), plus keys
/// from files and revocation on password change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// `ACCESS_TOKEN_LIFETIME` (default 5 minutes).
    pub access_token_lifetime: u64,
    /// `REFRESH_TOKEN_LIFETIME` (default 1 day).
    pub refresh_token_lifetime: u64,
    /// `SLIDING_TOKEN_LIFETIME`: how long a sliding token authenticates (5 minutes).
    pub sliding_token_lifetime: u64,
    /// `SLIDING_TOKEN_REFRESH_LIFETIME`: how long it can be refreshed (1 day).
    pub sliding_token_refresh_lifetime: u64,
    /// `ROTATE_REFRESH_TOKENS`: refresh also returns a new refresh token.
    pub rotate_refresh_tokens: bool,
    /// `BLACKLIST_AFTER_ROTATION`: a rotated refresh token is blacklisted at once.
    pub blacklist_after_rotation: bool,
    /// `UPDATE_LAST_LOGIN` on token obtain.
    pub update_last_login: bool,
    /// `ALGORITHM`: `HS256` (default), `HS384`, `HS512`, `RS256`, `RS384`, `RS512`,
    /// `PS256`, `PS384`, `PS512`, `ES256`, `ES384` or `EdDSA`.
    pub algorithm: String,
    /// `SIGNING_KEY`: the HMAC secret (defaults to [`Settings::secret_key`]), or for
    /// the asymmetric algorithms a PEM private key (PKCS#8 for EC and Ed25519).
    pub signing_key: Option<String>,
    /// A file holding `signing_key`.
    pub signing_key_file: Option<PathBuf>,
    /// `VERIFYING_KEY`: the PEM public key; derived from the private key when absent.
    pub verifying_key: Option<String>,
    /// A file holding `verifying_key`.
    pub verifying_key_file: Option<PathBuf>,
    /// The `kid` header; defaults to the key's RFC 7638 thumbprint for asymmetric keys.
    pub key_id: Option<String>,
    /// `ISSUER`: set as `iss` and required on verification when present.
    pub issuer: Option<String>,
    /// `AUDIENCE`: set as `aud` and required on verification when present.
    pub audience: Option<String>,
    /// `LEEWAY` in seconds for `exp`/`nbf`.
    pub leeway: u64,
    /// `AUTH_HEADER_TYPES`: accepted `Authorization` prefixes.
    pub auth_header_types: Vec<String>,
    /// `AUTH_TOKEN_CLASSES`: token types that authenticate requests: `access`
    /// (default) and/or `sliding`.
    pub auth_token_types: Vec<String>,
    /// Every token carries the user's `auth_version`; a password change or a
    /// deactivation bumps it, so older tokens stop working at once (simplejwt's
    /// revoke-on-password-change, on by default here).
    pub revoke_on_password_change: bool,
}

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            access_token_lifetime: 5 * 60,
            refresh_token_lifetime: 24 * 60 * 60,
            sliding_token_lifetime: 5 * 60,
            sliding_token_refresh_lifetime: 24 * 60 * 60,
            rotate_refresh_tokens: false,
            blacklist_after_rotation: false,
            update_last_login: false,
            algorithm: "HS256".into(),
            signing_key: None,
            signing_key_file: None,
            verifying_key: None,
            verifying_key_file: None,
            key_id: None,
            issuer: None,
            audience: None,
            leeway: 0,
            auth_header_types: vec!["Bearer".into()],
            auth_token_types: vec!["access".into()],
            revoke_on_password_change: true,
        }
    }
}

/// How unsafe requests of session-authenticated callers are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CsrfMode {
    /// Refuse what the browser marks as cross-origin (`Sec-Fetch-Site`, else `Origin`
    /// against `Host` and the trusted origins), like Go's `http.CrossOriginProtection`.
    /// Non-browser clients need no token.
    #[default]
    Origin,
    /// The origin check and, in addition, an `X-CSRFToken` header matching the
    /// `csrftoken` cookie set at login.
    Strict,
}

/// The session cookie and CSRF protection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Session lifetime in seconds (Django's `SESSION_COOKIE_AGE`, two weeks).
    pub cookie_age: u64,
    /// Send the cookie over HTTPS only. Off by default so the demo works on plain
    /// `http://127.0.0.1`; turn it on in production.
    pub cookie_secure: bool,
    /// `SameSite`: `Lax` (default), `Strict` or `None`.
    pub cookie_samesite: String,
    /// Cookie `Domain`, when it must be shared with subdomains.
    pub cookie_domain: Option<String>,
    /// CSRF protection mode.
    pub csrf_mode: CsrfMode,
    /// Origins (`https://app.example.com`) allowed to make cross-origin unsafe requests
    /// (Django's `CSRF_TRUSTED_ORIGINS`).
    pub trusted_origins: Vec<String>,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            cookie_age: 14 * 24 * 60 * 60,
            cookie_secure: false,
            cookie_samesite: "Lax".into(),
            cookie_domain: None,
            csrf_mode: CsrfMode::Origin,
            trusted_origins: Vec::new(),
        }
    }
}

/// DRF-style API tokens (`Authorization: Token <key>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    /// The `Authorization` keyword (DRF's `TokenAuthentication.keyword`).
    pub keyword: String,
    /// Lifetime in seconds of tokens issued by the token endpoint; none means they
    /// never expire (DRF's behaviour).
    pub lifetime: Option<u64>,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            keyword: "Token".into(),
            lifetime: None,
        }
    }
}

/// The OAuth2 authorization server (django-oauth-toolkit's `OAUTH2_PROVIDER`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuth2Settings {
    /// `ACCESS_TOKEN_EXPIRE_SECONDS` (DOT's default: 36000).
    pub access_token_lifetime: u64,
    /// `REFRESH_TOKEN_EXPIRE_SECONDS`; none means refresh tokens never expire (DOT's
    /// default). Default here: 30 days.
    pub refresh_token_lifetime: Option<u64>,
    /// `AUTHORIZATION_CODE_EXPIRE_SECONDS` (60).
    pub authorization_code_lifetime: u64,
    /// `SCOPES`: every scope and its description, shown on the consent page.
    pub scopes: BTreeMap<String, String>,
    /// `DEFAULT_SCOPES`: granted when a request names none.
    pub default_scopes: Vec<String>,
    /// `ROTATE_REFRESH_TOKEN`: a refresh returns a new refresh token and spends the
    /// old one; reusing a spent one revokes the whole authorization.
    pub rotate_refresh_tokens: bool,
    /// Accept PKCE's `plain` method besides `S256` (off: OAuth 2.1).
    pub allow_plain_pkce: bool,
    /// The issuer in `/.well-known/oauth-authorization-server`; by default the
    /// scheme and host of the request.
    pub issuer: Option<String>,
    /// Where `/o/authorize/` sends a user who is not logged in.
    pub login_url: String,
}

impl Default for OAuth2Settings {
    fn default() -> Self {
        Self {
            access_token_lifetime: 36_000,
            refresh_token_lifetime: Some(30 * 24 * 60 * 60),
            authorization_code_lifetime: 60,
            scopes: BTreeMap::from([
                ("read".to_owned(), "Reading scope".to_owned()),
                ("write".to_owned(), "Writing scope".to_owned()),
                (
                    "introspection".to_owned(),
                    "Introspect other tokens".to_owned(),
                ),
            ]),
            default_scopes: vec!["read".into(), "write".into()],
            rotate_refresh_tokens: true,
            allow_plain_pkce: false,
            issuer: None,
            login_url: "/o/login/".into(),
        }
    }
}

/// Throttling (DRF's `DEFAULT_THROTTLE_RATES`, `NUM_PROXIES`) and brute-force
/// protection of password checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleSettings {
    /// `memory` (this process) or `redis` (shared by every instance).
    pub backend: String,
    /// The Redis server for `backend = "redis"`.
    pub redis_url: String,
    /// Prefix of the Redis keys, so that several applications (or test runs) can share
    /// a server.
    pub redis_prefix: String,
    /// How many proxies in front of the server append to `X-Forwarded-For`; the
    /// client's address is taken that many hops back. None: the peer address (headers
    /// can be forged by anyone when no proxy strips them).
    pub num_proxies: Option<usize>,
    /// Rates that replace those of `#[throttle(...)]`, by name: `anon`, `user`, or a
    /// scope (`uploads = "20/minute"`).
    pub rates: BTreeMap<String, String>,
    /// Failed password checks allowed per username before every attempt is refused
    /// for the rest of the window. None: no limit.
    pub login_failures_per_username: Option<String>,
    /// The same per client address.
    pub login_failures_per_address: Option<String>,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            backend: "memory".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_prefix: "auth".into(),
            num_proxies: None,
            rates: BTreeMap::new(),
            login_failures_per_username: Some("5/15m".into()),
            login_failures_per_address: Some("100/15m".into()),
        }
    }
}

/// argon2id cost and the password validators.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    /// argon2 memory in KiB (OWASP: 19456 = 19 MiB).
    pub argon2_memory_kib: u32,
    /// argon2 iterations (OWASP: 2).
    pub argon2_iterations: u32,
    /// argon2 lanes (OWASP: 1).
    pub argon2_parallelism: u32,
    /// How many hashes may run at once; the rest wait, so a login storm cannot take
    /// every core. Default: half the CPUs, at least one.
    pub max_concurrent_hashes: Option<usize>,
    /// Minimum password length (Django's default: 8).
    pub min_length: usize,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: None,
            min_length: 8,
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

    /// Checks values that would only fail later, at the first request.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !crate::jwt::ALGORITHMS.contains(&self.jwt.algorithm.as_str()) {
            return Err(SettingsError(format!(
                "jwt.algorithm `{}` is not supported; use one of {:?}",
                self.jwt.algorithm,
                crate::jwt::ALGORITHMS
            )));
        }
        for t in &self.jwt.auth_token_types {
            if !matches!(t.as_str(), "access" | "sliding") {
                return Err(SettingsError(format!(
                    "jwt.auth_token_types: unknown type `{t}`; use `access` and/or `sliding`"
                )));
            }
        }
        if self.jwt.sliding_token_lifetime == 0 || self.jwt.sliding_token_refresh_lifetime == 0 {
            return Err(SettingsError("token lifetimes must be positive".into()));
        }
        if !matches!(
            self.session.cookie_samesite.as_str(),
            "Lax" | "Strict" | "None"
        ) {
            return Err(SettingsError(
                "session.cookie_samesite must be Lax, Strict or None".into(),
            ));
        }
        if self.jwt.access_token_lifetime == 0 || self.jwt.refresh_token_lifetime == 0 {
            return Err(SettingsError("token lifetimes must be positive".into()));
        }
        if let Some(k) = &self.secret_key {
            if k.len() < 32 {
                return Err(SettingsError(
                    "secret_key must be at least 32 characters".into(),
                ));
            }
        }
        if !crate::permission::DEFAULT_PERMISSIONS.contains(&self.default_permission.as_str()) {
            return Err(SettingsError(format!(
                "default_permission: unknown permission `{}`; expected one of {:?}",
                self.default_permission,
                crate::permission::DEFAULT_PERMISSIONS
            )));
        }
        if self.token.keyword.is_empty()
            || !self
                .token
                .keyword
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
        {
            return Err(SettingsError(
                "token.keyword must be a single word of letters and digits".into(),
            ));
        }
        for scope in &self.oauth2.default_scopes {
            if !self.oauth2.scopes.contains_key(scope) {
                return Err(SettingsError(format!(
                    "oauth2.default_scopes: `{scope}` is not in oauth2.scopes"
                )));
            }
        }
        for scope in self.oauth2.scopes.keys() {
            let valid = !scope.is_empty()
                && scope
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
            if !valid {
                return Err(SettingsError(format!(
                    "oauth2.scopes: `{scope}` is not a valid scope name (RFC 6749 3.3)"
                )));
            }
        }
        if !self.oauth2.login_url.starts_with('/') {
            return Err(SettingsError(
                "oauth2.login_url must be a path on this server, starting with `/`".into(),
            ));
        }
        if !matches!(self.throttle.backend.as_str(), "memory" | "redis") {
            return Err(SettingsError(
                "throttle.backend must be `memory` or `redis`".into(),
            ));
        }
        let rates = self
            .throttle
            .rates
            .values()
            .chain(&self.throttle.login_failures_per_username)
            .chain(&self.throttle.login_failures_per_address);
        for rate in rates {
            rate.parse::<crate::throttle::Rate>()
                .map_err(|e| SettingsError(format!("throttle: {e}")))?;
        }
        if self.default_schemes.is_empty() {
            return Err(SettingsError(
                "default_schemes is empty; name at least one scheme".into(),
            ));
        }
        for name in &self.default_schemes {
            if !crate::schemes::BUILTIN_NAMES.contains(&name.as_str()) {
                return Err(SettingsError(format!(
                    "default_schemes: unknown scheme `{name}`; expected one of {:?}",
                    crate::schemes::BUILTIN_NAMES
                )));
            }
        }
        Ok(())
    }
}
