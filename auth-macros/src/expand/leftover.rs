//! What is still checked when `#[secured]` fails: the permissions and schemes that
//! parsed, so that their own errors show in the same pass and their imports stay used.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Visibility;

use super::policy::{chain_type, leaf_check, named_stand_in, SchemeNames};
use crate::{
    ast::Operation,
    attr::{Attrs, PermExpr, SchemeRef},
};

/// The checks of the policy type for what parsed of an operation; `objects_in_body`:
/// the objects with a loader are checked in the body (see `object_checks`).
pub(super) fn leftover_checks(op: &Operation, objects_in_body: bool) -> TokenStream {
    let mut checks = attrs_checks(&op.attrs);
    // The object permissions that parsed are named too, so their imports stay used.
    let objects: Vec<TokenStream> = op
        .attrs
        .objects
        .iter()
        .filter(|rule| !objects_in_body || rule.name.is_none() || rule.loader.is_none())
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
    wrap(checks)
}

/// The same for the impl's defaults.
pub(super) fn default_checks(defaults: &Attrs) -> TokenStream {
    wrap(attrs_checks(defaults))
}

fn attrs_checks(attrs: &Attrs) -> TokenStream {
    let mut checks = TokenStream::new();
    if let Some(permission) = &attrs.permission {
        for (i, leaf) in permission.leaves.iter().enumerate() {
            checks.extend(leaf_check(i, leaf));
        }
    }
    if let Some(schemes) = attrs
        .authenticated
        .as_ref()
        .and_then(|a| a.schemes.as_ref())
    {
        // The stand-ins check the custom schemes; in the anonymous constant, their names
        // clash with nothing.
        let names = SchemeNames::of(&format_ident!("__AuthLeftover"));
        let vis = Visibility::Inherited;
        match schemes.as_slice() {
            // A named chain or a custom scheme.
            [SchemeRef::Custom(path)] => checks.extend(named_stand_in(&vis, &names.named(), path)),
            _ => {
                chain_type(schemes, &names, &vis, &mut checks);
            }
        }
    }
    checks
}

/// The checks in an anonymous constant, or nothing.
fn wrap(checks: TokenStream) -> TokenStream {
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
