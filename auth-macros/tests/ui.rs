//! Compile-fail tests of the DSL's error messages (each `.stderr` was generated with
//! `TRYBUILD=overwrite` and reviewed), and pass tests of what must compile.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    for topic in [
        "unknown-scheme",
        "duplicate-scheme",
        "duplicate-attribute",
        "empty-list",
        "unknown-permission",
        "malformed-permission",
        "wrong-order",
        "without-secured",
        "no-policy",
        "not-an-operation",
        "scope-on-non-oauth2",
        "public-conflict",
        "not-a-permission",
        "not-a-scheme",
        "unknown-custom-scheme",
        "malformed-scope",
        "malformed-rate",
        "permission-arity",
        "object-permission",
        "named-chain",
        "named-permission",
        "impl-defaults",
        "has-perm",
    ] {
        t.compile_fail(format!("tests/ui/{topic}/*.rs"));
    }
}
