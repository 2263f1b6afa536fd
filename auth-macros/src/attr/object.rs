//! `#[object_permission(EXPR, name = LOADER)]`: a permission expression over a loaded
//! object, and the binding that loads it.

use super::{permission::parse_permission_recovering, *};

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

const USAGE: &str = "write `#[object_permission(IsOwnerOrReadOnly, article = load_article(&ctx, id.0))]`: a permission expression, then `name = <async call returning Result<T, E>>`";

/// Splits the tokens at the last top-level comma: the expression, then the binding.
pub(super) fn parse_object_permission(attr: Attribute, errors: &mut Errors) -> ObjectRule {
    let mut rule = ObjectRule {
        original: attr.clone(),
        expr: None,
        name: None,
        loader: None,
    };
    let Meta::List(list) = &attr.meta else {
        errors.spanned(
            &attr,
            format_args!("`#[object_permission]` needs arguments; {USAGE}"),
        );
        return rule;
    };
    let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
    let comma = tokens
        .iter()
        .rposition(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','));
    let Some(comma) = comma else {
        errors.push(Error::new(
            delimiter_span(list),
            format!("missing the object to check; {USAGE}"),
        ));
        return rule;
    };
    let expr: TokenStream = tokens[..comma].iter().cloned().collect();
    let binding: TokenStream = tokens[comma + 1..].iter().cloned().collect();
    if expr.is_empty() {
        errors.push(Error::new(
            delimiter_span(list),
            format!("missing the permission expression; {USAGE}"),
        ));
    } else {
        rule.expr = parse_permission_recovering(expr, errors).0;
    }
    match syn::parse2::<syn::ExprAssign>(binding.clone()) {
        Ok(assign) => match *assign.left {
            Expr::Path(p) if p.path.get_ident().is_some() => {
                rule.name = p.path.get_ident().cloned();
                rule.loader = Some(*assign.right);
            }
            other => errors.spanned(
                other,
                format!("expected a name for the loaded object; {USAGE}"),
            ),
        },
        Err(_) => errors.spanned(
            if binding.is_empty() {
                attr.to_token_stream()
            } else {
                binding
            },
            format!("expected `name = <loader>`; {USAGE}"),
        ),
    }
    rule
}
