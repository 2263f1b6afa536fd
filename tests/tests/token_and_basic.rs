#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! DRF tokens (`Authorization: Token <key>`) and HTTP Basic, end to end, on SQLite and
//! PostgreSQL.

use base64::{engine::general_purpose::STANDARD, Engine};
use e2e_tests::{all_backends, sqlite, test_settings, Harness};
use serde_json::json;

async fn token_for(h: &Harness, username: &str, password: &str) -> String {
    let r = h
        .call(
            "POST",
            "/api/token-auth/",
            Some(json!({"username": username, "password": password})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "[{}] {}", h.backend, r.text);
    let key = r.json["token"].as_str().expect("token").to_owned();
    assert_eq!(key.len(), 40, "DRF's key format: 40 hex characters");
    key
}

async fn profile(h: &Harness, authorization: &str) -> e2e_tests::Reply {
    h.call(
        "GET",
        "/api/accounts/profile/",
        None,
        &[("authorization", authorization)],
    )
    .await
}

#[tokio::test]
async fn token_auth_issues_a_key_that_authenticates() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("ali", "testpass123").await;
        let key = token_for(&h, "ali", "testpass123").await;

        let r = profile(&h, &format!("Token {key}")).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert_eq!(r.json["username"], "ali");
        // The keyword is case-insensitive, as in DRF.
        assert_eq!(profile(&h, &format!("token {key}")).await.status, 200);

        // Wrong credentials: DRF's body.
        let r = h
            .call(
                "POST",
                "/api/token-auth/",
                Some(json!({"username": "ali", "password": "nope-nope-nope"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json,
            json!({"non_field_errors": ["Unable to log in with provided credentials."]})
        );
        let r = h
            .call("POST", "/api/token-auth/", Some(json!({})), &[])
            .await;
        assert_eq!(
            (r.status, r.json),
            (
                400,
                json!({"password": ["This field is required."], "username": ["This field is required."]})
            )
        );
    }
}

#[tokio::test]
async fn bad_token_headers_get_drfs_messages() {
    let h = sqlite(test_settings()).await;
    h.register("bob", "testpass123").await;
    let key = token_for(&h, "bob", "testpass123").await;
    for (header, detail) in [
        (
            "Token".to_owned(),
            "Invalid token header. No credentials provided.",
        ),
        (
            format!("Token {key} extra"),
            "Invalid token header. Token string should not contain spaces.",
        ),
        (format!("Token {}", "0".repeat(40)), "Invalid token."),
        ("Token short".to_owned(), "Invalid token."),
    ] {
        let r = profile(&h, &header).await;
        assert_eq!(r.status, 401, "{header}: {}", r.text);
        assert_eq!(r.json["detail"], detail, "{header}");
        assert_eq!(r.json["code"], "authentication_failed");
        let challenges: Vec<_> = r.headers.get_all("www-authenticate").iter().collect();
        assert!(
            challenges.iter().any(|c| *c == "Token realm=\"api\""),
            "{challenges:?}"
        );
    }
    let resp = h
        .client
        .get("/api/accounts/profile/")
        .header(
            "authorization",
            poem::http::HeaderValue::from_bytes(b"Token \xff\xfe\xfd").unwrap(),
        )
        .send()
        .await;
    resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);
    resp.assert_json(json!({
        "detail": "Invalid token header. Token string should not contain invalid characters.",
        "code": "authentication_failed",
    }))
    .await;
}

#[tokio::test]
async fn named_tokens_expire_and_can_be_revoked() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("carol", "testpass123").await;
        let login = token_for(&h, "carol", "testpass123").await;
        let auth = format!("Token {login}");
        // Creating a token needs the password (or a session), not a bearer token.
        let password = basic("carol", "testpass123");

        let r = h
            .call(
                "POST",
                "/api/tokens/",
                Some(json!({"name": "ci", "expires_in": 1})),
                &[("authorization", &password)],
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        let short = r.json["token"].as_str().unwrap().to_owned();
        assert_eq!(profile(&h, &format!("Token {short}")).await.status, 200);
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let r = profile(&h, &format!("Token {short}")).await;
        assert_eq!(
            (r.status, r.json["detail"].as_str()),
            (401, Some("Invalid token.")),
            "[{b}] an expired token must stop working"
        );

        let r = h
            .call(
                "POST",
                "/api/tokens/",
                Some(json!({"name": "laptop"})),
                &[("authorization", &password)],
            )
            .await;
        let laptop = r.json["token"].as_str().unwrap().to_owned();
        let laptop_id = r.json["id"].as_i64().unwrap();
        assert_eq!(r.json["expires_at"], serde_json::Value::Null);

        let r = h
            .call("GET", "/api/tokens/", None, &[("authorization", &auth)])
            .await;
        assert_eq!(r.status, 200);
        let names: Vec<_> = r
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect();
        assert_eq!(names, [json!("laptop"), json!("ci"), json!("token-auth")]);
        assert!(
            !r.text.contains(&laptop) && !r.text.contains(&login),
            "[{b}] keys are never listed"
        );

        let path = format!("/api/tokens/{laptop_id}/");
        let r = h
            .call("DELETE", &path, None, &[("authorization", &auth)])
            .await;
        assert_eq!(r.status, 204, "[{b}] {}", r.text);
        let r = profile(&h, &format!("Token {laptop}")).await;
        assert_eq!(r.status, 401, "[{b}] a revoked token is refused");
        let r = h
            .call("DELETE", &path, None, &[("authorization", &auth)])
            .await;
        assert_eq!(r.status, 404);

        // Another user cannot revoke carol's token.
        h.register("mallory", "testpass123").await;
        let other = format!("Token {}", token_for(&h, "mallory", "testpass123").await);
        let r = h
            .call("GET", "/api/tokens/", None, &[("authorization", &auth)])
            .await;
        let login_id = r.json[r.json.as_array().unwrap().len() - 1]["id"]
            .as_i64()
            .unwrap();
        let r = h
            .call(
                "DELETE",
                &format!("/api/tokens/{login_id}/"),
                None,
                &[("authorization", &other)],
            )
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(profile(&h, &auth).await.status, 200);
    }
}

