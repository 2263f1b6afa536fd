//! `chain!` and `permissions!`: a named chain or permission expression, declared once
//! and used by name in `#[authenticated(Api)]` and `#[permission(ArticleAccess)]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;

use super::{
    policy::{chain_type, permission_expr, required_scopes_fn, scoped_checks, SchemeNames},
    table::scheme_use,
};
use crate::{
    ast::{ChainDecl, PermissionDecl},
    attr::Errors,
    fallback, valid,
};

/// `chain!(pub Api = jwt, session)`: a unit type implementing `NamedChain`.
pub(crate) fn chain(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let decls = ChainDecl::parse_all(input, &mut errors);
    valid::check_chains(&decls, &mut errors);
    let mut out = TokenStream::new();
    for decl in &decls {
        let ChainDecl {
            attrs,
            vis,
            ident,
            body,
        } = decl;
        out.extend(quote! {
            #(#attrs)*
            #[derive(Debug, Clone, Copy, Default)]
            #vis struct #ident;
        });
        let Some(schemes) = body.as_deref().filter(|s| !s.is_empty()) else {
            // The error is reported; an empty chain keeps its uses from erroring too.
            out.extend(quote! {
                impl ::auth_runtime::__private::NamedChain for #ident {
                    type Chain = ();
                    const SCHEMES: ::auth_runtime::__private::Schemes =
                        ::auth_runtime::__private::Schemes::Declared(&[]);
                }
            });
            continue;
        };
        let names = SchemeNames::of(&format_ident!("__AuthChain_{}", ident.unraw()));
        let mut stand_ins = TokenStream::new();
        let chain = chain_type(schemes, &names, vis, &mut stand_ins);
        let uses = schemes
            .iter()
            .enumerate()
            .map(|(i, scheme)| scheme_use(scheme, &names.ty(i, scheme)));
        let name = ident.to_string();
        let scoped = scoped_checks(schemes, &names);
        let required_scopes = (!scoped.is_empty()).then(|| required_scopes_fn(&scoped));
        out.extend(quote! {
            #stand_ins

            impl ::auth_runtime::__private::NamedChain for #ident {
                type Chain = #chain;
                const SCHEMES: ::auth_runtime::__private::Schemes =
                    ::auth_runtime::__private::Schemes::Named {
                        name: #name,
                        schemes: &[#(#uses),*],
                    };
                #required_scopes
            }
        });
    }
    finish(out, errors)
}

/// `permissions!(pub ArticleAccess = A & !B)`: a unit type implementing `Permission`
/// (and `ObjectPermission`, judging an object as the request).
pub(crate) fn permissions(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let decls = PermissionDecl::parse_all(input, &mut errors);
    let mut out = TokenStream::new();
    for decl in &decls {
        let PermissionDecl {
            attrs,
            vis,
            ident,
            body,
        } = decl;
        let source = body.as_ref().map(|e| e.source()).unwrap_or_default();
        let doc = format!("The permission `{source}`.");
        out.extend(quote! {
            #(#attrs)*
            #[doc = ""]
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, Default)]
            #vis struct #ident;

            impl #ident {
                /// The expression, as declared.
                pub const EXPRESSION: &'static str = #source;
            }
        });
        // With errors (reported), it refuses everything and its uses compile.
        let (leaf_fns, combined) = match body {
            Some(expr) => {
                let mut leaf_fns = TokenStream::new();
                let combined = permission_expr(expr, &mut leaf_fns);
                (leaf_fns, combined)
            }
            None => (
                TokenStream::new(),
                quote!(::auth_runtime::__private::Not(::auth_runtime::AllowAny)),
            ),
        };
        out.extend(quote! {
            impl ::auth_runtime::__private::Permission for #ident {
                async fn has_permission(
                    &self,
                    ctx: &::auth_runtime::__private::PermissionContext<'_>,
                ) -> ::std::result::Result<(), ::auth_runtime::__private::Denial> {
                    #leaf_fns
                    ::auth_runtime::__private::Permission::has_permission(&#combined, ctx).await
                }

                fn anonymous(&self, safe_method: bool) -> ::auth_runtime::__private::Anonymous {
                    #leaf_fns
                    ::auth_runtime::__private::Permission::anonymous(&#combined, safe_method)
                }

                async fn explain(
                    &self,
                    ctx: &::auth_runtime::__private::PermissionContext<'_>,
                ) -> ::auth_runtime::__private::Verdict {
                    #leaf_fns
                    ::auth_runtime::__private::Permission::explain(&#combined, ctx).await
                }

                fn permission_names(&self, out: &mut ::std::vec::Vec<&'static str>) {
                    #leaf_fns
                    ::auth_runtime::__private::Permission::permission_names(&#combined, out)
                }

                fn words(&self) -> ::std::option::Option<::std::string::String> {
                    #leaf_fns
                    ::auth_runtime::__private::Permission::words(&#combined)
                }
            }

            impl<T: ?::std::marker::Sized + ::std::marker::Sync>
                ::auth_runtime::__private::ObjectPermission<T> for #ident
            {
                async fn has_object_permission(
                    &self,
                    ctx: &::auth_runtime::__private::PermissionContext<'_>,
                    _object: &T,
                ) -> ::std::result::Result<(), ::auth_runtime::__private::Denial> {
                    ::auth_runtime::__private::Permission::has_permission(self, ctx).await
                }
            }
        });
    }
    finish(out, errors)
}

/// The types, followed by the errors if there are any.
fn finish(out: TokenStream, errors: Errors) -> TokenStream {
    match errors.finish() {
        Ok(()) => out,
        Err(error) => fallback::expand(out, error),
    }
}
