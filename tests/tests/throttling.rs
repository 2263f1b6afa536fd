#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Throttling through HTTP: declared rates (in memory and in Redis), 429 with DRF's
//! body and `Retry-After`, and brute-force protection of every password check.

use e2e_tests::{redis_url, sqlite, test_settings, Harness};
use serde_json::json;

fn five_per_minute(backend: Option<String>) -> auth_runtime::Settings {
    let mut s = test_settings();
    s.throttle
        .rates
        .insert("article_writes".into(), "5/minute".parse().unwrap());
    if let Some(url) = backend {
        s.throttle.backend = auth_runtime::settings::Backend::Redis;
        s.throttle.redis_url = url;
        s.throttle.redis_prefix = format!("test-{}", auth_runtime::secret::random_hex(8));
    }
    s
}

async fn bearer(h: &Harness, user: &str) -> String {
    h.register(user, "testpass123").await;
    format!("Bearer {}", h.jwt_pair(user, "testpass123").await.0)
}

async fn sixth_write_is_throttled(h: Harness) {
    let alice = bearer(&h, "alice").await;
    let write = |auth: String| {
        let h = &h;
        async move {
            h.call(
                "POST",
                "/api/articles/",
                Some(json!({"title": "t", "body": "b"})),
                &[("authorization", &auth)],
            )
            .await
        }
    };
    for i in 0..5 {
        let r = write(alice.clone()).await;
        assert_eq!(r.status, 201, "write {i}: {}", r.text);
    }
    let r = write(alice.clone()).await;
    assert_eq!(r.status, 429, "{}", r.text);
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    // 5/minute refills one write every 12 seconds.
    assert!((1..=12).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        r.json,
        json!({"detail": format!("Request was throttled. Expected available in {retry} seconds."), "code": "throttled"})
    );
    // Reading is not throttled, and another user has a budget of their own.
    assert_eq!(
        h.call("GET", "/api/articles/", None, &[("authorization", &alice)])
            .await
            .status,
        200
    );
    let bob = bearer(&h, "bob").await;
    assert_eq!(write(bob).await.status, 201);
}

#[tokio::test]
async fn the_sixth_write_at_five_per_minute_is_429_in_memory() {
    sixth_write_is_throttled(sqlite(five_per_minute(None)).await).await;
}

#[tokio::test]
async fn the_sixth_write_at_five_per_minute_is_429_in_redis() {
    if let Some(url) = redis_url() {
        sixth_write_is_throttled(sqlite(five_per_minute(Some(url))).await).await;
    }
}

async fn brute_force_is_refused(h: Harness) {
    h.register("eve", "testpass123").await;
    h.register("frank", "testpass123").await;
    let login = |user: &'static str, password: &'static str| {
        let h = &h;
        async move {
            h.call(
                "POST",
                "/api/accounts/login/",
                Some(json!({"username": user, "password": password})),
                &[],
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(login("eve", "wrong-guess").await.status, 400);
    }
    // The right password too, on every endpoint that checks passwords.
    let r = login("eve", "testpass123").await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.headers.contains_key("retry-after"));
    assert!(r.json["detail"]
        .as_str()
        .unwrap()
        .starts_with("Request was throttled."));
    let r = h
        .call(
            "POST",
            "/api/token/",
            Some(json!({"username": "eve", "password": "testpass123"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 429);
    let r = h
        .call(
            "POST",
            "/api/token-auth/",
            Some(json!({"username": "eve", "password": "testpass123"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 429);
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "eve:testpass123"
        )
    );
    let r = h
        .call(
            "GET",
            "/api/accounts/profile/",
            None,
            &[("authorization", &basic)],
        )
        .await;
    assert_eq!(r.status, 429);
    // Another username is not locked out.
    assert_eq!(login("frank", "testpass123").await.status, 200);
}

#[tokio::test]
async fn login_brute_force_is_refused_even_with_the_right_password() {
    brute_force_is_refused(sqlite(test_settings()).await).await;
}

#[tokio::test]
async fn login_brute_force_is_counted_in_redis() {
    if let Some(url) = redis_url() {
        let mut s = test_settings();
        s.throttle.backend = auth_runtime::settings::Backend::Redis;
        s.throttle.redis_url = url;
        s.throttle.redis_prefix = format!("test-{}", auth_runtime::secret::random_hex(8));
        brute_force_is_refused(sqlite(s).await).await;
    }
}

#[tokio::test]
async fn failures_from_one_address_are_limited_across_usernames() {
    let mut s = test_settings();
    s.throttle.login.failures_per_address = "3/15m".parse().ok();
    let h = sqlite(s).await;
    h.register("grace", "testpass123").await;
    for user in ["a", "b", "c"] {
        let r = h
            .call(
                "POST",
                "/api/token/",
                Some(json!({"username": user, "password": "x"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let r = h
        .call(
            "POST",
            "/api/token/",
            Some(json!({"username": "grace", "password": "testpass123"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 429, "{}", r.text);
}

#[tokio::test]
async fn the_oauth2_password_grant_is_protected_too() {
    let h = sqlite(test_settings()).await;
    h.register("henry", "testpass123").await;
    let (id, secret) = h.confidential_client(&["password"]).await;
    let grant = |password: &'static str| {
        let (h, id, secret) = (&h, id.clone(), secret.clone());
        async move {
            h.post_form(
                "/o/token/",
                &[
                    ("grant_type", "password"),
                    ("username", "henry"),
                    ("password", password),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
                &[],
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(grant("nope").await.json["error"], "invalid_grant");
    }
    let r = grant("testpass123").await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(r.json["error"], "temporarily_unavailable");
    assert!(r.headers.contains_key("retry-after"));
}
