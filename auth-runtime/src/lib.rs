#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// The macros name this crate by its absolute path; this lets its own code use them.
extern crate self as auth_runtime;

pub mod api_token;
pub mod authenticator;
pub mod chain;
pub mod context;
pub mod csrf;
pub mod docs;
pub mod error;
pub mod guarded;
pub mod jwt;
pub mod oauth2;
pub mod password;
pub mod permission;
pub mod policy;
pub mod principal;
pub mod schemes;
pub mod secret;
pub mod session;
pub mod settings;
pub mod store;
pub mod throttle;

pub use auth_macros::{authenticated, object_permission, permission, public, secured, throttle};
pub use authenticator::{Authenticator, Outcome};
pub use chain::{Chain, Guard, Policy};
pub use context::{AuthContext, AuthContextBuilder, AuthLayer};
pub use error::{AuthError, Denial};
pub use permission::{
    filter_objects, AllowAny, And, HasScope, IsAdmin, IsAuthenticated, IsAuthenticatedOrReadOnly,
    IsScoped, Not, ObjectPermission, Or, Permission, PermissionContext, ReadWriteScope,
};
pub use principal::{ClientIdentity, Identity, Principal, User};
pub use settings::Settings;
pub use store::Store;

/// Paths used by the code `#[secured]` generates, so that users need no dependency
/// besides this crate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use poem;
    pub use poem_openapi;

    pub use crate::chain::{Documented, Guard, Policy, Scope};
    pub use crate::guarded::{check_object, typed, Guarded, Respond};
    pub use crate::permission::{And, DefaultPermission, Not, ObjectPermission, Or, Permission};
    pub use crate::policy::{Access, Operation, SchemeUse, Schemes, SecuredApi};
    pub use crate::schemes::DefaultChain;
    pub use crate::throttle::{Rate, ThrottleKind, ThrottleRule};

    /// Fails to compile, on the user's own span, when `_p` is not a permission.
    #[inline(always)]
    pub fn require_permission<P: Permission>(_p: &P) {}

    /// Fails to compile, on the user's own span, when `A` is not a scheme.
    #[inline(always)]
    pub fn require_authenticator<A: crate::Authenticator>() {}
}
