//! Checks that need more than one node: attribute order on the impl, attributes that
//! contradict each other, operations without a policy, repeated schemes, the names of
//! loaded objects against the parameters, and the scheme lists of named chains.

use quote::quote;
use syn::{Error, Ident, ItemImpl};

use crate::{
    ast::{ChainDecl, Operation, SecuredImpl},
    attr::{Attrs, Errors, SchemeRef},
};

/// `#[OpenApi]` must still be on the impl, i.e. below `#[secured]`.
pub(crate) fn check_order(item: &ItemImpl) -> syn::Result<()> {
    let has_openapi = item.attrs.iter().any(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "OpenApi")
    });
    if has_openapi {
        return Ok(());
    }
    let impl_token = &item.impl_token;
    let self_ty = &item.self_ty;
    Err(Error::new_spanned(
        quote!(#impl_token #self_ty),
        "`#[secured]` must be placed above `#[OpenApi]`, which was not found below it; write `#[secured]` then `#[OpenApi]` on the impl",
    ))
}

/// Checks every operation of the impl.
pub(crate) fn check(secured: &SecuredImpl, errors: &mut Errors) {
    if let Some(schemes) = declared_schemes(&secured.defaults) {
        check_schemes(schemes, errors);
    }
    for op in &secured.operations {
        check_operation(op, &secured.defaults, secured.defaults_failed, errors);
    }
}

/// Checks the scheme list of each `chain!` declaration.
pub(crate) fn check_chains(decls: &[ChainDecl], errors: &mut Errors) {
    for decl in decls {
        match decl.body.as_deref() {
            Some([]) => errors.spanned(
                &decl.ident,
                format_args!(
                    "`{}` lists no scheme; list at least one, e.g. `jwt, session`",
                    decl.ident
                ),
            ),
            Some(schemes) => check_schemes(schemes, errors),
            None => {}
        }
    }
}

fn declared_schemes(attrs: &Attrs) -> Option<&[SchemeRef]> {
    attrs
        .authenticated
        .as_ref()
        .and_then(|a| a.schemes.as_deref())
}

fn check_operation(op: &Operation, defaults: &Attrs, defaults_failed: bool, errors: &mut Errors) {
    let name = &op.ident;
    let attrs = &op.attrs;

    if !op.has_oai {
        let present = [
            attrs
                .authenticated
                .as_ref()
                .map(|a| (&a.original, "authenticated")),
            attrs
                .permission
                .as_ref()
                .map(|p| (&p.original, "permission")),
            attrs.public.as_ref().map(|p| (p, "public")),
            attrs.throttle.as_ref().map(|t| (&t.original, "throttle")),
            attrs
                .objects
                .first()
                .map(|o| (&o.original, "object_permission")),
        ];
        for (attr, shown) in present.into_iter().flatten() {
            errors.spanned(
                attr,
                format_args!(
                    "`#[{shown}]` only applies to operations, and `{name}` has no `#[oai(...)]`; add `#[oai(path = \"...\", method = \"...\")]` or remove it"
                ),
            );
        }
        return;
    }

    if let (Some(_), Some(object)) = (&attrs.public, attrs.objects.first()) {
        errors.spanned(
            &object.original,
            format_args!(
                "`#[object_permission]` needs the operation's policy, and `{name}` is `#[public]`; replace `#[public]` with `#[permission(AllowAny)]`"
            ),
        );
    }
    if let Some(public) = &attrs.public {
        let conflicting = match (&attrs.authenticated, &attrs.permission) {
            (Some(_), Some(_)) => Some("`#[authenticated]` and `#[permission]`"),
            (Some(_), None) => Some("`#[authenticated]`"),
            (None, Some(_)) => Some("`#[permission]`"),
            (None, None) => None,
        };
        if let Some(shown) = conflicting {
            errors.spanned(
                public,
                format_args!(
                    "`#[public]` cannot be combined with {shown} on `{name}`; remove `#[public]` to guard the operation, or remove {shown} to leave it open"
                ),
            );
        }
    } else if !defaults_failed
        && attrs.authenticated.is_none()
        && attrs.permission.is_none()
        && defaults.authenticated.is_none()
        && defaults.permission.is_none()
    {
        errors.spanned(
            name,
            format_args!(
                "operation `{name}` declares no policy; add `#[authenticated(...)]` and/or `#[permission(...)]`, or `#[public]` if it is meant to be open, or give the impl a default with `#[secured(authenticated(...), permission(...))]`"
            ),
        );
    }

    check_schemes(declared_schemes(attrs).unwrap_or_default(), errors);
    check_object_names(op, errors);
}

/// The name of each loaded object is new in the body: it neither hides a parameter
/// (which its loader may still need) nor another object.
fn check_object_names(op: &Operation, errors: &mut Errors) {
    let method = &op.ident;
    let mut seen: Vec<&Ident> = Vec::new();
    for name in op
        .attrs
        .objects
        .iter()
        .filter_map(|rule| rule.name.as_ref())
    {
        if op.params.iter().any(|param| param == name) {
            errors.spanned(
                name,
                format_args!(
                    "the loaded object `{name}` would hide the parameter `{name}` of `{method}`; give the object another name"
                ),
            );
        } else if seen.contains(&name) {
            errors.spanned(
                name,
                format_args!(
                    "`{name}` already names an object loaded for `{method}`; give each `#[object_permission]` its own name"
                ),
            );
        } else {
            seen.push(name);
        }
    }
}

fn check_schemes(schemes: &[SchemeRef], errors: &mut Errors) {
    let mut seen: Vec<String> = Vec::new();
    for scheme in schemes {
        let shown = scheme.display();
        if seen.contains(&shown) {
            let message = format!(
                "duplicate scheme `{shown}` in `#[authenticated(...)]`; each scheme is tried once, remove this one"
            );
            match scheme {
                SchemeRef::Builtin { ident, .. } => errors.spanned(ident, message),
                SchemeRef::Custom(path) => errors.spanned(path, message),
            }
        } else {
            seen.push(shown);
        }
        if let SchemeRef::Builtin { args, .. } = scheme {
            let mut keys: Vec<String> = Vec::new();
            for arg in args {
                let key = arg.key.to_string();
                if keys.contains(&key) {
                    errors.spanned(
                        &arg.key,
                        format_args!("duplicate argument `{key}`; give it once"),
                    );
                } else {
                    keys.push(key);
                }
                let value = arg.value.value();
                if value.trim().is_empty() {
                    errors.spanned(
                        &arg.value,
                        format_args!("empty `{}`; give a value or remove the argument", arg.key),
                    );
                } else if arg.key == "scope" {
                    check_scope_list(&arg.value, &value, errors);
                }
            }
        }
    }
}

/// Scopes are space-separated RFC 6749 scope tokens: printable ASCII without `"` or `\\`.
fn check_scope_list(lit: &syn::LitStr, value: &str, errors: &mut Errors) {
    if value.contains(',') {
        let fixed = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        errors.spanned(
            lit,
            format_args!("scopes are separated by spaces, not commas; write `scope = \"{fixed}\"`"),
        );
        return;
    }
    if let Some(bad) = auth_grammar::scope::malformed(value) {
        errors.spanned(
            lit,
            format_args!(
                "`{bad}` is not a valid OAuth2 scope; use printable ASCII without quotes or backslashes (RFC 6749 3.3)"
            ),
        );
    }
}
