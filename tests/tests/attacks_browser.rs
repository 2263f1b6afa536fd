#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Attacks that ride on what a browser sends on its own (issue 10, attacks 5, 6 and
//! 18, and the headers of HTML pages): login CSRF, Basic credentials as an ambient
//! credential, stale session cookies, framing.

use base64::{engine::general_purpose::STANDARD, Engine};
use e2e_tests::{all_backends, sqlite, test_settings};
use serde_json::json;

const CROSS_SITE: [(&str, &str); 3] = [
    ("origin", "https://evil.example"),
    ("sec-fetch-site", "cross-site"),
    ("host", "127.0.0.1:8000"),
];

fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))
}

#[tokio::test]
async fn attack_05_a_cross_site_login_is_refused() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("attacker", "testpass123").await;
        let form = [("username", "attacker"), ("password", "testpass123")];
        let r = h
            .post_form("/api/accounts/login/", &form, &CROSS_SITE)
            .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.text);
        assert!(
            r.json["detail"]
                .as_str()
                .unwrap()
                .starts_with("CSRF Failed: "),
            "{}",
            r.text
        );
        assert!(
            r.cookie("sessionid").is_none(),
            "[{b}] no session was created"
        );
        // Without Fetch Metadata, a foreign Origin alone is refused too, JSON or form.
        let r = h
            .call(
                "POST",
                "/api/accounts/login/",
                Some(json!({"username": "attacker", "password": "testpass123"})),
                &[
                    ("origin", "https://evil.example"),
                    ("host", "127.0.0.1:8000"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.text);
        // The authorization flow's login page refuses the same request.
        let r = h.post_form("/o/login/", &form, &CROSS_SITE).await;
        assert_eq!(r.status, 403, "[{b}]");
        assert!(r.cookie("sessionid").is_none());
        // A same-origin browser login, and curl, still work.
        let same = [
            ("origin", "http://127.0.0.1:8000"),
            ("sec-fetch-site", "same-origin"),
            ("host", "127.0.0.1:8000"),
        ];
        let r = h.post_form("/api/accounts/login/", &form, &same).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert!(r.cookie("sessionid").is_some());
        assert!(h.post_form("/api/accounts/login/", &form, &[]).await.status == 200);
    }
}

#[tokio::test]
async fn attack_06_basic_credentials_are_checked_like_a_cookie() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("victim", "testpass123").await;
        let auth = basic("victim", "testpass123");
        let mut headers: Vec<(&str, &str)> = CROSS_SITE.to_vec();
        headers.push(("authorization", &auth));
        let r = h
            .post_form("/api/articles/", &[("title", "x"), ("body", "y")], &headers)
            .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.text);
        assert!(r.json["detail"]
            .as_str()
            .unwrap()
            .starts_with("CSRF Failed: "));
        let r = h
            .post_form("/api/tokens/", &[("name", "x")], &headers)
            .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.text);
        // Nothing was created.
        let r = h.call("GET", "/api/articles/", None, &[]).await;
        assert_eq!(r.json, json!([]), "[{b}]");
        let r = h
            .call("GET", "/api/tokens/", None, &[("authorization", &auth)])
            .await;
        assert_eq!(r.json, json!([]), "[{b}]");
        // The same request from curl (no Origin, no Fetch Metadata) is fine.
        let r = h
            .post_form(
                "/api/articles/",
                &[("title", "x"), ("body", "y")],
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
    }
}

#[tokio::test]
async fn attack_06_401s_do_not_invite_browsers_to_store_a_password() {
    let h = sqlite(test_settings()).await;
    let r = h.call("GET", "/api/accounts/profile/", None, &[]).await;
    assert_eq!(r.status, 401);
    let challenges: Vec<_> = r
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(!challenges.is_empty());
    assert!(
        !challenges.iter().any(|c| c.starts_with("Basic")),
        "{challenges:?}"
    );
    // Unless asked to.
    let mut s = test_settings();
    s.basic.challenge = true;
    let h = sqlite(s).await;
    let r = h.call("GET", "/api/accounts/profile/", None, &[]).await;
    assert!(r
        .headers
        .get_all("www-authenticate")
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("Basic realm=")));
}

