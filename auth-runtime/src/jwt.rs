//! JSON Web Tokens with simplejwt's semantics: an access/refresh pair, refresh with
//! optional rotation and blacklist-after-rotation, verify, blacklist (JWT logout).

use jsonwebtoken::{
    decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

use crate::{
    error::AuthError,
    principal::User,
    settings::JwtSettings,
    store::{now, Store, StoreError},
};

/// simplejwt's `TOKEN_TYPE_CLAIM`.
pub const TOKEN_TYPE_CLAIM: &str = "token_type";
/// simplejwt's `USER_ID_CLAIM`.
pub const USER_ID_CLAIM: &str = "user_id";

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

/// Why a token was refused. Every variant answers 401 `token_not_valid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, malformed, wrong algorithm, missing claims, wrong issuer/audience.
    #[error("Token is invalid")]
    Invalid,
    /// `exp` has passed.
    #[error("Token is expired")]
    Expired,
    /// An access token where a refresh token is expected, or the reverse.
    #[error("Token has wrong type")]
    WrongType,
    /// A blacklisted (logged out or rotated) refresh token.
    #[error("Token is blacklisted")]
    Blacklisted,
    /// The user behind the token is gone or inactive.
    #[error("No active account found for the given token.")]
    NoActiveAccount,
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
        match e {
            TokenError::Unavailable => AuthError::Unavailable,
            TokenError::NoActiveAccount => AuthError::AuthenticationFailed {
                detail: e.to_string().into(),
                code: "no_active_account",
                extra: None,
                challenges: Cow::Borrowed(&[]),
            },
            _ => AuthError::AuthenticationFailed {
                detail: e.to_string().into(),
                code: "token_not_valid",
                extra: None,
                challenges: Cow::Borrowed(&[]),
            },
        }
    }
}

impl TokenError {
    /// The body JWT authentication sends (simplejwt's `InvalidToken` with `messages`).
    pub(crate) fn into_auth_error(self) -> AuthError {
        if self == TokenError::Unavailable {
            return AuthError::Unavailable;
        }
        AuthError::AuthenticationFailed {
            detail: "Given token not valid for any token type".into(),
            code: "token_not_valid",
            extra: Some(json!({ "messages": [{
                "token_class": "AccessToken",
                "token_type": "access",
                "message": self.to_string(),
            }]})),
            challenges: Cow::Borrowed(&[]),
        }
    }
}

/// Issues and verifies tokens. Built by [`AuthContext`](crate::AuthContext) from
/// [`JwtSettings`].
pub struct JwtService {
    settings: JwtSettings,
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtService")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn new_jti() -> String {
    let b: [u8; 16] = rand::random();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl JwtService {
    /// A service signing with HMAC and `key` (the algorithm was validated with the
    /// settings; an unknown one falls back to HS256).
    pub fn new(settings: &JwtSettings, key: &[u8]) -> Self {
        let algorithm = match settings.algorithm.as_str() {
            "HS384" => Algorithm::HS384,
            "HS512" => Algorithm::HS512,
            _ => Algorithm::HS256,
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = settings.leeway;
        validation.set_required_spec_claims(&["exp"]);
        match &settings.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &settings.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Self {
            settings: settings.clone(),
            algorithm,
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
        }
    }

    fn sign(
        &self,
        token_type: &str,
        user_id: i64,
        lifetime: u64,
    ) -> Result<(String, String, i64), TokenError> {
        let iat = now();
        let exp = iat.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
        let jti = new_jti();
        let mut claims = json!({
            TOKEN_TYPE_CLAIM: token_type,
            "exp": exp,
            "iat": iat,
            "jti": jti,
            USER_ID_CLAIM: user_id,
        });
        if let Value::Object(m) = &mut claims {
            if let Some(iss) = &self.settings.issuer {
                m.insert("iss".into(), iss.clone().into());
            }
            if let Some(aud) = &self.settings.audience {
                m.insert("aud".into(), aud.clone().into());
            }
        }
        let token = encode(&Header::new(self.algorithm), &claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)?;
        Ok((token, jti, exp))
    }

    /// Signs an access token for a user.
    pub fn access_for(&self, user_id: i64) -> Result<String, TokenError> {
        Ok(self
            .sign("access", user_id, self.settings.access_token_lifetime)?
            .0)
    }

    async fn refresh_for(&self, store: &Store, user_id: i64) -> Result<String, TokenError> {
        let (token, jti, exp) =
            self.sign("refresh", user_id, self.settings.refresh_token_lifetime)?;
        store.add_outstanding(&jti, user_id, exp).await?;
        Ok(token)
    }

    /// Issues a pair for a user whose credentials were checked (simplejwt's
    /// `TokenObtainPairView`). The refresh token is recorded as outstanding.
    pub async fn obtain_pair(&self, store: &Store, user: &User) -> Result<TokenPair, TokenError> {
        let refresh = self.refresh_for(store, user.id).await?;
        let access = self.access_for(user.id)?;
        if self.settings.update_last_login {
            store.touch_last_login(user.id).await?;
        }
        Ok(TokenPair { refresh, access })
    }

    /// Verifies signature, algorithm, expiry, issuer and audience, and the token type
    /// when one is expected. Returns the claims.
    pub fn decode(
        &self,
        token: &str,
        expected_type: Option<&str>,
    ) -> Result<Map<String, Value>, TokenError> {
        let data =
            decode::<Map<String, Value>>(token, &self.decoding, &self.validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                }
            })?;
        let claims = data.claims;
        let token_type = claims
            .get(TOKEN_TYPE_CLAIM)
            .and_then(Value::as_str)
            .ok_or(TokenError::Invalid)?;
        if claims.get("jti").and_then(Value::as_str).is_none() {
            return Err(TokenError::Invalid);
        }
        if expected_type.is_some_and(|t| t != token_type) {
            return Err(TokenError::WrongType);
        }
        Ok(claims)
    }

