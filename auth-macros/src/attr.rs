//! Method attributes into typed values that keep the original attribute for spans:
//! `#[authenticated(...)]` into [`SchemeRef`]s, `#[permission(...)]` into a [`PermExpr`].
//! Checks that need one attribute only happen here.

use proc_macro2::{Delimiter, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::{
    ext::IdentExt,
    parse::{Parse, ParseStream},
    punctuated::Punctuated,
    token, Attribute, Error, Expr, ExprLit, Lit, LitStr, Meta, Path, Token,
};

use crate::ast::{Leaf, PermExpr, SchemeArg, SchemeRef, BUILTIN_SCHEMES, SCOPED_SCHEME};

/// Collects every error of one expansion, so they are all reported at once.
#[derive(Default)]
pub(crate) struct Errors(Option<Error>);

impl Errors {
    /// Records an error.
    pub(crate) fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Records an error spanning `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(Error::new_spanned(tokens, message));
    }

    /// `Err` with every recorded error, if any.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Our attributes on one method.
#[derive(Default)]
pub(crate) struct Attrs {
    /// `#[authenticated]` / `#[authenticated(...)]`.
    pub(crate) authenticated: Option<Authenticated>,
    /// `#[permission(...)]`.
    pub(crate) permission: Option<Permission>,
    /// `#[public]`.
    pub(crate) public: Option<Attribute>,
}

impl Attrs {
    /// None of our attributes is present.
    pub(crate) fn is_empty(&self) -> bool {
        self.authenticated.is_none() && self.permission.is_none() && self.public.is_none()
    }
}

/// A parsed `#[authenticated]`.
pub(crate) struct Authenticated {
    /// The attribute as written.
    pub(crate) original: Attribute,
    /// The declared schemes; `None` for bare `#[authenticated]` (the default chain).
    pub(crate) schemes: Option<Vec<SchemeRef>>,
}

/// A parsed `#[permission(...)]`.
pub(crate) struct Permission {
    /// The attribute as written.
    pub(crate) original: Attribute,
    /// The expression; `None` if it has errors.
    pub(crate) expr: Option<PermExpr>,
    /// Every leaf that parsed, even in an expression with errors.
    pub(crate) leaves: Vec<Leaf>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Authenticated,
    Permission,
    Public,
}

impl Kind {
    fn of(attr: &Attribute) -> Option<Kind> {
        let path = attr.path();
        let last = path.segments.last()?;
        let ours = match path.segments.len() {
            1 => path.leading_colon.is_none(),
            2 => ["auth_runtime", "auth_macros"]
                .iter()
                .any(|krate| path.segments[0].ident == krate),
            _ => false,
        };
        if !ours {
            return None;
        }
        match last.ident.to_string().as_str() {
            "authenticated" => Some(Kind::Authenticated),
            "permission" => Some(Kind::Permission),
            "public" => Some(Kind::Public),
            _ => None,
        }
    }
}

/// What `#[secured]` leaves as the argument of each attribute it has read, so that the
/// attribute, expanding by itself later, knows to do nothing. Keeping the attribute's
/// path (rather than dropping it) keeps the user's `use auth_runtime::authenticated;`
/// used, so it draws no `unused_imports` warning.
pub(crate) const PROCESSED_MARKER: &str = "__processed_by_secured";

/// `#[path(__processed_by_secured)]`, with the user's path and spans.
fn processed(attr: &Attribute) -> Attribute {
    let path = attr.path().clone();
    let marker = Ident::new(PROCESSED_MARKER, Span::call_site());
    Attribute {
        pound_token: attr.pound_token,
        style: attr.style,
        bracket_token: attr.bracket_token,
        meta: Meta::List(syn::MetaList {
            path,
            delimiter: syn::MacroDelimiter::Paren(token::Paren::default()),
            tokens: marker.into_token_stream(),
        }),
    }
}

/// Whether an attribute's arguments are [`PROCESSED_MARKER`].
pub(crate) fn is_processed(args: TokenStream) -> bool {
    let mut tokens = args.into_iter();
    match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Ident(ident)), None) => ident == PROCESSED_MARKER,
        _ => false,
    }
}

