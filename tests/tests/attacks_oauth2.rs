#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Attacks on the OAuth2 server (issue 10, attacks 8 to 12), on SQLite and PostgreSQL:
//! scopes at the framework's own endpoints, redirect URIs smuggled through
//! whitespace, the open redirector, open introspection, codes burned by a failed
//! exchange.

use std::collections::BTreeMap;

use auth_runtime::oauth2::pkce::challenge_s256 as s256;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use e2e_tests::{all_backends, sqlite, test_settings, Harness};
use serde_json::json;

async fn password_token(
    h: &Harness,
    client: &(String, String),
    user: &str,
    scope: &str,
) -> serde_json::Value {
    let (id, secret) = client;
    let r = h
        .post_form(
            "/o/token/",
            &[
                ("grant_type", "password"),
                ("username", user),
                ("password", "testpass123"),
                ("client_id", id),
                ("client_secret", secret),
                ("scope", scope),
            ],
            &[],
        )
        .await;
    r.json
}

fn hidden_fields(page: &str) -> BTreeMap<String, String> {
    page.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|tag| {
            let name = tag.split("name=\"").nth(1)?.split('"').next()?;
            let value = tag.split("value=\"").nth(1)?.split('"').next()?;
            Some((
                name.to_owned(),
                html_escape::decode_html_entities(value).into_owned(),
            ))
        })
        .collect()
}

/// A logged-in user approves an authorization request; the redirect's `code`.
async fn approve(h: &Harness, cookie: &str, query: &str) -> String {
    let r = h
        .call(
            "GET",
            &format!("/o/authorize/?{query}"),
            None,
            &[("cookie", cookie)],
        )
        .await;
    assert_eq!(r.status, 200, "[{}] consent page: {}", h.backend, r.text);
    let mut fields = hidden_fields(&r.text);
    fields.insert("allow".into(), "true".into());
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = h
        .post_form("/o/authorize/", &form, &[("cookie", cookie)])
        .await;
    assert_eq!(r.status, 302, "[{}] {}", h.backend, r.text);
    let to = url::Url::parse(r.headers["location"].to_str().unwrap()).unwrap();
    to.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code")
}

#[tokio::test]
async fn attack_08_a_read_token_cannot_manage_applications_or_grants() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("testuser", "testpass123").await;
        let client = h.confidential_client(&["password"]).await;
        let reader = password_token(&h, &client, "testuser", "read").await;
        let reader = format!("Bearer {}", reader["access_token"].as_str().unwrap());
        let other = password_token(&h, &client, "testuser", "read write").await;
        let writer = format!("Bearer {}", other["access_token"].as_str().unwrap());

        let r = h
            .call(
                "GET",
                "/o/authorized_tokens/",
                None,
                &[("authorization", &reader)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] reading needs `read`: {}", r.text);
        let grant = r
            .json
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["scope"] == "read write")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let new_app = json!({"name": "x", "client_type": "confidential", "grant_types": ["password"], "redirect_uris": []});
        let r = h
            .call(
                "POST",
                "/o/applications/",
                Some(new_app.clone()),
                &[("authorization", &reader)],
            )
            .await;
        assert_eq!(
            (r.status, r.json["code"].as_str()),
            (403, Some("insufficient_scope")),
            "[{b}] {}",
            r.text
        );
        let path = format!("/o/authorized_tokens/{grant}/");
        let r = h
            .call("DELETE", &path, None, &[("authorization", &reader)])
            .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.text);
        // The other grant is intact; a `write` token may do both.
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &writer)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}]");
        let r = h
            .call(
                "POST",
                "/o/applications/",
                Some(new_app),
                &[("authorization", &writer)],
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
    }
}

