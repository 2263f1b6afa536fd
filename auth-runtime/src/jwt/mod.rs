//! JSON Web Tokens with simplejwt's semantics and more: access/refresh pairs, refresh
//! with rotation and blacklist-after-rotation, verify, blacklist (JWT logout), sliding
//! tokens, custom claims, HMAC and asymmetric algorithms with a published JWKS, and
//! revocation of every token of a user whose password changes or who is deactivated.

mod issue;
mod keys;
mod verified;
mod verify;

use std::sync::Arc;

use jsonwebtoken::{jwk::JwkSet, Algorithm, Header, Validation};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{
    error::AuthError,
    principal::User,
    settings::{JwtSettings, SettingsError},
    store::StoreError,
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

/// An access/refresh pair, as the obtain view returns it (simplejwt's
/// `TokenObtainPairView`).
#[derive(Debug, Clone, Serialize, poem_openapi::Object)]
pub struct TokenPair {
    /// The refresh token.
    pub refresh: String,
    /// The access token.
    pub access: String,
}

/// What a refresh returns: a new access token, and a new refresh token when rotating.
#[derive(Debug, Clone, Serialize, poem_openapi::Object)]
pub struct Refreshed {
    /// The new access token.
    pub access: String,
    /// The new refresh token (rotation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
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

/// A token error answers as simplejwt's views do (`?` in a handler of your own):
/// 401 `{"detail", "code": "token_not_valid"}`, or 503 when the store failed.
///
/// ```
/// use auth_runtime::jwt::TokenError;
/// use poem::{error::ResponseError, http::StatusCode};
/// assert_eq!(TokenError::Expired.status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(TokenError::Unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
/// ```
impl poem::error::ResponseError for TokenError {
    fn status(&self) -> poem::http::StatusCode {
        AuthError::from(*self).status()
    }

    fn as_response(&self) -> poem::Response {
        AuthError::from(*self).as_response()
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

/// Issues and verifies tokens. Built by [`AuthContext`](crate::context::AuthContext) from
/// [`JwtSettings`]; reach it with `ctx.jwt()`.
pub struct JwtService {
    settings: JwtSettings,
    keys: keys::Keys,
    header: Header,
    validation: Validation,
    /// For sliding tokens, whose `exp` may have passed when they are refreshed.
    validation_any_exp: Validation,
    claims_hook: Option<ClaimsHook>,
    /// `jwt.auth_token_types`, as the `token_type` claim spells them.
    auth_types: Vec<&'static str>,
    /// Tokens already verified (see [`verified`]); `None` when turned off.
    verified: Option<verified::VerifiedCache>,
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
        // A configured issuer or audience is required, not only checked when present:
        // jsonwebtoken skips the comparison for a token that lacks the claim.
        let mut required = vec!["exp"];
        if settings.issuer.is_some() {
            required.push("iss");
        }
        if settings.audience.is_some() {
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
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
            auth_types: settings
                .auth_token_types
                .iter()
                .map(|t| t.as_str())
                .collect(),
            verified: verified::VerifiedCache::new(settings.verified_cache_size, settings.leeway),
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
/// assert!(!looks_like_jwt(".a.b") && !looks_like_jwt("a.b") && !looks_like_jwt("a.b.c.d"));
/// assert!(!looks_like_jwt("a.b c.d"));
/// ```
pub fn looks_like_jwt(token: &str) -> bool {
    // One pass over the bytes with a table: this runs on every bearer request.
    let mut dots = [0usize; 2];
    let mut seen = 0;
    for (i, &b) in token.as_bytes().iter().enumerate() {
        match JWT_BYTES[usize::from(b)] {
            Byte::Base64Url => {}
            Byte::Dot if seen < 2 => {
                dots[seen] = i;
                seen += 1;
            }
            Byte::Dot | Byte::Other => return false,
        }
    }
    // Header and payload non-empty; the signature may be empty (`alg: none`).
    seen == 2 && dots[0] > 0 && dots[1] > dots[0] + 1
}

/// What a byte may be in a JWS compact token.
#[derive(Clone, Copy)]
enum Byte {
    Base64Url,
    Dot,
    Other,
}

const JWT_BYTES: [Byte; 256] = {
    let mut table = [Byte::Other; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'=' {
            table[b] = Byte::Base64Url;
        } else if c == b'.' {
            table[b] = Byte::Dot;
        }
        b += 1;
    }
    table
};
