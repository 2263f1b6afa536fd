//! Scope permissions (django-oauth-toolkit's `TokenHasScope` and
//! `TokenHasReadWriteScope`) for every credential that carries scopes: OAuth2 tokens,
//! and JWTs with a `scope` claim.

use super::{Permission, PermissionContext};
use crate::error::Denial;

fn missing(scope: &'static str) -> Denial {
    Denial::new(format!(
        "This action needs a token with the `{scope}` scope."
    ))
    .with_code("insufficient_scope")
    .missing_scope(scope)
}

/// The credential grants this scope. Credentials without scopes (sessions, DRF
/// tokens, unscoped JWTs) and anonymous callers are refused.
///
/// ```
/// # use auth_runtime::{ClientIdentity, HasScope, Permission, PermissionContext, Principal};
/// # let req = poem::Request::default();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let reader: Principal = ClientIdentity { client_id: "c".into(), scheme: "oauth2",
///                                          scopes: vec!["read".into()] }.into();
/// let ctx = PermissionContext::new(&req, &reader);
/// assert!(HasScope("read").has_permission(&ctx).await.is_ok());
/// let denial = HasScope("write").has_permission(&ctx).await.unwrap_err();
/// assert_eq!(denial.code(), "insufficient_scope");
/// assert!(denial.message().contains("`write`"));
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HasScope(pub &'static str);

impl Permission for HasScope {
    fn words(&self) -> Option<String> {
        Some(format!("a token with the `{}` scope", self.0))
    }

    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        if ctx.principal().has_scope(self.0) {
            Ok(())
        } else {
            Err(missing(self.0))
        }
    }

    /// An anonymous caller has no scopes.
    fn anonymous(&self, _safe: bool) -> super::Anonymous {
        super::Anonymous::Refused
    }
}

/// `read` for safe methods (`GET`, `HEAD`, `OPTIONS`), `write` for the others.
/// Credentials without scopes and anonymous callers are refused; to judge only scoped
/// credentials, write `!IsScoped | ReadWriteScope`.
///
/// ```
/// # use auth_runtime::{ClientIdentity, ReadWriteScope, Permission, PermissionContext, Principal};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let reader: Principal = ClientIdentity { client_id: "c".into(), scheme: "oauth2",
///                                          scopes: vec!["read".into()] }.into();
/// let get = poem::Request::builder().method(poem::http::Method::GET).finish();
/// let post = poem::Request::builder().method(poem::http::Method::POST).finish();
/// assert!(ReadWriteScope.has_permission(&PermissionContext::new(&get, &reader)).await.is_ok());
/// assert!(ReadWriteScope.has_permission(&PermissionContext::new(&post, &reader)).await.is_err());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadWriteScope;

impl Permission for ReadWriteScope {
    fn words(&self) -> Option<String> {
        Some("a token with the `read` scope to read, `write` to write".to_owned())
    }

    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        let needed = if ctx.is_safe_method() {
            "read"
        } else {
            "write"
        };
        if ctx.principal().has_scope(needed) {
            Ok(())
        } else {
            Err(missing(needed))
        }
    }

    /// An anonymous caller has no scopes.
    fn anonymous(&self, _safe: bool) -> super::Anonymous {
        super::Anonymous::Refused
    }
}

/// The credential carries scopes (an OAuth2 token, a JWT with a `scope` claim).
///
/// ```
/// # use auth_runtime::{IsScoped, Permission, PermissionContext, Principal};
/// # let req = poem::Request::default();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let anon = Principal::Anonymous;
/// assert!(IsScoped.has_permission(&PermissionContext::new(&req, &anon)).await.is_err());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct IsScoped;

impl Permission for IsScoped {
    fn words(&self) -> Option<String> {
        Some("a credential with scopes".to_owned())
    }

    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        if ctx.principal().scopes().is_some() {
            Ok(())
        } else {
            Err(Denial::default())
        }
    }

    /// An anonymous caller has no scopes.
    fn anonymous(&self, _safe: bool) -> super::Anonymous {
        super::Anonymous::Refused
    }
}

object_level_as_request!(HasScope, ReadWriteScope, IsScoped);
