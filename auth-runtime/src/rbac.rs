//! Permissions as data (Django's auth): `HasPerm("articles.publish")` allows a user who
//! holds the named permission directly, through a group, or as a superuser. Names are
//! declared once (`AuthContextBuilder::permissions`); grants live in the database and
//! change without a deploy (`grant`, `revoke`, `create-group`, `perms` on the command
//! line, or [`PermissionAdminViews`](crate::views::PermissionAdminViews)).

use crate::{
    error::Denial,
    extract::RequestAuth,
    permission::{Anonymous, ObjectPermission, Permission, PermissionContext},
};

/// The caller holds the named permission, directly, through a group or as a
/// superuser. Looked up at most once per request, through the per-process cache
/// (which every instance sharing the database forgets when a grant changes).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{store::Grantee, testing, HasPerm, Permission, PermissionContext, Principal, Identity};
/// let ctx = testing::memory_context().await;
/// ctx.store().declare_permissions(&[("articles.publish", "Publish articles")]).await.unwrap();
/// let ann = testing::user("ann").create(&ctx).await;
/// let req = testing::request(&ctx);
/// let who = Principal::from(Identity::new(ann.clone(), "jwt"));
/// let publish = HasPerm("articles.publish");
/// assert!(publish.has_permission(&PermissionContext::new(&req, &who)).await.is_err());
/// ctx.store().grant(Grantee::User(ann.id), "articles.publish").await.unwrap();
/// assert!(publish.has_permission(&PermissionContext::new(&req, &who)).await.is_ok());
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HasPerm(pub &'static str);

impl Permission for HasPerm {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        let refused = || {
            Denial::new(format!("This action needs the `{}` permission.", self.0))
                .with_code("missing_permission")
        };
        let Some(user) = ctx.principal().user() else {
            return Err(refused());
        };
        if user.is_superuser {
            return Ok(());
        }
        let Some(auth) = ctx.request().extensions().get::<RequestAuth>() else {
            // No context: nobody to ask, so nothing is granted (fail closed).
            return Err(refused());
        };
        match auth.ctx.store().user_permissions(user.id).await {
            Ok(held) if held.iter().any(|p| p == self.0) => Ok(()),
            Ok(_) => Err(refused()),
            Err(e) => {
                tracing::error!(error = %e, "permission lookup failed");
                Err(refused())
            }
        }
    }

    fn anonymous(&self, _safe: bool) -> Anonymous {
        Anonymous::Refused
    }

    fn permission_names(&self, out: &mut Vec<&'static str>) {
        out.push(self.0);
    }

    fn words(&self) -> Option<String> {
        Some(format!("the `{}` permission", self.0))
    }
}

/// An object is judged as the request is.
impl<T: ?Sized + Sync> ObjectPermission<T> for HasPerm {
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        _obj: &T,
    ) -> Result<(), Denial> {
        self.has_permission(ctx).await
    }
}
