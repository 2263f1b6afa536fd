#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// The macros name this crate by its absolute path; this lets its own code use them.
extern crate self as auth_runtime;

pub mod accounts;
pub mod api_token;
pub mod app;
pub mod authenticator;
mod bounded;
pub mod chain;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod context;
pub mod credentials;
pub mod csrf;
pub mod docs;
pub mod error;
pub mod explain;
mod extract;
pub mod guarded;
pub mod headers;
pub mod input;
pub mod jwt;
pub mod layer;
pub mod limits;
pub mod net;
#[cfg(feature = "oauth2-server")]
pub mod oauth2;
mod object_check;
pub mod operation;
pub mod password;
pub mod permission;
pub mod policy;
pub mod principal;
#[cfg(test)]
mod proptests;
pub mod rbac;
pub mod schemes;
pub mod secret;
pub mod server;
pub mod server_key;
pub mod session;
pub mod settings;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod throttle;
pub mod trailing_slash;
pub mod username;
pub mod views;

pub use app::App;
pub use auth_macros::{
    authenticated, chain, object_permission, permission, permissions, public, secured, throttle,
};
pub use authenticator::{Authenticator, Outcome};
pub use chain::{Chain, Guard, NamedChain, Policy};
pub use context::{AuthContext, AuthContextBuilder};
pub use error::{AuthError, Denial};
pub use layer::AuthLayer;
pub use permission::{
    filter_objects, AllowAny, And, HasScope, IsAdmin, IsAuthenticated, IsAuthenticatedOrReadOnly,
    IsOwner, IsOwnerOrReadOnly, IsScoped, Not, ObjectPermission, Or, Owned, Permission,
    PermissionContext, ReadWriteScope,
};
pub use principal::{ClientIdentity, Identity, Principal, User};
pub use rbac::HasPerm;
pub use settings::Settings;
pub use store::Store;

// The user guide and the first app's page are compiled and run as doctests, so that
// their snippets cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../../docs/guide.md")]
mod guide_md {}
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme_md {}

/// Paths used by the code `#[secured]` generates, so that users need no dependency
/// besides this crate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use poem;
    pub use poem_openapi;

    pub use crate::chain::{
        DefaultChain, DefaultPermission, Documented, Guard, NamedChain, NamedChainItems, Policy,
        Scope,
    };
    pub use crate::error::Denial;
    pub use crate::guarded::{check_object, typed, Guarded, Respond};
    /// What `#[object_permission]` checks its loader and permissions with.
    pub mod object {
        pub use crate::object_check::*;
    }
    pub use crate::operation::{Access, Operation, SchemeUse, Schemes, SecuredApi};
    pub use crate::permission::{
        And, Anonymous, Clause, Not, ObjectPermission, Or, Permission, PermissionContext, Verdict,
    };
    pub use crate::throttle::{Rate, ThrottleKind, ThrottleRule};
    /// What `declare_permissions!` checks a declared name's form with, while the application
    /// compiles.
    pub use auth_grammar::permission::is_name as is_permission_name;

    /// Fails to compile, on the user's own span, when `_p` is not a permission.
    #[inline(always)]
    pub fn require_permission<P: Permission>(_p: &P) {}
}
