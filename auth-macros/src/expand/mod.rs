//! Code generation: one policy type per guarded operation, the guard parameter that
//! makes `#[OpenApi]` run and document it, the operation table, and the types of
//! `chain!` and `permissions!`.

mod decl;
mod leftover;
mod object;
mod params;
mod policy;
mod response;
mod table;
#[cfg(test)]
mod tests;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::{ext::IdentExt, spanned::Spanned, FnArg, ImplItem, ItemImpl};

pub(crate) use self::decl::{chain, permissions};
use self::{
    leftover::{default_checks, leftover_checks},
    object::{object_checks, OnError},
    params::{documented_param, guard_param, request_param},
    policy::{policy_type, SchemeNames},
    response::wrap_response,
    table::operation_table,
};
use crate::{
    ast::{Chain, Operation, SecuredImpl},
    attr::{self, Errors},
    fallback, valid,
};

/// `#[secured]`: parse, validate, generate. On failure: the errors, the impl with our
/// attributes neutralised and no guard, and checks of the permissions and schemes that
/// did parse (see [`Mode::Fallback`]).
pub(crate) fn secured(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let defaults = attr::parse_defaults(args, &mut errors);
    // A default that did not parse must not make every operation "declare no policy".
    let defaults_failed = !errors.is_empty();
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
    let mut secured = SecuredImpl::from_syn(item, defaults, &mut errors);
    secured.defaults_failed = defaults_failed;
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
    let table = operation_table(&secured, hash, mode);
    let SecuredImpl {
        mut item,
        defaults,
        operations,
        ..
    } = secured;
    let mut policies = TokenStream::new();
    if mode == Mode::Fallback {
        policies.extend(default_checks(&defaults));
    }
    for op in &operations {
        if mode == Mode::Fallback {
            // The objects keep their names (and types) in the body of an operation, and
            // their loaders and permissions are checked in this pass too.
            let method = match item.items.get_mut(op.index) {
                Some(ImplItem::Fn(method)) if op.has_oai && method.sig.asyncness.is_some() => {
                    Some(method)
                }
                _ => None,
            };
            policies.extend(leftover_checks(op, method.is_some()));
            if let Some(method) = method {
                let checks = object_checks(&op.attrs.objects, &OnError::Unreachable);
                if !checks.is_empty() {
                    let block = &method.block;
                    method.block = syn::parse_quote_spanned! {block.span()=>
                        {
                            #checks
                            #block
                        }
                    };
                }
            }
            continue;
        }
        let Some(policy) = op.policy(&defaults) else {
            continue;
        };
        let marker = policy_marker(op, hash);
        let names = SchemeNames::of(&marker);
        policies.extend(policy_type(op, &policy, &marker));
        if let Some(ImplItem::Fn(method)) = item.items.get_mut(op.index) {
            if matches!(method.sig.inputs.first(), Some(FnArg::Receiver(_))) {
                method.sig.inputs.insert(1, guard_param(&marker));
                // The parameters added here are not the user's to count.
                method
                    .attrs
                    .push(syn::parse_quote!(#[allow(clippy::too_many_arguments)]));
                match &policy.chain {
                    Chain::Schemes(schemes) => {
                        for (i, scheme) in schemes.iter().enumerate() {
                            let (param, scopes) =
                                documented_param(&marker, i, names.ty(i, scheme), &scheme.scopes());
                            method.sig.inputs.insert(2 + i, param);
                            policies.extend(scopes);
                        }
                    }
                    // Its scopes are the chain's: `ApiDocs` writes them from the table.
                    Chain::Named(_) => {
                        let named = names.named();
                        let (param, _) = documented_param(&marker, 0, quote!(#named), &[]);
                        method.sig.inputs.insert(2, param);
                    }
                    Chain::Open | Chain::Default => {}
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

/// The name of an operation's policy type, unique in the module.
fn policy_marker(op: &Operation, hash: &str) -> Ident {
    format_ident!("__AuthPolicy_{}_{}", op.ident.unraw(), hash)
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
