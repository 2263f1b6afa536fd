//! Code generation: one policy type per guarded operation, and the guard parameter
//! that makes `#[OpenApi]` run and document it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::{
    ext::IdentExt, spanned::Spanned, FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, PatIdent, PatType,
    ReturnType, Token, Type,
};

use crate::{
    ast::{Chain, Leaf, Operation, PermExpr, Policy, SchemeRef, SecuredImpl},
    attr::{Errors, ObjectRule, ThrottleKind, ThrottleSpec},
    fallback, valid,
};

/// `#[secured]`: parse, validate, generate. On failure: the errors, the impl with our
/// attributes neutralised and no guard, and checks of the permissions and schemes that
/// did parse (see [`Mode::Fallback`]).
pub(crate) fn secured(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.spanned(
            &args,
            "`#[secured]` takes no arguments; write `#[secured]` above `#[OpenApi]`",
        );
    }
    let item: ItemImpl = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            return fallback::expand(
                input,
                syn::Error::new(
                    Span::call_site(),
                    "`#[secured]` goes on an `impl` block, above `#[OpenApi]`",
                ),
            )
        }
    };
    let hash = short_hash(&input.to_string());
    let secured = SecuredImpl::from_syn(item, &mut errors);
    let result = valid::check_order(&secured.item).and_then(|()| {
        valid::check(&secured, &mut errors);
        errors.finish()
    });
    let expanded = match result {
        Ok(()) => generate(secured, &hash, Mode::Guard),
        Err(error) => fallback::expand(generate(secured, &hash, Mode::Fallback), error),
    };
    debug(&expanded);
    expanded
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Everything is valid: policy types and guards.
    Guard,
    /// Something is wrong: no guard, only checks of the permissions and custom schemes
    /// that parsed, so that their own errors show in the same pass and the imports they
    /// use stay used.
    Fallback,
}

