//! Permissions: DRF's permission classes as types, composed with `&`, `|` and `!`.
//!
//! A permission sees the request (and through it the app state registered with
//! poem's `.data(...)`) and the [`Principal`]. It answers `Ok(())` or a [`Denial`]
//! whose message and code reach the client; composition keeps the failing operand's
//! own denial (DRF loses it, encode/django-rest-framework#6427).

use std::future::Future;

use poem::{http::Method, Request};

use crate::{error::Denial, principal::Principal};

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
    note = "implement `auth_runtime::Permission` for `{Self}`, or use a built-in one: `AllowAny`, `IsAuthenticated`, `IsAdmin`, `IsAuthenticatedOrReadOnly`"
)]
pub trait Permission: Send + Sync {
    /// Allows (`Ok`) or refuses (`Err`) the request.
    fn has_permission(
        &self,
        ctx: &PermissionContext<'_>,
    ) -> impl Future<Output = Result<(), Denial>> + Send;
}

macro_rules! builtin {
    ($(#[$doc:meta])* $name:ident, |$ctx:ident| $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Permission for $name {
            async fn has_permission(&self, $ctx: &PermissionContext<'_>) -> Result<(), Denial> {
                if $allowed {
                    Ok(())
                } else {
                    Err(Denial::default())
                }
            }
        }
    };
}

builtin!(
    /// Allows every request, authenticated or not (DRF's `AllowAny`).
    ///
    /// ```
    /// # use auth_runtime::{AllowAny, Permission, PermissionContext, Principal};
    /// # let req = poem::Request::default();
    /// let anon = Principal::Anonymous;
    /// let ctx = PermissionContext::new(&req, &anon);
    /// # tokio_test(async {
    /// assert!(AllowAny.has_permission(&ctx).await.is_ok());
    /// # });
    /// # fn tokio_test(f: impl std::future::Future<Output = ()>) {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) }
    /// ```
    AllowAny,
    |_ctx| true
);

builtin!(
    /// Allows authenticated callers only (DRF's `IsAuthenticated`).
    ///
    /// ```
    /// # use auth_runtime::{IsAuthenticated, Permission, PermissionContext, Principal};
    /// # let req = poem::Request::default();
    /// let anon = Principal::Anonymous;
    /// let ctx = PermissionContext::new(&req, &anon);
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// assert!(IsAuthenticated.has_permission(&ctx).await.is_err());
    /// # });
    /// ```
    IsAuthenticated,
    |ctx| ctx.principal().is_authenticated()
);

builtin!(
    /// Allows staff users only (DRF's `IsAdminUser`: `is_staff`).
    ///
    /// ```
    /// # use auth_runtime::{IsAdmin, Identity, Permission, PermissionContext, Principal, User};
    /// # let req = poem::Request::default();
    /// let staff = User { id: 1, username: "root".into(), email: String::new(),
    ///                    is_staff: true, is_superuser: true, is_active: true };
    /// let p: Principal = Identity::new(staff, "jwt").into();
    /// let ctx = PermissionContext::new(&req, &p);
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// assert!(IsAdmin.has_permission(&ctx).await.is_ok());
    /// # });
    /// ```
    IsAdmin,
    |ctx| ctx.principal().user().is_some_and(|u| u.is_staff)
);

builtin!(
    /// Allows safe methods to anyone and unsafe ones to authenticated callers (DRF's
    /// `IsAuthenticatedOrReadOnly`).
    ///
    /// ```
    /// # use auth_runtime::{IsAuthenticatedOrReadOnly, Permission, PermissionContext, Principal};
    /// let get = poem::Request::builder().method(poem::http::Method::GET).finish();
    /// let post = poem::Request::builder().method(poem::http::Method::POST).finish();
    /// let anon = Principal::Anonymous;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// assert!(IsAuthenticatedOrReadOnly.has_permission(&PermissionContext::new(&get, &anon)).await.is_ok());
    /// assert!(IsAuthenticatedOrReadOnly.has_permission(&PermissionContext::new(&post, &anon)).await.is_err());
    /// # });
    /// ```
    IsAuthenticatedOrReadOnly,
    |ctx| ctx.is_safe_method() || ctx.principal().is_authenticated()
);

