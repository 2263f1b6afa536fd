#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The OAuth2 server on SQLite and PostgreSQL: grants, rotation, replay, scopes, the
//! applications API and authorized tokens, and the chain with JWTs in either order.

use e2e_tests::{all_backends, test_settings, Harness};
use serde_json::json;

async fn password_token(
    h: &Harness,
    id: &str,
    secret: &str,
    scope: Option<&str>,
) -> serde_json::Value {
    let mut form = vec![
        ("grant_type", "password"),
        ("username", "testuser"),
        ("password", "testpass123"),
        ("client_id", id),
        ("client_secret", secret),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let r = h.post_form("/o/token/", &form, &[]).await;
    assert_eq!(r.status, 200, "[{}] {}", h.backend, r.text);
    assert_eq!(r.headers["cache-control"], "no-store");
    r.json
}

#[tokio::test]
async fn grants_rotation_and_replay_on_every_backend() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("testuser", "testpass123").await;
        let (id, secret) = h
            .confidential_client(&["password", "client_credentials"])
            .await;
        let token = password_token(&h, &id, &secret, None).await;
        assert_eq!(token["token_type"], "Bearer");
        assert_eq!(token["scope"], "read write");
        assert_eq!(token["expires_in"], 36000);
        let access = token["access_token"].as_str().unwrap();
        let bearer = format!("Bearer {access}");
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);

        let refresh = token["refresh_token"].as_str().unwrap();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &id),
            ("client_secret", &secret),
        ];
        let r = h.post_form("/o/token/", &form, &[]).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let rotated_access = format!("Bearer {}", r.json["access_token"].as_str().unwrap());
        let r = h.post_form("/o/token/", &form, &[]).await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (400, Some("invalid_grant")),
            "[{b}]"
        );
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &rotated_access)],
            )
            .await;
        assert_eq!(
            r.status, 401,
            "[{b}] reuse of a rotated refresh token revokes the family"
        );

        let r = h
            .post_form(
                "/o/token/",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert!(r.json.get("refresh_token").is_none());
    }
}

#[tokio::test]
async fn scopes_are_enforced_not_only_documented() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("testuser", "testpass123").await;
        let (id, secret) = h.confidential_client(&["password"]).await;
        let read = password_token(&h, &id, &secret, Some("read")).await;
        let write = password_token(&h, &id, &secret, Some("write")).await;
        let patch = |token: &serde_json::Value| {
            format!("Bearer {}", token["access_token"].as_str().unwrap())
        };
        let r = h
            .call(
                "PATCH",
                "/api/accounts/profile/",
                Some(json!({"email": "r@example.com"})),
                &[("authorization", &patch(&read))],
            )
            .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.text);
        assert_eq!(r.json["code"], "insufficient_scope");
        assert_eq!(r.json["required_scopes"], json!(["write"]));
        let challenge = r.headers["www-authenticate"].to_str().unwrap();
        assert_eq!(
            challenge,
            "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"write\""
        );
        let r = h
            .call(
                "PATCH",
                "/api/accounts/profile/",
                Some(json!({"email": "w@example.com"})),
                &[("authorization", &patch(&write))],
            )
            .await;
        assert_eq!(
            (r.status, r.json["email"].as_str()),
            (200, Some("w@example.com")),
            "[{b}] {}",
            r.text
        );
        // Scopes bind OAuth2 tokens only: a JWT is not scoped.
        let (jwt, _) = h.jwt_pair("testuser", "testpass123").await;
        let r = h
            .call(
                "PATCH",
                "/api/accounts/profile/",
                Some(json!({"email": "j@example.com"})),
                &[("authorization", &format!("Bearer {jwt}"))],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
    }
}