    fn user_id(claims: &Map<String, Value>) -> Result<i64, TokenError> {
        claims
            .get(USER_ID_CLAIM)
            .and_then(Value::as_i64)
            .ok_or(TokenError::Invalid)
    }

    fn jti_exp(claims: &Map<String, Value>) -> (&str, i64) {
        (
            claims
                .get("jti")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            claims
                .get("exp")
                .and_then(Value::as_i64)
                .unwrap_or_default(),
        )
    }

    /// A valid, non-blacklisted refresh token's claims, with its user still active.
    async fn check_refresh(
        &self,
        store: &Store,
        token: &str,
    ) -> Result<(Map<String, Value>, i64), TokenError> {
        let claims = self.decode(token, Some("refresh"))?;
        let (jti, _) = Self::jti_exp(&claims);
        if store.is_blacklisted(jti).await? {
            return Err(TokenError::Blacklisted);
        }
        let user_id = Self::user_id(&claims)?;
        match store.user_by_id(user_id).await? {
            Some(u) if u.is_active => Ok((claims, user_id)),
            _ => Err(TokenError::NoActiveAccount),
        }
    }

    /// simplejwt's `TokenRefreshView`: a new access token; with rotation a new refresh
    /// token too, and with blacklist-after-rotation the old one is blacklisted
    /// atomically, so of N concurrent refreshes of one token exactly one succeeds.
    pub async fn refresh(&self, store: &Store, token: &str) -> Result<Refreshed, TokenError> {
        let (claims, user_id) = self.check_refresh(store, token).await?;
        let access = self.access_for(user_id)?;
        if !self.settings.rotate_refresh_tokens {
            return Ok(Refreshed {
                access,
                refresh: None,
            });
        }
        if self.settings.blacklist_after_rotation {
            let (jti, exp) = Self::jti_exp(&claims);
            if !store.blacklist(jti, exp).await? {
                return Err(TokenError::Blacklisted);
            }
        }
        let refresh = self.refresh_for(store, user_id).await?;
        Ok(Refreshed {
            access,
            refresh: Some(refresh),
        })
    }

    /// simplejwt's `TokenVerifyView`: any valid token; a blacklisted one is invalid.
    pub async fn verify(&self, store: &Store, token: &str) -> Result<(), TokenError> {
        let claims = self.decode(token, None)?;
        let (jti, _) = Self::jti_exp(&claims);
        if store.is_blacklisted(jti).await? {
            return Err(TokenError::Blacklisted);
        }
        Ok(())
    }

    /// simplejwt's `TokenBlacklistView` (JWT logout): blacklists a refresh token.
    pub async fn blacklist(&self, store: &Store, token: &str) -> Result<(), TokenError> {
        let claims = self.decode(token, Some("refresh"))?;
        let (jti, exp) = Self::jti_exp(&claims);
        if !store.blacklist(jti, exp).await? {
            return Err(TokenError::Blacklisted);
        }
        Ok(())
    }

    /// Accepted `Authorization` prefixes (`Bearer`).
    pub fn header_types(&self) -> &[String] {
        &self.settings.auth_header_types
    }
}

/// Whether `token` has the shape of a JWS compact token (three base64url segments,
/// the first a JSON object naming an `alg`). The JWT scheme claims such tokens, and
/// leaves any other bearer token to later schemes (an opaque OAuth2 token).
pub fn looks_like_jwt(token: &str) -> bool {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice::<Map<String, Value>>(&b).ok())
        .is_some_and(|h| h.contains_key("alg"))
}
