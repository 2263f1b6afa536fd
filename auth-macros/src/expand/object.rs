//! `#[object_permission]`: the statements at the top of a handler that load each object
//! into its name and judge it. What the loader returns, its error and each permission
//! go through `auth_runtime::__private::object` on the user's own spans, so that a
//! mistake in one of them is one error, there (that module says how).

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::Type;

use crate::attr::{ObjectRule, PermExpr};

/// What happens when a loader fails or a permission refuses.
pub(super) enum OnError<'a> {
    /// The error is the response (the handler returns `Guarded<output, marker>`).
    Respond { output: &'a Type, marker: &'a Ident },
    /// Nothing: `#[secured]` failed, and this code only gives the object its name and
    /// type in the body, and checks the loader and permissions in the same pass.
    Unreachable,
}

/// The statements of every rule that has a name and a loader.
pub(super) fn object_checks(rules: &[ObjectRule], on_error: &OnError<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    for rule in rules {
        let (Some(name), Some(loader)) = (&rule.name, &rule.loader) else {
            continue;
        };
        out.extend(load(name, loader, on_error));
        let Some(expr) = &rule.expr else {
            continue;
        };
        let permission = object_expression(expr, name);
        out.extend(match on_error {
            OnError::Respond { .. } => {
                let reject = reject(on_error, quote!(::std::convert::Into::into(error)));
                quote! {
                    if let ::std::result::Result::Err(error) = ::auth_runtime::__private::check_object(
                        &(#permission),
                        __auth_request,
                        &#name,
                    )
                    .await
                    {
                        #reject
                    }
                }
            }
            OnError::Unreachable => quote!(let _ = #permission;),
        });
    }
    out
}

/// `let name = { <call the loader, await it, read its Result> };`
fn load(name: &Ident, loader: &syn::Expr, on_error: &OnError<'_>) -> TokenStream {
    let object = quote!(::auth_runtime::__private::object);
    let (first, last) = outer_spans(loader.to_token_stream());
    let call = Ident::new("__auth_call", first);
    let loaded = Ident::new("__auth_loaded", first);
    let error = Ident::new("__auth_error", first);
    // `::std::convert::identity(x)` from the loader's first token to its last: what
    // rustc underlines when `x` has the wrong type.
    let whole = |value: &Ident| {
        let mut args = Group::new(Delimiter::Parenthesis, value.to_token_stream());
        args.set_span(last);
        quote_spanned!(first=> ::std::convert::identity #args)
    };
    let (call_value, loaded_value, error_value) = (whole(&call), whole(&loaded), whole(&error));
    let awaited = quote_spanned! {first=>
        (&&#object::Loading::of(&#call)).__auth_call().into_future(#call_value).await
    };
    let read = quote_spanned! {first=>
        (&&&#object::Loaded::of(&#loaded)).__auth_loaded().into_result(#loaded_value)
    };
    let convert = quote_spanned! {first=>
        (&&#object::LoaderError::of(&#error)).__auth_error().into_error(#error_value)
    };
    let reject = reject(on_error, convert);
    quote! {
        let #name = {
            #[allow(unused_imports)]
            use #object::{
                FutureLoader as _, OptionLoader as _, OtherErrorLoader as _, PlainCallLoader as _,
                PlainLoader as _, ResponseErrorLoader as _, ResultLoader as _,
            };
            // A `match` keeps the temporaries of the call alive while it is awaited.
            let #loaded = match (#loader) {
                #call => #awaited,
            };
            match #read {
                ::std::result::Result::Ok(value) => value,
                ::std::result::Result::Err(#error) => {
                    #reject
                }
            }
        };
    }
}

/// What the handler does with `error` (a `poem::Error`).
fn reject(on_error: &OnError<'_>, error: TokenStream) -> TokenStream {
    match on_error {
        OnError::Respond { output, marker } => quote! {
            return ::auth_runtime::__private::Guarded::<#output, #marker>::rejected(#error);
        },
        OnError::Unreachable => quote! {
            let _ = #error;
            ::std::unreachable!("compiled only alongside the errors `#[secured]` reported")
        },
    }
}

/// The spans of the first and the last token of `tokens`.
fn outer_spans(tokens: TokenStream) -> (Span, Span) {
    let mut spans = tokens.into_iter().map(|tree| match tree {
        TokenTree::Group(group) => (group.span_open(), group.span_close()),
        other => (other.span(), other.span()),
    });
    let first = spans
        .next()
        .unwrap_or((Span::call_site(), Span::call_site()));
    let last = spans.last().unwrap_or(first);
    (first.0, last.1)
}

/// The permission expression, each leaf verbatim on its own span, passed through
/// `object_leaf` with the loaded object: the leaf's type decides what it judges, and a
/// leaf that does not judge the object's type fails there, once.
fn object_expression(expr: &PermExpr, object: &Ident) -> TokenStream {
    match expr {
        PermExpr::Leaf(leaf) => {
            let tokens = &leaf.tokens;
            quote_spanned! {leaf.span=>
                ::auth_runtime::__private::object::object_leaf(&#object, #tokens)
            }
        }
        PermExpr::Not(a) => {
            let a = object_expression(a, object);
            quote!(::auth_runtime::__private::Not(#a))
        }
        PermExpr::And(a, b) => {
            let (a, b) = (object_expression(a, object), object_expression(b, object));
            quote!(::auth_runtime::__private::And(#a, #b))
        }
        PermExpr::Or(a, b) => {
            let (a, b) = (object_expression(a, object), object_expression(b, object));
            quote!(::auth_runtime::__private::Or(#a, #b))
        }
    }
}
