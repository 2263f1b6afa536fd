//! What a secured operation's parameters take from the request: the context, and the
//! caller the chain authenticated.

use std::sync::Arc;

use poem::{FromRequest, Request, RequestBody};

use crate::{
    context::AuthContext,
    error::AuthError,
    principal::{Identity, Principal},
};

/// What [`AuthLayer`] stores in each request: the context and the slot the chain
/// writes the principal into.
#[derive(Clone)]
pub(crate) struct RequestAuth {
    pub(crate) ctx: AuthContext,
    pub(crate) slot: PrincipalSlot,
}

/// Per-request slot written by the chain and read by the [`Principal`] extractor.
///
/// Inserted by [`AuthLayer`](crate::layer::AuthLayer); the chain runs as the operation's first
/// parameter, so every later parameter sees its result.
#[derive(Clone, Default)]
pub(crate) struct PrincipalSlot(pub(crate) std::sync::OnceLock<Principal>);

/// The caller the chain authenticated for this request; anonymous when no chain ran
/// (which grants nothing: fail closed).
pub(crate) fn current(req: &Request) -> Principal {
    req.extensions()
        .get::<RequestAuth>()
        .and_then(|s| s.slot.0.get())
        .cloned()
        .unwrap_or_default()
}

impl<'a> FromRequest<'a> for Principal {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(current(req))
    }
}

impl<'a> FromRequest<'a> for Identity {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        match Principal::from_request(req, body).await? {
            Principal::Authenticated(id) => Ok(Arc::unwrap_or_clone(id)),
            Principal::Anonymous | Principal::Client(_) => {
                Err(AuthError::not_authenticated(&[]).into())
            }
        }
    }
}

impl<'a> FromRequest<'a> for AuthContext {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        req.extensions()
            .get::<RequestAuth>()
            .map(|s| s.ctx.clone())
            .ok_or_else(|| AuthError::Misconfigured("AuthLayer is missing from the route").into())
    }
}
