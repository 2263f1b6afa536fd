//! The policy type of each guarded operation (its chain, scopes, throttles and
//! permission expression), and the pieces `chain!` and `permissions!` share with it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::{ext::IdentExt, Path, Visibility};

use crate::{
    ast::{Chain, Operation, Policy},
    attr::{Leaf, PermExpr, SchemeRef, ThrottleKind, ThrottleSpec},
};

/// The hidden policy type of one operation and its `Policy` impl, after the stand-ins
/// of its custom schemes or named chain.
pub(super) fn policy_type(op: &Operation, policy: &Policy<'_>, marker: &Ident) -> TokenStream {
    let vis = &op.vis;
    let names = SchemeNames::of(marker);
    let mut stand_ins = TokenStream::new();
    let mut leaf_fns = TokenStream::new();
    let chain = match &policy.chain {
        Chain::Open => quote!(()),
        Chain::Default => quote!(::auth_runtime::__private::DefaultChain),
        Chain::Schemes(schemes) => chain_type(schemes, &names, vis, &mut stand_ins),
        Chain::Named(path) => {
            let named = names.named();
            stand_ins.extend(named_stand_in(vis, &named, path));
            quote!(<#named as ::auth_runtime::__private::NamedChain>::Chain)
        }
    };
    let permission = match policy.permission {
        None if matches!(policy.chain, Chain::Open) => quote!(::auth_runtime::AllowAny),
        None => quote!(::auth_runtime::__private::DefaultPermission),
        Some(expr) => permission_expr(expr, &mut leaf_fns),
    };
    let scoped = match &policy.chain {
        Chain::Open | Chain::Default => TokenStream::new(),
        Chain::Schemes(schemes) => scoped_checks(schemes, &names),
        Chain::Named(_) => {
            let named = names.named();
            quote! {
                return <#named as ::auth_runtime::__private::NamedChain>::required_scopes(scheme);
            }
        }
    };
    let throttles = (!policy.throttles.is_empty()).then(|| {
        let rules = policy.throttles.iter().map(throttle_rule);
        quote! {
            const THROTTLES: &'static [::auth_runtime::__private::ThrottleRule] = &[#(#rules),*];
        }
    });
    let required_scopes = (!scoped.is_empty()).then(|| required_scopes_fn(&scoped));
    let operation = match &op.route {
        Some(route) => format!(
            "{} {} ({})",
            route.methods.join(","),
            route.path,
            op.ident.unraw()
        ),
        None => op.ident.unraw().to_string(),
    };
    // Whether every method of the operation is safe, for what the document says about
    // anonymous callers (`IsAuthenticatedOrReadOnly` admits them on `GET` only).
    let safe = op.route.as_ref().is_some_and(|route| {
        !route.methods.is_empty()
            && route
                .methods
                .iter()
                .all(|m| matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS"))
    });
    quote! {
        #stand_ins

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #marker;

        impl ::auth_runtime::__private::Policy for #marker {
            type Chain = #chain;
            const SAFE_METHODS: bool = #safe;
            const OPERATION: &'static str = #operation;
            #required_scopes
            #throttles

            fn permission() -> impl ::auth_runtime::__private::Permission {
                #leaf_fns
                #permission
            }
        }
    }
}

/// The types the generated code names a chain's schemes by: a built-in scheme's own
/// type, or for a custom one the stand-in `<prefix>_scheme_<i>` (see [`scheme_stand_in`]);
/// for `#[authenticated(Path)]` alone, the stand-in `<prefix>_chain` (see
/// [`named_stand_in`]).
pub(super) struct SchemeNames(Ident);

impl SchemeNames {
    /// The names of the schemes of the policy (or declaration) named `prefix`.
    pub(super) fn of(prefix: &Ident) -> Self {
        SchemeNames(prefix.clone())
    }

    /// The type of the `index`th scheme.
    pub(super) fn ty(&self, index: usize, scheme: &SchemeRef) -> TokenStream {
        match scheme {
            SchemeRef::Builtin { scheme, ident, .. } => {
                let ty = Ident::new(scheme.type_name, ident.span());
                quote_spanned!(ident.span()=> ::auth_runtime::schemes::#ty)
            }
            SchemeRef::Custom(_) => self.stand_in(index).to_token_stream(),
        }
    }

    fn stand_in(&self, index: usize) -> Ident {
        format_ident!("{}_scheme_{}", self.0, index)
    }

    /// The stand-in of a named chain (or single scheme) used alone.
    pub(super) fn named(&self) -> Ident {
        format_ident!("{}_chain", self.0)
    }
}

/// A unit type that is the custom scheme `path` to the rest of the generated code: it
/// implements `Authenticator` by delegating every item to `path`. This is the only code
/// that requires `path: Authenticator` (through an alias on the path's last segment, so
/// that each requirement has the same span and rustc reports it once), so a type that
/// is no scheme, or is not found, is one error there; the chain, the documented
/// parameter and the table built on the stand-in add none.
pub(super) fn scheme_stand_in(vis: &Visibility, ident: &Ident, path: &Path) -> TokenStream {
    let (alias, span) = (format_ident!("{}_target", ident), last_span(path));
    let target = Ident::new(&alias.to_string(), span);
    let item = |name: &str, args: TokenStream| {
        let name = Ident::new(name, span);
        quote_spanned!(span=> <#target as ::auth_runtime::Authenticator>::#name #args)
    };
    let (name, challenge) = (item("NAME", quote!()), item("CHALLENGE", quote!()));
    let register = item("register", quote_spanned!(span=> (registry)));
    let authenticate = item("authenticate", quote_spanned!(span=> (req, ctx)));
    quote! {
        #[allow(non_camel_case_types)]
        type #alias = #path;

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #ident;

        #[diagnostic::do_not_recommend]
        impl ::auth_runtime::Authenticator for #ident {
            const NAME: &'static str = #name;
            const CHALLENGE: &'static str = #challenge;

            #[inline]
            fn register(registry: &mut ::auth_runtime::__private::poem_openapi::registry::Registry) {
                #register
            }

            #[inline]
            fn authenticate(
                req: &::auth_runtime::__private::poem::Request,
                ctx: &::auth_runtime::AuthContext,
            ) -> impl ::std::future::Future<Output = ::auth_runtime::Outcome> + ::std::marker::Send {
                #authenticate
            }
        }
    }
}

/// The same for `#[authenticated(Path)]` alone, where `Path` is a named chain
/// (`chain!`) or a single scheme: a unit type implementing `NamedChain` and `Chain`
/// through `NamedChainItems`, the one trait it requires of `Path`.
pub(super) fn named_stand_in(vis: &Visibility, ident: &Ident, path: &Path) -> TokenStream {
    let (alias, span) = (format_ident!("{}_target", ident), last_span(path));
    let target = Ident::new(&alias.to_string(), span);
    let item = |name: &str, args: TokenStream| {
        let name = Ident::new(name, span);
        quote_spanned!(span=> <#target as ::auth_runtime::__private::NamedChainItems<_>>::#name #args)
    };
    let (names, challenges) = (item("NAMES", quote!()), item("CHALLENGES", quote!()));
    let schemes = item("SCHEMES", quote!());
    let register = item("register", quote_spanned!(span=> (registry)));
    let required_scopes = item("required_scopes", quote_spanned!(span=> (scheme)));
    let authenticate = item("authenticate", quote_spanned!(span=> (req, ctx)));
    quote! {
        #[allow(non_camel_case_types)]
        type #alias = #path;

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #ident;

        #[diagnostic::do_not_recommend]
        impl ::auth_runtime::__private::NamedChain for #ident {
            type Chain = #ident;
            const SCHEMES: ::auth_runtime::__private::Schemes = #schemes;

            #[inline]
            fn required_scopes(
                scheme: &str,
            ) -> ::std::option::Option<(&'static [&'static str], &'static str)> {
                #required_scopes
            }
        }

        #[diagnostic::do_not_recommend]
        impl ::auth_runtime::Chain for #ident {
            const NAMES: &'static [&'static str] = #names;
            const CHALLENGES: &'static [&'static str] = #challenges;

            #[inline]
            fn register(registry: &mut ::auth_runtime::__private::poem_openapi::registry::Registry) {
                #register
            }

            #[inline]
            fn authenticate(
                req: &::auth_runtime::__private::poem::Request,
                ctx: &::auth_runtime::AuthContext,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<::auth_runtime::Principal, ::auth_runtime::AuthError>,
            > + ::std::marker::Send {
                #authenticate
            }
        }
    }
}

