//! The parameters `#[secured]` adds to an operation: the guard first, then what
//! documents its schemes, and the request for object permissions.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::{FnArg, Pat, PatIdent, PatType, Token, Type};

/// `#[oai(scope = "...")] __auth_scheme_<i>: Documented<ty>`, which lists the schemes of
/// `ty` (one scheme, or a named chain) in the operation's OpenAPI `security` with
/// `scopes`, and the constants naming those scopes (poem-openapi reads a scope as a
/// path to a value).
pub(super) fn documented_param(
    marker: &Ident,
    index: usize,
    ty: TokenStream,
    scope_list: &[String],
) -> (FnArg, TokenStream) {
    let mut consts = TokenStream::new();
    let mut scopes = Vec::new();
    for (j, scope) in scope_list.iter().enumerate() {
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

/// `__auth_request: &Request`, for object permissions.
pub(super) fn request_param() -> FnArg {
    syn::parse_quote!(__auth_request: &::auth_runtime::__private::poem::Request)
}

/// `__auth_guard: ::auth_runtime::__private::Guard<#marker>`
pub(super) fn guard_param(marker: &Ident) -> FnArg {
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
