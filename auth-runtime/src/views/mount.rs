//! Serving an API under a path prefix chosen by the application: `Mount<Api, JwtViews>`
//! serves the JWT views at `/api/token/`, `/api/token/refresh/`, ... and documents them
//! there.
//!
//! poem-openapi reads an API's paths from a function without `self`, so the prefix is
//! a type ([`Prefix`], declared with [`prefix!`](crate::prefix)) rather than a value.

use std::{
    collections::HashMap,
    marker::PhantomData,
    sync::{Mutex, OnceLock},
};

use poem::{endpoint::BoxEndpoint, http::Method};
use poem_openapi::{
    registry::{MetaApi, Registry},
    OpenApi,
};

use crate::operation::{Operation, SecuredApi};

/// A path prefix, as a type: declare one with [`prefix!`](crate::prefix).
///
/// ```
/// auth_runtime::prefix!(
///     /// Where the API lives.
///     pub Api = "/api"
/// );
/// use auth_runtime::views::Prefix;
/// assert_eq!(Api::PATH, "/api");
/// ```
pub trait Prefix: Send + Sync + 'static {
    /// The prefix: starts with `/`, no trailing `/` (`/api`, `/api/accounts`).
    const PATH: &'static str;
}

/// Declares a [`Prefix`] type: `auth_runtime::prefix!(pub Api = "/api");`. A path
/// that does not start with `/`, or ends with one, does not compile.
///
/// ```compile_fail
/// auth_runtime::prefix!(pub Bad = "api/");
/// ```
#[macro_export]
macro_rules! prefix {
    ($(#[$meta:meta])* $vis:vis $name:ident = $path:literal $(;)?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;
        impl $crate::views::Prefix for $name {
            const PATH: &'static str = $path;
        }
        const _: () = ::core::assert!(
            $crate::views::valid_prefix($path),
            "a prefix starts with `/` and does not end with one, such as \"/api\""
        );
    };
}

/// Whether `path` is a usable prefix: `/` then at least one character, no trailing `/`.
/// [`prefix!`](crate::prefix) checks it at compile time.
///
/// ```
/// use auth_runtime::views::valid_prefix;
/// assert!(valid_prefix("/api/v1"));
/// assert!(!valid_prefix("api") && !valid_prefix("/api/") && !valid_prefix("/"));
/// ```
pub const fn valid_prefix(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0] == b'/' && b[b.len() - 1] != b'/'
}

/// `A` served under `P`: its routes, its document and its operation table (policy
/// table, settings checks) all carry the prefix. `A` may be a tuple of APIs.
///
/// ```
/// use auth_runtime::{docs::ApiDocs, views::{JwtViews, Mount}, Settings};
/// auth_runtime::prefix!(pub Api = "/api");
///
/// let api = poem_openapi::OpenApiService::new(Mount::<Api, JwtViews>::default(), "app", "1");
/// let docs = ApiDocs::new(&api, &Settings::default());
/// let doc: serde_json::Value = serde_json::from_str(docs.spec()).unwrap();
/// assert!(doc["paths"]["/api/token/refresh/"]["post"].is_object());
/// ```
pub struct Mount<P, A>(A, PhantomData<P>);

impl<P, A> Mount<P, A> {
    /// Mounts `api` under `P`.
    pub fn new(api: A) -> Self {
        Self(api, PhantomData)
    }
}

impl<P, A: Default> Default for Mount<P, A> {
    fn default() -> Self {
        Self::new(A::default())
    }
}

/// `prefix` + `path`, keeping `path`'s trailing slash.
fn join(prefix: &str, path: &str) -> String {
    if path == "/" || path.is_empty() {
        return prefix.to_owned();
    }
    format!("{prefix}{path}")
}

impl<P: Prefix, A: OpenApi> OpenApi for Mount<P, A> {
    fn meta() -> Vec<MetaApi> {
        let mut apis = A::meta();
        for api in &mut apis {
            for path in &mut api.paths {
                path.path = join(P::PATH, &path.path);
            }
        }
        apis
    }

    fn register(registry: &mut Registry) {
        A::register(registry);
    }

    fn add_routes(self, route_table: &mut HashMap<String, HashMap<Method, BoxEndpoint<'static>>>) {
        let mut inner = HashMap::new();
        self.0.add_routes(&mut inner);
        for (path, methods) in inner {
            route_table
                .entry(join(P::PATH, &path))
                .or_default()
                .extend(methods);
        }
    }
}

impl<P: Prefix, A: SecuredApi> SecuredApi for Mount<P, A> {
    fn operations() -> Vec<&'static Operation> {
        A::operations()
            .into_iter()
            .map(|op| prefixed(P::PATH, op))
            .collect()
    }
}

/// The operation with its path under `prefix`, made once per (prefix, operation) and
/// kept for the life of the process: the operation table holds `'static` entries.
fn prefixed(prefix: &'static str, op: &'static Operation) -> &'static Operation {
    type Made = HashMap<(&'static str, usize), &'static Operation>;
    static MADE: OnceLock<Mutex<Made>> = OnceLock::new();
    let key = (prefix, std::ptr::from_ref(op) as usize);
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    made.entry(key).or_insert_with(|| {
        let path: &'static str = Box::leak(join(prefix, op.path).into_boxed_str());
        Box::leak(Box::new(Operation { path, ..*op }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_keep_the_declared_slash() {
        assert_eq!(join("/api", "/token/"), "/api/token/");
        assert_eq!(join("/api", "/token"), "/api/token");
        assert_eq!(join("/api", "/"), "/api");
    }
}
