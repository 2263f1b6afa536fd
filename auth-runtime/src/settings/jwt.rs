//! JSON Web Tokens: simplejwt's `SIMPLE_JWT`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A JWT signing algorithm (`jwt.algorithm`), written as in the `alg` header.
///
/// ```
/// use auth_runtime::settings::Algorithm;
/// let a: Algorithm = serde_json::from_str("\"ES256\"").unwrap();
/// assert!(!a.is_hmac() && Algorithm::HS512.is_hmac());
/// assert!(serde_json::from_str::<Algorithm>("\"none\"").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algorithm {
    /// HMAC with SHA-256 and the server secret (simplejwt's default).
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256.
    ES256,
    /// ECDSA on P-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

impl Algorithm {
    /// Whether it signs with a shared secret rather than a key pair.
    pub fn is_hmac(self) -> bool {
        matches!(self, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    }
}

/// A kind of JWT (the `token_type` claim) that may authenticate requests.
///
/// ```
/// use auth_runtime::settings::TokenType;
/// assert_eq!(TokenType::Sliding.as_str(), "sliding");
/// assert_eq!(serde_json::to_string(&TokenType::Access).unwrap(), "\"access\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenType {
    /// Short-lived tokens obtained with a refresh token.
    Access,
    /// Sliding tokens, which authenticate and are refreshed themselves.
    Sliding,
}

impl TokenType {
    /// The value of the `token_type` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Sliding => "sliding",
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
    /// `ALGORITHM` (default `HS256`).
    pub algorithm: Algorithm,
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
    pub auth_token_types: Vec<TokenType>,
    /// Every token carries the user's `auth_version`; a password change or a
    /// deactivation bumps it, so older tokens stop working at once (simplejwt's
    /// revoke-on-password-change, on by default here).
    pub revoke_on_password_change: bool,
    /// How many distinct tokens this process remembers having verified (signature,
    /// algorithm, issuer, audience, type), so that a token seen again costs a digest
    /// and a lookup instead of a signature check and a JSON parse. Expiry, the
    /// blacklist and the user's `auth_version` are still checked on every request; an
    /// entry goes when its token expires. `0` verifies every request in full.
    pub verified_cache_size: u64,
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
            algorithm: Algorithm::HS256,
            signing_key: None,
            signing_key_file: None,
            verifying_key: None,
            verifying_key_file: None,
            key_id: None,
            issuer: None,
            audience: None,
            leeway: 0,
            auth_header_types: vec!["Bearer".into()],
            auth_token_types: vec![TokenType::Access],
            revoke_on_password_change: true,
            verified_cache_size: 10_000,
        }
    }
}
