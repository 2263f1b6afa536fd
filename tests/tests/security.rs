#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Refusals: bad tokens, cross-site requests, hostile input. None may answer 5xx.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use e2e_tests::{all_backends, sqlite, test_settings, SECRET};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;
/// (method, path, body, headers) of a request sent as raw bytes.
type RawCase = (
    &'static str,
    &'static str,
    Vec<u8>,
    Vec<(&'static str, Vec<u8>)>,
);

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn forge(claims: serde_json::Value, secret: &str) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode")
}

#[tokio::test]
async fn bad_jwts_are_401_token_not_valid() {
    for h in all_backends(test_settings()).await {
        let user = h.register("victim", "testpass123").await;
        let uid = user["id"].as_i64().expect("id");
        let (access, refresh) = h.jwt_pair("victim", "testpass123").await;

        // Tampered: flip the payload to another user, keep the signature.
        let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
        payload["user_id"] = json!(uid + 1);
        parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        let tampered = parts.join(".");

        let expired = forge(
            json!({"token_type":"access","exp": now() - 10,"iat": now() - 100,"jti":"x1","user_id": uid}),
            SECRET,
        );
        let wrong_key = forge(
            json!({"token_type":"access","exp": now() + 600,"iat": now(),"jti":"x2","user_id": uid}),
            "another-secret-another-secret-another",
        );
        let alg_none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(
                json!({"token_type":"access","exp": now() + 600,"jti":"x3","user_id": uid})
                    .to_string()
            )
        );
        let no_type = forge(
            json!({"exp": now() + 600,"jti":"x4","user_id": uid}),
            SECRET,
        );

        for (what, token) in [
            ("tampered", tampered),
            ("expired", expired),
            ("wrong key", wrong_key),
            ("alg none", alg_none),
            ("refresh as access", refresh.clone()),
            ("no token_type", no_type),
        ] {
            let bearer = format!("Bearer {token}");
            let r = h
                .call(
                    "GET",
                    "/api/accounts/profile/",
                    None,
                    &[("authorization", &bearer)],
                )
                .await;
            assert_eq!(r.status, 401, "[{}] {what}: {}", h.backend, r.text);
            assert_eq!(
                r.json["code"], "token_not_valid",
                "[{}] {what}: {}",
                h.backend, r.text
            );
            assert!(
                r.json["messages"].is_array(),
                "{what}: simplejwt body has messages"
            );
            assert!(r.headers.contains_key("www-authenticate"), "{what}");
        }
        let r = h
            .call(
                "POST",
                "/api/token/verify/",
                Some(json!({"token": "not.a.jwt"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json["code"], "token_not_valid");
    }
}

#[tokio::test]
async fn a_bearer_token_no_scheme_recognises_is_401_not_anonymous() {
    let h = sqlite(test_settings()).await;
    // JWT only: an opaque token is declined by the JWT scheme, and nobody claims it.
    let r = h
        .call(
            "GET",
            "/api/",
            None,
            &[("authorization", "Bearer opaque-token-value")],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.json["code"], "token_not_valid");
    // JWT then OAuth2: the OAuth2 scheme claims it and finds no such token.
    let r = h
        .call(
            "GET",
            "/api/accounts/profile/",
            None,
            &[("authorization", "Bearer opaque-token-value")],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.json["code"], "invalid_token");
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let r = h
        .call(
            "GET",
            "/api/accounts/profile/",
            None,
            &[("authorization", "Bearer")],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn session_csrf_refuses_cross_site_and_changes_nothing() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("csrfuser", "testpass123").await;
        let cookie = h.session_login("csrfuser", "testpass123").await;
        let host = ("host", "127.0.0.1:8000");

        for headers in [
            vec![
                ("cookie", cookie.as_str()),
                ("sec-fetch-site", "cross-site"),
                host,
            ],
            vec![
                ("cookie", cookie.as_str()),
                ("origin", "https://evil.example"),
                host,
            ],
            vec![("cookie", cookie.as_str()), ("origin", "null"), host],
        ] {
            let r = h
                .call("POST", "/api/accounts/logout/", None, &headers)
                .await;
            assert_eq!(r.status, 403, "[{b}] {headers:?}: {}", r.text);
            assert!(
                r.json["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("CSRF Failed: ")),
                "{}",
                r.text
            );
            assert!(
                r.cookie("sessionid").is_none(),
                "[{b}] a refused logout must not clear the cookie"
            );
            // Nothing changed: the session still works.
            let p = h
                .call(
                    "GET",
                    "/api/accounts/profile/",
                    None,
                    &[("cookie", &cookie)],
                )
                .await;
            assert_eq!(
                p.status, 200,
                "[{b}] session lost after a refused cross-site POST"
            );
        }

        // Same-origin browser request passes.
        let r = h
            .call(
                "POST",
                "/api/accounts/logout/",
                None,
                &[
                    ("cookie", &cookie),
                    ("sec-fetch-site", "same-origin"),
                    ("origin", "http://127.0.0.1:8000"),
                    host,
                ],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);

        // JWT-authenticated POSTs are never CSRF-checked.
        let (access, _) = h.jwt_pair("csrfuser", "testpass123").await;
        let bearer = format!("Bearer {access}");
        let r = h
            .call(
                "POST",
                "/api/articles/",
                Some(json!({"title": "from a JWT", "body": "b"})),
                &[
                    ("authorization", &bearer),
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://evil.example"),
                    host,
                ],
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
    }
}

#[tokio::test]
async fn trusted_origin_may_post_cross_origin() {
    let mut s = test_settings();
    s.session.trusted_origins = vec!["https://app.example.com".into()];
    let h = sqlite(s).await;
    h.register("trust", "testpass123").await;
    let cookie = h.session_login("trust", "testpass123").await;
    let r = h
        .call(
            "POST",
            "/api/accounts/logout/",
            None,
            &[
                ("cookie", &cookie),
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://app.example.com"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn strict_csrf_mode_requires_the_token() {
    let mut s = test_settings();
    s.session.csrf_mode = auth_runtime::settings::CsrfMode::Strict;
    let h = sqlite(s).await;
    h.register("strict", "testpass123").await;
    let r = h
        .call(
            "POST",
            "/api/accounts/login/",
            Some(json!({"username":"strict","password":"testpass123"})),
            &[],
        )
        .await;
    let cookie = r.cookie("sessionid").expect("session");
    let csrf = r.cookie("csrftoken").expect("csrf cookie");
    let token = csrf.trim_start_matches("csrftoken=").to_owned();
    let both = format!("{cookie}; {csrf}");

    let r = h
        .call("POST", "/api/accounts/logout/", None, &[("cookie", &both)])
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.json["detail"], "CSRF Failed: CSRF token missing.");
    let r = h
        .call(
            "POST",
            "/api/accounts/logout/",
            None,
            &[("cookie", &both), ("x-csrftoken", "forged")],
        )
        .await;
    assert_eq!(r.json["detail"], "CSRF Failed: CSRF token incorrect.");
    let r = h
        .call(
            "POST",
            "/api/accounts/logout/",
            None,
            &[("cookie", &both), ("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn forged_session_cookie_is_refused() {
    let h = sqlite(test_settings()).await;
    let r = h
        .call(
            "GET",
            "/api/accounts/profile/",
            None,
            &[("cookie", "sessionid=AAAAforged")],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn hostile_input_never_yields_5xx() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("dup", "testpass123").await;
        let big = "x".repeat(1024 * 1024);
        let huge_header = format!("Bearer {}", "a".repeat(64 * 1024));

        // Duplicate username: a field error.
        let r = h
            .call(
                "POST",
                "/api/accounts/register/",
                Some(json!({"username":"dup","email":"d@example.com","password":"testpass123"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 400, "[{b}]");
        assert_eq!(
            r.json["username"][0],
            "A user with that username already exists."
        );

        // Missing fields and weak passwords: DRF-style field errors.
        let r = h
            .call("POST", "/api/accounts/register/", Some(json!({})), &[])
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json["username"][0], "This field is required.");
        assert_eq!(r.json["password"][0], "This field is required.");
        let r = h
            .call(
                "POST",
                "/api/accounts/register/",
                Some(json!({"username":"weak","password":"12345678"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 400);
        let msgs = r.json["password"].as_array().expect("password errors");
        assert!(
            msgs.contains(&json!("This password is too common."))
                && msgs.contains(&json!("This password is entirely numeric.")),
            "{}",
            r.text
        );
        let r = h
            .call("POST", "/api/token/", Some(json!({"username":"dup"})), &[])
            .await;
        assert_eq!(
            (r.status, r.json["password"][0].clone()),
            (400, json!("This field is required."))
        );

        let raw_cases: Vec<RawCase> = vec![
            (
                "POST",
                "/api/accounts/register/",
                b"{not json".to_vec(),
                vec![("content-type", b"application/json".to_vec())],
            ),
            (
                "POST",
                "/api/token/",
                b"{\"username\": 5}".to_vec(),
                vec![("content-type", b"application/json".to_vec())],
            ),
            (
                "POST",
                "/api/token/",
                b"username=a&password=b".to_vec(),
                vec![(
                    "content-type",
                    b"application/x-www-form-urlencoded".to_vec(),
                )],
            ),
            (
                "POST",
                "/api/accounts/login/",
                big.clone().into_bytes(),
                vec![("content-type", b"application/json".to_vec())],
            ),
            (
                "GET",
                "/api/accounts/profile/",
                vec![],
                vec![("authorization", b"Bearer \xff\xfe\xfd".to_vec())],
            ),
            (
                "GET",
                "/api/accounts/profile/",
                vec![],
                vec![("cookie", b"sessionid=\xff\xfe".to_vec())],
            ),
            (
                "GET",
                "/api/accounts/profile/",
                vec![],
                vec![("authorization", huge_header.clone().into_bytes())],
            ),
            (
                "GET",
                "/api/accounts/profile/",
                vec![],
                vec![("authorization", b"Basic !!!!".to_vec())],
            ),
            (
                "POST",
                "/api/token/refresh/",
                b"{\"refresh\": \"a.b.c\"}".to_vec(),
                vec![("content-type", b"application/json".to_vec())],
            ),
            ("DELETE", "/api/accounts/profile/", vec![], vec![]),
            ("GET", "/api/nope/", vec![], vec![]),
        ];
        for (method, path, body, headers) in raw_cases {
            let mut req = match method {
                "GET" => h.client.get(path),
                "DELETE" => h.client.delete(path),
                _ => h.client.post(path),
            };
            for (k, v) in &headers {
                req = req.header(
                    *k,
                    poem::http::HeaderValue::from_bytes(v).expect("header bytes"),
                );
            }
            let resp = req.body(body).send().await.0;
            let status = resp.status();
            let ct = resp.content_type().unwrap_or_default().to_owned();
            let text = resp.into_body().into_string().await.unwrap_or_default();
            assert!(
                status.is_client_error(),
                "[{b}] {method} {path} {headers:?}: {status} {text}"
            );
            assert!(
                ct.starts_with("application/json"),
                "[{b}] {method} {path}: not JSON: {ct} {text}"
            );
            let v: serde_json::Value = serde_json::from_str(&text).expect("JSON body");
            assert!(v.is_object(), "{text}");
        }
        // The duplicate attempt lost no data: the original user still logs in.
        h.jwt_pair("dup", "testpass123").await;
    }
}
