//! Issuing tokens: pairs, sliding tokens, and the claims every token carries.

use jsonwebtoken::encode;
use serde_json::{Map, Value};

use super::{
    int_claim, seconds, str_claim, JwtService, TokenError, TokenPair, REFRESH_EXP_CLAIM, RESERVED,
    TOKEN_TYPE_CLAIM, USER_ID_CLAIM, VERSION_CLAIM,
};
use crate::{
    principal::User,
    secret,
    store::{now, Store},
};

impl JwtService {
    /// Claims every new token of `token_type` starts from.
    pub(super) fn claims(
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
    pub(super) fn copy_custom(from: &Map<String, Value>, to: &mut Map<String, Value>) {
        for (k, v) in from {
            if !RESERVED.contains(&k.as_str()) {
                to.insert(k.clone(), v.clone());
            }
        }
    }

    /// The hook's claims for `user`, minus any reserved name it tried to set.
    pub(super) fn custom_claims(&self, user: &User) -> Map<String, Value> {
        let mut custom = Map::new();
        if let Some(hook) = &self.claims_hook {
            hook(user, &mut custom);
        }
        custom.retain(|k, _| !RESERVED.contains(&k.as_str()));
        custom
    }

    pub(super) fn sign(&self, claims: &Map<String, Value>) -> Result<String, TokenError> {
        encode(&self.header, claims, &self.keys.encoding).map_err(|e| {
            tracing::error!(error = %e, "signing a token failed");
            TokenError::Unavailable
        })
    }

    pub(super) async fn version_of(&self, store: &Store, user_id: i64) -> Result<i64, TokenError> {
        match store.user_with_version(user_id).await? {
            Some((user, version)) if user.is_active => Ok(version),
            _ => Err(TokenError::NoActiveAccount),
        }
    }

    /// A signed refresh token for `user`, recorded as outstanding.
    pub(super) async fn new_refresh(
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

    pub(super) fn new_access(
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
}
