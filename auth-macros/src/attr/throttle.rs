//! `#[throttle(...)]`: rates checked after the permissions, DRF's throttle classes:
//! `anon = "100/day"`, `user = "1000/day"`, `scope = "uploads", rate = "10/minute"`.

use super::*;

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
    /// The rate as written, for the policy table: `5/minute`.
    pub(crate) text: String,
}

const KEYS: &[&str] = &["anon", "user", "scope", "rate"];

fn unit_seconds(unit: &str) -> Option<u64> {
    match unit {
        "s" | "sec" | "second" | "seconds" => Some(1),
        "m" | "min" | "minute" | "minutes" => Some(60),
        "h" | "hour" | "hours" => Some(3600),
        "d" | "day" | "days" => Some(86_400),
        _ => None,
    }
}

/// `"100/minute"`, `"5/15m"` into (count, period in seconds); the same grammar as
/// `auth_runtime::throttle::Rate`.
pub(crate) fn parse_rate(text: &str) -> Option<(u32, u64)> {
    let (count, period) = text.trim().split_once('/')?;
    let count: u32 = count.trim().parse().ok()?;
    let period = period.trim();
    let digits = period.chars().take_while(char::is_ascii_digit).count();
    let multiplier: u64 = if digits == 0 {
        1
    } else {
        period[..digits].parse().ok()?
    };
    let unit = unit_seconds(&period[digits..])?;
    (count > 0 && multiplier > 0).then(|| (count, unit.saturating_mul(multiplier)))
}

fn rate_error(lit: &LitStr) -> Error {
    Error::new(
        lit.span(),
        format!(
            "malformed rate `{}`; write it like `100/minute`, `1000/day` or `5/15m` (units: second, minute, hour, day)",
            lit.value()
        ),
    )
}

fn rate(lit: &LitStr, errors: &mut Errors) -> Option<(u32, u64)> {
    let parsed = parse_rate(&lit.value());
    if parsed.is_none() {
        errors.push(rate_error(lit));
    }
    parsed
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
                        text: lit.value(),
                    });
                }
            }
            "scope" => {
                let name = lit.value();
                let valid = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !valid || matches!(name.as_str(), "anon" | "user") {
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
                    text: lit.value(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("100/minute"), Some((100, 60)));
        assert_eq!(parse_rate("1000/day"), Some((1000, 86_400)));
        assert_eq!(parse_rate("5/15m"), Some((5, 900)));
        assert_eq!(parse_rate(" 3 / h "), Some((3, 3600)));
        for bad in [
            "",
            "5",
            "5/",
            "/minute",
            "0/minute",
            "5/0m",
            "5 per minute",
            "5/fortnight",
            "-1/s",
        ] {
            assert_eq!(parse_rate(bad), None, "{bad}");
        }
    }
}
