//! `#[object_permission(EXPR, name = LOADER)]`: a permission expression over a loaded
//! object, and the binding that loads it.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Attribute, Error, Expr, Meta};

use super::{delimiter_span, parse_permission_recovering, permission::render, Errors, PermExpr};

/// A parsed `#[object_permission(...)]`.
pub(crate) struct ObjectRule {
    /// The attribute as written.
    pub(crate) original: Attribute,
    /// The expression over object permissions.
    pub(crate) expr: Option<PermExpr>,
    /// The name the object is bound to in the body.
    pub(crate) name: Option<Ident>,
    /// The async call that loads it.
    pub(crate) loader: Option<Expr>,
}

const EXAMPLE: &str = "`#[object_permission(IsOwner, note = load_note(id.0))]`";

/// The permission expression, a comma, then `name = loader`. The comma is the first
/// top-level one after which `name = loader` parses (a turbofish in either part has
/// commas of its own), else the last one.
pub(super) fn parse_object_permission(attr: Attribute, errors: &mut Errors) -> ObjectRule {
    let mut rule = ObjectRule {
        original: attr.clone(),
        expr: None,
        name: None,
        loader: None,
    };
    let list = match &attr.meta {
        Meta::List(list) if !list.tokens.is_empty() => list,
        Meta::List(list) => {
            errors.push(Error::new(
                delimiter_span(list),
                format!("empty `#[object_permission()]`; give the permission, then the object to load: {EXAMPLE}"),
            ));
            return rule;
        }
        _ => {
            errors.spanned(
                &attr,
                format!("`#[object_permission]` needs the permission and the object to load; write {EXAMPLE}"),
            );
            return rule;
        }
    };
    let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
    let commas: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .map(|(i, _)| i)
        .collect();
    let split = commas
        .iter()
        .copied()
        .find(|&i| binding_parses(&tokens[i + 1..]))
        .or_else(|| commas.last().copied());
    let Some(comma) = split else {
        let expr: TokenStream = tokens.iter().cloned().collect();
        // Its own mistakes are reported too.
        rule.expr = parse_permission_recovering(expr.clone(), errors).0;
        let written = rule
            .expr
            .as_ref()
            .map_or_else(|| shown(&expr), PermExpr::source);
        errors.push(Error::new(
            delimiter_span(list),
            format!(
                "`#[object_permission({written})]` has no object to judge; add `, name = <loader>` after the permission, e.g. {EXAMPLE}"
            ),
        ));
        return rule;
    };
    let expr: TokenStream = tokens[..comma].iter().cloned().collect();
    let binding: TokenStream = tokens[comma + 1..].iter().cloned().collect();
    if expr.is_empty() {
        errors.push(Error::new(
            tokens[comma].span(),
            format!("`#[object_permission]` is missing its permission; write it before the object, e.g. {EXAMPLE}"),
        ));
    } else {
        rule.expr = parse_permission_recovering(expr, errors).0;
    }
    if let Some((name, loader)) = parse_binding(&attr, binding, errors) {
        rule.name = Some(name);
        rule.loader = Some(loader);
    }
    rule
}

fn binding_parses(tokens: &[TokenTree]) -> bool {
    let tokens: TokenStream = tokens.iter().cloned().collect();
    syn::parse2::<syn::ExprAssign>(tokens).is_ok()
}