/// The expression over one function per leaf, written into `leaf_fns`: each has its
/// `impl Permission` on the user's span, so a value that is no permission fails there,
/// once; a combination of such opaque leaves is always a permission, so the error is not
/// repeated on the whole.
pub(super) fn permission_expr(expr: &PermExpr, leaf_fns: &mut TokenStream) -> TokenStream {
    for (i, leaf) in expr.leaves().into_iter().enumerate() {
        leaf_fns.extend(leaf_check(i, leaf));
    }
    combine(expr, &mut 0)
}

/// `if scheme == <S>::NAME { return Some((&[scopes], <S>::CHALLENGE)); }` for each
/// scheme of `schemes` that requires scopes.
pub(super) fn scoped_checks(schemes: &[SchemeRef], names: &SchemeNames) -> TokenStream {
    schemes
        .iter()
        .enumerate()
        .filter_map(|(i, scheme)| {
            let scopes = scheme.scopes();
            if scopes.is_empty() {
                return None;
            }
            let ty = names.ty(i, scheme);
            Some(quote! {
                if scheme == <#ty as ::auth_runtime::Authenticator>::NAME {
                    return ::std::option::Option::Some((
                        &[#(#scopes),*],
                        <#ty as ::auth_runtime::Authenticator>::CHALLENGE,
                    ));
                }
            })
        })
        .collect()
}