/// Parses our attributes from `attrs` and neutralises them (see [`PROCESSED_MARKER`]);
/// `method` names the method in messages.
pub(crate) fn take(attrs: &mut Vec<Attribute>, method: &Ident, errors: &mut Errors) -> Attrs {
    let mut out = Attrs::default();
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        let kind = Kind::of(&attr);
        if kind.is_some() {
            kept.push(processed(&attr));
        }
        match kind {
            None => kept.push(attr),
            Some(Kind::Authenticated) if out.authenticated.is_some() => {
                errors.spanned(
                    &attr,
                    format_args!(
                        "duplicate `#[authenticated]` on `{method}`; list every scheme in one `#[authenticated(...)]`"
                    ),
                );
                // its own mistakes are reported too
                parse_authenticated(&attr, errors);
            }
            Some(Kind::Permission) => {
                let (expr, mut leaves) = parse_permission_attr(&attr, errors);
                if let Some(first) = &mut out.permission {
                    errors.spanned(
                        &attr,
                        format_args!(
                            "duplicate `#[permission]` on `{method}`; combine the expressions with `&` in one `#[permission(...)]`"
                        ),
                    );
                    first.leaves.append(&mut leaves);
                } else {
                    out.permission = Some(Permission {
                        original: attr,
                        expr,
                        leaves,
                    });
                }
            }
            Some(Kind::Public) if out.public.is_some() => errors.spanned(
                &attr,
                format_args!("duplicate `#[public]` on `{method}`; remove this one"),
            ),
            Some(Kind::Authenticated) => {
                let schemes = parse_authenticated(&attr, errors);
                out.authenticated = Some(Authenticated {
                    original: attr,
                    schemes,
                });
            }
            Some(Kind::Public) => {
                if !matches!(attr.meta, Meta::Path(_)) {
                    errors.spanned(&attr, "`#[public]` takes no arguments; write `#[public]`");
                }
                out.public = Some(attr);
            }
        }
    }
    *attrs = kept;
    out
}

/// Where poem-openapi serves an operation, as far as the policy table needs it.
pub(crate) struct Route {
    /// Uppercase methods: `GET`.
    pub(crate) methods: Vec<String>,
    /// The path as written in `#[oai(path = "...")]`.
    pub(crate) path: String,
}

/// Reads `path` and `method` from `#[oai(...)]`, skipping its other arguments.
pub(crate) fn route(attr: &Attribute) -> Option<Route> {
    let mut path = None;
    let mut methods = Vec::new();
    attr.parse_nested_meta(|meta| {
        if meta.input.peek(Token![=]) {
            let value: Expr = meta.value()?.parse()?;
            let text = match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            };
            if meta.path.is_ident("path") {
                path = text;
            } else if meta.path.is_ident("method") {
                methods.extend(text.map(|m| m.to_ascii_uppercase()));
            }
        } else if meta.input.peek(token::Paren) {
            meta.input.parse::<proc_macro2::Group>()?;
        }
        Ok(())
    })
    .ok()?;
    Some(Route {
        methods,
        path: path?,
    })
}

/// Reads a literal `prefix_path` from `#[OpenApi(...)]`.
pub(crate) fn prefix_path(attr: &Attribute) -> Option<String> {
    let mut prefix = None;
    if let Meta::List(_) = attr.meta {
        attr.parse_nested_meta(|meta| {
            if meta.input.peek(Token![=]) {
                let value: Expr = meta.value()?.parse()?;
                if let (
                    true,
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }),
                ) = (meta.path.is_ident("prefix_path"), value)
                {
                    prefix = Some(s.value());
                }
            } else if meta.input.peek(token::Paren) {
                meta.input.parse::<proc_macro2::Group>()?;
            }
            Ok(())
        })
        .ok()?;
    }
    prefix
}

fn delimiter_span(list: &syn::MetaList) -> Span {
    list.delimiter.span().join()
}

// ---------------------------------------------------------------------------------------
// #[authenticated(...)]