#[tokio::test]
async fn attack_18_a_stale_session_cookie_is_no_credential() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("reader", "testpass123").await;
        let cookie = h.session_login("reader", "testpass123").await;
        let r = h
            .call(
                "POST",
                "/api/accounts/logout/",
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        for stale in [cookie.as_str(), "sessionid=forged-value"] {
            // Anyone may read articles: a stale cookie reads as anonymous.
            let r = h
                .call("GET", "/api/articles/", None, &[("cookie", stale)])
                .await;
            assert_eq!(r.status, 200, "[{b}] {stale}: {}", r.text);
            let cleared = r
                .cookie("sessionid")
                .expect("the response clears the cookie");
            assert_eq!(cleared, "sessionid=", "[{b}]");
            assert!(r
                .set_cookies()
                .iter()
                .any(|c| c.starts_with("sessionid=;") && c.contains("Max-Age=0")));
            // Where credentials are needed: asked for, not refused as invalid.
            let r = h
                .call("GET", "/api/accounts/profile/", None, &[("cookie", stale)])
                .await;
            assert_eq!(r.status, 401);
            assert_eq!(r.json["code"], "not_authenticated", "[{b}] {}", r.text);
        }
        // The next scheme still gets its turn.
        let (access, _) = h.jwt_pair("reader", "testpass123").await;
        let bearer = format!("Bearer {access}");
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("cookie", &cookie), ("authorization", &bearer)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
    }
}

#[tokio::test]
async fn every_html_page_refuses_framing_and_caching() {
    let h = sqlite(test_settings()).await;
    let form = [("username", "nobody"), ("password", "wrong-password")];
    let pages = [
        ("/docs", h.call("GET", "/docs", None, &[]).await),
        (
            "/o/login/ failure",
            h.post_form("/o/login/", &form, &[]).await,
        ),
        (
            "/o/authorize/ error",
            h.call("GET", "/o/authorize/?client_id=nope", None, &[])
                .await,
        ),
    ];
    let json = h.call("GET", "/api/articles/", None, &[]).await;
    assert_eq!(json.headers["x-content-type-options"], "nosniff");
    assert!(
        json.headers.get("x-frame-options").is_none(),
        "JSON is not framed anyway"
    );
    for (what, r) in pages {
        let ct = r.headers["content-type"].to_str().unwrap();
        assert!(ct.starts_with("text/html"), "{what}: {ct}");
        assert_eq!(r.headers["x-frame-options"], "DENY", "{what}");
        assert_eq!(r.headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(r.headers["cache-control"], "no-store", "{what}");
        assert!(
            r.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{what}"
        );
    }
}

#[tokio::test]
async fn session_cookies_are_secure_over_https() {
    let mut s = test_settings();
    s.throttle.num_proxies = Some(1);
    let h = sqlite(s).await;
    h.register("secure", "testpass123").await;
    let body = json!({"username": "secure", "password": "testpass123"});
    let over_https = h
        .call(
            "POST",
            "/api/accounts/login/",
            Some(body.clone()),
            &[
                ("x-forwarded-proto", "https"),
                ("x-forwarded-for", "10.0.0.1"),
            ],
        )
        .await;
    let cookie = over_https
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("sessionid="))
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let plain = h
        .call("POST", "/api/accounts/login/", Some(body.clone()), &[])
        .await;
    let cookie = plain
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("sessionid="))
        .unwrap();
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    // Without a declared proxy, anyone could send the header: it is not believed.
    let h = sqlite(test_settings()).await;
    h.register("secure", "testpass123").await;
    let r = h
        .call(
            "POST",
            "/api/accounts/login/",
            Some(body),
            &[("x-forwarded-proto", "https")],
        )
        .await;
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("sessionid="))
        .unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn the_consent_form_needs_the_token_of_its_session() {
    let h = sqlite(test_settings()).await;
    h.register("testuser", "testpass123").await;
    let (id, _) = h.confidential_client(&["authorization_code"]).await;
    let cookie = h.session_login("testuser", "testpass123").await;
    let query = format!("response_type=code&client_id={id}");
    let r = h
        .call(
            "GET",
            &format!("/o/authorize/?{query}"),
            None,
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r
        .text
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_owned();
    let answer = |csrf: Option<&str>| {
        let mut form = vec![
            ("response_type", "code"),
            ("client_id", id.as_str()),
            ("allow", "true"),
        ];
        if let Some(t) = csrf {
            form.push(("csrf_token", t));
        }
        form.into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    };
    fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
        f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }
    for (what, form, headers) in [
        ("no token", answer(None), vec![("cookie", cookie.as_str())]),
        (
            "a forged token",
            answer(Some("forged")),
            vec![("cookie", cookie.as_str())],
        ),
        (
            "cross-site",
            answer(Some(&token)),
            vec![
                ("cookie", cookie.as_str()),
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        ),
    ] {
        let r = h.post_form("/o/authorize/", &pairs(&form), &headers).await;
        assert_eq!(r.status, 403, "{what}: {}", r.text);
        assert!(!r.headers.contains_key("location"), "{what}");
    }
    let r = h
        .post_form(
            "/o/authorize/",
            &pairs(&answer(Some(&token))),
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(r.status, 302, "{}", r.text);
    assert!(r.headers["location"].to_str().unwrap().contains("code="));
}
