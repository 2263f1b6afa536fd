//! JSON Web Tokens with simplejwt's semantics and more: access/refresh pairs, refresh
//! with rotation and blacklist-after-rotation, verify, blacklist (JWT logout), sliding
//! tokens, custom claims, HMAC and asymmetric algorithms with a published JWKS, and
//! revocation of every token of a user whose password changes or who is deactivated.

mod keys;

use std::sync::Arc;

use jsonwebtoken::{decode, encode, errors::ErrorKind, jwk::JwkSet, Algorithm, Header, Validation};
use serde::Serialize;
use serde_json::{json, Map, Value};

pub use self::keys::ALGORITHMS;
use crate::{
    error::AuthError,
    principal::User,
    secret,
    settings::{JwtSettings, SettingsError},
    store::{now, Store, StoreError},
};

/// simplejwt's `TOKEN_TYPE_CLAIM`.
pub const TOKEN_TYPE_CLAIM: &str = "token_type";
/// simplejwt's `USER_ID_CLAIM`.
pub const USER_ID_CLAIM: &str = "user_id";
/// simplejwt's `SLIDING_TOKEN_REFRESH_EXP_CLAIM`.
pub const REFRESH_EXP_CLAIM: &str = "refresh_exp";
/// The user's `auth_version` when the token was issued; a token whose version is
/// behind the user's was issued before a password change or a deactivation.
pub const VERSION_CLAIM: &str = "ver";

/// Claims the framework sets itself; a [`ClaimsHook`] cannot replace them.
const RESERVED: &[&str] = &[
    TOKEN_TYPE_CLAIM,
    USER_ID_CLAIM,
    REFRESH_EXP_CLAIM,
    VERSION_CLAIM,
    "exp",
    "iat",
    "nbf",
    "jti",
    "iss",
    "aud",
];

/// Adds claims of the application's own to every token issued for a user (what
/// simplejwt users do by overriding `TokenObtainPairSerializer.get_token`).
///
/// ```
/// use auth_runtime::jwt::ClaimsHook;
/// let hook: ClaimsHook = std::sync::Arc::new(|user, claims| {
///     claims.insert("name".into(), user.username.clone().into());
/// });
/// # let _ = hook;
/// ```
pub type ClaimsHook = Arc<dyn Fn(&User, &mut Map<String, Value>) + Send + Sync>;

/// An access/refresh pair, as `POST /api/token/` returns it.
#[derive(Debug, Clone, Serialize)]
pub struct TokenPair {
    /// The refresh token.
    pub refresh: String,
    /// The access token.
    pub access: String,
}

/// What a refresh returns: a new access token, and a new refresh token when rotating.
#[derive(Debug, Clone, Serialize)]
pub struct Refreshed {
    /// The new access token.
    pub access: String,
    /// The new refresh token (rotation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
}

/// Why a token was refused. Every variant but `Unavailable` answers 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, malformed, wrong algorithm, missing claims, wrong issuer/audience.
    #[error("Token is invalid")]
    Invalid,
    /// `exp` (or a sliding token's `refresh_exp`) has passed.
    #[error("Token is expired")]
    Expired,
    /// An access token where a refresh token is expected, or the reverse.
    #[error("Token has wrong type")]
    WrongType,
    /// A blacklisted (logged out or rotated) token.
    #[error("Token is blacklisted")]
    Blacklisted,
    /// The user behind the token is gone or inactive.
    #[error("No active account found for the given token.")]
    NoActiveAccount,
    /// Issued before the user's password changed (or the account was deactivated).
    #[error("The user's password has been changed.")]
    PasswordChanged,
    /// The store could not answer.
    #[error("authentication backend unavailable")]
    Unavailable,
}

impl From<StoreError> for TokenError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "token store failed");
        TokenError::Unavailable
    }
}

impl From<TokenError> for AuthError {
    /// The body of simplejwt's token views: `{"detail", "code": "token_not_valid"}`.
    fn from(e: TokenError) -> Self {
        let code = match e {
            TokenError::Unavailable => return AuthError::Unavailable,
            TokenError::NoActiveAccount => "no_active_account",
            _ => "token_not_valid",
        };
        AuthError::failed(e.to_string(), code)
    }
}

impl TokenError {
    /// The body JWT authentication sends (simplejwt's `InvalidToken` with `messages`).
    pub(crate) fn into_auth_error(self) -> AuthError {
        if self == TokenError::Unavailable {
            return AuthError::Unavailable;
        }
        AuthError::failed(
            "Given token not valid for any token type",
            "token_not_valid",
        )
        .with_extra(json!({ "messages": [{
            "token_class": "AccessToken",
            "token_type": "access",
            "message": self.to_string(),
        }]}))
    }
}

