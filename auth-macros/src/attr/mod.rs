//! Method attributes into typed values that keep the original attribute for spans:
//! `#[authenticated(...)]` into [`SchemeRef`]s, `#[permission(...)]` into a [`PermExpr`],
//! and the impl-wide defaults of `#[secured(...)]`. Checks that need one attribute
//! only happen here. Nothing here knows the tree of [`crate::ast`].

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{token, Attribute, Error, Expr, ExprLit, Lit, Meta, Token};

mod object;
mod permission;
mod scheme;
mod secured;
mod throttle;

use self::{
    object::parse_object_permission, permission::parse_permission_attr,
    scheme::parse_authenticated, throttle::parse_throttle,
};
pub(crate) use self::{
    object::ObjectRule,
    permission::{parse_permission_recovering, Leaf, PermExpr},
    scheme::{parse_scheme_list, SchemeRef},
    secured::parse_defaults,
    throttle::{ThrottleKind, ThrottleSpec},
};

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

    /// Whether nothing was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
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
    /// `#[throttle(...)]`.
    pub(crate) throttle: Option<Throttle>,
    /// `#[object_permission(...)]`, in order.
    pub(crate) objects: Vec<ObjectRule>,
}

/// A parsed `#[throttle(...)]`.
pub(crate) struct Throttle {
    /// The attribute as written.
    pub(crate) original: Attribute,
    /// Its rules.
    pub(crate) specs: Vec<ThrottleSpec>,
}

impl Attrs {
    /// None of our attributes is present.
    pub(crate) fn is_empty(&self) -> bool {
        self.authenticated.is_none()
            && self.permission.is_none()
            && self.public.is_none()
            && self.throttle.is_none()
            && self.objects.is_empty()
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
    Throttle,
    Object,
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
            "throttle" => Some(Kind::Throttle),
            "object_permission" => Some(Kind::Object),
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
            Some(Kind::Object) => out.objects.push(parse_object_permission(attr, errors)),
            Some(Kind::Throttle) => {
                let mut specs = parse_throttle(&attr, errors);
                match &mut out.throttle {
                    Some(first) => {
                        errors.spanned(
                            &attr,
                            format_args!(
                                "duplicate `#[throttle]` on `{method}`; give every rate in one `#[throttle(...)]`"
                            ),
                        );
                        first.specs.append(&mut specs);
                    }
                    None => {
                        out.throttle = Some(Throttle {
                            original: attr,
                            specs,
                        })
                    }
                }
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
