#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The document and the server agree (issue 13): what an operation requires, every
//! status the framework itself answers, `null`, optional credentials, `Allow` on 405.
//! `tests/contract/run.sh` checks the same with schemathesis; these pin each class.

use e2e_tests::{sqlite, test_settings};
use serde_json::{json, Value};

fn document() -> Value {
    serde_json::from_str(demo_api::api_docs(&demo_api::demo_defaults()).spec()).unwrap()
}

#[test]
fn security_says_when_credentials_are_optional() {
    let doc = document();
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    let optional = |s: &Value| s.as_array().unwrap().iter().any(|r| r == &json!({}));
    // IsAuthenticatedOrReadOnly: anyone reads, writing needs credentials.
    assert!(optional(&security("/api/articles/", "get")));
    assert!(!optional(&security("/api/articles/", "post")));
    assert!(!optional(&security("/api/accounts/profile/", "get")));
    // The default chain is the settings' `default_schemes`, with their default permission.
    assert_eq!(
        security("/api/whoami/", "get"),
        json!([{"session": []}, {"jwt": []}])
    );
}

#[test]
fn the_framework_documents_the_statuses_it_answers() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = &op["responses"];
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(responses[status].is_object(), "{method} {path}: {status}");
                }
            }
            let path_params = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
            if path_params {
                assert!(responses["404"].is_object(), "{method} {path}: 404");
            }
        }
    }
    // A field the server returns as null is nullable in the response schema.
    let info = &doc["components"]["schemas"]["TokenInfo"]["properties"]["expires_at"];
    assert_eq!(info["nullable"], true);
}

#[tokio::test]
async fn required_fields_null_and_partial_updates() {
    let h = sqlite(test_settings()).await;
    let ann = h.user("ann").await;
    // The schema requires title and body for a new article: both are named at once.
    let r = h
        .call_as(&ann, "POST", "/api/articles/", Some(json!({})))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"title": ["This field is required."], "body": ["This field is required."]})
    );
    let schema = &document()["components"]["schemas"]["NewArticle"];
    assert_eq!(schema["required"], json!(["title", "body"]));
    // `null` is not a value the schemas allow in a request.
    let r = h
        .call_as(
            &ann,
            "PATCH",
            "/api/accounts/profile/",
            Some(json!({"email": null})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.json, json!({"email": ["This field may not be null."]}));
    // A partial update of nothing changes nothing.
    let r = h
        .call_as(&ann, "PATCH", "/api/accounts/profile/", Some(json!({})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Fields the schema does not have are ignored, whatever they hold.
    let r = h
        .call_as(
            &ann,
            "POST",
            "/api/articles/",
            Some(json!({"title": "t", "body": "b", "extra\u{0}": "\u{0}"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn a_405_names_the_allowed_methods() {
    let h = sqlite(test_settings()).await;
    for (path, allowed) in [
        ("/api/articles/", "GET, POST, HEAD"),
        ("/api/token/", "POST"),
        ("/api/articles/7/", "GET, PUT, PATCH, DELETE, HEAD"),
    ] {
        let resp = h
            .client
            .request(poem::http::Method::TRACE, path)
            .send()
            .await;
        resp.assert_status(poem::http::StatusCode::METHOD_NOT_ALLOWED);
        let allow = resp.0.headers()["allow"].to_str().unwrap().to_owned();
        let mut got: Vec<&str> = allow.split(", ").collect();
        let mut want: Vec<&str> = allowed.split(", ").collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{path}");
        resp.assert_json(json!({"detail": "Method not allowed.", "code": "method_not_allowed"}))
            .await;
    }
}
