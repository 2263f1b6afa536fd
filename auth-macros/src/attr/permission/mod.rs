//! `#[permission(...)]`: a permission expression into a [`PermExpr`].

use std::fmt;

use proc_macro2::{Span, TokenStream};

mod parser;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub(crate) use self::parser::{parse_permission_attr, parse_permission_recovering};

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
pub(super) fn render(tokens: TokenStream) -> String {
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
