//! Property tests of the permission-expression parser: any token soup is parsed or
//! refused without a panic, every refusal points at the user's own tokens, and what
//! the pretty-printer writes parses back to the same tree.

use proc_macro2::{Span, TokenStream};
use proptest::prelude::*;

use super::{parser::parse_permission_recovering, Leaf, PermExpr};
use crate::attr::Errors;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Leaves as users write them.
const LEAVES: &[&str] = &[
    "A",
    "B",
    "IsAdmin",
    "IsAuthenticated",
    "crate::perms::IsOwner",
    "::auth_runtime::IsAdmin",
    "HasScope(\"write\")",
    "HasRole::<Admin>",
    "a::B::<C<D>>::E(1)",
    "is_owner(id.0, 1 + 2)",
];

/// Words of the DSL, of Rust, and mistakes.
const SOUP: &[&str] = &[
    "A",
    "B",
    "IsAdmin",
    "crate",
    "::",
    ":",
    "perms",
    "HasScope",
    "(\"write\")",
    "(1, 2)",
    "!",
    "&",
    "|",
    "&&",
    "||",
    "(",
    ")",
    "()",
    "[A]",
    "{B}",
    "<",
    ">",
    "not",
    "and",
    "or",
    "true",
    "false",
    "1",
    "\"s\"",
    ",",
    ".",
    ";",
    "=",
    "-",
    "#",
    "'a",
    "::<",
    "A::B",
    "*",
    "?",
    "$",
];

/// Parses `text`, or `None` when it is no token stream (unbalanced delimiters).
fn parse(text: &str) -> Option<(Option<PermExpr>, Vec<Leaf>, Vec<syn::Error>)> {
    let tokens: TokenStream = text.parse().ok()?;
    let mut errors = Errors::default();
    let (expr, leaves) = parse_permission_recovering(tokens, &mut errors);
    let errors = errors
        .finish()
        .err()
        .map_or_else(Vec::new, |e| e.into_iter().collect());
    Some((expr, leaves, errors))
}

/// A tree to generate ([`PermExpr`] is neither `Clone` nor `Debug`).
#[derive(Debug, Clone)]
enum Tree {
    Leaf(&'static str),
    Not(Box<Tree>),
    And(Box<Tree>, Box<Tree>),
    Or(Box<Tree>, Box<Tree>),
}

impl Tree {
    fn expr(&self) -> PermExpr {
        let boxed = |t: &Tree| Box::new(t.expr());
        match self {
            Tree::Leaf(text) => PermExpr::Leaf(Leaf {
                tokens: text.parse().unwrap_or_default(),
                span: Span::call_site(),
            }),
            Tree::Not(a) => PermExpr::Not(boxed(a)),
            Tree::And(a, b) => PermExpr::And(boxed(a), boxed(b)),
            Tree::Or(a, b) => PermExpr::Or(boxed(a), boxed(b)),
        }
    }
}

/// Random expression trees.
fn tree() -> impl Strategy<Value = Tree> {
    prop::sample::select(LEAVES)
        .prop_map(Tree::Leaf)
        .prop_recursive(5, 32, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|a| Tree::Not(Box::new(a))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Tree::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner).prop_map(|(a, b)| Tree::Or(Box::new(a), Box::new(b))),
            ]
        })
}

/// `expr` with parentheses around every operand, `extra` more around some, and
/// `gaps` as the whitespace between tokens.
fn parenthesised(
    expr: &PermExpr,
    extra: &mut impl Iterator<Item = bool>,
    gaps: &mut impl Iterator<Item = &'static str>,
) -> String {
    let gap = gaps.next().unwrap_or(" ");
    let text = match expr {
        PermExpr::Leaf(l) => super::render(l.tokens.clone()),
        PermExpr::Not(a) => format!("!{gap}({})", parenthesised(a, extra, gaps)),
        PermExpr::And(a, b) => format!(
            "({}){gap}&{gap}({})",
            parenthesised(a, extra, gaps),
            parenthesised(b, extra, gaps)
        ),
        PermExpr::Or(a, b) => format!(
            "({}){gap}|{gap}({})",
            parenthesised(a, extra, gaps),
            parenthesised(b, extra, gaps)
        ),
    };
    if extra.next().unwrap_or(false) {
        format!("({gap}{text}{gap})")
    } else {
        text
    }
}

proptest! {
    #![proptest_config(config(1024))]

    /// Any soup is parsed or refused; a refusal has at least one error, each on the
    /// user's own tokens (never the whole macro), and a success has none.
    #[test]
    fn token_soups_never_panic_and_every_error_has_a_span(
        words in prop::collection::vec(prop::sample::select(SOUP), 1..10),
        seps in prop::collection::vec(prop::sample::select(&["", " "][..]), 10),
    ) {
        let mut text = String::new();
        for (w, s) in words.iter().zip(&seps) {
            text.push_str(w);
            text.push_str(s);
        }
        let Some((expr, leaves, errors)) = parse(&text) else {
            return Ok(());
        };
        prop_assert_eq!(expr.is_some(), errors.is_empty(), "{:?}", text);
        for e in &errors {
            let shown = e.span().source_text();
            prop_assert!(
                shown.as_deref().is_some_and(|s| !s.is_empty() && text.contains(s)),
                "{:?}: `{}` has no span of the input (span text {:?})", text, e, shown
            );
        }
        if let Some(expr) = expr {
            let own: Vec<String> = expr.leaves().iter().map(|l| l.tokens.to_string()).collect();
            let returned: Vec<String> = leaves.iter().map(|l| l.tokens.to_string()).collect();
            prop_assert_eq!(own, returned);
            // What parsed prints as text that parses to the same tree.
            let again = parse(&expr.source()).and_then(|(e, _, _)| e).map(|e| e.to_string());
            prop_assert_eq!(again, Some(expr.to_string()), "{:?} printed as {:?}", text, expr.source());
        }
    }

    /// The pretty-printer's text parses back to the tree it printed.
    #[test]
    fn printed_trees_parse_back(tree in tree()) {
        let expr = tree.expr();
        let text = expr.source();
        let parsed = parse(&text).and_then(|(e, _, errors)| {
            assert!(errors.is_empty(), "{text}: {errors:?}");
            e
        });
        prop_assert_eq!(parsed.map(|e| e.to_string()), Some(expr.to_string()), "{}", text);
    }

    /// So does any over-parenthesised, oddly spaced spelling of it.
    #[test]
    fn parenthesised_trees_parse_back(
        tree in tree(),
        extra in prop::collection::vec(any::<bool>(), 64),
        gaps in prop::collection::vec(prop::sample::select(&["", " ", "\n", "\t "][..]), 64),
    ) {
        let expr = tree.expr();
        let text = parenthesised(&expr, &mut extra.into_iter(), &mut gaps.into_iter());
        let parsed = parse(&text).and_then(|(e, _, _)| e);
        prop_assert_eq!(parsed.map(|e| e.to_string()), Some(expr.to_string()), "{}", text);
    }
}

/// Found by `token_soups_never_panic_and_every_error_has_a_span`: an operator with no
/// permission on either side also got "expected a permission expression" at the call
/// site, which in a real expansion underlines `#[secured]` rather than the attribute.
#[test]
fn a_lone_operator_is_reported_once_on_itself() {
    for text in ["&", "|", "&&", "and", "or", "(&)", "A & (|)"] {
        let Some((expr, _, errors)) = parse(text) else {
            panic!("{text} is a token stream");
        };
        assert!(expr.is_none(), "{text}");
        for e in &errors {
            assert!(
                e.span().source_text().is_some(),
                "{text}: `{e}` has no span"
            );
        }
    }
}