#[test]
fn attack_08_every_shipped_operation_scopes_its_oauth2_tokens() {
    use auth_runtime::policy::{Access, Schemes, SecuredApi};
    for op in demo_api::Apis::operations() {
        let Access::Guarded {
            schemes: Schemes::Declared(list),
            permission,
        } = op.access
        else {
            continue;
        };
        let Some(oauth2) = list.iter().find(|s| s.name == "oauth2") else {
            continue;
        };
        // Either the scheme requires scopes, or the permission judges them.
        let judged =
            permission.is_some_and(|p| p.contains("ReadWriteScope") || p.contains("HasScope"));
        assert!(
            !oauth2.scopes.is_empty() || judged,
            "{} {}: an OAuth2 token of any scope is accepted",
            op.methods.join(","),
            op.path
        );
        let writes = op
            .methods
            .iter()
            .any(|m| !matches!(*m, "GET" | "HEAD" | "OPTIONS"));
        if writes && !judged {
            assert!(
                oauth2.scopes.contains(&"write"),
                "{} {}: a write without the `write` scope",
                op.methods.join(","),
                op.path
            );
        }
    }
}

#[tokio::test]
async fn attack_09_redirect_uris_with_whitespace_are_refused() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("testuser", "testpass123").await;
        let (jwt, _) = h.jwt_pair("testuser", "testpass123").await;
        let auth = format!("Bearer {jwt}");
        for uri in [
            "https://ok.example/cb javascript:alert(1)//",
            "https://ok.example/cb\thttp://evil.example/",
            "https://ok.example/cb\nhttps://evil.example/",
            "https://ok.example/cb\u{a0}https://evil.example/",
            "https://ok.example/cb\\@evil.example",
        ] {
            let r = h
                .call(
                    "POST",
                    "/o/applications/",
                    Some(json!({"name": "x", "grant_types": ["authorization_code"], "redirect_uris": [uri]})),
                    &[("authorization", &auth)],
                )
                .await;
            assert_eq!(r.status, 400, "[{b}] {uri:?}: {}", r.text);
            assert!(r.json["redirect_uris"].is_array(), "{}", r.text);
        }
        // Nor one the parser would rewrite, or one that carries the server's parameters:
        // what is registered is where the answer goes.
        for uri in [
            "https://app.example.com/cb/../../evil",
            "https://app.example.com/%2e%2e/x",
            "http://127.1/cb",
            "https://APP.example.com/cb",
            "https://app.example.com:443/cb",
            "https://app.example.com/cb?x=1&code=evil",
            "https://app.example.com@evil.example/cb",
        ] {
            let r = h
                .call(
                    "POST",
                    "/o/applications/",
                    Some(json!({"name": "x", "grant_types": ["authorization_code"], "redirect_uris": [uri]})),
                    &[("authorization", &auth)],
                )
                .await;
            assert_eq!(r.status, 400, "[{b}] {uri:?}: {}", r.text);
        }
        // A row stored before validation refused such URIs is not used as two.
        let (id, _) = h.confidential_client(&["authorization_code"]).await;
        sqlx::query("UPDATE oauth2_applications SET redirect_uris = $1 WHERE client_id = $2")
            .bind("https://ok.example/cb javascript:alert(1)//")
            .bind(&id)
            .execute(h.ctx.store().pool())
            .await
            .unwrap();
        let cookie = h.session_login("testuser", "testpass123").await;
        let query = format!(
            "response_type=code&client_id={id}&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
            url::form_urlencoded::byte_serialize(b"javascript:alert(1)//").collect::<String>(),
            s256("a-verifier-of-at-least-forty-three-characters-long")
        );
        let r = h
            .call(
                "GET",
                &format!("/o/authorize/?{query}"),
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 400, "[{b}] {}", r.text);
        assert!(!r.headers.contains_key("location"));
    }
}

#[tokio::test]
async fn attack_10_no_redirect_to_a_client_unasked() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("victim", "testpass123").await;
        let (jwt, _) = h.jwt_pair("victim", "testpass123").await;
        let r = h
            .call(
                "POST",
                "/o/applications/",
                Some(
                    json!({"name": "Phish", "grant_types": ["authorization_code"],
                            "redirect_uris": ["https://evil.example/phish"]}),
                ),
                &[("authorization", &format!("Bearer {jwt}"))],
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.json["client_id"].as_str().unwrap().to_owned();
        for query in [
            format!("client_id={id}&response_type=token"),
            format!("client_id={id}&response_type=code&scope=nonsense"),
            format!("client_id={id}&response_type=code&code_challenge_method=S256"),
        ] {
            let r = h
                .call("GET", &format!("/o/authorize/?{query}"), None, &[])
                .await;
            assert_eq!(
                r.status, 400,
                "[{b}] {query}: an error page, not a redirect"
            );
            assert!(!r.headers.contains_key("location"), "[{b}] {query}");
            assert!(r.text.contains("invalid"), "{}", r.text);
        }
        // Logged in, the victim is not sent there either: a page with a link.
        let cookie = h.session_login("victim", "testpass123").await;
        let r = h
            .call(
                "GET",
                &format!("/o/authorize/?client_id={id}&response_type=token"),
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 400, "[{b}] logged in: an error page");
        assert!(!r.headers.contains_key("location"), "[{b}]");
        assert!(
            r.text.contains("href=\"https://evil.example/phish?error="),
            "{}",
            r.text
        );
        // A valid request from someone not logged in goes to this server's login page.
        let r = h
            .call(
                "GET",
                &format!("/o/authorize/?client_id={id}&response_type=code"),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, 302);
        assert!(r.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/o/login/?next="));
    }
}

