//! DRF's built-in permission classes, and the settings' default permission.

use super::{Permission, PermissionContext};
use crate::error::Denial;

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

        object_level_as_request!($name);
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

object_level_as_request!(DefaultPermission);

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
