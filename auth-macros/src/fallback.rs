//! What is emitted when expansion fails: the user's item and the errors, so one mistake
//! does not bury the real error under follow-on ones.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};

/// The item, unchanged, followed by the errors.
pub(crate) fn expand(item: impl ToTokens, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    quote! {
        #error
        #item
    }
}

/// A method attribute expanding by itself: the item unchanged if `#[secured]` has read
/// it, else an error, since it then is not on a method of a `#[secured]` impl (or
/// `#[secured]` is below `#[OpenApi]`) and would guard nothing.
pub(crate) fn misplaced(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    if crate::attr::is_processed(args) {
        return item;
    }
    let error = syn::Error::new(
        Span::call_site(),
        format!(
            "`#[{name}]` only works on a method of an impl marked `#[secured]` (placed above `#[OpenApi]`)"
        ),
    );
    expand(item, error)
}
