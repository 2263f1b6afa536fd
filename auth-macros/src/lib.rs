//! The `#[secured]` / `#[authenticated]` / `#[permission]` / `#[public]` DSL of
//! `auth-runtime`, with its named chains (`chain!`) and permissions (`permissions!`). Use the macros through `auth_runtime`, which re-exports them and
//! provides every path the generated code names.
//!
//! Set `AUTH_MACROS_DEBUG=1` to print each `#[secured]` expansion to stderr.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;

/// Goes on an `impl` block, above `#[OpenApi]`. Reads each operation's
/// `#[authenticated(...)]`, `#[permission(...)]` and `#[public]`, and gives every guarded
/// operation a hidden first parameter that runs its authentication chain and
/// permissions before anything else is extracted and documents its `security`.
///
/// Only the order of `#[secured]` and `#[OpenApi]` matters. The method attributes
/// (`#[authenticated]`, `#[permission]`, `#[public]`, `#[throttle]`,
/// `#[object_permission]`) may come in any order, above or below `#[oai]`: `#[secured]`
/// reads them all before `#[OpenApi]` runs.
///
/// An operation (a method with `#[oai(...)]`) that declares none of the three is a
/// compile error: access is denied by default, unless the impl gives a default that
/// every operation without its own declarations inherits (each part separately):
/// `#[secured(authenticated(Api), permission(IsAuthenticated), throttle(user = "100/minute"))]`.
///
/// ```ignore
/// use auth_runtime::{authenticated, permission, public, secured, IsAdmin, Principal};
/// use poem_openapi::{payload::PlainText, OpenApi};
///
/// struct Api;
///
/// #[secured]
/// #[OpenApi]
/// impl Api {
///     #[authenticated(jwt, session)]
///     #[permission(IsAdmin)]
///     #[oai(path = "/admin", method = "get")]
///     async fn admin(&self, who: Principal) -> PlainText<String> {
///         PlainText(format!("{who:?}"))
///     }
///
///     #[public]
///     #[oai(path = "/health", method = "get")]
///     async fn health(&self) -> PlainText<&'static str> {
///         PlainText("ok")
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn secured(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::secured(args.into(), input.into()).into()
}

/// Names an authentication chain, declared once and used as `#[authenticated(Api)]`
/// (alone in the list) or as an impl's default:
///
/// ```ignore
/// auth_runtime::chain! {
///     /// What the public API accepts.
///     pub Api = jwt, session, oauth2(scope = "read"), token;
/// }
/// ```
///
/// The schemes and their arguments are those of `#[authenticated(...)]`, checked the
/// same way; several declarations are separated by `;`.
#[proc_macro]
pub fn chain(input: TokenStream) -> TokenStream {
    expand::chain(input.into()).into()
}

/// Names a permission expression, declared once and used as a permission:
/// `#[permission(ArticleAccess)]`, `#[permission(ArticleAccess & IsAdmin)]`.
///
/// ```ignore
/// auth_runtime::permissions! {
///     pub ArticleAccess = IsAuthenticatedOrReadOnly & (!IsScoped | ReadWriteScope);
/// }
/// ```
///
/// The expression is that of `#[permission(...)]`, checked the same way; the type
/// judges objects as it judges the request.
#[proc_macro]
pub fn permissions(input: TokenStream) -> TokenStream {
    expand::permissions(input.into()).into()
}

/// The authentication schemes of an operation, tried in order:
/// `#[authenticated(jwt, session)]`, a custom scheme type such as
/// `#[authenticated(jwt, crate::auth::ApiKey)]`, or `#[authenticated]` for the
/// application's default chain. Without `#[permission]`, it requires `IsAuthenticated`.
///
/// Read by `#[secured]`; on its own it is an error.
#[proc_macro_attribute]
pub fn authenticated(args: TokenStream, input: TokenStream) -> TokenStream {
    fallback::misplaced("authenticated", args.into(), input.into()).into()
}

/// The permissions of an operation: permission values combined with `&` (all), `|`
/// (any), `!` (not) and parentheses, e.g.
/// `#[permission(IsAuthenticated & !IsAdmin | HasScope("write"))]`. Without
/// `#[authenticated]`, the application's default chain authenticates.
///
/// Read by `#[secured]`; on its own it is an error.
#[proc_macro_attribute]
pub fn permission(args: TokenStream, input: TokenStream) -> TokenStream {
    fallback::misplaced("permission", args.into(), input.into()).into()
}

/// An object-level permission on a resource the operation loads:
/// `#[object_permission(IsOwnerOrReadOnly | IsAdmin, article = load_article(&ctx, id.0))]`.
///
/// After the request-level checks and the handler's own parameters, the loader (an
/// async call returning `Result<T, E>`, `E: Into<poem::Error>`) runs; an error is the
/// response (e.g. 404). The permission expression, over `ObjectPermission<T>` types,
/// then judges the object (403 with its message when it refuses), and the handler's
/// body runs with the object bound to the given name (a new one: not a parameter's).
///
/// Read by `#[secured]`; on its own it is an error.
#[proc_macro_attribute]
pub fn object_permission(args: TokenStream, input: TokenStream) -> TokenStream {
    fallback::misplaced("object_permission", args.into(), input.into()).into()
}

/// Rate limits, checked after authentication and permissions (DRF's throttles):
/// `#[throttle(anon = "100/day", user = "1000/day")]`,
/// `#[throttle(scope = "uploads", rate = "10/minute")]`. Over a rate: 429 with
/// `Retry-After`. Rates in settings (`throttle.rates`) may replace these by name.
///
/// Read by `#[secured]`; on its own it is an error.
#[proc_macro_attribute]
pub fn throttle(args: TokenStream, input: TokenStream) -> TokenStream {
    fallback::misplaced("throttle", args.into(), input.into()).into()
}

/// Marks an operation as open to everyone: no authentication, no permission, no
/// `security` in the OpenAPI document.
///
/// Read by `#[secured]`; on its own it is an error.
#[proc_macro_attribute]
pub fn public(args: TokenStream, input: TokenStream) -> TokenStream {
    fallback::misplaced("public", args.into(), input.into()).into()
}
