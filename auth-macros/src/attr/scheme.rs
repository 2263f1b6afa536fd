//! `#[authenticated(...)]` and `chain!`: scheme lists into [`SchemeRef`]s.

use auth_grammar::schemes::{Builtin, BUILTIN, SCOPED};
use proc_macro2::{Ident, TokenStream};
use quote::{quote, ToTokens};
use syn::{
    ext::IdentExt,
    parse::{Parse, ParseStream, Parser},
    punctuated::Punctuated,
    token, Attribute, Error, LitStr, Meta, Path, Token,
};

use super::{delimiter_span, Errors};

/// One entry of `#[authenticated(...)]`.
pub(crate) enum SchemeRef {
    /// A built-in scheme by name: `jwt`, `session`.
    Builtin {
        /// Its row of the shared table of built-in schemes.
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

/// Parses `#[authenticated]` (`None`: the default chain) or `#[authenticated(...)]`.
pub(crate) fn parse_authenticated(attr: &Attribute, errors: &mut Errors) -> Option<Vec<SchemeRef>> {
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
    parse_scheme_list(list.tokens.clone(), errors)
}

/// A comma-separated list of schemes: `jwt, session, oauth2(scope = "read")`.
pub(crate) fn parse_scheme_list(
    tokens: TokenStream,
    errors: &mut Errors,
) -> Option<Vec<SchemeRef>> {
    let items = match Punctuated::<SchemeSyntax, Token![,]>::parse_terminated.parse2(tokens) {
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
    let Some(scheme) = BUILTIN.iter().find(|b| b.name == name) else {
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
        "`scope` is only accepted by the `{SCOPED}` scheme, not `{scheme}`; OpenAPI allows scopes on OAuth2 schemes only, remove it"
    )
}

fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_scheme(name: &str) -> String {
    let nearest = BUILTIN
        .iter()
        .map(|b| (strsim::damerau_levenshtein(name, b.name), b.name))
        .filter(|(distance, builtin)| *distance <= 2 && *distance < builtin.len())
        .min_by_key(|(distance, _)| *distance);
    let hint = nearest
        .map(|(_, builtin)| format!(" did you mean `{builtin}`?"))
        .unwrap_or_default();
    format!(
        "unknown scheme `{name}`;{hint} expected one of {}, or a custom scheme type such as `crate::auth::ApiKey`",
        quoted_list(BUILTIN.iter().map(|b| b.name))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ["unknown scheme `jtw`; did you mean `jwt`? expected one of `jwt`, `session`, `oauth2`, `token`, `basic`, or a custom scheme type such as `crate::auth::ApiKey`"]
        );
        assert_eq!(
            schemes("#[authenticated(basicauth)]").1,
            ["unknown scheme `basicauth`; expected one of `jwt`, `session`, `oauth2`, `token`, `basic`, or a custom scheme type such as `crate::auth::ApiKey`"]
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
