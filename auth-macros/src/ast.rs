//! The typed tree `#[secured]` works on: one [`Operation`] per method, its
//! [`Policy`], the [`SchemeRef`]s of its chain and its [`PermExpr`].

use std::fmt;

use proc_macro2::{Ident, Span, TokenStream};
use syn::{ImplItem, ItemImpl, LitStr, Path, Visibility};

use crate::attr::{self, Attrs, Errors};

/// A built-in authentication scheme, as named in `#[authenticated(...)]`.
pub(crate) struct Builtin {
    /// The name users write: `jwt`.
    pub(crate) name: &'static str,
    /// The type under `::auth_runtime::schemes` that implements it: `Jwt`.
    pub(crate) type_name: &'static str,
    /// The `key = "value"` arguments it accepts, e.g. `scope` for `oauth2`.
    pub(crate) args: &'static [&'static str],
}

/// Every built-in scheme. Adding one here is all the macro needs.
pub(crate) const BUILTIN_SCHEMES: &[Builtin] = &[
    Builtin {
        name: "jwt",
        type_name: "Jwt",
        args: &[],
    },
    Builtin {
        name: "session",
        type_name: "Session",
        args: &[],
    },
    Builtin {
        name: "oauth2",
        type_name: "OAuth2",
        args: &["scope"],
    },
    Builtin {
        name: "token",
        type_name: "Token",
        args: &[],
    },
    Builtin {
        name: "basic",
        type_name: "Basic",
        args: &[],
    },
];

/// The scheme that may carry OAuth2 scopes (OpenAPI allows scopes on no other).
pub(crate) const SCOPED_SCHEME: &str = "oauth2";

/// One entry of `#[authenticated(...)]`.
pub(crate) enum SchemeRef {
    /// A built-in scheme by name: `jwt`, `session`.
    Builtin {
        /// Its row of [`BUILTIN_SCHEMES`].
        scheme: &'static Builtin,
        /// The name as the user wrote it, for spans.
        ident: Ident,
        /// Its `key = "value"` arguments, already checked against [`Builtin::args`].
        args: Vec<SchemeArg>,
    },
    /// A user type implementing `auth_runtime::Authenticator`: `crate::auth::ApiKey`.
    Custom(Path),
}

impl SchemeRef {
    /// The OAuth2 scopes required of this scheme's tokens (`oauth2(scope = "a b")`).
    pub(crate) fn scopes(&self) -> Vec<String> {
        match self {
            SchemeRef::Builtin { args, .. } => args
                .iter()
                .filter(|a| a.key == "scope")
                .flat_map(|a| {
                    a.value
                        .value()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .collect(),
            SchemeRef::Custom(_) => Vec::new(),
        }
    }

    /// The scheme as written, for messages and duplicate detection.
    pub(crate) fn display(&self) -> String {
        match self {
            SchemeRef::Builtin { scheme, .. } => scheme.name.to_owned(),
            SchemeRef::Custom(path) => quote::quote!(#path).to_string().replace(' ', ""),
        }
    }
}

/// A `key = "value"` argument of a scheme: `oauth2(scope = "read write")`.
pub(crate) struct SchemeArg {
    /// The key, e.g. `scope`.
    pub(crate) key: Ident,
    /// The value.
    pub(crate) value: LitStr,
}

/// A permission expression: `IsAuthenticated & !IsAdmin | IsAdmin`.
pub(crate) enum PermExpr {
    /// A permission value, kept verbatim: `IsAdmin`, `HasScope("write")`.
    Leaf(Leaf),
    /// `!a`
    Not(Box<PermExpr>),
    /// `a & b`
    And(Box<PermExpr>, Box<PermExpr>),
    /// `a | b`
    Or(Box<PermExpr>, Box<PermExpr>),
}

impl PermExpr {
    /// The leaves, left to right.
    pub(crate) fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, out: &mut Vec<&'a Leaf>) {
        match self {
            PermExpr::Leaf(leaf) => out.push(leaf),
            PermExpr::Not(a) => a.collect_leaves(out),
            PermExpr::And(a, b) | PermExpr::Or(a, b) => {
                a.collect_leaves(out);
                b.collect_leaves(out);
            }
        }
    }
}

impl PermExpr {
    /// The expression in the DSL's own syntax, with parentheses only where precedence
    /// needs them: `IsAuthenticated & !IsAdmin | IsAdmin`.
    pub(crate) fn source(&self) -> String {
        self.source_at(0)
    }

    fn source_at(&self, parent: u8) -> String {
        let (own, text) = match self {
            PermExpr::Leaf(leaf) => (3, render(leaf.tokens.clone())),
            PermExpr::Not(a) => (2, format!("!{}", a.source_at(2))),
            PermExpr::And(a, b) => (1, format!("{} & {}", a.source_at(1), b.source_at(2))),
            PermExpr::Or(a, b) => (0, format!("{} | {}", a.source_at(0), b.source_at(1))),
        };
        if own < parent {
            format!("({text})")
        } else {
            text
        }
    }
}

/// Tokens as a person writes them: `HasScope("read write")`, `a::B(1, 2)`.
fn render(tokens: TokenStream) -> String {
    use proc_macro2::{Delimiter, TokenTree};
    let mut out = String::new();
    for tree in tokens {
        match tree {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                out.push_str(&render(g.stream()));
                out.push_str(close);
            }
            TokenTree::Punct(p) if p.as_char() == ',' => out.push_str(", "),
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

/// Prints the tree with its combinators: `Or(A, And(B, Not(C)))`.
impl fmt::Display for PermExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PermExpr::Leaf(leaf) => f.write_str(&leaf.tokens.to_string().replace(' ', "")),
            PermExpr::Not(a) => write!(f, "Not({a})"),
            PermExpr::And(a, b) => write!(f, "And({a}, {b})"),
            PermExpr::Or(a, b) => write!(f, "Or({a}, {b})"),
        }
    }
}

/// One permission of an expression, emitted verbatim with the user's spans.
#[derive(Clone)]
pub(crate) struct Leaf {
    /// The path and optional argument list: `HasScope("write")`.
    pub(crate) tokens: TokenStream,
    /// The span compile-time checks of this leaf carry (its last path segment).
    pub(crate) span: Span,
}

/// Which schemes an operation tries.
pub(crate) enum Chain<'a> {
    /// None: a `#[public]` operation that is throttled.
    Open,
    /// The application's default chain: `#[authenticated]`, or `#[permission]` alone.
    Default,
    /// The declared schemes, in order.
    Schemes(&'a [SchemeRef]),
}

/// What a guarded operation requires.
pub(crate) struct Policy<'a> {
    /// The authentication chain.
    pub(crate) chain: Chain<'a>,
    /// The permission expression; `None` means the settings' default permission (or
    /// `AllowAny` for an open chain).
    pub(crate) permission: Option<&'a PermExpr>,
    /// `#[throttle(...)]` rules.
    pub(crate) throttles: &'a [attr::ThrottleSpec],
}