#[tokio::test]
async fn applications_api_and_authorized_tokens() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("testuser", "testpass123").await;
        let (jwt, _) = h.jwt_pair("testuser", "testpass123").await;
        let auth = format!("Bearer {jwt}");
        let r = h
            .call(
                "POST",
                "/o/applications/",
                Some(json!({"name": "CLI", "client_type": "confidential",
                            "grant_types": ["password", "authorization_code"],
                            "redirect_uris": ["https://cli.example.com/cb"]})),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        let id = r.json["client_id"].as_str().unwrap().to_owned();
        let secret = r.json["client_secret"].as_str().unwrap().to_owned();
        let app_id = r.json["id"].as_i64().unwrap();

        let r = h
            .call("GET", "/o/applications/", None, &[("authorization", &auth)])
            .await;
        assert_eq!(r.json.as_array().unwrap().len(), 1);
        assert!(!r.text.contains(&secret), "[{b}] the secret is shown once");

        // Validation: field errors for every problem.
        let r = h
            .call(
                "POST",
                "/o/applications/",
                Some(json!({"name": "", "client_type": "public",
                            "grant_types": ["client_credentials", "implicit"],
                            "redirect_uris": ["http://evil.example/cb", "https://x.example/#f"]})),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400);
        for field in ["name", "grant_types", "redirect_uris"] {
            assert!(r.json[field].is_array(), "[{b}] {field}: {}", r.text);
        }

        // Update, then a grant, listed and revoked by its user.
        let path = format!("/o/applications/{app_id}/");
        let r = h
            .call(
                "PUT",
                &path,
                Some(json!({"name": "CLI v2", "grant_types": ["password"], "redirect_uris": []})),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(
            (r.status, r.json["name"].as_str()),
            (200, Some("CLI v2")),
            "[{b}] {}",
            r.text
        );
        let token = password_token(&h, &id, &secret, None).await;
        let r = h
            .call(
                "GET",
                "/o/authorized_tokens/",
                None,
                &[("authorization", &auth)],
            )
            .await;
        let grants = r.json.as_array().unwrap().clone();
        assert_eq!(grants.len(), 1, "[{b}] {}", r.text);
        assert_eq!(grants[0]["application"], "CLI v2");
        let r = h
            .call(
                "DELETE",
                &format!("/o/authorized_tokens/{}/", grants[0]["id"]),
                None,
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 204);
        let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
        assert_eq!(
            h.call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &bearer)]
            )
            .await
            .status,
            401
        );

        // Someone else sees none of it; deleting the application works for its owner only.
        h.register("other", "testpass123").await;
        let (other_jwt, _) = h.jwt_pair("other", "testpass123").await;
        let other = format!("Bearer {other_jwt}");
        assert_eq!(
            h.call("GET", &path, None, &[("authorization", &other)])
                .await
                .status,
            404
        );
        assert_eq!(
            h.call("DELETE", &path, None, &[("authorization", &other)])
                .await
                .status,
            404
        );
        assert_eq!(
            h.call("DELETE", &path, None, &[("authorization", &auth)])
                .await
                .status,
            204
        );
        let r = h
            .post_form(
                "/o/token/",
                &[
                    ("grant_type", "password"),
                    ("username", "testuser"),
                    ("password", "testpass123"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] a deleted client cannot authenticate");
    }
}

#[tokio::test]
async fn a_database_dump_grants_no_oauth2_access() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("testuser", "testpass123").await;
        let (id, secret) = h.confidential_client(&["password"]).await;
        let token = password_token(&h, &id, &secret, None).await;
        let access = token["access_token"].as_str().unwrap().to_owned();
        let refresh = token["refresh_token"].as_str().unwrap().to_owned();

        // What a thief of the database gets: digests, none of which works as a credential.
        let stored: Vec<(String,)> = sqlx::query_as(
            "SELECT COALESCE(client_secret_digest, '') FROM oauth2_applications \
             UNION ALL SELECT digest FROM oauth2_access_tokens \
             UNION ALL SELECT digest FROM oauth2_refresh_tokens",
        )
        .fetch_all(h.ctx.store().pool())
        .await
        .unwrap();
        assert_eq!(stored.len(), 3, "[{b}] one secret, one access, one refresh");
        for (value,) in &stored {
            assert!(!value.is_empty(), "[{b}] the client secret has a digest");
            for plain in [&secret, &access, &refresh] {
                assert!(!value.contains(plain.as_str()), "[{b}] stored in clear");
            }
            let bearer = format!("Bearer {value}");
            let r = h
                .call(
                    "GET",
                    "/api/accounts/profile/",
                    None,
                    &[("authorization", &bearer)],
                )
                .await;
            assert_eq!(r.status, 401, "[{b}] a stored digest as a bearer token");
            let r = h
                .post_form(
                    "/o/token/",
                    &[
                        ("grant_type", "password"),
                        ("username", "testuser"),
                        ("password", "testpass123"),
                        ("client_id", &id),
                        ("client_secret", value),
                    ],
                    &[],
                )
                .await;
            assert_eq!(r.status, 401, "[{b}] a stored digest as the client secret");
            assert_eq!(r.json["error"], "invalid_client", "[{b}] {}", r.text);
            let r = h
                .post_form(
                    "/o/token/",
                    &[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", value),
                        ("client_id", &id),
                        ("client_secret", &secret),
                    ],
                    &[],
                )
                .await;
            assert_eq!(r.status, 400, "[{b}] a stored digest as a refresh token");
            assert_eq!(r.json["error"], "invalid_grant", "[{b}] {}", r.text);
        }

        // And the plain values appear nowhere in the file (SQLite: database and WAL).
        if let Some(path) = h.sqlite_path() {
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(format!("{}-wal", path.display())).unwrap_or_default());
            let text = String::from_utf8_lossy(&bytes);
            for plain in [&secret, &access, &refresh] {
                assert!(
                    !text.contains(plain.as_str()),
                    "a secret is stored in clear"
                );
            }
        }
        // The real ones still work: the checks above refused digests, not everything.
        let bearer = format!("Bearer {access}");
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
    }
}
