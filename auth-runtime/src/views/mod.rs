//! The views users of simplejwt, DRF and Django's auth expect, ready to mount under a
//! prefix of the application's: JWT obtain/refresh/verify/blacklist (and sliding
//! tokens, and the public keys), session login and logout, DRF's token view, a user's
//! own API tokens, registration and password change. Each is a `#[secured]` API
//! declared with the same DSL as the application's own, so the policy table and the
//! document show them.
//!
//! ```
//! use auth_runtime::views::{self, Mount};
//! auth_runtime::prefix!(pub Api = "/api");
//! auth_runtime::prefix!(pub Accounts = "/api/accounts");
//!
//! /// The views an API with JWT and session logins needs, at the tutorials' paths:
//! /// `/api/token/...`, `/api/token-auth/`, `/api/tokens/`, `/api/accounts/login/`...
//! type AuthViews = (
//!     Mount<Api, (views::JwtViews, views::TokenAuthView, views::ApiTokenViews)>,
//!     Mount<Accounts, (views::SessionViews, views::RegisterView, views::PasswordChangeView)>,
//! );
//! let api = poem_openapi::OpenApiService::new(AuthViews::default(), "app", "1");
//! # let _ = api;
//! ```

mod accounts;
mod api_tokens;
mod body;
mod jwt;
mod mount;
mod permissions;
mod session;

pub use self::{
    accounts::{
        PasswordChangeIn, PasswordChangeResponse, PasswordChangeView, RegisterIn, RegisterResponse,
        RegisterView,
    },
    api_tokens::{
        ApiTokenViews, CreateResponse, CreatedToken, DeleteResponse, NewTokenIn, TokenAuthResponse,
        TokenAuthView, TokenInfo, TokenOut,
    },
    body::{Credentials, Detail, Limited, Message, UserOut},
    jwt::{
        EmptyResponse, JwksView, JwtViews, PairResponse, RefreshIn, RefreshResponse,
        SlidingJwtViews, SlidingOut, SlidingResponse, TokenIn,
    },
    mount::{valid_prefix, Mount, Prefix},
    permissions::{
        Changed, GroupCreated, GroupIn, GroupOut, Held, HeldPermission, MemberIn,
        PermissionAdminViews, PermissionIn, UserPermissions,
    },
    session::{ErrorOut, LoginIn, LoginResponse, LogoutResponse, SessionViews},
};
pub(crate) use crate::docs::Tag;
