//! The typed trees the macros work on: a `#[secured]` impl with its defaults and one
//! [`Operation`] per method, each resolving to a [`Policy`]; and the named chains and
//! permissions of `chain!` and `permissions!`.

use proc_macro2::TokenStream;
use syn::{
    parse::{ParseStream, Parser},
    Attribute, FnArg, Ident, ImplItem, ItemImpl, Pat, Path, Signature, Token, Visibility,
};

use crate::attr::{
    self, parse_permission_recovering, parse_scheme_list, Attrs, Errors, PermExpr, SchemeRef,
    ThrottleSpec,
};

/// Which schemes an operation tries.
pub(crate) enum Chain<'a> {
    /// None: a `#[public]` operation that is throttled.
    Open,
    /// The application's default chain: `#[authenticated]`, or `#[permission]` alone.
    Default,
    /// The declared schemes, in order.
    Schemes(&'a [SchemeRef]),
    /// One type that is a named chain (`chain!`) or a custom scheme: `#[authenticated(Api)]`.
    Named(&'a Path),
}

/// What a guarded operation requires.
pub(crate) struct Policy<'a> {
    /// The authentication chain.
    pub(crate) chain: Chain<'a>,
    /// The permission expression; `None` means the settings' default permission (or
    /// `AllowAny` for an open chain).
    pub(crate) permission: Option<&'a PermExpr>,
    /// `#[throttle(...)]` rules.
    pub(crate) throttles: &'a [ThrottleSpec],
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
    /// The names its parameters bind (`id` of `id: Path<u32>` or of `Path(id): Path<u32>`).
    pub(crate) params: Vec<Ident>,
}

impl Operation {
    /// The guard this operation needs, its own declarations over the impl's
    /// `defaults`; `None` for an unthrottled `#[public]`, no declaration, or an invalid
    /// permission expression.
    pub(crate) fn policy<'a>(&'a self, defaults: &'a Attrs) -> Option<Policy<'a>> {
        let own = &self.attrs;
        let throttles = own
            .throttle
            .as_ref()
            .or(defaults.throttle.as_ref())
            .map_or(&[][..], |t| t.specs.as_slice());
        if own.public.is_some() {
            return (!throttles.is_empty()).then_some(Policy {
                chain: Chain::Open,
                permission: None,
                throttles,
            });
        }
        let permission = match own.permission.as_ref().or(defaults.permission.as_ref()) {
            Some(attr) => Some(attr.expr.as_ref()?),
            None => None,
        };
        let chain = match own
            .authenticated
            .as_ref()
            .or(defaults.authenticated.as_ref())
        {
            Some(auth) => match auth.schemes.as_deref() {
                Some([SchemeRef::Custom(path)]) => Chain::Named(path),
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
    /// `#[secured(...)]`: what operations without their own declarations inherit.
    pub(crate) defaults: Attrs,
    /// Whether `#[secured(...)]` had errors (already reported).
    pub(crate) defaults_failed: bool,
    /// Its methods that are operations or carry our attributes.
    pub(crate) operations: Vec<Operation>,
    /// `#[OpenApi(prefix_path = "...")]`, when it is a literal.
    pub(crate) prefix: Option<String>,
}

impl SecuredImpl {
    /// Reads and neutralises our attributes on every method; syntax errors go to `errors`.
    pub(crate) fn from_syn(mut item: ItemImpl, defaults: Attrs, errors: &mut Errors) -> Self {
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
                    params: param_names(&method.sig),
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
            defaults,
            defaults_failed: false,
            operations,
            prefix,
        }
    }
}

/// The names bound by a signature's typed parameters, in order.
fn param_names(sig: &Signature) -> Vec<Ident> {
    let mut names = Vec::new();
    for input in &sig.inputs {
        if let FnArg::Typed(typed) = input {
            bound_names(&typed.pat, &mut names);
        }
    }
    names
}

fn bound_names(pat: &Pat, names: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            names.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                bound_names(sub, names);
            }
        }
        Pat::Tuple(p) => p.elems.iter().for_each(|e| bound_names(e, names)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| bound_names(e, names)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| bound_names(&f.pat, names)),
        Pat::Slice(p) => p.elems.iter().for_each(|e| bound_names(e, names)),
        Pat::Reference(p) => bound_names(&p.pat, names),
        Pat::Paren(p) => bound_names(&p.pat, names),
        Pat::Type(p) => bound_names(&p.pat, names),
        _ => {}
    }
}

