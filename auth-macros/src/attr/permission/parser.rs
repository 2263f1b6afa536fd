//! The permission expression parser, which reports every mistake once, on its own
//! tokens.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use quote::quote;
use syn::{Attribute, Error, Expr, ExprLit, Lit, Meta};

use super::{Leaf, PermExpr};
use crate::attr::{delimiter_span, Errors};

pub(crate) fn parse_permission_attr(
    attr: &Attribute,
    errors: &mut Errors,
) -> (Option<PermExpr>, Vec<Leaf>) {
    let expr = match &attr.meta {
        Meta::Path(_) => {
            errors.spanned(
                attr,
                "`#[permission]` needs an expression; write e.g. `#[permission(IsAuthenticated)]`",
            );
            None
        }
        Meta::NameValue(nv) => {
            let message = match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(_), ..
                }) => "permissions are code, not strings; write e.g. `#[permission(IsAdmin | IsOwner)]`",
                _ => "expected `#[permission(...)]`, e.g. `#[permission(IsAuthenticated)]`",
            };
            errors.spanned(quote!(#nv), message);
            None
        }
        Meta::List(list) if list.tokens.is_empty() => {
            errors.push(Error::new(
                delimiter_span(list),
                "empty `#[permission()]`; write a permission expression such as `#[permission(IsAuthenticated)]`, or remove the attribute",
            ));
            None
        }
        Meta::List(list) => return parse_permission_recovering(list.tokens.clone(), errors),
    };
    (expr, Vec::new())
}

/// [`parse_permission_recovering`] with its errors as the result.
#[cfg(test)]
pub(super) fn parse_permission(tokens: TokenStream) -> syn::Result<PermExpr> {
    let mut errors = Errors::default();
    let (expr, _) = parse_permission_recovering(tokens, &mut errors);
    errors.finish()?;
    expr.ok_or_else(|| Error::new(Span::call_site(), "invalid permission expression"))
}

/// Parses a permission expression: `!` binds tighter than `&`, which binds tighter than
/// `|`; both are left-associative; parentheses group; a leaf is a path with an optional
/// parenthesised argument list, kept verbatim. Reports to `errors` every mistake it can
/// recover from, and returns the expression if there was none, plus every leaf that
/// parsed.
pub(crate) fn parse_permission_recovering(
    tokens: TokenStream,
    errors: &mut Errors,
) -> (Option<PermExpr>, Vec<Leaf>) {
    let mut parser = PermParser::new(tokens);
    let mut own = Errors::default();
    let expr = parser.parse_all(&mut own);
    match own.finish() {
        Ok(()) => (expr, parser.leaves),
        Err(error) => {
            errors.push(error);
            (None, parser.leaves)
        }
    }
}

/// An operator token already consumed, for messages.
#[derive(Clone)]
struct OpTok {
    text: &'static str,
    tokens: TokenStream,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    And,
    Or,
}

struct PermParser {
    tokens: Vec<TokenTree>,
    pos: usize,
    leaves: Vec<Leaf>,
}

impl PermParser {
    fn new(tokens: TokenStream) -> Self {
        PermParser {
            tokens: tokens.into_iter().collect(),
            pos: 0,
            leaves: Vec::new(),
        }
    }

    fn peek(&self) -> Option<&TokenTree> {
        self.tokens.get(self.pos)
    }

    fn peek_punct(&self, offset: usize) -> Option<(char, Spacing)> {
        match self.tokens.get(self.pos + offset) {
            Some(TokenTree::Punct(p)) => Some((p.as_char(), p.spacing())),
            _ => None,
        }
    }

    fn peek_ident(&self) -> Option<String> {
        match self.peek() {
            Some(TokenTree::Ident(i)) => Some(i.to_string()),
            _ => None,
        }
    }

    fn bump(&mut self, n: usize) -> TokenStream {
        let end = (self.pos + n).min(self.tokens.len());
        let out = self.tokens[self.pos..end].iter().cloned().collect();
        self.pos = end;
        out
    }

    fn at_path_sep(&self) -> bool {
        matches!(self.peek_punct(0), Some((':', Spacing::Joint)))
            && matches!(self.peek_punct(1), Some((':', _)))
    }

    /// The whole stream (of the attribute, or of a parenthesised group) as one expression.
    fn parse_all(&mut self, errors: &mut Errors) -> Option<PermExpr> {
        let expr = self.parse_or(errors);
        if let Some(tok) = self.peek().cloned() {
            errors.spanned(
                &tok,
                format!(
                    "unexpected `{tok}` in permission expression; combine permissions with `&` (all), `|` (any) and `!` (not)"
                ),
            );
        }
        expr
    }