#[tokio::test]
async fn attack_11_introspection_needs_a_privileged_or_owning_client() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("alice", "testpass123").await;
        let app1 = h.confidential_client(&["password"]).await;
        let token = password_token(&h, &app1, "alice", "read").await;
        let token = token["access_token"].as_str().unwrap().to_owned();
        let public = auth_runtime::oauth2::client::register(
            h.ctx.store(),
            auth_runtime::oauth2::client::Registration {
                name: "Public".into(),
                client_type: "public".into(),
                grant_types: vec!["password".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .application
        .client_id;
        let r = h
            .post_form(
                "/o/introspect/",
                &[("token", &token), ("client_id", &public)],
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] a public client: {}", r.text);
        assert!(!r.text.contains("alice"));

        // Another confidential client learns nothing of the token.
        let (other, other_secret) = h.confidential_client(&["client_credentials"]).await;
        let r = h
            .post_form(
                "/o/introspect/",
                &[
                    ("token", &token),
                    ("client_id", &other),
                    ("client_secret", &other_secret),
                ],
                &[],
            )
            .await;
        assert_eq!(
            (r.status, r.json.clone()),
            (200, json!({"active": false})),
            "[{b}]"
        );
        // Its own client does.
        let r = h
            .post_form(
                "/o/introspect/",
                &[
                    ("token", &token),
                    ("client_id", &app1.0),
                    ("client_secret", &app1.1),
                ],
                &[],
            )
            .await;
        assert_eq!(
            (r.json["active"].clone(), r.json["username"].clone()),
            (json!(true), json!("alice")),
            "[{b}]"
        );

        // Users cannot grant themselves introspection; a client without the grant
        // cannot either.
        h.register("bob", "testpass123").await;
        let r = password_token(&h, &app1, "bob", "introspection").await;
        assert_eq!(r["error"], "invalid_scope", "[{b}] {r}");
        let r = h
            .post_form(
                "/o/token/",
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "introspection"),
                    ("client_id", &other),
                    ("client_secret", &other_secret),
                ],
                &[],
            )
            .await;
        assert_eq!(r.json["error"], "invalid_scope", "[{b}] {}", r.text);

        // A resource server an administrator allowed it: by its credentials or its
        // own token.
        let rs = auth_runtime::oauth2::client::register(
            h.ctx.store(),
            auth_runtime::oauth2::client::Registration {
                name: "Resource server".into(),
                client_type: "confidential".into(),
                grant_types: vec!["client_credentials".into()],
                privileged_scopes: vec!["introspection".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (rs_id, rs_secret) = (rs.application.client_id, rs.client_secret.unwrap());
        let r = h
            .post_form(
                "/o/token/",
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "introspection"),
                    ("client_id", &rs_id),
                    ("client_secret", &rs_secret),
                ],
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let rs_token = format!("Bearer {}", r.json["access_token"].as_str().unwrap());
        let r = h
            .post_form(
                "/o/introspect/",
                &[("token", &token)],
                &[("authorization", &rs_token)],
            )
            .await;
        assert_eq!(r.json["username"], "alice", "[{b}] {}", r.text);
        // A user's token that somehow carries the scope (stored before this rule) is
        // not enough.
        let user_token = password_token(&h, &app1, "alice", "read").await;
        let user_token = user_token["access_token"].as_str().unwrap().to_owned();
        sqlx::query(
            "UPDATE oauth2_access_tokens SET scope = 'read introspection' WHERE digest = $1",
        )
        .bind(auth_runtime::secret::digest(&user_token))
        .execute(h.ctx.store().pool())
        .await
        .unwrap();
        let r = h
            .post_form(
                "/o/introspect/",
                &[("token", &token)],
                &[("authorization", &format!("Bearer {user_token}"))],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] {}", r.text);
    }
}

#[tokio::test]
async fn attack_12_a_failed_exchange_does_not_burn_the_code() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("testuser", "testpass123").await;
        let (id, secret) = h.confidential_client(&["authorization_code"]).await;
        let (other, other_secret) = h.confidential_client(&["authorization_code"]).await;
        let cookie = h.session_login("testuser", "testpass123").await;
        let verifier = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let query = format!(
            "response_type=code&client_id={id}&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
            url::form_urlencoded::byte_serialize(b"https://app.example.com/cb").collect::<String>(),
            s256(&verifier)
        );
        let code = approve(&h, &cookie, &query).await;
        let exchange = |client: &str, secret: &str, redirect: &str, verifier: &str| {
            let (h, code) = (&h, code.clone());
            let (client, secret, redirect, verifier) = (
                client.to_owned(),
                secret.to_owned(),
                redirect.to_owned(),
                verifier.to_owned(),
            );
            async move {
                h.post_form(
                    "/o/token/",
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", &code),
                        ("redirect_uri", &redirect),
                        ("code_verifier", &verifier),
                        ("client_id", &client),
                        ("client_secret", &secret),
                    ],
                    &[],
                )
                .await
            }
        };
        let cb = "https://app.example.com/cb";
        for (what, r) in [
            (
                "wrong redirect_uri",
                exchange(&id, &secret, "https://app.example.com/other", &verifier).await,
            ),
            (
                "wrong verifier",
                exchange(&id, &secret, cb, &URL_SAFE_NO_PAD.encode([8u8; 32])).await,
            ),
            (
                "another client",
                exchange(&other, &other_secret, cb, &verifier).await,
            ),
        ] {
            assert_eq!(
                (r.status, r.json["error"].as_str()),
                (400, Some("invalid_grant")),
                "[{b}] {what}: {}",
                r.text
            );
        }
        let r = exchange(&id, &secret, cb, &verifier).await;
        assert_eq!(
            r.status, 200,
            "[{b}] the rightful exchange after failed ones: {}",
            r.text
        );
        let access = format!("Bearer {}", r.json["access_token"].as_str().unwrap());
        assert_eq!(
            h.call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &access)]
            )
            .await
            .status,
            200
        );
        // A replay by the rightful client still revokes what the code bought.
        let r = exchange(&id, &secret, cb, &verifier).await;
        assert_eq!(r.json["error"], "invalid_grant", "[{b}]");
        assert_eq!(
            h.call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &access)]
            )
            .await
            .status,
            401,
            "[{b}]"
        );
    }
}