fn parse_authenticated(attr: &Attribute, errors: &mut Errors) -> Option<Vec<SchemeRef>> {
    let list = match &attr.meta {
        Meta::Path(_) => return None,
        Meta::List(list) => list,
        Meta::NameValue(nv) => {
            errors.spanned(
                quote!(#nv),
                "expected `#[authenticated(jwt, session)]`, or `#[authenticated]` for the default chain",
            );
            return None;
        }
    };
    if list.tokens.is_empty() {
        errors.push(Error::new(
            delimiter_span(list),
            "empty scheme list in `#[authenticated()]`; list at least one scheme, or write `#[authenticated]` for the default chain",
        ));
        return None;
    }
    let items = match list.parse_args_with(Punctuated::<SchemeSyntax, Token![,]>::parse_terminated)
    {
        Ok(items) => items,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let schemes = items
        .into_iter()
        .filter_map(|item| resolve_scheme(item, errors))
        .collect();
    Some(schemes)
}

/// A list item as written: `name` or `name(key = "value", ...)`.
struct SchemeSyntax {
    path: Path,
    args: Vec<SchemeArg>,
}

impl Parse for SchemeSyntax {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path: Path = input.parse()?;
        let mut args = Vec::new();
        if input.peek(token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let parsed = Punctuated::<SchemeArgSyntax, Token![,]>::parse_terminated(&content)?;
            args.extend(parsed.into_iter().map(|a| a.0));
        }
        Ok(SchemeSyntax { path, args })
    }
}

struct SchemeArgSyntax(SchemeArg);

impl Parse for SchemeArgSyntax {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = Ident::parse_any(input)?;
        input.parse::<Token![=]>()?;
        let value: LitStr = input.parse()?;
        Ok(SchemeArgSyntax(SchemeArg { key, value }))
    }
}

/// Uppercase single identifiers and multi-segment paths name user types.
fn is_custom(path: &Path) -> bool {
    if path.leading_colon.is_some() || path.segments.len() != 1 {
        return true;
    }
    let segment = &path.segments[0];
    !segment.arguments.is_empty()
        || segment
            .ident
            .unraw()
            .to_string()
            .starts_with(|c: char| c.is_ascii_uppercase())
}

