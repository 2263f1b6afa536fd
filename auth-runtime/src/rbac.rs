//! Permissions as data (Django's auth): `HasPerm("articles.publish")` allows a user who
//! holds the named permission directly, through a group, or as a superuser. Names are
//! declared once (`AuthContextBuilder::permissions`, or in code with
//! [`declare_permissions!`](crate::declare_permissions), which the compiler checks);
//! grants live in the database and change without a deploy (`grant`, `revoke`,
//! `create-group`, `perms` on the command line, or
//! [`PermissionAdminViews`](crate::views::PermissionAdminViews)).

use crate::{
    error::Denial,
    extract::RequestAuth,
    permission::{Anonymous, ObjectPermission, Permission, PermissionContext},
};

/// Declares an application's permissions once, in code: a [`HasPerm`] constant for
/// each, usable in `#[permission(...)]`, and the list of all of them with their
/// descriptions for [`AuthContextBuilder::permissions`](crate::AuthContextBuilder::permissions).
///
/// A name's form is checked while the application compiles, and a policy that names a
/// permission through its constant cannot name an undeclared one: a misspelt constant
/// does not compile (`HasPerm("...")` with a string is checked at start-up instead).
///
/// ```
/// mod perms {
///     auth_runtime::declare_permissions! {
///         /// Everything the articles API declares.
///         pub ARTICLES {
///             /// May publish an article.
///             PUBLISH: "articles.publish" => "Publish an article",
///             DELETE_ANY: "articles.delete_any" => "Delete anyone's article",
///         }
///     }
/// }
/// assert_eq!(perms::PUBLISH.0, "articles.publish");
/// assert_eq!(perms::ARTICLES[1], ("articles.delete_any", "Delete anyone's article"));
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let store = auth_runtime::Store::connect("sqlite::memory:").await.unwrap();
/// # store.migrate().await.unwrap();
/// let ctx = auth_runtime::AuthContext::builder(Default::default(), store)
///     .permissions(perms::ARTICLES)
///     .build()
///     .await
///     .unwrap();
/// # let _ = ctx;
/// # });
/// ```
#[macro_export]
macro_rules! declare_permissions {
    (
        $(#[$list_meta:meta])*
        $vis:vis $list:ident {
            $( $(#[$meta:meta])* $name:ident : $perm:literal => $description:literal ),+ $(,)?
        }
    ) => {
        $(
            $(#[$meta])*
            #[doc = concat!("The `", $perm, "` permission: ", $description, ".")]
            $vis const $name: $crate::HasPerm = $crate::HasPerm($perm);
        )+
        $(#[$list_meta])*
        $vis const $list: &[(&str, &str)] = &[$(($perm, $description)),+];
        // A malformed name fails the build here, on the declaration.
        const _: () = {
            $(
                ::core::assert!(
                    $crate::__private::is_permission_name($perm),
                    concat!(
                        "`", $perm, "` is not a permission name: a permission is named ",
                        "`app.action` in lowercase letters, digits and `_`, such as ",
                        "`articles.publish`"
                    )
                );
            )+
        };
    };
}

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
