//! DRF's built-in permission classes.

use super::{Anonymous, Permission, PermissionContext};
use crate::error::Denial;

macro_rules! builtin {
    ($(#[$doc:meta])* $name:ident, $words:literal, |$ctx:ident| $allowed:expr, |$safe:ident| $anonymous:expr) => {
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

            fn anonymous(&self, $safe: bool) -> Anonymous {
                Anonymous::when($anonymous)
            }

            fn words(&self) -> Option<String> {
                Some($words.to_owned())
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
    "anyone",
    |_ctx| true,
    |_safe| true
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
    "an authenticated user",
    |ctx| ctx.principal().is_authenticated(),
    |_safe| false
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
    "an administrator",
    |ctx| ctx.principal().user().is_some_and(|u| u.is_staff),
    |_safe| false
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
    "an authenticated user, or a read (GET, HEAD, OPTIONS)",
    |ctx| ctx.is_safe_method() || ctx.principal().is_authenticated(),
    |safe| safe
);