/// `#[doc = ".."] pub Name = <body>`: one declaration of `chain!` or `permissions!`.
pub(crate) struct Decl<T> {
    /// Its outer attributes (doc comments), given to the type.
    pub(crate) attrs: Vec<Attribute>,
    /// The type's visibility.
    pub(crate) vis: Visibility,
    /// The type's name.
    pub(crate) ident: Ident,
    /// What it names; `None` when the body has errors (they are in `errors`).
    pub(crate) body: Option<T>,
}

/// A named chain: `pub Api = jwt, session, oauth2(scope = "read")`.
pub(crate) type ChainDecl = Decl<Vec<SchemeRef>>;

/// A named permission: `pub ArticleAccess = IsAuthenticatedOrReadOnly & !IsScoped`.
pub(crate) type PermissionDecl = Decl<PermExpr>;

/// Parses `;`-separated declarations, each body read by `body` from its tokens.
fn declarations<T>(
    input: TokenStream,
    errors: &mut Errors,
    usage: &str,
    mut body: impl FnMut(TokenStream, &mut Errors) -> Option<T>,
) -> Vec<Decl<T>> {
    let parser = |stream: ParseStream| {
        let mut out = Vec::new();
        while !stream.is_empty() {
            let attrs = stream.call(Attribute::parse_outer)?;
            let vis: Visibility = stream.parse()?;
            let ident: Ident = stream.parse()?;
            stream.parse::<Token![=]>()?;
            let mut tokens = TokenStream::new();
            while !stream.is_empty() && !stream.peek(Token![;]) {
                let tree: proc_macro2::TokenTree = stream.parse()?;
                tokens.extend([tree]);
            }
            if !stream.is_empty() {
                stream.parse::<Token![;]>()?;
            }
            out.push((attrs, vis, ident, tokens));
        }
        Ok(out)
    };
    let parsed = match parser.parse2(input) {
        Ok(parsed) if !parsed.is_empty() => parsed,
        Ok(_) => {
            errors.push(syn::Error::new(
                proc_macro2::Span::call_site(),
                format!("nothing declared; {usage}"),
            ));
            return Vec::new();
        }
        Err(e) => {
            errors.push(syn::Error::new(e.span(), format!("{e}; {usage}")));
            return Vec::new();
        }
    };
    parsed
        .into_iter()
        .map(|(attrs, vis, ident, tokens)| {
            let body = if tokens.is_empty() {
                errors.spanned(&ident, format!("`{ident}` names nothing; {usage}"));
                None
            } else {
                body(tokens, errors)
            };
            Decl {
                attrs,
                vis,
                ident,
                body,
            }
        })
        .collect()
}

impl ChainDecl {
    const USAGE: &'static str = "write `chain!(pub Api = jwt, session, oauth2(scope = \"read\"));`";

    /// Parses the input of `chain!`.
    pub(crate) fn parse_all(input: TokenStream, errors: &mut Errors) -> Vec<Self> {
        declarations(input, errors, Self::USAGE, parse_scheme_list)
    }
}

impl PermissionDecl {
    const USAGE: &'static str =
        "write `permissions!(pub ArticleAccess = IsAuthenticatedOrReadOnly & !IsScoped);`";

    /// Parses the input of `permissions!`.
    pub(crate) fn parse_all(input: TokenStream, errors: &mut Errors) -> Vec<Self> {
        declarations(input, errors, Self::USAGE, |tokens, errors| {
            parse_permission_recovering(tokens, errors).0
        })
    }
}