#[tokio::test]
async fn the_metadata_issuer_is_the_configured_one() {
    let mut s = test_settings();
    s.oauth2.issuer = Some("https://auth.example.com".into());
    let h = sqlite(s).await;
    let r = h
        .call(
            "GET",
            "/.well-known/oauth-authorization-server",
            None,
            &[("host", "evil.example")],
        )
        .await;
    assert_eq!(r.json["issuer"], "https://auth.example.com");
    assert_eq!(
        r.json["token_endpoint"],
        "https://auth.example.com/o/token/"
    );
}

/// A replay racing the first exchange must revoke what the exchange bought, whoever
/// wins: the tokens are written in the transaction that spends the code (or the
/// rotated refresh token), so the loser finds and revokes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replay_racing_the_exchange_revokes_what_it_bought() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        let h = std::sync::Arc::new(h);
        h.register("testuser", "testpass123").await;
        let (id, secret) = h.confidential_client(&["authorization_code"]).await;
        let cookie = h.session_login("testuser", "testpass123").await;
        let verifier = URL_SAFE_NO_PAD.encode([9u8; 32]);
        let query = format!(
            "response_type=code&client_id={id}&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
            url::form_urlencoded::byte_serialize(b"https://app.example.com/cb").collect::<String>(),
            s256(&verifier)
        );
        for round in 0..8 {
            let code = approve(&h, &cookie, &query).await;
            let form: Vec<(String, String)> = [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", "https://app.example.com/cb"),
                ("code_verifier", verifier.as_str()),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(3));
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let (h, form, barrier) = (h.clone(), form.clone(), barrier.clone());
                    tokio::spawn(async move {
                        let pairs: Vec<(&str, &str)> =
                            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                        barrier.wait().await;
                        h.post_form("/o/token/", &pairs, &[]).await
                    })
                })
                .collect();
            let mut replies = Vec::new();
            for t in tasks {
                replies.push(t.await.unwrap());
            }
            let winners: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
            assert_eq!(
                winners.len(),
                1,
                "[{b}] round {round}: exactly one exchange wins"
            );
            let access = format!(
                "Bearer {}",
                winners[0].json["access_token"].as_str().unwrap()
            );
            let refresh = winners[0].json["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned();
            let r = h
                .call(
                    "GET",
                    "/api/accounts/profile/",
                    None,
                    &[("authorization", &access)],
                )
                .await;
            assert_eq!(
                r.status, 401,
                "[{b}] round {round}: the replay revoked the winner's access token"
            );
            let r = h
                .post_form(
                    "/o/token/",
                    &[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", &refresh),
                        ("client_id", &id),
                        ("client_secret", &secret),
                    ],
                    &[],
                )
                .await;
            assert_eq!(
                r.json["error"], "invalid_grant",
                "[{b}] round {round}: and its refresh token"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_replay_racing_the_rotation_revokes_the_authorization() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        let h = std::sync::Arc::new(h);
        h.register("testuser", "testpass123").await;
        let client = h.confidential_client(&["password"]).await;
        for round in 0..8 {
            let pair = password_token(&h, &client, "testuser", "read write").await;
            let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(3));
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let (h, barrier, refresh, client) =
                        (h.clone(), barrier.clone(), refresh.clone(), client.clone());
                    tokio::spawn(async move {
                        barrier.wait().await;
                        h.post_form(
                            "/o/token/",
                            &[
                                ("grant_type", "refresh_token"),
                                ("refresh_token", &refresh),
                                ("client_id", &client.0),
                                ("client_secret", &client.1),
                            ],
                            &[],
                        )
                        .await
                    })
                })
                .collect();
            let mut replies = Vec::new();
            for t in tasks {
                replies.push(t.await.unwrap());
            }
            let winners: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
            assert_eq!(
                winners.len(),
                1,
                "[{b}] round {round}: exactly one rotation wins"
            );
            let access = format!(
                "Bearer {}",
                winners[0].json["access_token"].as_str().unwrap()
            );
            let r = h
                .call(
                    "GET",
                    "/api/accounts/profile/",
                    None,
                    &[("authorization", &access)],
                )
                .await;
            assert_eq!(
                r.status, 401,
                "[{b}] round {round}: the reuse revoked the rotated pair"
            );
        }
    }
}