    fn parse_or(&mut self, errors: &mut Errors) -> Option<PermExpr> {
        let mut lhs = self.parse_and(None, errors);
        while let Some(op) = self.take_op(Level::Or, errors) {
            let rhs = self.parse_and(Some(op), errors);
            lhs = lhs
                .zip(rhs)
                .map(|(a, b)| PermExpr::Or(Box::new(a), Box::new(b)));
        }
        lhs
    }

    fn parse_and(&mut self, after: Option<OpTok>, errors: &mut Errors) -> Option<PermExpr> {
        let mut lhs = self.parse_unary(after, errors);
        while let Some(op) = self.take_op(Level::And, errors) {
            let rhs = self.parse_unary(Some(op), errors);
            lhs = lhs
                .zip(rhs)
                .map(|(a, b)| PermExpr::And(Box::new(a), Box::new(b)));
        }
        lhs
    }

    /// Consumes a binary operator of `level`, reporting `&&`, `||`, `and`, `or`.
    fn take_op(&mut self, level: Level, errors: &mut Errors) -> Option<OpTok> {
        let (text, double, word) = match level {
            Level::And => ("&", "&&", "and"),
            Level::Or => ("|", "||", "or"),
        };
        let c = text.chars().next()?;
        match self.peek_punct(0) {
            Some((p, Spacing::Joint)) if p == c && self.peek_punct(1).map(|x| x.0) == Some(c) => {
                let tokens = self.bump(2);
                errors.spanned(
                    &tokens,
                    format!("`{double}` is not a permission operator; use `{text}`"),
                );
                return Some(OpTok { text, tokens });
            }
            Some((p, _)) if p == c => {
                return Some(OpTok {
                    text,
                    tokens: self.bump(1),
                })
            }
            _ => {}
        }
        if self.peek_ident().as_deref() == Some(word) {
            let tokens = self.bump(1);
            errors.spanned(
                &tokens,
                format!("`{word}` is not a permission operator; use `{text}`"),
            );
            return Some(OpTok { text, tokens });
        }
        None
    }