/// Names `default_permission` in settings accepts.
pub const DEFAULT_PERMISSIONS: &[&str] = &[
    "IsAuthenticated",
    "IsAdmin",
    "IsAuthenticatedOrReadOnly",
    "AllowAny",
];

/// The permission named by `default_permission` in settings (DRF's
/// `DEFAULT_PERMISSION_CLASSES`): what an operation with `#[authenticated]` and no
/// `#[permission(...)]` requires.
///
/// ```
/// # use auth_runtime::{permission::DefaultPermission, Permission, PermissionContext, Principal};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// // Without an AuthLayer on the request, the default is `IsAuthenticated`.
/// let req = poem::Request::default();
/// let anon = Principal::Anonymous;
/// assert!(DefaultPermission.has_permission(&PermissionContext::new(&req, &anon)).await.is_err());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPermission;

impl Permission for DefaultPermission {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        let name = ctx
            .request()
            .extensions()
            .get::<crate::context::RequestAuth>()
            .map_or("IsAuthenticated", |a| {
                a.ctx.settings().default_permission.as_str()
            });
        match name {
            "AllowAny" => AllowAny.has_permission(ctx).await,
            "IsAdmin" => IsAdmin.has_permission(ctx).await,
            "IsAuthenticatedOrReadOnly" => IsAuthenticatedOrReadOnly.has_permission(ctx).await,
            // Settings::validate allows nothing else; anything else fails closed.
            _ => IsAuthenticated.has_permission(ctx).await,
        }
    }
}

/// Both must allow; the first refusal is reported (`A & B` in `#[permission]`).
///
/// ```
/// # use auth_runtime::{And, AllowAny, IsAuthenticated, Permission, PermissionContext, Principal};
/// # let req = poem::Request::default();
/// # let anon = Principal::Anonymous;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let p = And(AllowAny, IsAuthenticated);
/// assert!(p.has_permission(&PermissionContext::new(&req, &anon)).await.is_err());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct And<A, B>(pub A, pub B);

impl<A: Permission, B: Permission> Permission for And<A, B> {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        self.0.has_permission(ctx).await?;
        self.1.has_permission(ctx).await
    }
}

/// Either may allow; if both refuse, the right operand's denial is reported, since
/// the left one was the alternative that was tried first (`A | B`).
///
/// ```
/// # use auth_runtime::{Or, IsAdmin, AllowAny, Permission, PermissionContext, Principal};
/// # let req = poem::Request::default();
/// # let anon = Principal::Anonymous;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let p = Or(IsAdmin, AllowAny);
/// assert!(p.has_permission(&PermissionContext::new(&req, &anon)).await.is_ok());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Or<A, B>(pub A, pub B);

impl<A: Permission, B: Permission> Permission for Or<A, B> {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        match self.0.has_permission(ctx).await {
            Ok(()) => Ok(()),
            Err(_) => self.1.has_permission(ctx).await,
        }
    }
}

/// Allows what the inner permission refuses (`!A`). Its denial is DRF's generic one:
/// the inner permission's message would say the opposite.
///
/// ```
/// # use auth_runtime::{Not, IsAdmin, Permission, PermissionContext, Principal};
/// # let req = poem::Request::default();
/// # let anon = Principal::Anonymous;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// assert!(Not(IsAdmin).has_permission(&PermissionContext::new(&req, &anon)).await.is_ok());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Not<A>(pub A);

impl<A: Permission> Permission for Not<A> {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        match self.0.has_permission(ctx).await {
            Ok(()) => Err(Denial::default()),
            Err(_) => Ok(()),
        }
    }
}