/// `fn required_scopes(scheme: &str) -> Option<..> { <checks> None }`.
pub(super) fn required_scopes_fn(checks: &TokenStream) -> TokenStream {
    quote! {
        #[allow(unreachable_code)]
        fn required_scopes(
            scheme: &str,
        ) -> ::std::option::Option<(&'static [&'static str], &'static str)> {
            #checks
            ::std::option::Option::None
        }
    }
}

/// The span errors about a path go to: its last segment.
pub(super) fn last_span(path: &Path) -> Span {
    path.segments
        .last()
        .map_or_else(Span::call_site, |segment| segment.ident.span())
}

/// `ThrottleRule { kind: ThrottleKind::User, rate: Rate::new(100, 60) }`.
pub(super) fn throttle_rule(spec: &ThrottleSpec) -> TokenStream {
    let kind = match &spec.kind {
        ThrottleKind::Anon => quote!(::auth_runtime::__private::ThrottleKind::Anon),
        ThrottleKind::User => quote!(::auth_runtime::__private::ThrottleKind::User),
        ThrottleKind::Scope(name) => quote!(::auth_runtime::__private::ThrottleKind::Scope(#name)),
    };
    let (count, period) = (spec.count, spec.period_secs);
    quote! {
        ::auth_runtime::__private::ThrottleRule {
            kind: #kind,
            rate: ::auth_runtime::__private::Rate::new(#count, #period),
        }
    }
}

/// `(Jwt, Session, <stand-in of crate::auth::ApiKey>,)`; the stand-ins of the custom
/// schemes go to `items`.
pub(super) fn chain_type(
    schemes: &[SchemeRef],
    names: &SchemeNames,
    vis: &Visibility,
    items: &mut TokenStream,
) -> TokenStream {
    let mut types = Vec::with_capacity(schemes.len());
    for (i, scheme) in schemes.iter().enumerate() {
        if let SchemeRef::Custom(path) = scheme {
            items.extend(scheme_stand_in(vis, &names.stand_in(i), path));
        }
        types.push(names.ty(i, scheme));
    }
    quote!((#(#types,)*))
}

/// The expression over the leaf functions, numbered in the order `leaves` returns them.
/// Every clause is wrapped with its source text, so that a refusal names the clause
/// that refused and `explain` labels each one.
fn combine(expr: &PermExpr, next: &mut usize) -> TokenStream {
    let node = match expr {
        PermExpr::Leaf(leaf) => {
            let name = leaf_fn(*next, leaf.span);
            *next += 1;
            quote!(#name())
        }
        PermExpr::Not(a) => {
            let a = combine(a, next);
            quote!(::auth_runtime::__private::Not(#a))
        }
        PermExpr::And(a, b) => {
            let a = combine(a, next);
            let b = combine(b, next);
            quote!(::auth_runtime::__private::And(#a, #b))
        }
        PermExpr::Or(a, b) => {
            let a = combine(a, next);
            let b = combine(b, next);
            quote!(::auth_runtime::__private::Or(#a, #b))
        }
    };
    let text = expr.source();
    quote!(::auth_runtime::__private::Clause(#node, #text))
}

/// `fn __auth_permission_<i>() -> impl Permission { <leaf> }`, on the leaf's span.
pub(super) fn leaf_check(index: usize, leaf: &Leaf) -> TokenStream {
    let name = leaf_fn(index, leaf.span);
    let tokens = &leaf.tokens;
    quote_spanned! {leaf.span=>
        fn #name() -> impl ::auth_runtime::__private::Permission {
            #tokens
        }
    }
}

fn leaf_fn(index: usize, span: Span) -> Ident {
    Ident::new(&format!("__auth_permission_{index}"), span)
}