#[tokio::test]
async fn a_database_dump_grants_nothing() {
    let h = sqlite(test_settings()).await;
    h.register("dana", "testpass123").await;
    let key = token_for(&h, "dana", "testpass123").await;
    let session = h.session_login("dana", "testpass123").await;
    let session_key = session.trim_start_matches("sessionid=").to_owned();

    let rows = sqlx::query_as::<_, (String, String)>("SELECT prefix, digest FROM auth_api_tokens")
        .fetch_all(h.ctx.store().pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let (prefix, digest) = &rows[0];
    assert_ne!(digest, &key);
    assert!(key.starts_with(prefix.as_str()));
    for stolen in [digest.clone(), format!("{prefix}{}", &digest[..32])] {
        let r = profile(&h, &format!("Token {stolen}")).await;
        assert_eq!(r.status, 401, "a stored value must not authenticate");
    }

    // Neither the token key nor the session key appears anywhere in the database.
    let dump = std::fs::read(h.sqlite_path().unwrap()).unwrap();
    let wal =
        std::fs::read(format!("{}-wal", h.sqlite_path().unwrap().display())).unwrap_or_default();
    for bytes in [&dump, &wal] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(&key), "the token key is stored in clear");
        // The signed cookie carries the key before the signature; check its core.
        let core = &session_key[..20.min(session_key.len())];
        assert!(!text.contains(core), "the session key is stored in clear");
    }
}

fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))
}

#[tokio::test]
async fn basic_authenticates_with_the_password() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("erin", "testpass123").await;
        let r = profile(&h, &basic("erin", "testpass123")).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert_eq!(r.json["username"], "erin");

        // The tutorial's unencoded form is refused, as by DRF and RFC 7617.
        let r = profile(&h, "Basic erin testpass123").await;
        assert_eq!(
            (r.status, r.json["detail"].as_str()),
            (
                401,
                Some("Invalid basic header. Credentials string should not contain spaces.")
            ),
            "[{b}] {}",
            r.text
        );

        for (header, detail) in [
            (basic("erin", "wrong-pass"), "Invalid username/password."),
            (basic("nobody", "testpass123"), "Invalid username/password."),
            (
                "Basic".to_owned(),
                "Invalid basic header. No credentials provided.",
            ),
            (
                "Basic a b c".to_owned(),
                "Invalid basic header. Credentials string should not contain spaces.",
            ),
            (
                "Basic !!!!".to_owned(),
                "Invalid basic header. Credentials not correctly base64 encoded.",
            ),
        ] {
            let r = profile(&h, &header).await;
            assert_eq!(r.status, 401, "[{b}] {header}: {}", r.text);
            assert_eq!(r.json["detail"], detail, "[{b}] {header}");
            let challenges: Vec<_> = r.headers.get_all("www-authenticate").iter().collect();
            assert!(
                challenges.iter().any(|c| *c == "Basic realm=\"api\""),
                "{challenges:?}"
            );
        }
    }
}

#[tokio::test]
async fn basic_accepts_utf8_credentials() {
    let h = sqlite(test_settings()).await;
    h.register("zoë", "pässwörd-123").await;
    let r = profile(&h, &basic("zoë", "pässwörd-123")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["username"], "zoë");
}

#[tokio::test]
async fn deactivated_users_tokens_stop_working() {
    let h = sqlite(test_settings()).await;
    let user = h.register("fred", "testpass123").await;
    let key = token_for(&h, "fred", "testpass123").await;
    h.ctx
        .store()
        .set_active(user["id"].as_i64().unwrap(), false)
        .await
        .unwrap();
    let r = profile(&h, &format!("Token {key}")).await;
    assert_eq!(
        (r.status, r.json["detail"].as_str()),
        (401, Some("User inactive or deleted."))
    );
    let r = profile(&h, &basic("fred", "testpass123")).await;
    assert_eq!(
        (r.status, r.json["detail"].as_str()),
        (401, Some("Invalid username/password."))
    );
}
