//! `impl SecuredApi`: every operation's route and resolved policy as data, for the
//! policy table, the start-up checks and the document.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

use super::{
    policy::{throttle_rule, SchemeNames},
    policy_marker, Mode,
};
use crate::{
    ast::{Chain, Operation, SecuredImpl},
    attr::{Attrs, PermExpr, SchemeRef},
};

/// `impl SecuredApi for Api`: every operation's route and policy as data. Empty in
/// [`Mode::Fallback`], so that code using it draws no further errors.
pub(super) fn operation_table(secured: &SecuredImpl, hash: &str, mode: Mode) -> TokenStream {
    let item = &secured.item;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let rows: Vec<TokenStream> = match mode {
        Mode::Fallback => Vec::new(),
        Mode::Guard => secured
            .operations
            .iter()
            .filter_map(|op| {
                let marker = policy_marker(op, hash);
                let names = SchemeNames::of(&marker);
                operation_row(
                    op,
                    &marker,
                    &names,
                    &secured.defaults,
                    secured.prefix.as_deref(),
                )
            })
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
fn operation_row(
    op: &Operation,
    marker: &proc_macro2::Ident,
    names: &SchemeNames,
    defaults: &Attrs,
    prefix: Option<&str>,
) -> Option<TokenStream> {
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
    let policy = op.policy(defaults);
    let throttles: Vec<TokenStream> = policy
        .as_ref()
        .map(|p| p.throttles.iter().map(throttle_rule).collect())
        .unwrap_or_default();
    let objects: Vec<String> = op
        .attrs
        .objects
        .iter()
        .filter_map(|rule| rule.expr.as_ref().map(PermExpr::source))
        .collect();
    let code = match &policy {
        Some(_) if op.attrs.public.is_none() => quote!(::std::option::Option::Some(&#marker)),
        _ => quote!(::std::option::Option::None),
    };
    let access = match policy {
        _ if op.attrs.public.is_some() => quote!(::auth_runtime::__private::Access::Public),
        None => quote!(::auth_runtime::__private::Access::Public),
        Some(policy) => {
            let schemes = match policy.chain {
                Chain::Open | Chain::Default => quote!(::auth_runtime::__private::Schemes::Default),
                Chain::Schemes(list) => {
                    let uses = list
                        .iter()
                        .enumerate()
                        .map(|(i, scheme)| scheme_use(scheme, &names.ty(i, scheme)));
                    quote!(::auth_runtime::__private::Schemes::Declared(&[#(#uses),*]))
                }
                Chain::Named(_) => {
                    let named = names.named();
                    quote!(<#named as ::auth_runtime::__private::NamedChain>::SCHEMES)
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
            policy: #code,
        }
    })
}

/// `SchemeUse { name: <Jwt as Authenticator>::NAME, scopes: &["read"] }`.
pub(super) fn scheme_use(scheme: &SchemeRef, ty: &TokenStream) -> TokenStream {
    let scopes = scheme.scopes();
    quote! {
        ::auth_runtime::__private::SchemeUse {
            name: <#ty as ::auth_runtime::Authenticator>::NAME,
            scopes: &[#(#scopes),*],
        }
    }
}
