//! Reading tokens: verification, authentication of requests, refresh, blacklist.

use std::sync::Arc;

use jsonwebtoken::{decode, errors::ErrorKind, Validation};
use serde_json::{Map, Value};

use super::{
    int_claim, looks_like_jwt, seconds, str_claim, verified::Verified, JwtService, Parsed,
    Refreshed, TokenError, REFRESH_EXP_CLAIM, TOKEN_TYPE_CLAIM, USER_ID_CLAIM, VERSION_CLAIM,
};
use crate::{
    principal::User,
    store::{now, Store},
};

/// Why a bearer token was not verified.
enum Miss {
    /// It is not shaped like a JWT.
    NotJwt,
    /// It is a JWT, and verification refused it.
    Refused(TokenError),
}

impl From<TokenError> for Miss {
    fn from(e: TokenError) -> Self {
        Miss::Refused(e)
    }
}

impl JwtService {
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
        let version = int_claim(&parsed.claims, VERSION_CLAIM).unwrap_or(0);
        self.check_user_version(store, parsed.user_id, version)
            .await
    }

    /// [`Self::check_user`] for a token of `user_id` issued under `version`.
    async fn check_user_version(
        &self,
        store: &Store,
        user_id: i64,
        version: i64,
    ) -> Result<User, TokenError> {
        let Some((user, current)) = store.user_with_version(user_id).await? else {
            return Err(TokenError::NoActiveAccount);
        };
        if !user.is_active {
            return Err(TokenError::NoActiveAccount);
        }
        if self.settings.revoke_on_password_change && version != current {
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
    /// `jwt.auth_token_types`. At most one query, the user row (usually from the
    /// credential cache), which also tells whether the token was revoked by a password
    /// change or a deactivation. Sliding tokens are also checked against the blacklist.
    ///
    /// A token this process verified before is not verified again (see
    /// `jwt.verified_cache_size`): its expiry is checked, and the user and blacklist
    /// as for any token.
    pub async fn authenticate(
        &self,
        store: &Store,
        token: &str,
    ) -> Result<(User, Arc<Map<String, Value>>), TokenError> {
        self.authenticate_bearer(store, token.as_bytes())
            .await?
            .ok_or(TokenError::Invalid)
    }

    /// [`Self::authenticate`] for the raw bytes of a bearer token; `None` when they are
    /// not shaped like a JWT (they may be another scheme's token). The shape is checked
    /// only for a token this process has not verified before.
    pub(crate) async fn authenticate_bearer(
        &self,
        store: &Store,
        token: &[u8],
    ) -> Result<Option<(User, Arc<Map<String, Value>>)>, TokenError> {
        // A token without a dot (this server's OAuth2 tokens) is not a JWT: said before
        // it is hashed for the cache.
        if memchr::memchr(b'.', token).is_none() {
            return Ok(None);
        }
        let verify = || match std::str::from_utf8(token) {
            Ok(t) if looks_like_jwt(t) => Ok(self.verify_access(t)?),
            _ => Err(Miss::NotJwt),
        };
        let verified = match &self.verified {
            Some(cache) => cache.get_or_verify(token, verify),
            None => verify().map(Arc::new),
        };
        let verified = match verified {
            Ok(v) => v,
            Err(Miss::NotJwt) => return Ok(None),
            Err(Miss::Refused(e)) => return Err(e),
        };
        if verified.sliding {
            self.check_not_blacklisted(store, &verified.jti).await?;
        }
        let user = self
            .check_user_version(store, verified.user_id, verified.version)
            .await?;
        Ok(Some((user, verified.claims.clone())))
    }

    /// Full verification of a token that may authenticate a request.
    fn verify_access(&self, token: &str) -> Result<Verified, TokenError> {
        let parsed = self.parse(token, &self.auth_types, &self.validation)?;
        let claims = parsed.claims;
        Ok(Verified {
            sliding: str_claim(&claims, TOKEN_TYPE_CLAIM) == Some("sliding"),
            jti: parsed.jti.into_boxed_str(),
            exp: parsed.exp,
            nbf: claims.get("nbf").and_then(Value::as_u64),
            user_id: parsed.user_id,
            version: int_claim(&claims, VERSION_CLAIM).unwrap_or(0),
            claims: Arc::new(claims),
        })
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