#[tokio::test]
async fn oauth2_errors_do_not_echo_their_input() {
    let h = sqlite(test_settings()).await;
    h.register("testuser", "testpass123").await;
    let (id, secret) = h.confidential_client(&["password"]).await;
    let (jwt, _) = h.jwt_pair("testuser", "testpass123").await;
    let probe = "<b>xq9z</b>";
    let replies = [
        h.post_form("/o/token/", &[("grant_type", probe), ("client_id", &id), ("client_secret", &secret)], &[]).await,
        h.post_form(
            "/o/token/",
            &[("grant_type", "password"), ("username", "testuser"), ("password", "testpass123"), ("scope", probe), ("client_id", &id), ("client_secret", &secret)],
            &[],
        )
        .await,
        h.post_form("/o/token/", &[(probe, "1"), (probe, "2")], &[]).await,
        h.call(
            "POST",
            "/o/applications/",
            Some(json!({"name": "x", "client_type": probe, "grant_types": [probe], "redirect_uris": [probe]})),
            &[("authorization", &format!("Bearer {jwt}"))],
        )
        .await,
    ];
    for r in replies {
        assert!((400..500).contains(&r.status), "{}", r.text);
        assert!(!r.text.contains("xq9z"), "echoed: {}", r.text);
    }
}
