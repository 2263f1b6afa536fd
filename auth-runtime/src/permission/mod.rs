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
mod clause;
mod combinators;
mod object;
mod owner;
mod scope;
mod verdict;

pub use self::{
    builtin::{AllowAny, IsAdmin, IsAuthenticated, IsAuthenticatedOrReadOnly},
    clause::Clause,
    combinators::{And, Not, Or},
    object::{filter_objects, ObjectPermission},
    owner::{IsOwner, IsOwnerOrReadOnly, Owned},
    scope::{HasScope, IsScoped, ReadWriteScope},
    verdict::Verdict,
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
    note = "implement `auth_runtime::Permission` for `{Self}`, or use a built-in one: `AllowAny`, `IsAuthenticated`, `IsAdmin`, `IsAuthenticatedOrReadOnly`, `HasScope(\"...\")`, `ReadWriteScope`, `IsScoped`, and on objects `IsOwner`, `IsOwnerOrReadOnly`"
)]
pub trait Permission: Send + Sync {
    /// Allows (`Ok`) or refuses (`Err`) the request.
    fn has_permission(
        &self,
        ctx: &PermissionContext<'_>,
    ) -> impl Future<Output = Result<(), Denial>> + Send;

    /// Whether it lets a caller without credentials through, for a safe method
    /// (`GET`, `HEAD`, `OPTIONS`) or not: what the OpenAPI document says of the
    /// operation (an empty requirement `{}` in its `security` unless
    /// [`Anonymous::Refused`]). The default, [`Anonymous::Depends`], claims nothing;
    /// a permission that always needs a user says [`Anonymous::Refused`].
    ///
    /// ```
    /// use auth_runtime::{permission::Anonymous, IsAuthenticatedOrReadOnly, Not, IsAdmin, Permission};
    /// assert_eq!(IsAuthenticatedOrReadOnly.anonymous(true), Anonymous::Admitted);
    /// assert_eq!(IsAuthenticatedOrReadOnly.anonymous(false), Anonymous::Refused);
    /// assert_eq!(Not(IsAdmin).anonymous(false), Anonymous::Admitted);
    /// ```
    fn anonymous(&self, safe_method: bool) -> Anonymous {
        let _ = safe_method;
        Anonymous::Depends
    }

    /// The decision, clause by clause, for `explain`: a permission of its own is one
    /// clause (its answer); `&`, `|` and `!` show their parts.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use auth_runtime::{IsAdmin, IsAuthenticated, Or, Permission, PermissionContext, Principal};
    /// let req = poem::Request::default();
    /// let anon = Principal::Anonymous;
    /// let verdict = Or(IsAdmin, IsAuthenticated).explain(&PermissionContext::new(&req, &anon)).await;
    /// assert!(!verdict.allowed && verdict.children.len() == 2);
    /// # });
    /// ```
    fn explain(&self, ctx: &PermissionContext<'_>) -> impl Future<Output = Verdict> + Send {
        async move { Verdict::of(self.has_permission(ctx).await) }
    }

    /// Adds the named permissions it requires (`HasPerm("articles.publish")`) to `out`,
    /// for the start-up check that each is declared; composites add their parts'.
    fn permission_names(&self, out: &mut Vec<&'static str>) {
        let _ = out;
    }

    /// What it requires, in words, for the OpenAPI document ("an authenticated user,
    /// or a safe method"); `None` lets the clause's own text stand for it.
    ///
    /// ```
    /// use auth_runtime::{IsAdmin, Permission};
    /// assert_eq!(IsAdmin.words().as_deref(), Some("an administrator"));
    /// ```
    fn words(&self) -> Option<String> {
        None
    }
}

/// What a permission does with a caller who has no credentials (see
/// [`Permission::anonymous`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anonymous {
    /// Always let through.
    Admitted,
    /// Never let through (the operation needs credentials).
    Refused,
    /// It depends on more than the method (a permission of the application's).
    Depends,
}

impl Anonymous {
    /// `Admitted` when `yes`, else `Refused`.
    ///
    /// ```
    /// use auth_runtime::permission::Anonymous;
    /// assert_eq!(Anonymous::when(false), Anonymous::Refused);
    /// ```
    pub fn when(yes: bool) -> Self {
        if yes {
            Self::Admitted
        } else {
            Self::Refused
        }
    }
}