fn generate(secured: SecuredImpl, hash: &str, mode: Mode) -> TokenStream {
    let table = operation_table(&secured, mode);
    let SecuredImpl {
        mut item,
        operations,
        ..
    } = secured;
    let mut policies = TokenStream::new();
    for op in &operations {
        if mode == Mode::Fallback {
            policies.extend(leftover_checks(op));
            continue;
        }
        let Some(policy) = op.policy() else {
            continue;
        };
        let marker = format_ident!("__AuthPolicy_{}_{}", op.ident.unraw(), hash);
        policies.extend(policy_type(op, &policy, &marker));
        if let Some(ImplItem::Fn(method)) = item.items.get_mut(op.index) {
            if matches!(method.sig.inputs.first(), Some(FnArg::Receiver(_))) {
                method.sig.inputs.insert(1, guard_param(&marker));
                // The parameters added here are not the user's to count.
                method
                    .attrs
                    .push(syn::parse_quote!(#[allow(clippy::too_many_arguments)]));
                if let Chain::Schemes(schemes) = &policy.chain {
                    for (i, scheme) in schemes.iter().enumerate() {
                        let (param, scopes) = documented_param(&marker, i, scheme);
                        method.sig.inputs.insert(2 + i, param);
                        policies.extend(scopes);
                    }
                }
                if !op.attrs.objects.is_empty() {
                    method.sig.inputs.push(request_param());
                }
                policies.extend(wrap_response(method, &marker, &op.attrs.objects));
            }
        }
    }
    quote! {
        #policies
        #table
        #item
    }
}

/// `impl SecuredApi for Api`: every operation's route and policy as data. Empty in
/// [`Mode::Fallback`], so that code using it draws no further errors.
fn operation_table(secured: &SecuredImpl, mode: Mode) -> TokenStream {
    let item = &secured.item;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let rows: Vec<TokenStream> = match mode {
        Mode::Fallback => Vec::new(),
        Mode::Guard => secured
            .operations
            .iter()
            .filter_map(|op| operation_row(op, secured.prefix.as_deref()))
            .collect(),
    };
    let count = rows.len();
    quote! {
        impl #impl_generics ::auth_runtime::__private::SecuredApi for #self_ty #where_clause {
            fn operations() -> ::std::vec::Vec<&'static ::auth_runtime::__private::Operation> {
                static OPERATIONS: [::auth_runtime::__private::Operation; #count] = [#(#rows),*];
                ::std::iter::Iterator::collect(OPERATIONS.iter())
            }
        }
    }
}

/// One `Operation { .. }` literal; `None` for a method without a literal route.
fn operation_row(op: &Operation, prefix: Option<&str>) -> Option<TokenStream> {
    let route = op.route.as_ref()?;
    let name = op.ident.unraw().to_string();
    let methods = &route.methods;
    let path = match prefix {
        Some(prefix) if !prefix.is_empty() => format!(
            "{}/{}",
            prefix.trim_end_matches('/'),
            route.path.trim_start_matches('/')
        ),
        _ => route.path.clone(),
    };
    let throttles: Vec<String> = op
        .attrs
        .throttle
        .as_ref()
        .map(|t| t.specs.iter().map(throttle_text).collect())
        .unwrap_or_default();
    let objects: Vec<String> = op
        .attrs
        .objects
        .iter()
        .filter_map(|rule| rule.expr.as_ref().map(PermExpr::source))
        .collect();
    let access = match op.policy() {
        _ if op.attrs.public.is_some() => quote!(::auth_runtime::__private::Access::Public),
        None => quote!(::auth_runtime::__private::Access::Public),
        Some(policy) => {
            let schemes = match policy.chain {
                Chain::Open | Chain::Default => quote!(::auth_runtime::__private::Schemes::Default),
                Chain::Schemes(list) => {
                    let uses = list.iter().map(scheme_use);
                    quote!(::auth_runtime::__private::Schemes::Declared(&[#(#uses),*]))
                }
            };
            let permission = match policy.permission.map(PermExpr::source) {
                Some(text) => quote!(::std::option::Option::Some(#text)),
                None => quote!(::std::option::Option::None),
            };
            quote! {
                ::auth_runtime::__private::Access::Guarded {
                    schemes: #schemes,
                    permission: #permission,
                }
            }
        }
    };
    Some(quote! {
        ::auth_runtime::__private::Operation {
            name: #name,
            methods: &[#(#methods),*],
            path: #path,
            access: #access,
            throttles: &[#(#throttles),*],
            object_permissions: &[#(#objects),*],
        }
    })
}

/// `SchemeUse { name: <Jwt as Authenticator>::NAME, scopes: &["read"] }`.
fn scheme_use(scheme: &SchemeRef) -> TokenStream {
    let ty = scheme_type(scheme);
    let scopes = scheme.scopes();
    quote! {
        ::auth_runtime::__private::SchemeUse {
            name: <#ty as ::auth_runtime::Authenticator>::NAME,
            scopes: &[#(#scopes),*],
        }
    }
}

/// The type implementing a scheme: `::auth_runtime::schemes::Jwt`, or the user's path.
fn scheme_type(scheme: &SchemeRef) -> TokenStream {
    match scheme {
        SchemeRef::Builtin { scheme, ident, .. } => {
            let ty = Ident::new(scheme.type_name, ident.span());
            quote_spanned!(ident.span()=> ::auth_runtime::schemes::#ty)
        }
        SchemeRef::Custom(path) => path.to_token_stream(),
    }
}

/// `#[oai(scope = "...")] __auth_scheme_<i>: Documented<Scheme>`, which lists one
/// scheme in the operation's OpenAPI `security` with its own scopes, and the constants
/// naming those scopes (poem-openapi reads a scope as a path to a value).
fn documented_param(marker: &Ident, index: usize, scheme: &SchemeRef) -> (FnArg, TokenStream) {
    let ty = scheme_type(scheme);
    let mut consts = TokenStream::new();
    let mut scopes = Vec::new();
    for (j, scope) in scheme.scopes().iter().enumerate() {
        let name = format_ident!("__AUTH_SCOPE_{}_{}_{}", marker, index, j);
        consts.extend(quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals, dead_code)]
            const #name: ::auth_runtime::__private::Scope = ::auth_runtime::__private::Scope(#scope);
        });
        let path = syn::LitStr::new(&name.to_string(), Span::call_site());
        scopes.push(quote!(scope = #path));
    }
    // One `#[oai]` with every scope: poem-openapi reads (and removes) only the first
    // `#[oai]` of a parameter.
    let attrs = if scopes.is_empty() {
        Vec::new()
    } else {
        vec![syn::parse_quote!(#[oai(#(#scopes),*)])]
    };
    let param = FnArg::Typed(PatType {
        attrs,
        pat: Box::new(Pat::Ident(PatIdent {
            attrs: Vec::new(),
            by_ref: None,
            mutability: None,
            ident: format_ident!("__auth_scheme_{}", index),
            subpat: None,
        })),
        colon_token: <Token![:]>::default(),
        ty: Box::new(Type::Verbatim(
            quote!(::auth_runtime::__private::Documented<#ty>),
        )),
    });
    (param, consts)
}

/// The checks of [`policy_type`] for what parsed of an operation, in an anonymous
/// constant.
fn leftover_checks(op: &Operation) -> TokenStream {
    let mut checks = TokenStream::new();
    if let Some(permission) = &op.attrs.permission {
        for (i, leaf) in permission.leaves.iter().enumerate() {
            checks.extend(leaf_check(i, leaf));
        }
    }
    if let Some(schemes) = op
        .attrs
        .authenticated
        .as_ref()
        .and_then(|a| a.schemes.as_ref())
    {
        let mut fn_body = TokenStream::new();
        chain_type(schemes, &mut fn_body);
        if !fn_body.is_empty() {
            checks.extend(quote!(fn __auth_schemes() { #fn_body }));
        }
    }
    // The object permissions that parsed are named too, so their imports stay used.
    let objects: Vec<TokenStream> = op
        .attrs
        .objects
        .iter()
        .filter_map(|rule| rule.expr.as_ref())
        .flat_map(PermExpr::leaves)
        .map(|leaf| {
            let tokens = &leaf.tokens;
            quote!(let _ = &#tokens;)
        })
        .collect();
    if !objects.is_empty() {
        checks.extend(quote!(fn __auth_objects() { #(#objects)* }));
    }
    if checks.is_empty() {
        return checks;
    }
    quote! {
        #[allow(dead_code)]
        const _: () = {
            #checks
        };
    }
}

/// The hidden policy type of one operation and its `Policy` impl.
fn policy_type(op: &Operation, policy: &Policy<'_>, marker: &Ident) -> TokenStream {
    let vis = &op.vis;
    let mut scheme_checks = TokenStream::new();
    let mut leaf_fns = TokenStream::new();
    let chain = match &policy.chain {
        Chain::Open => quote!(()),
        Chain::Default => quote!(::auth_runtime::__private::DefaultChain),
        Chain::Schemes(schemes) => chain_type(schemes, &mut scheme_checks),
    };
    let permission = match policy.permission {
        None if matches!(policy.chain, Chain::Open) => quote!(::auth_runtime::AllowAny),
        None => quote!(::auth_runtime::__private::DefaultPermission),
        Some(expr) => {
            // One function per leaf, its `impl Permission` on the user's span: a value that
            // is no permission fails there, once; a combination of such opaque leaves is
            // always a permission, so the error is not repeated on `permission()`.
            for (i, leaf) in expr.leaves().into_iter().enumerate() {
                leaf_fns.extend(leaf_check(i, leaf));
            }
            combine(expr, &mut 0)
        }
    };
    let scoped: Vec<TokenStream> = match &policy.chain {
        Chain::Open | Chain::Default => Vec::new(),
        Chain::Schemes(schemes) => schemes
            .iter()
            .filter_map(|scheme| {
                let scopes = scheme.scopes();
                if scopes.is_empty() {
                    return None;
                }
                let ty = scheme_type(scheme);
                Some(quote! {
                    if scheme == <#ty as ::auth_runtime::Authenticator>::NAME {
                        return ::std::option::Option::Some((
                            &[#(#scopes),*],
                            <#ty as ::auth_runtime::Authenticator>::CHALLENGE,
                        ));
                    }
                })
            })
            .collect(),
    };
    let throttles = (!policy.throttles.is_empty()).then(|| {
        let rules = policy.throttles.iter().map(throttle_rule);
        quote! {
            const THROTTLES: &'static [::auth_runtime::__private::ThrottleRule] = &[#(#rules),*];
        }
    });
    let required_scopes = (!scoped.is_empty()).then(|| {
        quote! {
            fn required_scopes(
                scheme: &str,
            ) -> ::std::option::Option<(&'static [&'static str], &'static str)> {
                #(#scoped)*
                ::std::option::Option::None
            }
        }
    });
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #marker;

        impl ::auth_runtime::__private::Policy for #marker {
            type Chain = #chain;
            #required_scopes
            #throttles

            fn permission() -> impl ::auth_runtime::__private::Permission {
                #leaf_fns
                #scheme_checks
                #permission
            }
        }
    }
}

/// `ThrottleRule { kind: ThrottleKind::User, rate: Rate::new(100, 60) }`.
fn throttle_rule(spec: &ThrottleSpec) -> TokenStream {
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

/// How the policy table shows a rule: `user 100/minute`, `scope uploads 10/minute`.
fn throttle_text(spec: &ThrottleSpec) -> String {
    match &spec.kind {
        ThrottleKind::Anon => format!("anon {}", spec.text),
        ThrottleKind::User => format!("user {}", spec.text),
        ThrottleKind::Scope(name) => format!("scope {} {}", name.value(), spec.text),
    }
}

/// `(Jwt, Session, crate::auth::ApiKey,)`; adds a bound check per custom scheme, on its
/// span, to `checks`.
fn chain_type(schemes: &[SchemeRef], checks: &mut TokenStream) -> TokenStream {
    let mut types = Vec::with_capacity(schemes.len());
    let mut first_custom = None;
    for scheme in schemes {
        match scheme {
            SchemeRef::Builtin { scheme, ident, .. } => {
                let ty = Ident::new(scheme.type_name, ident.span());
                types.push(quote_spanned!(ident.span()=> ::auth_runtime::schemes::#ty));
            }
            SchemeRef::Custom(path) => {
                let span = path
                    .segments
                    .last()
                    .map_or_else(Span::call_site, |segment| segment.ident.span());
                first_custom.get_or_insert(span);
                checks.extend(quote_spanned! {span=>
                    ::auth_runtime::__private::require_authenticator::<#path>();
                });
                types.push(path.to_token_stream());
            }
        }
    }
    // The tuple's own `Chain` bound can only fail because of a custom scheme: report it
    // there rather than on `#[secured]`.
    let span = first_custom.unwrap_or_else(Span::call_site);
    quote_spanned!(span=> (#(#types,)*))
}

/// The expression over the leaf functions, numbered in the order `leaves` returns them.
fn combine(expr: &PermExpr, next: &mut usize) -> TokenStream {
    match expr {
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
    }
}

/// `fn __auth_permission_<i>() -> impl Permission { <leaf> }`, on the leaf's span.
fn leaf_check(index: usize, leaf: &Leaf) -> TokenStream {
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

/// Makes the handler return `Guarded<R, #marker>` (which documents the policy's
/// refusals) by running its body in a typed async block, and returns the
/// `Respond<R>` impl of the marker, written where `R` is concrete.
fn wrap_response(method: &mut ImplItemFn, marker: &Ident, objects: &[ObjectRule]) -> TokenStream {
    let output: Type = match &method.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let span = method.sig.output.span();
    method.sig.output = syn::parse_quote_spanned! {span=>
        -> ::auth_runtime::__private::Guarded<#output, #marker>
    };
    let block = &method.block;
    let checks = objects
        .iter()
        .map(|rule| object_check(rule, &output, marker));
    method.block = syn::parse_quote_spanned! {block.span()=>
        {
            #(#checks)*
            ::auth_runtime::__private::Guarded::<#output, #marker>::new(
                ::auth_runtime::__private::typed::<#output, _>(async move #block).await,
            )
        }
    };
    quote! {
        impl ::auth_runtime::__private::Respond<#output> for #marker {
            #[inline]
            fn respond(
                value: #output,
            ) -> ::auth_runtime::__private::poem::Result<::auth_runtime::__private::poem::Response> {
                ::auth_runtime::__private::poem::error::IntoResult::into_result(value)
                    .map(::auth_runtime::__private::poem::IntoResponse::into_response)
            }
        }
    }
}

/// Loads the object of an `#[object_permission]` into its name, then judges it; an
/// error of either is the response.
fn object_check(rule: &ObjectRule, output: &Type, marker: &Ident) -> TokenStream {
    let (Some(expr), Some(name), Some(loader)) = (&rule.expr, &rule.name, &rule.loader) else {
        return TokenStream::new();
    };
    let permission = object_expression(expr);
    let guarded = quote!(::auth_runtime::__private::Guarded::<#output, #marker>);
    quote! {
        let #name = match (#loader).await {
            ::std::result::Result::Ok(value) => value,
            ::std::result::Result::Err(error) => {
                return #guarded::rejected(::std::convert::Into::<::auth_runtime::__private::poem::Error>::into(error));
            }
        };
        if let ::std::result::Result::Err(error) =
            ::auth_runtime::__private::check_object(&(#permission), __auth_request, &#name).await
        {
            return #guarded::rejected(::std::convert::Into::into(error));
        }
    }
}

/// The permission expression with its leaves verbatim (their type decides the object
/// type they judge, so they are not wrapped in `impl Permission` functions).
fn object_expression(expr: &PermExpr) -> TokenStream {
    match expr {
        PermExpr::Leaf(leaf) => leaf.tokens.clone(),
        PermExpr::Not(a) => {
            let a = object_expression(a);
            quote!(::auth_runtime::__private::Not(#a))
        }
        PermExpr::And(a, b) => {
            let (a, b) = (object_expression(a), object_expression(b));
            quote!(::auth_runtime::__private::And(#a, #b))
        }
        PermExpr::Or(a, b) => {
            let (a, b) = (object_expression(a), object_expression(b));
            quote!(::auth_runtime::__private::Or(#a, #b))
        }
    }
}

/// `__auth_request: &Request`, for object permissions.
fn request_param() -> FnArg {
    syn::parse_quote!(__auth_request: &::auth_runtime::__private::poem::Request)
}

/// `__auth_guard: ::auth_runtime::__private::Guard<#marker>`
fn guard_param(marker: &Ident) -> FnArg {
    let span = Span::call_site();
    FnArg::Typed(PatType {
        attrs: Vec::new(),
        pat: Box::new(Pat::Ident(PatIdent {
            attrs: Vec::new(),
            by_ref: None,
            mutability: None,
            ident: Ident::new("__auth_guard", span),
            subpat: None,
        })),
        colon_token: <Token![:]>::default(),
        ty: Box::new(Type::Verbatim(
            quote!(::auth_runtime::__private::Guard<#marker>),
        )),
    })
}

/// FNV-1a of the impl's tokens, folded to 32 bits: stable across compilers, so two
/// impls in one module get different policy type names and messages stay the same.
fn short_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:08x}", (hash ^ (hash >> 32)) as u32)
}

/// `AUTH_MACROS_DEBUG=1` prints every expansion to stderr.
fn debug(expanded: &TokenStream) {
    let enabled = std::env::var_os("AUTH_MACROS_DEBUG").is_some_and(|v| !v.is_empty() && v != "0");
    if enabled {
        eprintln!("auth-macros: #[secured] expands to:\n{expanded}\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(src: &str) -> String {
        let input: TokenStream = src.parse().unwrap();
        secured(TokenStream::new(), input).to_string()
    }

    #[test]
    fn hash_is_short_and_stable() {
        assert_eq!(short_hash("impl Api {}").len(), 8);
        assert_eq!(short_hash("impl Api {}"), short_hash("impl Api {}"));
        assert_ne!(short_hash("impl Api {}"), short_hash("impl Other {}"));
    }

    #[test]
    fn generates_policy_and_guard() {
        let out = expand(
            r#"
            #[OpenApi]
            impl Api {
                #[authenticated(jwt, session)]
                #[permission(IsAuthenticated & !IsAdmin | IsAdmin)]
                #[oai(path = "/p", method = "get")]
                async fn profile(&self, user: Principal) {}

                #[public]
                #[oai(path = "/o", method = "get")]
                async fn open(&self) {}
            }
            "#,
        )
        .replace(' ', "");
        assert!(
            out.contains(
                "typeChain=(::auth_runtime::schemes::Jwt,::auth_runtime::schemes::Session,);"
            ),
            "{out}"
        );
        assert!(out.contains("::auth_runtime::__private::Or(::auth_runtime::__private::And(__auth_permission_0(),::auth_runtime::__private::Not(__auth_permission_1())),__auth_permission_2())"), "{out}");
        assert!(
            out.contains(
                "fn__auth_permission_1()->impl::auth_runtime::__private::Permission{IsAdmin}"
            ),
            "{out}"
        );
        assert!(out.contains("asyncfnprofile(&self,__auth_guard:::auth_runtime::__private::Guard<__AuthPolicy_profile_"), "{out}");
        assert!(out.contains("asyncfnopen(&self)"), "{out}");
        assert!(out.contains("#[OpenApi]"), "{out}");
        assert!(!out.contains("authenticated(jwt"), "{out}");
        assert!(
            out.contains("#[authenticated(__processed_by_secured)]"),
            "{out}"
        );
        assert!(
            out.contains("#[permission(__processed_by_secured)]"),
            "{out}"
        );
        assert!(out.contains("#[public(__processed_by_secured)]"), "{out}");
    }

    #[test]
    fn defaults() {
        let out = expand(
            r#"
            #[OpenApi]
            impl Api {
                #[authenticated]
                #[oai(path = "/a", method = "get")]
                async fn a(&self) {}
                #[permission(IsAdmin)]
                #[oai(path = "/b", method = "get")]
                async fn b(&self) {}
            }
            "#,
        )
        .replace(' ', "");
        assert_eq!(
            out.matches("typeChain=::auth_runtime::__private::DefaultChain;")
                .count(),
            2,
            "{out}"
        );
        assert!(
            out.contains("::auth_runtime::__private::DefaultPermission"),
            "{out}"
        );
    }

    #[test]
    fn errors_keep_the_item() {
        let out = expand(
            r#"
            #[OpenApi]
            impl Api {
                #[authenticated(jtw)]
                #[oai(path = "/a", method = "get")]
                async fn a(&self) {}
                #[oai(path = "/b", method = "get")]
                async fn b(&self) {}
            }
            "#,
        );
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
        assert!(out.contains("async fn a (& self)"), "{out}");
        assert!(!out.contains("__AuthPolicy"), "{out}");
    }
}
