#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! What is served beside the API's operations: the documentation, and nothing of the
//! benchmark unless it asks (`DEMO_API_BENCH_BASELINE`, which no test sets); and the
//! paths around them, with the tutorials' trailing slashes.

use e2e_tests::{sqlite, test_settings};

#[tokio::test]
async fn documentation_is_served_and_the_bench_baseline_is_not() {
    let h = sqlite(test_settings()).await;
    let r = h.call("GET", "/openapi.json", None, &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.json["paths"]["/api/accounts/profile/"].is_object());
    assert!(!r.text.contains("/api/bench/"), "never documented");
    assert_eq!(h.call("GET", "/docs", None, &[]).await.status, 200);
    assert_eq!(h.call("GET", "/docs/", None, &[]).await.status, 200);

    let r = h.call("GET", "/api/bench/baseline/", None, &[]).await;
    assert_eq!(r.status, 404, "mounted only for the benchmark");
    assert_eq!(
        r.json,
        serde_json::json!({"detail": "Not found.", "code": "not_found"})
    );
    let r = h.call("GET", "/docsx", None, &[]).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn paths_are_found_with_or_without_trailing_and_doubled_slashes() {
    let h = sqlite(test_settings()).await;
    for path in [
        "/api/accounts/profile/",
        "/api/accounts/profile",
        "//api//accounts/profile//",
        "/api/accounts/profile/?x=1",
    ] {
        let r = h.call("GET", path, None, &[]).await;
        assert_eq!(
            r.status, 401,
            "{path}: the profile, which needs credentials"
        );
    }
    let r = h.call("GET", "/api/nothing/here/", None, &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json,
        serde_json::json!({"detail": "Not found.", "code": "not_found"})
    );
}
