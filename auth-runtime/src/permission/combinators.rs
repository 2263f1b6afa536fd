//! `&`, `|` and `!` over permissions, at request and object level.

use super::{Anonymous, ObjectPermission, Permission, PermissionContext, Verdict};
use crate::error::Denial;

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

    fn anonymous(&self, safe: bool) -> Anonymous {
        match (self.0.anonymous(safe), self.1.anonymous(safe)) {
            (Anonymous::Refused, _) | (_, Anonymous::Refused) => Anonymous::Refused,
            (Anonymous::Admitted, Anonymous::Admitted) => Anonymous::Admitted,
            _ => Anonymous::Depends,
        }
    }
    async fn explain(&self, ctx: &PermissionContext<'_>) -> Verdict {
        let parts = vec![self.0.explain(ctx).await, self.1.explain(ctx).await];
        Verdict::of_parts(self.has_permission(ctx).await, parts)
    }

    fn permission_names(&self, out: &mut Vec<&'static str>) {
        self.0.permission_names(out);
        self.1.permission_names(out);
    }

    fn words(&self) -> Option<String> {
        Some(format!("({} and {})", self.0.words()?, self.1.words()?))
    }
}

impl<T: ?Sized + Sync, A: ObjectPermission<T>, B: ObjectPermission<T>> ObjectPermission<T>
    for And<A, B>
{
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        obj: &T,
    ) -> Result<(), Denial> {
        self.0.has_object_permission(ctx, obj).await?;
        self.1.has_object_permission(ctx, obj).await
    }
}

/// Either may allow (`A | B`). If both refuse, the more telling denial is reported: the
/// first with a message of its own, else DRF's generic one; so
/// `IsAuthor | IsAdmin` answers with `IsAuthor`'s explanation.
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

/// Of two refusals, the one with a message of its own (the left one if both have).
fn telling(left: Denial, right: Denial) -> Denial {
    if left.has_own_message() || !right.has_own_message() {
        left
    } else {
        right
    }
}

impl<A: Permission, B: Permission> Permission for Or<A, B> {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        let Err(left) = self.0.has_permission(ctx).await else {
            return Ok(());
        };
        match self.1.has_permission(ctx).await {
            Ok(()) => Ok(()),
            Err(right) => Err(telling(left, right)),
        }
    }

    fn anonymous(&self, safe: bool) -> Anonymous {
        match (self.0.anonymous(safe), self.1.anonymous(safe)) {
            (Anonymous::Admitted, _) | (_, Anonymous::Admitted) => Anonymous::Admitted,
            (Anonymous::Refused, Anonymous::Refused) => Anonymous::Refused,
            _ => Anonymous::Depends,
        }
    }
    async fn explain(&self, ctx: &PermissionContext<'_>) -> Verdict {
        let parts = vec![self.0.explain(ctx).await, self.1.explain(ctx).await];
        Verdict::of_parts(self.has_permission(ctx).await, parts)
    }

    fn permission_names(&self, out: &mut Vec<&'static str>) {
        self.0.permission_names(out);
        self.1.permission_names(out);
    }

    fn words(&self) -> Option<String> {
        Some(format!("({} or {})", self.0.words()?, self.1.words()?))
    }
}

/// At object level an operand allows only if it allows the request too: the same
/// operand must be satisfied at both levels (DRF's rule since 3.14), so `A | B` cannot
/// pass with `A`'s request check and `B`'s object check.
impl<T: ?Sized + Sync, A: ObjectPermission<T>, B: ObjectPermission<T>> ObjectPermission<T>
    for Or<A, B>
{
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        obj: &T,
    ) -> Result<(), Denial> {
        let left = match self.0.has_permission(ctx).await {
            Ok(()) => self.0.has_object_permission(ctx, obj).await,
            Err(d) => Err(d),
        };
        let Err(left) = left else {
            return Ok(());
        };
        let right = match self.1.has_permission(ctx).await {
            Ok(()) => self.1.has_object_permission(ctx, obj).await,
            Err(d) => Err(d),
        };
        right.map_err(|right| telling(left, right))
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

    fn anonymous(&self, safe: bool) -> Anonymous {
        match self.0.anonymous(safe) {
            Anonymous::Admitted => Anonymous::Refused,
            Anonymous::Refused => Anonymous::Admitted,
            Anonymous::Depends => Anonymous::Depends,
        }
    }
    async fn explain(&self, ctx: &PermissionContext<'_>) -> Verdict {
        let parts = vec![self.0.explain(ctx).await];
        Verdict::of_parts(self.has_permission(ctx).await, parts)
    }

    fn permission_names(&self, out: &mut Vec<&'static str>) {
        self.0.permission_names(out);
    }

    fn words(&self) -> Option<String> {
        Some(format!("not {}", self.0.words()?))
    }
}

impl<T: ?Sized + Sync, A: ObjectPermission<T>> ObjectPermission<T> for Not<A> {
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        obj: &T,
    ) -> Result<(), Denial> {
        match self.0.has_object_permission(ctx, obj).await {
            Ok(()) => Err(Denial::default()),
            Err(_) => Ok(()),
        }
    }
}