    /// An operand. `after` is the operator before it (`None` at the start of an
    /// expression or group).
    fn parse_unary(&mut self, after: Option<OpTok>, errors: &mut Errors) -> Option<PermExpr> {
        let Some(tok) = self.peek().cloned() else {
            match &after {
                Some(op) => errors.spanned(
                    &op.tokens,
                    format!(
                        "expected a permission after `{0}`; add one or remove the trailing `{0}`",
                        op.text
                    ),
                ),
                None => errors.push(Error::new(
                    Span::call_site(),
                    "expected a permission expression",
                )),
            }
            return None;
        };
        match &tok {
            TokenTree::Punct(p) if p.as_char() == '!' => {
                let tokens = self.bump(1);
                let inner = self.parse_unary(Some(OpTok { text: "!", tokens }), errors);
                inner.map(|e| PermExpr::Not(Box::new(e)))
            }
            TokenTree::Punct(p) if matches!(p.as_char(), '&' | '|') => {
                let double = p.spacing() == Spacing::Joint
                    && self.peek_punct(1).map(|x| x.0) == Some(p.as_char());
                let stray = self.bump(if double { 2 } else { 1 });
                let shown = stray.to_string().replace(' ', "");
                let message = match &after {
                    None => format!(
                        "expected a permission before `{shown}`; remove the leading `{shown}`"
                    ),
                    Some(op) => format!(
                        "expected a permission after `{}`, found `{shown}`; remove one of the operators",
                        op.text
                    ),
                };
                errors.spanned(&stray, message);
                if after.is_none() && self.peek().is_none() {
                    // Nothing but the operator: said above, on its own tokens.
                    return None;
                }
                self.parse_unary(after, errors)
            }
            TokenTree::Ident(i) if i == "not" => {
                let tokens = self.bump(1);
                errors.spanned(&tokens, "`not` is not a permission operator; use `!`");
                let inner = self.parse_unary(Some(OpTok { text: "!", tokens }), errors);
                inner.map(|e| PermExpr::Not(Box::new(e)))
            }
            TokenTree::Ident(i) if i == "and" || i == "or" => {
                let tokens = self.bump(1);
                let text = if i == "and" { "&" } else { "|" };
                errors.spanned(
                    &tokens,
                    format!(
                        "`{i}` is not a permission operator; use `{text}` between two permissions"
                    ),
                );
                if after.is_none() && self.peek().is_none() {
                    return None;
                }
                self.parse_unary(after, errors)
            }
            TokenTree::Ident(i) if i == "true" || i == "false" => {
                let fix = if i == "true" { "AllowAny" } else { "!AllowAny" };
                errors.spanned(
                    self.bump(1),
                    format!("expected a permission, found `{i}`; write `{fix}`"),
                );
                None
            }
            TokenTree::Literal(lit) => {
                errors.spanned(
                    self.bump(1),
                    format!(
                        "expected a permission, found literal `{lit}`; write a permission such as `IsAdmin`, with any arguments in parentheses: `HasRole(\"admin\")`"
                    ),
                );
                if matches!(self.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                {
                    self.bump(1);
                }
                None
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                self.bump(1);
                if g.stream().is_empty() {
                    errors.spanned(
                        g,
                        "empty parentheses in permission expression; put a permission inside or remove them",
                    );
                    return None;
                }
                let mut inner = PermParser::new(g.stream());
                let expr = inner.parse_all(errors);
                self.leaves.append(&mut inner.leaves);
                expr
            }
            TokenTree::Group(g) => {
                self.bump(1);
                let (open, close) = match g.delimiter() {
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    _ => ("", ""),
                };
                errors.spanned(
                    g,
                    format!("use parentheses `( )` to group permissions, not `{open} {close}`"),
                );
                None
            }
            TokenTree::Ident(_) => self.parse_leaf(errors),
            TokenTree::Punct(_) if self.at_path_sep() => self.parse_leaf(errors),
            TokenTree::Punct(p) => {
                errors.spanned(
                    self.bump(1),
                    format!("expected a permission, found `{}`", p.as_char()),
                );
                None
            }
        }
    }

    /// `path` or `path(args...)`, kept verbatim.
    fn parse_leaf(&mut self, errors: &mut Errors) -> Option<PermExpr> {
        let start = self.pos;
        if self.at_path_sep() {
            self.bump(2);
        }
        let mut span;
        loop {
            match self.peek() {
                Some(TokenTree::Ident(i)) => {
                    span = i.span();
                    self.bump(1);
                }
                _ => {
                    let found = self.peek().cloned();
                    let before: TokenStream =
                        self.tokens[start..self.pos].iter().cloned().collect();
                    match found {
                        Some(tok) => {
                            errors.spanned(&tok, format!("expected a path segment, found `{tok}`"))
                        }
                        None => errors.spanned(before, "expected a path segment after `::`"),
                    }
                    return None;
                }
            }
            if !self.at_path_sep() {
                break;
            }
            self.bump(2);
            if matches!(self.peek_punct(0), Some(('<', _))) {
                self.skip_generics(errors)?;
                if !self.at_path_sep() {
                    break;
                }
                self.bump(2);
            }
        }
        let last_segment = match self.tokens.get(self.pos.wrapping_sub(1)) {
            Some(TokenTree::Ident(ident)) => Some(ident.to_string()),
            _ => None,
        };
        if let Some(TokenTree::Group(g)) = self.peek() {
            if g.delimiter() == Delimiter::Parenthesis {
                if last_segment.as_deref() == Some("HasPerm") {
                    check_permission_name(g.stream(), errors);
                }
                self.bump(1);
            }
        }
        let leaf = Leaf {
            tokens: self.tokens[start..self.pos].iter().cloned().collect(),
            span,
        };
        self.leaves.push(leaf.clone());
        Some(PermExpr::Leaf(leaf))
    }

    /// `<...>` of a turbofish, balanced.
    fn skip_generics(&mut self, errors: &mut Errors) -> Option<()> {
        let open = self.peek().cloned();
        let mut depth = 0usize;
        while let Some(tok) = self.peek() {
            match tok {
                TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
                TokenTree::Punct(p) if p.as_char() == '>' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.bump(1);
                        return Some(());
                    }
                }
                _ => {}
            }
            self.bump(1);
        }
        errors.spanned(open, "unclosed `<` in permission path; close it with `>`");
        None
    }
}

/// `HasPerm("...")`: a named permission's form is checked here, on the literal, so a
/// malformed one is a compile error rather than a start-up one.
fn check_permission_name(args: TokenStream, errors: &mut Errors) {
    let mut tokens = args.into_iter();
    let (Some(TokenTree::Literal(lit)), None) = (tokens.next(), tokens.next()) else {
        return;
    };
    let Ok(syn::Lit::Str(name)) = syn::parse2::<syn::Lit>(TokenTree::Literal(lit.clone()).into())
    else {
        return;
    };
    if !auth_grammar::permission::is_name(&name.value()) {
        errors.spanned(
            lit,
            format!(
                "`{}` is not a permission name; {}",
                name.value(),
                auth_grammar::permission::EXPECTED
            ),
        );
    }
}