fn resolve_scheme(item: SchemeSyntax, errors: &mut Errors) -> Option<SchemeRef> {
    let SchemeSyntax { path, args } = item;
    if is_custom(&path) {
        let shown = quote!(#path).to_string().replace(' ', "");
        for arg in &args {
            if arg.key == "scope" {
                errors.spanned(quote!(#arg), scope_error(&shown));
            } else {
                errors.spanned(
                    &arg.key,
                    format_args!(
                        "custom scheme `{shown}` takes no arguments; configure it in its `Authenticator` impl"
                    ),
                );
            }
        }
        return Some(SchemeRef::Custom(path));
    }
    let ident = path.segments[0].ident.clone();
    let name = ident.unraw().to_string();
    let Some(scheme) = BUILTIN_SCHEMES.iter().find(|b| b.name == name) else {
        errors.spanned(&ident, unknown_scheme(&name));
        return None;
    };
    for arg in &args {
        if scheme.args.iter().any(|a| arg.key == a) {
            continue;
        }
        if arg.key == "scope" {
            errors.spanned(quote!(#arg), scope_error(scheme.name));
        } else if scheme.args.is_empty() {
            errors.spanned(
                &arg.key,
                format_args!(
                    "unknown argument `{}` for scheme `{}`; it takes no arguments",
                    arg.key, scheme.name
                ),
            );
        } else {
            errors.spanned(
                &arg.key,
                format_args!(
                    "unknown argument `{}` for scheme `{}`; expected one of {}",
                    arg.key,
                    scheme.name,
                    quoted_list(scheme.args.iter().copied())
                ),
            );
        }
    }
    Some(SchemeRef::Builtin {
        scheme,
        ident,
        args,
    })
}

impl ToTokens for SchemeArg {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let SchemeArg { key, value } = self;
        tokens.extend(quote!(#key = #value));
    }
}

fn scope_error(scheme: &str) -> String {
    format!(
        "`scope` is only accepted by the `{SCOPED_SCHEME}` scheme, not `{scheme}`; OpenAPI allows scopes on OAuth2 schemes only, remove it"
    )
}

fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_scheme(name: &str) -> String {
    let nearest = BUILTIN_SCHEMES
        .iter()
        .map(|b| (strsim::damerau_levenshtein(name, b.name), b.name))
        .filter(|(distance, builtin)| *distance <= 2 && *distance < builtin.len())
        .min_by_key(|(distance, _)| *distance);
    let hint = nearest
        .map(|(_, builtin)| format!(" did you mean `{builtin}`?"))
        .unwrap_or_default();
    format!(
        "unknown scheme `{name}`;{hint} expected one of {}, or a custom scheme type such as `crate::auth::ApiKey`",
        quoted_list(BUILTIN_SCHEMES.iter().map(|b| b.name))
    )
}

// ---------------------------------------------------------------------------------------
// #[permission(...)]

fn parse_permission_attr(attr: &Attribute, errors: &mut Errors) -> (Option<PermExpr>, Vec<Leaf>) {
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
fn parse_permission(tokens: TokenStream) -> syn::Result<PermExpr> {
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
fn parse_permission_recovering(
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
        if matches!(self.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            self.bump(1);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> syn::Result<String> {
        let tokens: TokenStream = s.parse().map_err(|e| Error::new(Span::call_site(), e))?;
        parse_permission(tokens).map(|e| e.to_string())
    }

    fn ok(s: &str) -> String {
        match parse(s) {
            Ok(tree) => tree,
            Err(e) => panic!("`{s}` failed: {e}"),
        }
    }

    fn errs(s: &str) -> Vec<String> {
        match parse(s) {
            Ok(tree) => panic!("`{s}` parsed as {tree}"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn precedence() {
        assert_eq!(ok("A | B & !C"), "Or(A, And(B, Not(C)))");
        assert_eq!(ok("A & B | C"), "Or(And(A, B), C)");
        assert_eq!(ok("!A & B"), "And(Not(A), B)");
        assert_eq!(
            ok("IsAuthenticated & !IsAdmin | IsAdmin"),
            "Or(And(IsAuthenticated, Not(IsAdmin)), IsAdmin)"
        );
    }

    #[test]
    fn associativity() {
        assert_eq!(ok("A | B | C"), "Or(Or(A, B), C)");
        assert_eq!(ok("A & B & C"), "And(And(A, B), C)");
        assert_eq!(ok("!!A"), "Not(Not(A))");
    }

    #[test]
    fn parentheses() {
        assert_eq!(ok("(A | B) & C"), "And(Or(A, B), C)");
        assert_eq!(ok("!(A | B)"), "Not(Or(A, B))");
        assert_eq!(ok("((A))"), "A");
        assert_eq!(ok("A & (B | (C & !D))"), "And(A, Or(B, And(C, Not(D))))");
    }

    #[test]
    fn leaves() {
        assert_eq!(ok("HasScope(\"write\")"), "HasScope(\"write\")");
        assert_eq!(
            ok("crate::perms::IsOwner(id.0, 1 + 2) | ::auth_runtime::IsAdmin"),
            "Or(crate::perms::IsOwner(id.0,1+2), ::auth_runtime::IsAdmin)"
        );
        assert_eq!(ok("HasRole::<Admin>"), "HasRole::<Admin>");
        assert_eq!(ok("is_owner() & A"), "And(is_owner(), A)");
    }

    #[test]
    fn leaf_keeps_path_and_arguments() {
        let tokens: TokenStream = "a::b::IsOwner(1)".parse().unwrap_or_default();
        let expr = parse_permission(tokens).unwrap();
        let leaves = expr.leaves();
        assert_eq!(leaves.len(), 1);
        assert_eq!(
            leaves[0].tokens.to_string().replace(' ', ""),
            "a::b::IsOwner(1)"
        );
    }

    #[test]
    fn double_operators() {
        assert_eq!(
            errs("A && B"),
            ["`&&` is not a permission operator; use `&`"]
        );
        assert_eq!(
            errs("A || B"),
            ["`||` is not a permission operator; use `|`"]
        );
        // every error of the expression is reported
        assert_eq!(errs("A && B || C").len(), 2);
    }

    #[test]
    fn words() {
        assert_eq!(
            errs("A and B"),
            ["`and` is not a permission operator; use `&`"]
        );
        assert_eq!(
            errs("A or B"),
            ["`or` is not a permission operator; use `|`"]
        );
        assert_eq!(
            errs("not A"),
            ["`not` is not a permission operator; use `!`"]
        );
    }

    #[test]
    fn dangling_operators() {
        assert_eq!(
            errs("A &"),
            ["expected a permission after `&`; add one or remove the trailing `&`"]
        );
        assert_eq!(
            errs("A | !"),
            ["expected a permission after `!`; add one or remove the trailing `!`"]
        );
        assert_eq!(
            errs("| A"),
            ["expected a permission before `|`; remove the leading `|`"]
        );
        assert_eq!(
            errs("A & | B"),
            ["expected a permission after `&`, found `|`; remove one of the operators"]
        );
    }

    #[test]
    fn literals_and_groups() {
        assert_eq!(
            errs("\"admin\""),
            ["expected a permission, found literal `\"admin\"`; write a permission such as `IsAdmin`, with any arguments in parentheses: `HasRole(\"admin\")`"]
        );
        assert_eq!(
            errs("true"),
            ["expected a permission, found `true`; write `AllowAny`"]
        );
        assert_eq!(
            errs("A & ()"),
            ["empty parentheses in permission expression; put a permission inside or remove them"]
        );
        assert_eq!(
            errs("[A]"),
            ["use parentheses `( )` to group permissions, not `[ ]`"]
        );
        assert_eq!(
            errs("A, B"),
            ["unexpected `,` in permission expression; combine permissions with `&` (all), `|` (any) and `!` (not)"]
        );
        assert_eq!(
            errs("(A B)"),
            ["unexpected `B` in permission expression; combine permissions with `&` (all), `|` (any) and `!` (not)"]
        );
    }

    fn schemes(attr: &str) -> (Option<Vec<String>>, Vec<String>) {
        let attr: Attribute = match syn::parse_str::<syn::ItemFn>(&format!("{attr} fn f() {{}}")) {
            Ok(f) => f.attrs.into_iter().next().unwrap(),
            Err(e) => panic!("{e}"),
        };
        let mut errors = Errors::default();
        let list = parse_authenticated(&attr, &mut errors)
            .map(|v| v.iter().map(SchemeRef::display).collect());
        let errors = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (list, errors)
    }

    #[test]
    fn scheme_lists() {
        assert_eq!(
            schemes("#[authenticated(jwt, session)]").0.unwrap(),
            ["jwt", "session"]
        );
        assert_eq!(
            schemes("#[authenticated(session, crate::auth::ApiKey, MyKey)]")
                .0
                .unwrap(),
            ["session", "crate::auth::ApiKey", "MyKey"]
        );
        assert!(schemes("#[authenticated]").0.is_none());
        assert_eq!(
            schemes("#[authenticated()]").1,
            ["empty scheme list in `#[authenticated()]`; list at least one scheme, or write `#[authenticated]` for the default chain"]
        );
        assert_eq!(
            schemes("#[authenticated(jtw)]").1,
            ["unknown scheme `jtw`; did you mean `jwt`? expected one of `jwt`, `session`, `token`, `basic`, or a custom scheme type such as `crate::auth::ApiKey`"]
        );
        assert_eq!(
            schemes("#[authenticated(basicauth)]").1,
            ["unknown scheme `basicauth`; expected one of `jwt`, `session`, `token`, `basic`, or a custom scheme type such as `crate::auth::ApiKey`"]
        );
        assert_eq!(
            schemes("#[authenticated(jwt(scope = \"read\"))]").1,
            ["`scope` is only accepted by the `oauth2` scheme, not `jwt`; OpenAPI allows scopes on OAuth2 schemes only, remove it"]
        );
        assert_eq!(
            schemes("#[authenticated(jwt(leeway = \"5\"))]").1,
            ["unknown argument `leeway` for scheme `jwt`; it takes no arguments"]
        );
    }
}
