//! A clause of a permission expression with its source text, so that a refusal names
//! the clause that refused (`denied_by`) and `explain` prints each clause's verdict.
//! `#[secured]` wraps every clause it generates.

use super::{Anonymous, ObjectPermission, Permission, PermissionContext, Verdict};
use crate::error::Denial;

/// `permission` as written: `Clause(HasScope("write"), "HasScope(\"write\")")`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use auth_runtime::{permission::Clause, IsAdmin, Permission, PermissionContext, Principal};
/// let req = poem::Request::default();
/// let anon = Principal::Anonymous;
/// let denial = Clause(IsAdmin, "IsAdmin")
///     .has_permission(&PermissionContext::new(&req, &anon)).await.unwrap_err();
/// assert_eq!(denial.clause(), Some("IsAdmin"));
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Clause<P>(pub P, pub &'static str);

impl<P: Permission> Permission for Clause<P> {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        self.0
            .has_permission(ctx)
            .await
            .map_err(|denial| denial.denied_by(self.1))
    }

    fn anonymous(&self, safe_method: bool) -> Anonymous {
        self.0.anonymous(safe_method)
    }

    async fn explain(&self, ctx: &PermissionContext<'_>) -> Verdict {
        let mut verdict = self.0.explain(ctx).await;
        verdict.clause = self.1.to_owned();
        verdict
    }

    fn permission_names(&self, out: &mut Vec<&'static str>) {
        self.0.permission_names(out);
    }

    /// The inner permission's words, or the clause as written.
    fn words(&self) -> Option<String> {
        Some(self.0.words().unwrap_or_else(|| format!("`{}`", self.1)))
    }
}

impl<T: ?Sized + Sync, P: ObjectPermission<T>> ObjectPermission<T> for Clause<P> {
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        obj: &T,
    ) -> Result<(), Denial> {
        self.0
            .has_object_permission(ctx, obj)
            .await
            .map_err(|denial| denial.denied_by(self.1))
    }
}
