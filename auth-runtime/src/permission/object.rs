//! Object-level permissions (DRF's `has_object_permission`): rules about a loaded
//! resource, such as "only its author may change it".

use std::future::Future;

use poem::Request;

use super::{Permission, PermissionContext};
use crate::{
    error::{AuthError, Denial},
    principal::Principal,
};

/// A rule about one object of type `T`, on top of the request-level [`Permission`].
///
/// The built-in permissions judge an object as they judge the request; `&`, `|` and
/// `!` combine object permissions, and `A | B` must be satisfied by the same operand at
/// both levels (DRF's rule). Check one in a handler with [`ObjectPermission::check`], or
/// declare it with `#[object_permission(...)]`.
///
/// ```
/// use auth_runtime::{Denial, ObjectPermission, Permission, PermissionContext};
///
/// struct Article { author_id: i64 }
///
/// /// Anyone may read; only the author may write.
/// struct IsOwnerOrReadOnly;
///
/// impl Permission for IsOwnerOrReadOnly {
///     async fn has_permission(&self, _: &PermissionContext<'_>) -> Result<(), Denial> {
///         Ok(())
///     }
/// }
///
/// impl ObjectPermission<Article> for IsOwnerOrReadOnly {
///     async fn has_object_permission(&self, ctx: &PermissionContext<'_>, a: &Article) -> Result<(), Denial> {
///         let owner = ctx.principal().user().is_some_and(|u| u.id == a.author_id);
///         if ctx.is_safe_method() || owner {
///             Ok(())
///         } else {
///             Err(Denial::new("Only the author may change this article.").with_code("not_owner"))
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an object permission for `{T}`",
    label = "no `ObjectPermission<{T}>`",
    note = "implement `auth_runtime::ObjectPermission<{T}>` for `{Self}`"
)]
pub trait ObjectPermission<T: ?Sized>: Permission {
    /// Allows (`Ok`) or refuses (`Err`) the request on `obj`.
    fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        obj: &T,
    ) -> impl Future<Output = Result<(), Denial>> + Send;

    /// One line in a handler: `IsOwnerOrReadOnly.check(req, &who, &article).await?`.
    /// A refusal is 403 with the permission's message, or 401 for an anonymous caller.
    fn check(
        &self,
        req: &Request,
        principal: &Principal,
        obj: &T,
    ) -> impl Future<Output = Result<(), AuthError>> + Send
    where
        Self: Sized,
        T: Sync,
    {
        async move {
            let ctx = PermissionContext::new(req, principal);
            self.has_object_permission(&ctx, obj)
                .await
                .map_err(|denial| {
                    if principal.is_credentialed() {
                        AuthError::PermissionDenied(denial)
                    } else {
                        AuthError::not_authenticated(&[])
                    }
                })
        }
    }
}

/// The objects of `items` that `permission` allows, in order: a list endpoint that
/// filters with the same rule as its detail endpoint cannot leak what the detail
/// endpoint would refuse. (DRF skips object permissions on lists.) For a large table,
/// filter in SQL instead, and test that both agree.
///
/// ```
/// # use auth_runtime::{filter_objects, IsAuthenticated, Principal};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let req = poem::Request::default();
/// let shown = filter_objects(&IsAuthenticated, &req, &Principal::Anonymous, vec![1, 2]).await;
/// assert!(shown.is_empty());
/// # });
/// ```
pub async fn filter_objects<T, P>(
    permission: &P,
    req: &Request,
    principal: &Principal,
    items: Vec<T>,
) -> Vec<T>
where
    T: Sync,
    P: ObjectPermission<T>,
{
    let ctx = PermissionContext::new(req, principal);
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        if permission.has_object_permission(&ctx, &item).await.is_ok() {
            kept.push(item);
        }
    }
    kept
}
