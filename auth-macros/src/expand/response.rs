//! The handler's new return type, which runs the object permissions and documents
//! the policy's refusals.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::{spanned::Spanned, ImplItemFn, ReturnType, Type};

use super::object::{object_checks, OnError};
use crate::attr::ObjectRule;

/// Makes the handler return `Guarded<R, #marker>` (which documents the policy's
/// refusals) by running its body in a typed async block, and returns the
/// `Respond<R>` impl of the marker, written where `R` is concrete.
pub(super) fn wrap_response(
    method: &mut ImplItemFn,
    marker: &Ident,
    objects: &[ObjectRule],
) -> TokenStream {
    let output: Type = match &method.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let span = method.sig.output.span();
    method.sig.output = syn::parse_quote_spanned! {span=>
        -> ::auth_runtime::__private::Guarded<#output, #marker>
    };
    let block = &method.block;
    let checks = object_checks(
        objects,
        &OnError::Respond {
            output: &output,
            marker,
        },
    );
    method.block = syn::parse_quote_spanned! {block.span()=>
        {
            #checks
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