/// A method of the `#[secured]` impl that carries `#[oai]` or one of our attributes.
pub(crate) struct Operation {
    /// Its position in [`SecuredImpl::item`]'s items.
    pub(crate) index: usize,
    /// The method name.
    pub(crate) ident: Ident,
    /// The method's visibility, given to its policy type too.
    pub(crate) vis: Visibility,
    /// Whether `#[OpenApi]` will see it as an operation (it has `#[oai(...)]`).
    pub(crate) has_oai: bool,
    /// Methods and path read from `#[oai(...)]`, for the policy table; `None` if they
    /// are not literals (poem-openapi reports its own errors).
    pub(crate) route: Option<attr::Route>,
    /// Our attributes, parsed.
    pub(crate) attrs: Attrs,
}

impl Operation {
    /// The guard this operation needs; `None` for an unthrottled `#[public]`, no
    /// declaration, or an invalid permission expression.
    pub(crate) fn policy(&self) -> Option<Policy<'_>> {
        let throttles = self
            .attrs
            .throttle
            .as_ref()
            .map_or(&[][..], |t| t.specs.as_slice());
        if self.attrs.public.is_some() {
            return (!throttles.is_empty()).then_some(Policy {
                chain: Chain::Open,
                permission: None,
                throttles,
            });
        }
        let permission = match &self.attrs.permission {
            Some(attr) => Some(attr.expr.as_ref()?),
            None => None,
        };
        let chain = match &self.attrs.authenticated {
            Some(auth) => match &auth.schemes {
                Some(schemes) => Chain::Schemes(schemes),
                None => Chain::Default,
            },
            None if permission.is_some() => Chain::Default,
            None => return None,
        };
        Some(Policy {
            chain,
            permission,
            throttles,
        })
    }
}

/// The impl block under `#[secured]`, with our attributes read and neutralised.
pub(crate) struct SecuredImpl {
    /// The impl as it will be re-emitted (before guards are inserted).
    pub(crate) item: ItemImpl,
    /// Its methods that are operations or carry our attributes.
    pub(crate) operations: Vec<Operation>,
    /// `#[OpenApi(prefix_path = "...")]`, when it is a literal.
    pub(crate) prefix: Option<String>,
}

impl SecuredImpl {
    /// Reads and neutralises our attributes on every method; syntax errors go to `errors`.
    pub(crate) fn from_syn(mut item: ItemImpl, errors: &mut Errors) -> Self {
        let mut operations = Vec::new();
        for (index, impl_item) in item.items.iter_mut().enumerate() {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            let ident = method.sig.ident.clone();
            let oai = method.attrs.iter().find(|a| a.path().is_ident("oai"));
            let has_oai = oai.is_some();
            let route = oai.and_then(attr::route);
            let attrs = attr::take(&mut method.attrs, &ident, errors);
            if has_oai || !attrs.is_empty() {
                operations.push(Operation {
                    index,
                    ident,
                    vis: method.vis.clone(),
                    has_oai,
                    route,
                    attrs,
                });
            }
        }
        let prefix = item
            .attrs
            .iter()
            .find(|a| {
                a.path()
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "OpenApi")
            })
            .and_then(attr::prefix_path);
        SecuredImpl {
            item,
            operations,
            prefix,
        }
    }
}