/// `name = loader`, with a message for each way of getting it wrong.
fn parse_binding(
    attr: &Attribute,
    binding: TokenStream,
    errors: &mut Errors,
) -> Option<(Ident, Expr)> {
    if binding.is_empty() {
        errors.spanned(
            attr,
            format!("`#[object_permission]` is missing the object to judge after the comma; write `name = <loader>`, e.g. {EXAMPLE}"),
        );
        return None;
    }
    let mut parts = binding.clone().into_iter();
    let (first, second) = (parts.next(), parts.next());
    let assign = match syn::parse2::<syn::ExprAssign>(binding.clone()) {
        Ok(assign) => assign,
        // `note =` with nothing after it
        Err(_) if is_eq(second.as_ref()) && parts.next().is_none() => {
            let name = first.map(|t| t.to_string()).unwrap_or_default();
            errors.spanned(
                &binding,
                format!("missing the loader of `{name}`; write `{name} = <async call returning Result<T, E>>`, e.g. `{name} = load_note(id.0)`"),
            );
            return None;
        }
        // `note` alone
        Err(_) if matches!(first, Some(TokenTree::Ident(_))) && second.is_none() => {
            let name = shown(&binding);
            errors.spanned(
                &binding,
                format!("`{name}` needs a loader; write `{name} = <async call returning Result<T, E>>`, e.g. `{name} = load_note(id.0)`"),
            );
            return None;
        }
        // `load_note(id.0)` without a name
        Err(_) if syn::parse2::<Expr>(binding.clone()).is_ok() => {
            errors.spanned(
                &binding,
                format!("name the object `{}` loads; write `note = {}`: the body sees the object as `note`", shown(&binding), shown(&binding)),
            );
            return None;
        }
        Err(_) => {
            errors.spanned(
                &binding,
                format!("expected `name = <loader>` after the permission, e.g. {EXAMPLE}"),
            );
            return None;
        }
    };
    let name = match *assign.left {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => {
            match p.path.get_ident() {
                Some(ident) if is_keyword(ident) => {
                    errors.spanned(
                    ident,
                    format!("`{ident}` cannot name the loaded object; choose another name, e.g. `note`"),
                );
                    return None;
                }
                Some(ident) => ident.clone(),
                None => {
                    errors.spanned(
                    &p,
                    format!("`{}` cannot name the loaded object; use a plain name, e.g. `note = ...`", shown(&p.to_token_stream())),
                );
                    return None;
                }
            }
        }
        Expr::Infer(underscore) => {
            errors.spanned(
                underscore,
                "`_` would drop the object before the permission judges it; name it, with a leading underscore if the body does not use it: `_note = ...`",
            );
            return None;
        }
        other => {
            errors.spanned(
                &other,
                format!(
                    "`{}` cannot name the loaded object; use a plain name, e.g. `note = ...`",
                    shown(&other.to_token_stream())
                ),
            );
            return None;
        }
    };
    Some((name, *assign.right))
}

fn is_eq(token: Option<&TokenTree>) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == '=')
}

/// Keywords a path expression can be made of, which no binding can use.
fn is_keyword(ident: &Ident) -> bool {
    ["self", "Self", "super", "crate"]
        .iter()
        .any(|k| ident == k)
}

/// Tokens as the user wrote them, for a message.
fn shown(tokens: &TokenStream) -> String {
    render(tokens.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(src: &str) -> (ObjectRule, syn::Result<()>) {
        let attr: Attribute = match syn::parse_str::<syn::ItemFn>(&format!("{src} fn f() {{}}")) {
            Ok(f) => f.attrs.into_iter().next().unwrap(),
            Err(e) => panic!("{e}"),
        };
        let mut errors = Errors::default();
        let rule = parse_object_permission(attr, &mut errors);
        (rule, errors.finish())
    }

    #[test]
    fn splits_at_the_binding_not_at_a_turbofish() {
        let (rule, result) =
            rule("#[object_permission(IsOwner | IsAdmin, note = load::<Note, Error>(&ctx, id.0))]");
        assert!(result.is_ok());
        assert_eq!(rule.name.map(|n| n.to_string()).as_deref(), Some("note"));
        assert_eq!(
            rule.expr.map(|e| e.source()).as_deref(),
            Some("IsOwner | IsAdmin")
        );
        let loader = rule.loader.map(|l| l.to_token_stream().to_string());
        assert_eq!(
            loader.as_deref(),
            Some("load :: < Note , Error > (& ctx , id . 0)")
        );
    }

    #[test]
    fn a_missing_loader_keeps_the_expression() {
        let (rule, result) = rule("#[object_permission(IsOwner | IsAdmin)]");
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.starts_with("`#[object_permission(IsOwner | IsAdmin)]` has no object to judge"),
            "{message}"
        );
        assert!(rule.expr.is_some() && rule.name.is_none());
    }

    #[test]
    fn bindings_that_are_no_name() {
        for (src, start) in [
            (
                "#[object_permission(IsOwner, _ = load(1))]",
                "`_` would drop the object",
            ),
            (
                "#[object_permission(IsOwner, self = load(1))]",
                "`self` cannot name",
            ),
            (
                "#[object_permission(IsOwner, a.b = load(1))]",
                "`a.b` cannot name",
            ),
            (
                "#[object_permission(IsOwner, load(1))]",
                "name the object `load(1)` loads",
            ),
            (
                "#[object_permission(IsOwner, note)]",
                "`note` needs a loader",
            ),
            (
                "#[object_permission(IsOwner, note =)]",
                "missing the loader of `note`",
            ),
        ] {
            let (rule, result) = rule(src);
            let message = result.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.starts_with(start), "{src}: {message}");
            assert!(rule.name.is_none(), "{src}");
        }
    }
}