/// Issues and verifies tokens. Built by [`AuthContext`](crate::AuthContext) from
/// [`JwtSettings`]; reach it with `ctx.jwt()`.
pub struct JwtService {
    settings: JwtSettings,
    keys: keys::Keys,
    header: Header,
    validation: Validation,
    /// For sliding tokens, whose `exp` may have passed when they are refreshed.
    validation_any_exp: Validation,
    claims_hook: Option<ClaimsHook>,
}

impl std::fmt::Debug for JwtService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtService")
            .field("algorithm", &self.keys.algorithm)
            .finish_non_exhaustive()
    }
}

fn seconds(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

fn str_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn int_claim(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims.get(name).and_then(Value::as_i64)
}

/// A valid token's identity: its id, expiry, user and version.
struct Parsed {
    claims: Map<String, Value>,
    jti: String,
    exp: i64,
    user_id: i64,
}

impl JwtService {
    /// A service for `settings`; `secret` is the HMAC key when `signing_key` is not
    /// set. Fails on an unknown algorithm or an unreadable key.
    pub fn new(
        settings: &JwtSettings,
        secret: &str,
        claims_hook: Option<ClaimsHook>,
    ) -> Result<Self, SettingsError> {
        let keys = keys::Keys::load(settings, secret)?;
        let mut header = Header::new(keys.algorithm);
        header.kid = keys.kid.clone();
        let mut validation = Validation::new(keys.algorithm);
        validation.leeway = settings.leeway;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        match &settings.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &settings.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let mut validation_any_exp = validation.clone();
        validation_any_exp.validate_exp = false;
        Ok(Self {
            settings: settings.clone(),
            keys,
            header,
            validation,
            validation_any_exp,
            claims_hook,
        })
    }

    /// The algorithm tokens are signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.keys.algorithm
    }

    /// The public keys, for `/.well-known/jwks.json`: one key for an asymmetric
    /// algorithm (with its `kid`), none for HMAC, whose key is secret.
    pub fn jwks(&self) -> &JwkSet {
        &self.keys.jwks
    }

    /// Accepted `Authorization` prefixes (`Bearer`).
    pub fn header_types(&self) -> &[String] {
        &self.settings.auth_header_types
    }

    /// Claims every new token of `token_type` starts from.
    fn claims(
        &self,
        token_type: &str,
        user_id: i64,
        lifetime: u64,
        version: i64,
    ) -> Map<String, Value> {
        let iat = now();
        let mut claims = Map::new();
        claims.insert(TOKEN_TYPE_CLAIM.into(), token_type.into());
        claims.insert("exp".into(), iat.saturating_add(seconds(lifetime)).into());
        claims.insert("iat".into(), iat.into());
        claims.insert("jti".into(), secret::random_hex(16).into());
        claims.insert(USER_ID_CLAIM.into(), user_id.into());
        if self.settings.revoke_on_password_change {
            claims.insert(VERSION_CLAIM.into(), version.into());
        }
        if let Some(iss) = &self.settings.issuer {
            claims.insert("iss".into(), iss.clone().into());
        }
        if let Some(aud) = &self.settings.audience {
            claims.insert("aud".into(), aud.clone().into());
        }
        claims
    }

    /// Copies the application's own claims (anything not reserved) from `from`.
    fn copy_custom(from: &Map<String, Value>, to: &mut Map<String, Value>) {
        for (k, v) in from {
            if !RESERVED.contains(&k.as_str()) {
                to.insert(k.clone(), v.clone());
            }
        }
    }

    /// The hook's claims for `user`, minus any reserved name it tried to set.
    fn custom_claims(&self, user: &User) -> Map<String, Value> {
        let mut custom = Map::new();
        if let Some(hook) = &self.claims_hook {
            hook(user, &mut custom);
        }
        custom.retain(|k, _| !RESERVED.contains(&k.as_str()));
        custom
    }

    fn sign(&self, claims: &Map<String, Value>) -> Result<String, TokenError> {
        encode(&self.header, claims, &self.keys.encoding).map_err(|e| {
            tracing::error!(error = %e, "signing a token failed");
            TokenError::Unavailable
        })
    }

    async fn version_of(&self, store: &Store, user_id: i64) -> Result<i64, TokenError> {
        match store.user_with_version(user_id).await? {
            Some((user, version)) if user.is_active => Ok(version),
            _ => Err(TokenError::NoActiveAccount),
        }
    }

    /// A signed refresh token for `user`, recorded as outstanding.
    async fn new_refresh(
        &self,
        store: &Store,
        user_id: i64,
        version: i64,
        custom: &Map<String, Value>,
    ) -> Result<String, TokenError> {
        let mut claims = self.claims(
            "refresh",
            user_id,
            self.settings.refresh_token_lifetime,
            version,
        );
        Self::copy_custom(custom, &mut claims);
        let (jti, exp) = (str_claim(&claims, "jti"), int_claim(&claims, "exp"));
        if let (Some(jti), Some(exp)) = (jti, exp) {
            store.add_outstanding(jti, user_id, exp).await?;
        }
        self.sign(&claims)
    }

    fn new_access(
        &self,
        user_id: i64,
        version: i64,
        custom: &Map<String, Value>,
    ) -> Result<String, TokenError> {
        let mut claims = self.claims(
            "access",
            user_id,
            self.settings.access_token_lifetime,
            version,
        );
        Self::copy_custom(custom, &mut claims);
        self.sign(&claims)
    }

    /// Issues a pair for a user whose credentials were checked (simplejwt's
    /// `TokenObtainPairView`). The refresh token is recorded as outstanding.
    pub async fn obtain_pair(&self, store: &Store, user: &User) -> Result<TokenPair, TokenError> {
        let version = self.version_of(store, user.id).await?;
        let custom = self.custom_claims(user);
        let refresh = self.new_refresh(store, user.id, version, &custom).await?;
        let access = self.new_access(user.id, version, &custom)?;
        if self.settings.update_last_login {
            store.touch_last_login(user.id).await?;
        }
        Ok(TokenPair { refresh, access })
    }

    /// Issues a sliding token (simplejwt's `TokenObtainSlidingView`): one token that
    /// authenticates until `exp` and can be refreshed until `refresh_exp`.
    pub async fn obtain_sliding(&self, store: &Store, user: &User) -> Result<String, TokenError> {
        let version = self.version_of(store, user.id).await?;
        let mut claims = self.claims(
            "sliding",
            user.id,
            self.settings.sliding_token_lifetime,
            version,
        );
        let refresh_exp =
            now().saturating_add(seconds(self.settings.sliding_token_refresh_lifetime));
        claims.insert(REFRESH_EXP_CLAIM.into(), refresh_exp.into());
        Self::copy_custom(&self.custom_claims(user), &mut claims);
        if let Some(jti) = str_claim(&claims, "jti") {
            store.add_outstanding(jti, user.id, refresh_exp).await?;
        }
        if self.settings.update_last_login {
            store.touch_last_login(user.id).await?;
        }
        self.sign(&claims)
    }

    /// Verifies signature, algorithm, expiry, issuer, audience and the token type.
    /// Returns the claims. Does not consult the store.
    pub fn decode(&self, token: &str, types: &[&str]) -> Result<Map<String, Value>, TokenError> {
        self.parse(token, types, &self.validation).map(|p| p.claims)
    }

    fn parse(
        &self,
        token: &str,
        types: &[&str],
        validation: &Validation,
    ) -> Result<Parsed, TokenError> {
        let data =
            decode::<Map<String, Value>>(token, &self.keys.decoding, validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                }
            })?;
        let claims = data.claims;
        let token_type = str_claim(&claims, TOKEN_TYPE_CLAIM).ok_or(TokenError::Invalid)?;
        if !types.is_empty() && !types.contains(&token_type) {
            return Err(TokenError::WrongType);
        }
        let jti = str_claim(&claims, "jti")
            .ok_or(TokenError::Invalid)?
            .to_owned();
        let exp = int_claim(&claims, "exp").ok_or(TokenError::Invalid)?;
        let user_id = int_claim(&claims, USER_ID_CLAIM).ok_or(TokenError::Invalid)?;
        Ok(Parsed {
            claims,
            jti,
            exp,
            user_id,
        })
    }

    /// Fails unless the token's user is active and the token is not older than the
    /// user's last password change or deactivation.
    async fn check_user(&self, store: &Store, parsed: &Parsed) -> Result<User, TokenError> {
        let Some((user, version)) = store.user_with_version(parsed.user_id).await? else {
            return Err(TokenError::NoActiveAccount);
        };
        if !user.is_active {
            return Err(TokenError::NoActiveAccount);
        }
        if self.settings.revoke_on_password_change
            && int_claim(&parsed.claims, VERSION_CLAIM).unwrap_or(0) != version
        {
            return Err(TokenError::PasswordChanged);
        }
        Ok(user)
    }

    async fn check_not_blacklisted(&self, store: &Store, jti: &str) -> Result<(), TokenError> {
        if store.is_blacklisted(jti).await? {
            return Err(TokenError::Blacklisted);
        }
        Ok(())
    }

    /// simplejwt's `JWTAuthentication`: the user and claims of a token of one of
    /// `jwt.auth_token_types`. One query: the user row, which also tells whether the
    /// token was revoked by a password change. Sliding tokens are also checked
    /// against the blacklist.
    pub async fn authenticate(
        &self,
        store: &Store,
        token: &str,
    ) -> Result<(User, Map<String, Value>), TokenError> {
        let types: Vec<&str> = self
            .settings
            .auth_token_types
            .iter()
            .map(String::as_str)
            .collect();
        let parsed = self.parse(token, &types, &self.validation)?;
        if str_claim(&parsed.claims, TOKEN_TYPE_CLAIM) == Some("sliding") {
            self.check_not_blacklisted(store, &parsed.jti).await?;
        }
        let user = self.check_user(store, &parsed).await?;
        Ok((user, parsed.claims))
    }

    /// simplejwt's `TokenRefreshView`: a new access token; with rotation a new refresh
    /// token too, and with blacklist-after-rotation the old one is blacklisted
    /// atomically, so of N concurrent refreshes of one token exactly one succeeds.
    pub async fn refresh(&self, store: &Store, token: &str) -> Result<Refreshed, TokenError> {
        let parsed = self.parse(token, &["refresh"], &self.validation)?;
        self.check_not_blacklisted(store, &parsed.jti).await?;
        self.check_user(store, &parsed).await?;
        let version = int_claim(&parsed.claims, VERSION_CLAIM).unwrap_or(0);
        let access = self.new_access(parsed.user_id, version, &parsed.claims)?;
        if !self.settings.rotate_refresh_tokens {
            return Ok(Refreshed {
                access,
                refresh: None,
            });
        }
        if self.settings.blacklist_after_rotation
            && !store.blacklist(&parsed.jti, parsed.exp).await?
        {
            return Err(TokenError::Blacklisted);
        }
        let refresh = self
            .new_refresh(store, parsed.user_id, version, &parsed.claims)
            .await?;
        Ok(Refreshed {
            access,
            refresh: Some(refresh),
        })
    }

    /// simplejwt's `TokenRefreshSlidingView`: the same sliding token with a new `exp`,
    /// as long as its `refresh_exp` has not passed.
    pub async fn refresh_sliding(&self, store: &Store, token: &str) -> Result<String, TokenError> {
        let mut parsed = self.parse(token, &["sliding"], &self.validation_any_exp)?;
        let refresh_exp =
            int_claim(&parsed.claims, REFRESH_EXP_CLAIM).ok_or(TokenError::Invalid)?;
        if refresh_exp <= now() {
            return Err(TokenError::Expired);
        }
        self.check_not_blacklisted(store, &parsed.jti).await?;
        self.check_user(store, &parsed).await?;
        let iat = now();
        let exp = iat.saturating_add(seconds(self.settings.sliding_token_lifetime));
        parsed.claims.insert("iat".into(), iat.into());
        parsed
            .claims
            .insert("exp".into(), exp.min(refresh_exp).into());
        self.sign(&parsed.claims)
    }

    /// simplejwt's `TokenVerifyView`: any valid token. A blacklisted one is invalid,
    /// and so is one revoked by a password change.
    pub async fn verify(&self, store: &Store, token: &str) -> Result<(), TokenError> {
        let parsed = self.parse(token, &[], &self.validation)?;
        self.check_not_blacklisted(store, &parsed.jti).await?;
        if self.settings.revoke_on_password_change {
            self.check_user(store, &parsed).await?;
        }
        Ok(())
    }

    /// simplejwt's `TokenBlacklistView` (JWT logout): blacklists a refresh or sliding
    /// token.
    pub async fn blacklist(&self, store: &Store, token: &str) -> Result<(), TokenError> {
        let parsed = self.parse(token, &["refresh", "sliding"], &self.validation_any_exp)?;
        let until = int_claim(&parsed.claims, REFRESH_EXP_CLAIM).unwrap_or(parsed.exp);
        if until <= now() {
            return Err(TokenError::Expired);
        }
        if !store.blacklist(&parsed.jti, until).await? {
            return Err(TokenError::Blacklisted);
        }
        Ok(())
    }
}

/// Whether `token` has the shape of a JWS compact token: three base64url segments, the
/// first two non-empty (the signature is empty in an unsecured `alg: none` token, which
/// the JWT scheme must claim in order to refuse it). The JWT scheme claims such tokens
/// and leaves any other bearer token to later schemes (this server's OAuth2 tokens are
/// one base64url segment, no dots). A cheap check: it runs on every bearer request.
///
/// ```
/// use auth_runtime::jwt::looks_like_jwt;
/// assert!(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln"));
/// assert!(!looks_like_jwt("M_vsGWvFRWhOeV_M7dA6fsx3X40cQY1lqpFmbLokw5I"));
/// assert!(looks_like_jwt("eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.")); // alg: none, refused later
/// assert!(!looks_like_jwt("a..b"));
/// ```
pub fn looks_like_jwt(token: &str) -> bool {
    let base64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    let mut parts = token.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(h), Some(p), Some(s), None)
            if !h.is_empty() && !p.is_empty() && base64url(h) && base64url(p) && base64url(s)
    )
}
