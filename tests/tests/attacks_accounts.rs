#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Attacks on accounts and their credentials (issue 10, attacks 7, 13, 16, 17, 19 and
//! 20), and hostile text: NUL characters, error bodies that would echo input.

use base64::{engine::general_purpose::STANDARD, Engine};
use e2e_tests::{all_backends, sqlite, test_settings, Harness, SECRET};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

fn now() -> i64 {
    auth_runtime::store::now()
}

fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))
}

async fn user_id(h: &Harness, name: &str) -> i64 {
    h.ctx
        .store()
        .user_by_username(name)
        .await
        .unwrap()
        .unwrap()
        .user
        .id
}

#[tokio::test]
async fn attack_07_a_configured_issuer_and_audience_are_required() {
    let mut s = test_settings();
    s.jwt.issuer = Some("https://issuer.example".into());
    s.jwt.audience = Some("api".into());
    for h in all_backends(s).await {
        let b = h.backend;
        h.register("ann", "testpass123").await;
        let uid = user_id(&h, "ann").await;
        let token = |iss: Option<&str>, aud: Option<&str>| {
            let mut claims = json!({"token_type": "access", "exp": now() + 600, "iat": now(),
                                    "jti": auth_runtime::secret::random_hex(8), "user_id": uid, "ver": 0});
            if let Some(iss) = iss {
                claims["iss"] = json!(iss);
            }
            if let Some(aud) = aud {
                claims["aud"] = json!(aud);
            }
            encode(
                &Header::default(),
                &claims,
                &EncodingKey::from_secret(SECRET.as_bytes()),
            )
            .unwrap()
        };
        let cases = [
            ("no iss", token(None, Some("api")), 401),
            ("no aud", token(Some("https://issuer.example"), None), 401),
            ("neither", token(None, None), 401),
            (
                "wrong iss",
                token(Some("https://other.example"), Some("api")),
                401,
            ),
            (
                "wrong aud",
                token(Some("https://issuer.example"), Some("other")),
                401,
            ),
            (
                "both right",
                token(Some("https://issuer.example"), Some("api")),
                200,
            ),
        ];
        for (what, t, expected) in cases {
            let r = h
                .call(
                    "GET",
                    "/api/accounts/profile/",
                    None,
                    &[("authorization", &format!("Bearer {t}"))],
                )
                .await;
            assert_eq!(r.status, expected, "[{b}] profile, {what}: {}", r.text);
            let r = h
                .call("POST", "/api/token/verify/", Some(json!({"token": t})), &[])
                .await;
            assert_eq!(r.status, expected, "[{b}] verify, {what}: {}", r.text);
        }
    }
}

