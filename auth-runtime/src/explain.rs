//! "Why was I refused?": an operation's permission expression evaluated for a user,
//! clause by clause, without sending the request (the `explain` command).

use std::fmt;

use poem::http::Method;

use crate::{
    context::AuthContext,
    operation::{Access, Operation},
    permission::{PermissionContext, Verdict},
    principal::{Identity, Principal},
};

/// Why [`explain`] could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// No operation registered with the context (`AuthContextBuilder::api`) has this
    /// method and path.
    #[error("no operation answers {0} {1}")]
    NoOperation(String, String),
    /// No such user.
    #[error("no user named {0:?}")]
    NoUser(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// What [`explain`] found: the operation, the caller, and the verdict of each clause.
#[derive(Debug)]
pub struct Explanation {
    /// `GET /api/articles/3/`.
    pub request: String,
    /// The operation that answers it.
    pub operation: &'static Operation,
    /// Who asks (`None` for an anonymous caller).
    pub user: Option<String>,
    /// The permission expression's decision; `None` for a `#[public]` operation.
    pub verdict: Option<Verdict>,
}

/// Evaluates the permission expression of the operation that answers `method path`
/// for `username` (`None`: anonymous), as if the chain had authenticated that user
/// (whatever the scheme). Object permissions judge a loaded object, so they are named
/// but not evaluated.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{explain::explain, permission, secured, testing, IsAdmin};
/// use poem_openapi::{payload::PlainText, OpenApi};
///
/// struct Admin;
/// #[secured]
/// #[OpenApi]
/// impl Admin {
///     #[permission(IsAdmin)]
///     #[oai(path = "/stats/", method = "get")]
///     async fn stats(&self) -> PlainText<&'static str> { PlainText("42") }
/// }
///
/// let store = auth_runtime::Store::connect("sqlite::memory:").await.unwrap();
/// store.migrate().await.unwrap();
/// let ctx = auth_runtime::AuthContext::builder(Default::default(), store)
///     .api::<Admin>().build().await.unwrap();
/// testing::user("bob").create(&ctx).await;
/// let why = explain(&ctx, Some("bob"), "GET", "/stats/").await.unwrap();
/// assert!(!why.verdict.as_ref().unwrap().allowed);
/// assert!(why.to_string().contains("deny  IsAdmin"));
/// # });
/// ```
pub async fn explain(
    ctx: &AuthContext,
    username: Option<&str>,
    method: &str,
    path: &str,
) -> Result<Explanation, ExplainError> {
    let method = method.to_ascii_uppercase();
    let operation = ctx
        .operations()
        .iter()
        .copied()
        .find(|op| op.methods.contains(&method.as_str()) && matches(op.path, path))
        .ok_or_else(|| ExplainError::NoOperation(method.clone(), path.to_owned()))?;
    let principal = match username {
        Some(name) => {
            let user = ctx
                .store()
                .user_by_username(name)
                .await?
                .ok_or_else(|| ExplainError::NoUser(name.to_owned()))?
                .user;
            Principal::from(Identity::new(user, "explain"))
        }
        None => Principal::Anonymous,
    };
    let mut req = poem::Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET))
        .uri_str(path)
        .finish();
    // Permissions that read app state find the store, as they do in the application.
    req.extensions_mut().insert(ctx.store().clone());
    let verdict = match operation.policy {
        Some(policy) => Some(
            policy
                .explain(&PermissionContext::new(&req, &principal))
                .await,
        ),
        None => None,
    };
    Ok(Explanation {
        request: format!("{method} {path}"),
        operation,
        user: username.map(str::to_owned),
        verdict,
    })
}

/// Whether `path` is an instance of the declared `template` (`/a/:id/`), trailing
/// slashes aside.
fn matches(template: &str, path: &str) -> bool {
    let split = |p: &str| {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (template, path) = (split(template), split(path));
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| t.starts_with(':') || t == p)
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = self.user.as_deref().unwrap_or("an anonymous caller");
        writeln!(f, "{} as {who}", self.request)?;
        writeln!(
            f,
            "operation {} ({} {})",
            self.operation.name,
            self.operation.methods.join(","),
            self.operation.path
        )?;
        match (&self.operation.access, &self.verdict) {
            (Access::Public, _) | (_, None) => writeln!(f, "allow (public: no permission)")?,
            (Access::Guarded { .. }, Some(verdict)) => write!(f, "{verdict}")?,
        }
        for object in self.operation.object_permissions {
            writeln!(
                f,
                "then, on the loaded object: {object} (not evaluated here)"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn paths_match_their_templates() {
        assert!(matches("/api/articles/:id/", "/api/articles/3"));
        assert!(matches("/api/articles/", "/api/articles/"));
        assert!(!matches("/api/articles/:id/", "/api/articles/"));
        assert!(!matches("/api/a/", "/api/b/"));
    }
}
