//! `#[secured(authenticated(...), permission(...), throttle(...))]`: the policy every
//! operation of the impl inherits unless it declares its own.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{parse::Parser, punctuated::Punctuated, Attribute, Error, Meta, Token};

use super::{
    parse_authenticated, parse_permission_attr, parse_throttle, Attrs, Authenticated, Errors,
    Permission, Throttle,
};

/// The defaults one may give an impl, as they are written there.
const KEYS: &[&str] = &["authenticated", "permission", "throttle"];

/// Parses the arguments of `#[secured(...)]` into the [`Attrs`] operations inherit.
pub(crate) fn parse_defaults(args: TokenStream, errors: &mut Errors) -> Attrs {
    let mut out = Attrs::default();
    if args.is_empty() {
        return out;
    }
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas,
        Err(e) => {
            errors.push(Error::new(
                e.span(),
                format!("{e}; write e.g. `#[secured(authenticated(jwt, session), permission(IsAuthenticated))]`"),
            ));
            return out;
        }
    };
    for meta in metas {
        let key = meta
            .path()
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        // The parsers of the method attributes read the same syntax from an attribute.
        let attr: Attribute = syn::parse_quote!(#[#meta]);
        match key.as_str() {
            "authenticated" if out.authenticated.is_some() => duplicate(errors, &meta, &key),
            "authenticated" => {
                let schemes = parse_authenticated(&attr, errors);
                out.authenticated = Some(Authenticated {
                    original: attr,
                    schemes,
                });
            }
            "permission" if out.permission.is_some() => duplicate(errors, &meta, &key),
            "permission" => {
                let (expr, leaves) = parse_permission_attr(&attr, errors);
                out.permission = Some(Permission {
                    original: attr,
                    expr,
                    leaves,
                });
            }
            "throttle" if out.throttle.is_some() => duplicate(errors, &meta, &key),
            "throttle" => {
                let specs = parse_throttle(&attr, errors);
                out.throttle = Some(Throttle {
                    original: attr,
                    specs,
                });
            }
            "public" => errors.spanned(
                meta.path(),
                "`public` cannot be the default of a whole impl; mark each open operation `#[public]`",
            ),
            "object_permission" => errors.spanned(
                meta.path(),
                "`object_permission` belongs to the operation that loads the object; put `#[object_permission(...)]` on that method",
            ),
            _ => {
                let nearest = KEYS
                    .iter()
                    .filter(|k| strsim::damerau_levenshtein(&key, k) <= 2)
                    .map(|k| format!(" did you mean `{k}`?"))
                    .next()
                    .unwrap_or_default();
                errors.spanned(
                    meta.path(),
                    format!(
                        "unknown default `{}`;{nearest} `#[secured(...)]` takes `authenticated(...)`, `permission(...)` and `throttle(...)`",
                        meta.path().to_token_stream().to_string().replace(' ', "")
                    ),
                );
            }
        }
    }
    out
}

fn duplicate(errors: &mut Errors, meta: &Meta, key: &str) {
    errors.spanned(
        meta,
        format!("duplicate `{key}` in `#[secured(...)]`; give it once"),
    );
}