#[tokio::test]
async fn attack_13_confusable_usernames_are_one_name() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("admin", "testpass123").await;
        for twin in ["ａｄｍｉｎ", "ａdmin"] {
            let r = h
                .call(
                    "POST",
                    "/api/accounts/register/",
                    Some(json!({"username": twin, "password": "another-pass-1"})),
                    &[],
                )
                .await;
            assert_eq!(r.status, 400, "[{b}] {twin}: {}", r.text);
            assert_eq!(
                r.json["username"][0],
                "A user with that username already exists."
            );
        }
        // Stored and logged in by the normal form, as Django does.
        let r = h
            .call(
                "POST",
                "/api/accounts/register/",
                Some(json!({"username": "ﬁnn", "password": "testpass123"})),
                &[],
            )
            .await;
        assert_eq!(
            (r.status, r.json["username"].as_str()),
            (201, Some("finn")),
            "[{b}]"
        );
        let r = h
            .call(
                "POST",
                "/api/token/",
                Some(json!({"username": "ａｄｍｉｎ", "password": "testpass123"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
    }
}

#[tokio::test]
async fn attack_16_short_lived_credentials_cannot_mint_lasting_ones() {
    let mut s = test_settings();
    s.token.lifetime = Some(60);
    for h in all_backends(s).await {
        let b = h.backend;
        h.register("carol", "testpass123").await;
        let r = h
            .call(
                "POST",
                "/api/token-auth/",
                Some(json!({"username": "carol", "password": "testpass123"})),
                &[],
            )
            .await;
        let token = format!("Token {}", r.json["token"].as_str().unwrap());
        let (jwt, _) = h.jwt_pair("carol", "testpass123").await;
        let jwt = format!("Bearer {jwt}");
        for (what, auth) in [("a DRF token", &token), ("a JWT", &jwt)] {
            for body in [
                json!({"name": "x"}),
                json!({"name": "y", "expires_in": 999_999_999}),
            ] {
                let r = h
                    .call(
                        "POST",
                        "/api/tokens/",
                        Some(body),
                        &[("authorization", auth)],
                    )
                    .await;
                assert_eq!(
                    r.status, 401,
                    "[{b}] {what} may not create tokens: {}",
                    r.text
                );
            }
        }
        // The password may, and the token lives at most `token.lifetime`.
        let password = basic("carol", "testpass123");
        let r = h
            .call(
                "POST",
                "/api/tokens/",
                Some(json!({"name": "x"})),
                &[("authorization", &password)],
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        let expires = r.json["expires_at"].as_i64().expect("an expiry");
        assert!(expires <= now() + 60, "[{b}] {expires}");
        let r = h
            .call(
                "POST",
                "/api/tokens/",
                Some(json!({"name": "y", "expires_in": 999_999_999})),
                &[("authorization", &password)],
            )
            .await;
        assert_eq!(r.status, 400, "[{b}] {}", r.text);
        assert_eq!(
            r.json["expires_in"][0],
            "Ensure this value is less than or equal to 60."
        );
        // So may a browser session.
        let cookie = h.session_login("carol", "testpass123").await;
        let r = h
            .call(
                "POST",
                "/api/tokens/",
                Some(json!({"name": "z", "expires_in": 30})),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        assert!(r.json["expires_at"].as_i64().unwrap() <= now() + 30);
    }
}

#[tokio::test]
async fn attack_17_a_jwt_logout_says_no_session_was_ended() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("dave", "testpass123").await;
        let (access, _) = h.jwt_pair("dave", "testpass123").await;
        let bearer = format!("Bearer {access}");
        let r = h
            .call(
                "POST",
                "/api/accounts/logout/",
                None,
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(
            (r.status, r.json["code"].as_str()),
            (400, Some("no_session")),
            "[{b}] {}",
            r.text
        );
        assert!(!r.text.contains("success"), "{}", r.text);
        // A sliding token can be ended, and is.
        let r = h
            .call(
                "POST",
                "/api/token/sliding/",
                Some(json!({"username": "dave", "password": "testpass123"})),
                &[],
            )
            .await;
        let sliding = format!("Bearer {}", r.json["token"].as_str().unwrap());
        let r = h
            .call(
                "POST",
                "/api/accounts/logout/",
                None,
                &[("authorization", &sliding)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &sliding)],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] the sliding token is blacklisted");
    }
}

#[tokio::test]
async fn attack_19_basic_with_two_words_is_refused() {
    let h = sqlite(test_settings()).await;
    h.register("erin", "testpass123").await;
    let r = h
        .call(
            "GET",
            "/api/accounts/profile/",
            None,
            &[("authorization", "Basic erin testpass123")],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(
        r.json["detail"],
        "Invalid basic header. Credentials string should not contain spaces."
    );
}

#[tokio::test]
async fn attack_20_a_password_change_revokes_every_credential() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("frank", "testpass123").await;
        let profile = |auth: (&'static str, String)| {
            let h = &h;
            async move {
                h.call("GET", "/api/accounts/profile/", None, &[(auth.0, &auth.1)])
                    .await
                    .status
            }
        };
        let r = h
            .call(
                "POST",
                "/api/token-auth/",
                Some(json!({"username": "frank", "password": "testpass123"})),
                &[],
            )
            .await;
        let drf = (
            "authorization",
            format!("Token {}", r.json["token"].as_str().unwrap()),
        );
        let (access, refresh) = h.jwt_pair("frank", "testpass123").await;
        let jwt = ("authorization", format!("Bearer {access}"));
        let client = h.confidential_client(&["password"]).await;
        let r = h
            .post_form(
                "/o/token/",
                &[
                    ("grant_type", "password"),
                    ("username", "frank"),
                    ("password", "testpass123"),
                    ("client_id", &client.0),
                    ("client_secret", &client.1),
                ],
                &[],
            )
            .await;
        let oauth = (
            "authorization",
            format!("Bearer {}", r.json["access_token"].as_str().unwrap()),
        );
        let oauth_refresh = r.json["refresh_token"].as_str().unwrap().to_owned();
        let other_session = ("cookie", h.session_login("frank", "testpass123").await);
        let this_session = ("cookie", h.session_login("frank", "testpass123").await);
        for cred in [&drf, &jwt, &oauth, &other_session, &this_session] {
            assert_eq!(profile(cred.clone()).await, 200, "[{b}] before");
        }

        // The old password must be right, and the new one pass the validators.
        let change = |old: &str, new: &str| json!({"old_password": old, "new_password": new});
        let r = h
            .call(
                "POST",
                "/api/accounts/password/",
                Some(change("wrong", "n3w-passphrase")),
                &[(this_session.0, &this_session.1)],
            )
            .await;
        assert_eq!(r.status, 400, "[{b}] {}", r.text);
        assert!(r.json["old_password"].is_array());
        let r = h
            .call(
                "POST",
                "/api/accounts/password/",
                Some(change("testpass123", "12345678")),
                &[(this_session.0, &this_session.1)],
            )
            .await;
        assert_eq!(r.status, 400, "[{b}] {}", r.text);
        assert!(r.json["new_password"].is_array());
        let r = h
            .call(
                "POST",
                "/api/accounts/password/",
                Some(change("testpass123", "n3w-passphrase")),
                &[(this_session.0, &this_session.1)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);

        for (what, cred) in [
            ("DRF token", &drf),
            ("JWT", &jwt),
            ("OAuth2 token", &oauth),
            ("other session", &other_session),
        ] {
            assert_eq!(
                profile(cred.clone()).await,
                401,
                "[{b}] {what} outlived the password"
            );
        }
        assert_eq!(
            profile(this_session.clone()).await,
            200,
            "[{b}] the session making the change stays"
        );
        let r = h
            .call(
                "POST",
                "/api/token/refresh/",
                Some(json!({"refresh": refresh})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] JWT refresh");
        let r = h
            .post_form(
                "/o/token/",
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &oauth_refresh),
                    ("client_id", &client.0),
                    ("client_secret", &client.1),
                ],
                &[],
            )
            .await;
        assert_eq!(r.json["error"], "invalid_grant", "[{b}] OAuth2 refresh");
        // The new password works.
        h.jwt_pair("frank", "n3w-passphrase").await;
    }
}

/// (method, path, JSON body, headers).
type Case<'a> = (&'a str, &'a str, Value, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn nul_characters_are_refused_as_400_on_every_backend() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("nul", "testpass123").await;
        let (jwt, _) = h.jwt_pair("nul", "testpass123").await;
        let bearer = format!("Bearer {jwt}");
        let cases: Vec<Case> = vec![
            (
                "POST",
                "/api/accounts/register/",
                json!({"username": "a\u{0}b", "password": "testpass123"}),
                vec![],
            ),
            (
                "POST",
                "/api/token/",
                json!({"username": "nul\u{0}", "password": "x"}),
                vec![],
            ),
            (
                "POST",
                "/api/articles/",
                json!({"title": "t\u{0}", "body": "b"}),
                vec![("authorization", &bearer)],
            ),
            (
                "POST",
                "/o/applications/",
                json!({"name": "x\u{0}", "grant_types": ["password"]}),
                vec![("authorization", &bearer)],
            ),
            (
                "PATCH",
                "/api/accounts/profile/",
                json!({"email": "a\u{0}@example.com"}),
                vec![("authorization", &bearer)],
            ),
        ];
        for (method, path, body, headers) in cases {
            let r = h.call(method, path, Some(body), &headers).await;
            assert_eq!(r.status, 400, "[{b}] {method} {path}: {}", r.text);
            assert!(
                r.text.contains("Null characters are not allowed."),
                "{}",
                r.text
            );
        }
        let r = h
            .post_form(
                "/o/token/",
                &[("grant_type", "password"), ("username", "a\u{0}")],
                &[],
            )
            .await;
        assert_eq!(r.status, 400, "[{b}] {}", r.text);
        // A NUL inside a base64 header reaches no database query: nobody's name.
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &basic("a\u{0}b", "testpass123"))],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] {}", r.text);
        let r = h
            .post_form(
                "/o/token/",
                &[("grant_type", "client_credentials")],
                &[("authorization", &basic("c\u{0}", "s"))],
            )
            .await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client")),
            "[{b}] {}",
            r.text
        );
        for path in ["/o/authorize/?client_id=%00", "/api/articles/%00/"] {
            let r = h.call("GET", path, None, &[]).await;
            assert_eq!(r.status, 400, "[{b}] {path}: {}", r.text);
        }
        // Nothing of it was stored.
        assert!(h
            .ctx
            .store()
            .user_by_username("a\u{0}b")
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn error_bodies_name_fields_in_the_apis_own_words() {
    let h = sqlite(test_settings()).await;
    for (body, field, message) in [
        (
            json!({"username": {"$ne": 1}, "password": "x"}),
            "username",
            "Not a valid string.",
        ),
        (
            json!({"username": "a", "password": ["x"]}),
            "password",
            "Not a valid string.",
        ),
    ] {
        let r = h.call("POST", "/api/token/", Some(body), &[]).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.json, json!({ field: [message] }));
    }
    let r = h
        .call("POST", "/api/token/", Some(json!([1, 2])), &[])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json["non_field_errors"].is_array(), "{}", r.text);
    let raw = h
        .client
        .post("/api/token/")
        .content_type("application/json")
        .body("{\"username\": ")
        .send()
        .await
        .0;
    assert_eq!(raw.status().as_u16(), 400);
    let text = raw.into_body().into_string().await.unwrap();
    assert!(text.contains("JSON parse error"), "{text}");
    // A path id that does not parse names no resource.
    for path in ["/api/articles/abc/", "/api/articles/9223372036854775808/"] {
        let r = h.call("GET", path, None, &[]).await;
        assert_eq!(
            (r.status, r.json.clone()),
            (404, json!({"detail": "Not found.", "code": "not_found"})),
            "{path}"
        );
    }
    let r = h
        .client
        .post("/api/token/")
        .content_type("text/plain")
        .body("username=a")
        .send()
        .await
        .0;
    assert_eq!(r.status().as_u16(), 415);
    for leaked in [
        "$ne",
        "Credentials",
        "ArticleIn",
        "param0",
        "failed to parse",
    ] {
        for r in [
            h.call(
                "POST",
                "/api/token/",
                Some(json!({"username": {"$ne": 1}})),
                &[],
            )
            .await,
            h.call("GET", "/api/articles/abc/", None, &[]).await,
        ] {
            assert!(!r.text.contains(leaked), "{leaked} in {}", r.text);
        }
    }
}

#[tokio::test]
async fn a_rate_name_no_operation_declares_stops_the_start() {
    let mut s = test_settings();
    s.throttle
        .rates
        .insert("article_write".into(), "5/minute".parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let err = demo_api::connect(s, &format!("sqlite://{}/x.sqlite3", dir.path().display()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("article_write") && err.contains("article_writes"),
        "{err}"
    );
}
