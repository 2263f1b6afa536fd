//! `#[throttle(...)]`: rates checked after the permissions, DRF's throttle classes:
//! `anon = "100/day"`, `user = "1000/day"`, `scope = "uploads", rate = "10/minute"`.

use auth_grammar::{rate::Rate, scope::is_throttle_scope};

use syn::{Attribute, Error, Expr, LitStr, Meta, Token};

use super::{delimiter_span, Errors};

/// Whom a rule counts.
pub(crate) enum ThrottleKind {
    /// Anonymous callers, by address.
    Anon,
    /// Users by id (anonymous callers by address).
    User,
    /// A named budget.
    Scope(LitStr),
}

/// One parsed rule.
pub(crate) struct ThrottleSpec {
    pub(crate) kind: ThrottleKind,
    /// Events per period.
    pub(crate) count: u32,
    /// The period in seconds.
    pub(crate) period_secs: u64,
}

const KEYS: &[&str] = &["anon", "user", "scope", "rate"];

/// The rate of `lit` (the grammar the runtime reads too), or its error on `lit`.
fn rate(lit: &LitStr, errors: &mut Errors) -> Option<(u32, u64)> {
    match lit.value().parse::<Rate>() {
        Ok(rate) => Some((rate.count, rate.period_secs)),
        Err(e) => {
            errors.push(Error::new(lit.span(), e));
            None
        }
    }
}

/// Parses one `#[throttle(...)]`; every mistake goes to `errors`.
pub(super) fn parse_throttle(attr: &Attribute, errors: &mut Errors) -> Vec<ThrottleSpec> {
    let Meta::List(list) = &attr.meta else {
        errors.spanned(
            attr,
            "`#[throttle]` needs rates; write e.g. `#[throttle(user = \"100/minute\")]` or `#[throttle(scope = \"uploads\", rate = \"10/minute\")]`",
        );
        return Vec::new();
    };
    if list.tokens.is_empty() {
        errors.push(Error::new(
            delimiter_span(list),
            "empty `#[throttle()]`; give `anon = \"...\"`, `user = \"...\"`, or `scope = \"...\", rate = \"...\"`",
        ));
        return Vec::new();
    }
    let mut specs = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut scope: Option<LitStr> = None;
    let mut scoped_rate: Option<LitStr> = None;
    let parsed = attr.parse_nested_meta(|meta| {
        let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
        if !KEYS.contains(&key.as_str()) {
            let nearest = KEYS
                .iter()
                .filter(|k| strsim::damerau_levenshtein(&key, k) <= 2)
                .map(|k| format!(" did you mean `{k}`?"))
                .next()
                .unwrap_or_default();
            errors.push(meta.error(format!(
                "unknown throttle `{key}`;{nearest} expected `anon`, `user`, or `scope` with `rate`"
            )));
            // Skip its value so the rest still parses.
            if meta.input.peek(Token![=]) {
                meta.value()?.parse::<Expr>()?;
            }
            return Ok(());
        }
        let lit: LitStr = meta.value()?.parse()?;
        if seen.contains(&key) {
            errors.push(Error::new(lit.span(), format!("`{key}` is given twice; give it once")));
            return Ok(());
        }
        seen.push(key.clone());
        match key.as_str() {
            "anon" | "user" => {
                if let Some((count, period_secs)) = rate(&lit, errors) {
                    specs.push(ThrottleSpec {
                        kind: if key == "anon" {
                            ThrottleKind::Anon
                        } else {
                            ThrottleKind::User
                        },
                        count,
                        period_secs,
                    });
                }
            }
            "scope" => {
                if !is_throttle_scope(&lit.value()) {
                    errors.push(Error::new(
                        lit.span(),
                        "a throttle scope is a name of letters, digits, `_` and `-`, other than `anon` and `user`",
                    ));
                }
                scope = Some(lit);
            }
            _ => scoped_rate = Some(lit),
        }
        Ok(())
    });
    if let Err(e) = parsed {
        errors.push(e);
        return specs;
    }
    match (scope, scoped_rate) {
        (Some(scope), Some(lit)) => {
            if let Some((count, period_secs)) = rate(&lit, errors) {
                specs.push(ThrottleSpec {
                    kind: ThrottleKind::Scope(scope),
                    count,
                    period_secs,
                });
            }
        }
        (Some(scope), None) => errors.push(Error::new(
            scope.span(),
            format!(
                "`scope = \"{}\"` needs its `rate`; add e.g. `rate = \"10/minute\"`",
                scope.value()
            ),
        )),
        (None, Some(lit)) => errors.push(Error::new(
            lit.span(),
            "`rate` belongs to a `scope`; add `scope = \"name\"`, or write `user = \"...\"` or `anon = \"...\"`",
        )),
        (None, None) => {}
    }
    specs
}
