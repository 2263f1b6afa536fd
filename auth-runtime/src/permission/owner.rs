//! Owner checks on a loaded object: the permissions the DRF tutorial writes by hand
//! (`IsOwnerOrReadOnly`), built in for any type that says who owns it.

use super::{ObjectPermission, Permission, PermissionContext};
use crate::error::Denial;

/// An object with an owner, for [`IsOwner`] and [`IsOwnerOrReadOnly`].
///
/// ```
/// struct Note { author_id: i64 }
/// impl auth_runtime::permission::Owned for Note {
///     fn owner_id(&self) -> Option<i64> { Some(self.author_id) }
/// }
/// ```
pub trait Owned {
    /// The id of the user who owns it; `None` when nobody does (then only the
    /// permissions it is combined with can allow a change).
    fn owner_id(&self) -> Option<i64>;
}

impl<T: Owned + ?Sized> Owned for &T {
    fn owner_id(&self) -> Option<i64> {
        (**self).owner_id()
    }
}

/// Whether the caller owns `obj`.
fn owns<T: Owned + ?Sized>(ctx: &PermissionContext<'_>, obj: &T) -> bool {
    match (ctx.principal().user(), obj.owner_id()) {
        (Some(user), Some(owner)) => user.id == owner,
        _ => false,
    }
}

fn not_owner() -> Denial {
    Denial::new("Only the owner may do this.").with_code("not_owner")
}

/// Only the object's owner, for every method (`#[object_permission(IsOwner | IsAdmin,
/// note = load(...))]`). At the request level it asks for an authenticated user.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use auth_runtime::{permission::Owned, IsOwner, ObjectPermission, Principal, Identity, User};
/// struct Note { owner: i64 }
/// impl Owned for Note { fn owner_id(&self) -> Option<i64> { Some(self.owner) } }
///
/// let ann = User { id: 7, username: "ann".into(), email: String::new(), is_staff: false,
///                  is_superuser: false, is_active: true };
/// let who = Principal::from(Identity::new(ann, "jwt"));
/// let req = poem::Request::default();
/// assert!(IsOwner.check(&req, &who, &Note { owner: 7 }).await.is_ok());
/// assert!(IsOwner.check(&req, &who, &Note { owner: 8 }).await.is_err());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct IsOwner;

impl Permission for IsOwner {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        ctx.principal()
            .user()
            .map(|_| ())
            .ok_or_else(Denial::default)
    }

    fn anonymous(&self, _safe: bool) -> super::Anonymous {
        super::Anonymous::Refused
    }

    fn words(&self) -> Option<String> {
        Some("the object's owner".to_owned())
    }
}

impl<T: Owned + ?Sized + Sync> ObjectPermission<T> for IsOwner {
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        obj: &T,
    ) -> Result<(), Denial> {
        if owns(ctx, obj) {
            Ok(())
        } else {
            Err(not_owner())
        }
    }
}

/// Anyone may read (`GET`, `HEAD`, `OPTIONS`); only the owner may change: the DRF
/// tutorial's `IsOwnerOrReadOnly`. At the request level it allows everything, so
/// combine it with a permission that decides who may call at all
/// (`IsAuthenticatedOrReadOnly`).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use auth_runtime::{permission::Owned, IsOwnerOrReadOnly, ObjectPermission, Principal};
/// struct Note { owner: i64 }
/// impl Owned for Note { fn owner_id(&self) -> Option<i64> { Some(self.owner) } }
///
/// let get = poem::Request::default();
/// let put = poem::Request::builder().method(poem::http::Method::PUT).finish();
/// let note = Note { owner: 7 };
/// assert!(IsOwnerOrReadOnly.check(&get, &Principal::Anonymous, &note).await.is_ok());
/// assert!(IsOwnerOrReadOnly.check(&put, &Principal::Anonymous, &note).await.is_err());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct IsOwnerOrReadOnly;

impl Permission for IsOwnerOrReadOnly {
    async fn has_permission(&self, _ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        Ok(())
    }

    /// Anonymous callers read; the object check refuses them any change.
    fn anonymous(&self, safe: bool) -> super::Anonymous {
        super::Anonymous::when(safe)
    }

    fn words(&self) -> Option<String> {
        Some("anyone to read, the object's owner to change".to_owned())
    }
}

impl<T: Owned + ?Sized + Sync> ObjectPermission<T> for IsOwnerOrReadOnly {
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        obj: &T,
    ) -> Result<(), Denial> {
        if ctx.is_safe_method() || owns(ctx, obj) {
            Ok(())
        } else {
            Err(not_owner())
        }
    }
}
