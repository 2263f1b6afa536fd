//! What settings choose at run time: the default chain (`default_schemes`) and the
//! default permission (`default_permission`), for operations that declare none.

use std::borrow::Cow;

use poem::Request;
use poem_openapi::registry::Registry;

use super::{Chain, Fold};
use crate::{
    authenticator::{Authenticator, Outcome},
    context::AuthContext,
    error::{AuthError, Challenges, Denial},
    extract::RequestAuth,
    permission::{
        AllowAny, IsAdmin, IsAuthenticated, IsAuthenticatedOrReadOnly, ObjectPermission,
        Permission, PermissionContext,
    },
    principal::Principal,
    schemes::{Basic, Jwt, OAuth2, Session, Token},
    settings,
};

/// The application's default chain (`#[authenticated]` with no list, or
/// `#[permission(...)]` alone), taken from [`Settings::default_schemes`](crate::settings::Settings)
/// at run time.
///
/// The OpenAPI document lists every built-in scheme for such operations, since the
/// document is built before settings are read.
///
/// ```
/// use auth_runtime::{chain::DefaultChain, Chain};
/// assert_eq!(DefaultChain::NAMES, ["session", "jwt", "oauth2", "token", "basic"]);
/// ```
pub struct DefaultChain;

/// The built-in schemes, written once: by name at run time, in this order in the
/// document.
macro_rules! builtin_schemes {
    ($($scheme:ty),+) => {
        async fn run(name: &str, req: &Request, ctx: &AuthContext) -> Outcome {
            $(if name == <$scheme>::NAME {
                return Box::pin(<$scheme>::authenticate(req, ctx)).await;
            })+
            // Settings::validate refused unknown names at start-up.
            Outcome::NotMine
        }

        const NAMES: &[&str] = &[$(<$scheme>::NAME),+];
        const CHALLENGES: &[&str] = &[$(<$scheme>::CHALLENGE),+];

        fn register_all(registry: &mut Registry) {
            $(<$scheme>::register(registry);)+
        }
    };
}

builtin_schemes!(Session, Jwt, OAuth2, Token, Basic);

impl Chain for DefaultChain {
    const DOCUMENTED_BY_GUARD: bool = true;
    const NAMES: &'static [&'static str] = NAMES;
    const CHALLENGES: &'static [&'static str] = CHALLENGES;

    fn challenges(ctx: &AuthContext) -> Challenges {
        let settings = ctx.settings();
        let configured: Vec<&'static str> = settings
            .default_schemes
            .iter()
            .filter_map(|name| {
                let i = NAMES.iter().position(|b| b == name)?;
                CHALLENGES.get(i).copied()
            })
            .collect();
        if configured.len() > 1 && !settings.basic.challenge {
            let basic = Basic::CHALLENGE;
            return Cow::Owned(configured.into_iter().filter(|c| *c != basic).collect());
        }
        Cow::Owned(configured)
    }

    fn register(registry: &mut Registry) {
        register_all(registry);
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Result<Principal, AuthError> {
        let mut fold = Fold::default();
        for name in &ctx.settings().default_schemes {
            if let Some(done) = fold.step(run(name, req, ctx).await) {
                return done;
            }
        }
        fold.finish()
    }
}

/// The permission named by `default_permission` in settings (DRF's
/// `DEFAULT_PERMISSION_CLASSES`): what an operation with `#[authenticated]` and no
/// `#[permission(...)]` requires.
///
/// ```
/// # use auth_runtime::{chain::DefaultPermission, Permission, PermissionContext, Principal};
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
        use settings::DefaultPermission as Named;
        let named = ctx
            .request()
            .extensions()
            .get::<RequestAuth>()
            .map_or(Named::IsAuthenticated, |a| {
                a.ctx.settings().default_permission
            });
        match named {
            Named::AllowAny => AllowAny.has_permission(ctx).await,
            Named::IsAdmin => IsAdmin.has_permission(ctx).await,
            Named::IsAuthenticatedOrReadOnly => IsAuthenticatedOrReadOnly.has_permission(ctx).await,
            Named::IsAuthenticated => IsAuthenticated.has_permission(ctx).await,
        }
    }

    /// As the default setting (`IsAuthenticated`) does; the document of an
    /// application whose settings say otherwise is corrected by
    /// [`ApiDocs`](crate::docs::ApiDocs), which knows the settings.
    fn anonymous(&self, safe: bool) -> crate::permission::Anonymous {
        IsAuthenticated.anonymous(safe)
    }
}

/// An object is judged as the request is, so that `!` and `|` mean the same at both
/// levels.
impl<T: ?Sized + Sync> ObjectPermission<T> for DefaultPermission {
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        _obj: &T,
    ) -> Result<(), Denial> {
        self.has_permission(ctx).await
    }
}

#[cfg(test)]
mod tests {
    use super::NAMES;

    #[test]
    fn every_builtin_scheme_runs_by_name() {
        let mut runtime: Vec<_> = NAMES.to_vec();
        let mut grammar: Vec<_> = auth_grammar::schemes::BUILTIN
            .iter()
            .map(|b| b.name)
            .collect();
        runtime.sort_unstable();
        grammar.sort_unstable();
        assert_eq!(runtime, grammar);
    }
}
