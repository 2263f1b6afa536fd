//! An OAuth2 authorization server in the manner of django-oauth-toolkit, hardened the
//! way the OAuth 2.1 draft asks.
//!
//! - [`OAuth2Api`]: the endpoints under `/o/` (token, authorize with its consent and
//!   login pages, revoke, introspect, applications, authorized tokens) and
//!   `/.well-known/oauth-authorization-server`; add it to your `OpenApiService`.
//! - Grants: `password`, `client_credentials`, `authorization_code` (PKCE S256, required
//!   for public clients) and `refresh_token`; an application may allow several.
//! - Client secrets, codes, access and refresh tokens are stored as SHA-256 digests.
//! - Codes are single-use and a replay revokes what they bought; refresh tokens rotate
//!   and the reuse of a spent one revokes the whole authorization. Both rules are one
//!   conditional `UPDATE`, so concurrent requests cannot both win.
//! - The `oauth2` scheme ([`crate::schemes::OAuth2`]) authenticates API requests with
//!   these tokens and enforces `oauth2(scope = "...")`.

mod api;
pub mod authorize;
pub mod client;
mod error;
mod form;
mod pages;
pub mod pkce;
pub mod scope;
pub mod token;

pub use self::{
    api::{ApplicationsApi, AuthorizePages, OAuth2Api, TokenEndpoints},
    error::OAuthError,
    form::OAuthForm,
};
