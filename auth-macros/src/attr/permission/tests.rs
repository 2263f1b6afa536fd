use proc_macro2::{Span, TokenStream};
use syn::Error;

use super::parser::parse_permission;

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
