//! Authorization codes: stored by digest, claimed once. A code's claim and the
//! tokens it buys are one transaction.

use sqlx::{any::AnyRow, Row};

use super::tokens::{insert_tokens, Claim, NewTokens};
use crate::store::{now, Store, StoreError};

/// A stored authorization code, once claimed.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// The application it was issued to.
    pub application_id: i64,
    /// The user who approved it.
    pub user_id: i64,
    /// The `redirect_uri` of the authorization request, if it had one.
    pub redirect_uri: Option<String>,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: Option<String>,
    /// The family the tokens it buys belong to.
    pub family: String,
}

fn code_from_row(r: &AnyRow) -> Result<CodeGrant, sqlx::Error> {
    Ok(CodeGrant {
        application_id: r.try_get("application_id")?,
        user_id: r.try_get("user_id")?,
        redirect_uri: r.try_get("redirect_uri")?,
        scope: r.try_get("scope")?,
        code_challenge: r.try_get("code_challenge")?,
        code_challenge_method: r.try_get("code_challenge_method")?,
        family: r.try_get("family")?,
    })
}

impl Store {
    /// Stores an authorization code under its digest.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_code(
        &self,
        digest: &str,
        application_id: i64,
        user_id: i64,
        redirect_uri: Option<&str>,
        scope: &str,
        code_challenge: Option<&str>,
        code_challenge_method: Option<&str>,
        family: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oauth2_codes (digest, application_id, user_id, redirect_uri, scope, \
             code_challenge, code_challenge_method, family, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(digest)
        .bind(application_id)
        .bind(user_id)
        .bind(redirect_uri)
        .bind(scope)
        .bind(code_challenge)
        .bind(code_challenge_method)
        .bind(family)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A code's grant without spending it, and whether it was spent already; `None`
    /// for an unknown or expired code. The exchange checks the client, the redirect URI
    /// and PKCE on this before it spends the code with [`Store::claim_code`], so that a
    /// failed exchange does not burn the code.
    pub async fn code(&self, digest: &str) -> Result<Option<(CodeGrant, bool)>, StoreError> {
        let row = sqlx::query(
            "SELECT application_id, user_id, redirect_uri, scope, code_challenge, \
             code_challenge_method, family, used_at FROM oauth2_codes \
             WHERE digest = $1 AND (expires_at > $2 OR used_at IS NOT NULL)",
        )
        .bind(digest)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let used: Option<i64> = r.try_get("used_at")?;
            Ok((code_from_row(&r)?, used.is_some()))
        })
        .transpose()
    }

    /// Spends a code and stores the tokens it buys, in one transaction: the first caller
    /// gets its grant, any later one learns it was replayed. Because the tokens are
    /// written before the code is seen as spent, a replay racing the first exchange
    /// finds them, and revokes them ([`Store::revoke_family`]).
    pub async fn claim_code(
        &self,
        digest: &str,
        tokens: &NewTokens,
    ) -> Result<Claim<CodeGrant>, StoreError> {
        let now = now();
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE oauth2_codes SET used_at = $1 \
             WHERE digest = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING application_id, user_id, redirect_uri, scope, code_challenge, \
             code_challenge_method, family",
        )
        .bind(now)
        .bind(digest)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = row {
            let grant = code_from_row(&r)?;
            insert_tokens(
                &mut tx,
                grant.application_id,
                Some(grant.user_id),
                &grant.scope,
                &grant.family,
                tokens,
            )
            .await?;
            tx.commit().await?;
            return Ok(Claim::Claimed(grant));
        }
        tx.rollback().await?;
        let row = sqlx::query(
            "SELECT family FROM oauth2_codes WHERE digest = $1 AND used_at IS NOT NULL",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Claim::Replayed(r.try_get("family")?),
            None => Claim::Invalid,
        })
    }
}
