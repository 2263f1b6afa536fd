#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The generated OpenAPI document: security per operation, scheme components, and a
//! snapshot so that a poem-openapi upgrade that changes it is seen.
//! Regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p e2e-tests --test openapi` and
//! review the diff.

use serde_json::{json, Value};

fn spec() -> Value {
    serde_json::from_str(demo_api::api_docs(&demo_api::demo_defaults()).spec())
        .expect("spec is JSON")
}

#[test]
fn profile_lists_its_schemes_in_order_and_their_components() {
    let doc = spec();
    let profile = &doc["paths"]["/api/accounts/profile/"]["get"];
    // One alternative per scheme (OR), in the order they are tried.
    assert_eq!(
        profile["security"],
        json!([{"jwt": []}, {"session": []}, {"oauth2": ["read"]}, {"token": []}, {"basic": []}])
    );
    // OAuth2 scopes appear on the OAuth2 alternative only (OpenAPI allows no others).
    assert_eq!(
        doc["paths"]["/api/accounts/profile/"]["patch"]["security"],
        json!([{"jwt": []}, {"session": []}, {"oauth2": ["write"]}, {"token": []}, {"basic": []}])
    );
    for status in ["401", "403"] {
        assert_eq!(
            profile["responses"][status]["content"]["application/json; charset=utf-8"]["schema"]
                ["$ref"],
            "#/components/schemas/AuthError",
            "{status} is documented"
        );
    }
    assert!(profile["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes["jwt"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": schemes["jwt"]["description"].clone()})
    );
    assert_eq!(schemes["session"]["type"], "apiKey");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "sessionid");
    assert_eq!(
        schemes["basic"],
        json!({"type": "http", "scheme": "basic",
        "description": schemes["basic"]["description"].clone()})
    );
    assert_eq!(schemes["token"]["type"], "apiKey");
    assert_eq!(schemes["token"]["in"], "header");
    assert_eq!(schemes["token"]["name"], "Authorization");
    let flows = &schemes["oauth2"]["flows"];
    assert_eq!(schemes["oauth2"]["type"], "oauth2");
    assert_eq!(flows["password"]["tokenUrl"], "/o/token/");
    assert_eq!(flows["clientCredentials"]["tokenUrl"], "/o/token/");
    assert_eq!(
        flows["authorizationCode"]["authorizationUrl"],
        "/o/authorize/"
    );
    assert_eq!(flows["authorizationCode"]["tokenUrl"], "/o/token/");
    for flow in ["password", "clientCredentials", "authorizationCode"] {
        assert!(
            flows[flow]["scopes"]["read"].is_string() && flows[flow]["scopes"]["write"].is_string()
        );
    }
}

#[test]
fn public_operations_have_no_security_and_hello_is_jwt_only() {
    let doc = spec();
    for path in [
        "/api/accounts/register/",
        "/api/accounts/login/",
        "/api/token/",
        "/api/token/refresh/",
    ] {
        assert!(
            doc["paths"][path]["post"].get("security").is_none(),
            "{path} must be open"
        );
    }
    assert_eq!(
        doc["paths"]["/api/"]["get"]["security"],
        json!([{"jwt": []}])
    );
    assert_eq!(
        doc["paths"]["/api/accounts/logout/"]["post"]["security"],
        json!([{"session": []}, {"jwt": []}])
    );
}

#[test]
fn document_matches_snapshot() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/openapi.json");
    let actual = serde_json::to_string_pretty(&spec()).expect("pretty") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "the OpenAPI document changed; review it and run with UPDATE_SNAPSHOTS=1 to accept:\n{}",
        first_difference(&expected, &actual)
    );
}

fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}:\n- {x}\n+ {y}", i + 1))
        .unwrap_or_else(|| {
            format!(
                "lengths differ: {} vs {} lines",
                a.lines().count(),
                b.lines().count()
            )
        })
}
