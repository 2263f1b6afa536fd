//! Permissions: DRF's permission classes as types, composed with `&`, `|` and `!`.
//!
//! A permission sees the request (and through it the app state registered with
//! poem's `.data(...)`) and the [`Principal`]. It answers `Ok(())` or a [`Denial`]
//! whose message and code reach the client; composition keeps the failing operand's
//! own denial (DRF loses it, encode/django-rest-framework#6427).

use std::future::Future;

use poem::{http::Method, Request};

use crate::{error::Denial, principal::Principal};

/// Implements [`ObjectPermission`] for request-level permissions that judge an object
/// as they judge the request, so that `!` and `|` mean the same at both levels.
macro_rules! object_level_as_request {
    ($($name:ty),+ $(,)?) => {$(
        impl<T: ?Sized + Sync> $crate::permission::ObjectPermission<T> for $name {
            async fn has_object_permission(
                &self,
                ctx: &$crate::permission::PermissionContext<'_>,
                _obj: &T,
            ) -> Result<(), $crate::error::Denial> {
                $crate::permission::Permission::has_permission(self, ctx).await
            }
        }
    )+};
}

mod builtin;
mod combinators;
mod object;
mod scope;

pub use self::{
    builtin::{
        AllowAny, DefaultPermission, IsAdmin, IsAuthenticated, IsAuthenticatedOrReadOnly,
        DEFAULT_PERMISSIONS,
    },
    combinators::{And, Not, Or},
    object::{filter_objects, ObjectPermission},
    scope::{HasScope, IsScoped, ReadWriteScope},
};

/// What a permission gets to look at.
pub struct PermissionContext<'a> {
    request: &'a Request,
    principal: &'a Principal,
}

impl<'a> PermissionContext<'a> {
    /// A context for this request and caller.
    pub fn new(request: &'a Request, principal: &'a Principal) -> Self {
        Self { request, principal }
    }

    /// The request (headers, method, path; app state through [`Self::data`]).
    pub fn request(&self) -> &'a Request {
        self.request
    }

    /// The caller as authenticated by the chain.
    pub fn principal(&self) -> &'a Principal {
        self.principal
    }

    /// App state registered with poem's `.data(value)`, e.g. a database pool.
    pub fn data<T: Send + Sync + 'static>(&self) -> Option<&'a T> {
        self.request.data::<T>()
    }

    /// `GET`, `HEAD` or `OPTIONS` (DRF's `SAFE_METHODS`).
    pub fn is_safe_method(&self) -> bool {
        is_safe(self.request.method())
    }
}

pub(crate) fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A rule that allows or refuses a request. May be async and use app state.
///
/// ```
/// use auth_runtime::{Denial, Permission, PermissionContext};
///
/// /// Only users whose name starts with "a".
/// struct NameStartsWithA;
///
/// impl Permission for NameStartsWithA {
///     async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
///         match ctx.principal().user() {
///             Some(u) if u.username.starts_with('a') => Ok(()),
///             _ => Err(Denial::new("Only users whose name starts with a.")),
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a permission",
    label = "not a `Permission`",
    note = "implement `auth_runtime::Permission` for `{Self}`, or use a built-in one: `AllowAny`, `IsAuthenticated`, `IsAdmin`, `IsAuthenticatedOrReadOnly`, `HasScope(\"...\")`, `ReadWriteScope`, `IsScoped`"
)]
pub trait Permission: Send + Sync {
    /// Allows (`Ok`) or refuses (`Err`) the request.
    fn has_permission(
        &self,
        ctx: &PermissionContext<'_>,
    ) -> impl Future<Output = Result<(), Denial>> + Send;
}
