#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The OAuth2 server driven by a client library this project did not write (the
//! `oauth2` crate) over real HTTP: every grant, the authorization code flow with PKCE
//! through the login and consent pages, rotation, replay, revocation, introspection.

use e2e_tests::{serve, test_settings, Served};
use oauth2::{
    basic::{BasicClient, BasicErrorResponseType},
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl,
    PkceCodeChallenge, RedirectUrl, RequestTokenError, ResourceOwnerPassword,
    ResourceOwnerUsername, RevocationUrl, Scope, TokenIntrospectionResponse, TokenResponse,
    TokenUrl,
};
use serde_json::{json, Value};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn http() -> reqwest::Client {
    // An OAuth2 client must not follow redirects (the code arrives in one).
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn register_user(s: &Served, username: &str) {
    let r = http()
        .post(s.url("/api/accounts/register/"))
        .json(&json!({"username": username, "email": "", "password": "testpass123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// Logs `username` in with a session; the `sessionid=...` pair.
async fn login_cookie(s: &Served, username: &str) -> String {
    let r = http()
        .post(s.url("/api/accounts/login/"))
        .json(&serde_json::json!({"username": username, "password": "testpass123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sessionid="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned()
}

async fn app(s: &Served, client_type: &str, grants: &[&str]) -> (String, Option<String>) {
    let registered = auth_runtime::oauth2::client::register(
        s.ctx.store(),
        auth_runtime::oauth2::client::Registration {
            name: "Test client".into(),
            client_type: client_type.into(),
            grant_types: grants.iter().map(|g| (*g).to_owned()).collect(),
            redirect_uris: vec![REDIRECT.into()],
            privileged_scopes: Vec::new(),
            owner_id: None,
        },
    )
    .await
    .unwrap();
    (registered.application.client_id, registered.client_secret)
}

macro_rules! client {
    ($s:expr, $id:expr, $secret:expr) => {{
        let mut c = BasicClient::new(ClientId::new($id.clone()))
            .set_auth_uri(AuthUrl::new($s.url("/o/authorize/")).unwrap())
            .set_token_uri(TokenUrl::new($s.url("/o/token/")).unwrap())
            .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
            .set_revocation_url(RevocationUrl::new($s.url("/o/revoke_token/")).unwrap())
            .set_introspection_url(IntrospectionUrl::new($s.url("/o/introspect/")).unwrap());
        if let Some(secret) = &$secret {
            c = c.set_client_secret(ClientSecret::new(secret.clone()));
        }
        c
    }};
}

async fn profile(s: &Served, token: &str) -> (u16, Value) {
    let r = http()
        .get(s.url("/api/accounts/profile/"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn server_error<T: std::fmt::Debug, E: std::error::Error + 'static>(
    result: Result<T, RequestTokenError<E, oauth2::StandardErrorResponse<BasicErrorResponseType>>>,
) -> BasicErrorResponseType {
    match result {
        Err(RequestTokenError::ServerResponse(e)) => e.error().clone(),
        other => panic!("expected an OAuth2 error response, got {other:?}"),
    }
}

#[tokio::test]
async fn password_grant_both_client_auth_methods_and_refresh_rotation() {
    let s = serve(test_settings()).await;
    register_user(&s, "testuser").await;
    let (id, secret) = app(&s, "confidential", &["password"]).await;
    let http = http();
    for auth_type in [AuthType::BasicAuth, AuthType::RequestBody] {
        let client = client!(s, id, secret).set_auth_type(auth_type.clone());
        let token = client
            .exchange_password(
                &ResourceOwnerUsername::new("testuser".into()),
                &ResourceOwnerPassword::new("testpass123".into()),
            )
            .request_async(&http)
            .await
            .unwrap_or_else(|e| panic!("{auth_type:?}: {e:?}"));
        assert_eq!(token.expires_in().map(|d| d.as_secs()), Some(36000));
        let scopes: Vec<String> = token
            .scopes()
            .unwrap()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(scopes, ["read", "write"]);
        let (status, body) = profile(&s, token.access_token().secret()).await;
        assert_eq!((status, body["username"].clone()), (200, json!("testuser")));

        // Rotation: a new pair; the old refresh token is spent, and reusing it revokes
        // the whole authorization.
        let old_refresh = token.refresh_token().unwrap().clone();
        let next = client
            .exchange_refresh_token(&old_refresh)
            .request_async(&http)
            .await
            .unwrap();
        let new_access = next.access_token().secret().clone();
        assert_ne!(next.refresh_token().unwrap().secret(), old_refresh.secret());
        assert_eq!(profile(&s, &new_access).await.0, 200);
        let reused = client
            .exchange_refresh_token(&old_refresh)
            .request_async(&http)
            .await;
        assert_eq!(server_error(reused), BasicErrorResponseType::InvalidGrant);
        assert_eq!(
            profile(&s, &new_access).await.0,
            401,
            "reuse revokes the family"
        );
        let after = client
            .exchange_refresh_token(next.refresh_token().unwrap())
            .request_async(&http)
            .await;
        assert_eq!(server_error(after), BasicErrorResponseType::InvalidGrant);
    }

    // Wrong password, wrong secret, a grant the client may not use.
    let client = client!(s, id, secret);
    let r = client
        .exchange_password(
            &ResourceOwnerUsername::new("testuser".into()),
            &ResourceOwnerPassword::new("nope-nope".into()),
        )
        .request_async(&http)
        .await;
    assert_eq!(server_error(r), BasicErrorResponseType::InvalidGrant);
    let wrong = client!(s, id, Some("wrong-secret".to_owned()));
    let r = wrong
        .exchange_password(
            &ResourceOwnerUsername::new("testuser".into()),
            &ResourceOwnerPassword::new("testpass123".into()),
        )
        .request_async(&http)
        .await;
    assert_eq!(server_error(r), BasicErrorResponseType::InvalidClient);
    let r = client
        .exchange_client_credentials()
        .request_async(&http)
        .await;
    assert_eq!(server_error(r), BasicErrorResponseType::UnauthorizedClient);
}

#[tokio::test]
async fn client_credentials_authenticate_the_client_without_a_user() {
    let s = serve(test_settings()).await;
    let (id, secret) = app(&s, "confidential", &["client_credentials"]).await;
    let client = client!(s, id, secret);
    let http = http();
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("read".into()))
        .request_async(&http)
        .await
        .unwrap();
    assert!(
        token.refresh_token().is_none(),
        "no refresh token for client credentials"
    );
    // No user: IsAuthenticated refuses, with 403 (the client did authenticate).
    let (status, _) = profile(&s, token.access_token().secret()).await;
    assert_eq!(status, 403);
    // Introspection says whose it is.
    let info = client
        .introspect(token.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(info.active());
    assert_eq!(info.client_id().map(|c| c.as_str()), Some(id.as_str()));
    assert!(info.username().is_none());
    // An unknown scope.
    let r = client
        .exchange_client_credentials()
        .add_scope(Scope::new("admin".into()))
        .request_async(&http)
        .await;
    assert_eq!(server_error(r), BasicErrorResponseType::InvalidScope);
}

/// Drives the browser side of the authorization code flow: the login page, then the
/// consent page; returns the URL the browser is finally sent to.
async fn browser_approves(s: &Served, authorize_url: &str, allow: bool) -> url::Url {
    let browser = reqwest::ClientBuilder::new()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Not logged in: to the login page, which comes back here.
    let r = browser.get(authorize_url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let login = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(login.starts_with("/o/login/?next="), "{login}");
    let page = browser
        .get(s.url(&login))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let next = hidden_fields(&page)["next"].clone();
    let r = browser
        .post(s.url("/o/login/"))
        .form(&[
            ("username", "testuser"),
            ("password", "testpass123"),
            ("next", &next),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "login");
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    // Logged in: the consent page names the client and the scopes.
    let r = browser.get(s.url(&back)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Test client") && page.contains("Reading scope"),
        "{page}"
    );
    let mut fields = hidden_fields(&page);
    fields.insert("allow".into(), allow.to_string());
    let r = browser
        .post(s.url("/o/authorize/"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap()
}

/// `name="..." value="..."` of the page's hidden inputs, unescaped.
fn hidden_fields(page: &str) -> std::collections::BTreeMap<String, String> {
    page.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split("name=\"").nth(1)?.split('"').next()?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((
                html_escape::decode_html_entities(name).into_owned(),
                html_escape::decode_html_entities(value).into_owned(),
            ))
        })
        .collect()
}

fn query(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn authorization_code_with_pkce_through_the_consent_page() {
    let s = serve(test_settings()).await;
    register_user(&s, "testuser").await;
    let (id, none) = app(&s, "public", &["authorization_code"]).await;
    assert!(none.is_none(), "a public client has no secret");
    let client = client!(s, id, none);
    let http = http();

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("read".into()))
        .set_pkce_challenge(challenge)
        .url();
    let landed = browser_approves(&s, url.as_str(), true).await;
    assert_eq!(landed.as_str().split('?').next(), Some(REDIRECT));
    assert_eq!(
        query(&landed, "state").as_deref(),
        Some(state.secret().as_str())
    );
    let code = query(&landed, "code").expect("code");

    let token = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let scopes: Vec<String> = token
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(scopes, ["read"]);
    let access = token.access_token().secret().clone();
    assert_eq!(profile(&s, &access).await.0, 200);
    // read only: the write operation refuses, naming the scope.
    let r = http
        .patch(s.url("/api/accounts/profile/"))
        .bearer_auth(&access)
        .json(&json!({"email": "x@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "insufficient_scope");
    assert_eq!(body["required_scopes"], json!(["write"]));

    // The code is single-use; its replay revokes what it bought.
    let (_, other_verifier) = PkceCodeChallenge::new_random_sha256();
    let replay = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(other_verifier)
        .request_async(&http)
        .await;
    assert_eq!(server_error(replay), BasicErrorResponseType::InvalidGrant);
    assert_eq!(
        profile(&s, &access).await.0,
        401,
        "a replayed code revokes its tokens"
    );
}

#[tokio::test]
async fn pkce_is_checked_and_required_for_public_clients() {
    let s = serve(test_settings()).await;
    register_user(&s, "testuser").await;
    let (id, none) = app(&s, "public", &["authorization_code"]).await;
    let client = client!(s, id, none);
    let http = http();

    // Without a challenge, the public client's error is shown, never redirected to
    // unasked (no open redirector); a logged-in user gets a link back with the error.
    let (url, _) = client.authorize_url(CsrfToken::new_random).url();
    let r = http.get(url.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 400, "not logged in: an error page");
    assert!(!r.text().await.unwrap().contains("href"), "and no link");
    let session = login_cookie(&s, "testuser").await;
    let r = http
        .get(url.as_str())
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let page = r.text().await.unwrap();
    let href = page
        .split("href=\"")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .map(|h| html_escape::decode_html_entities(h).into_owned())
        .expect("a link back");
    let to = url::Url::parse(&href).unwrap();
    assert_eq!(query(&to, "error").as_deref(), Some("invalid_request"));

    // With a challenge, the wrong verifier fails.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let landed = browser_approves(&s, url.as_str(), true).await;
    let code = query(&landed, "code").unwrap();
    let (_, wrong) = PkceCodeChallenge::new_random_sha256();
    let r = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(wrong)
        .request_async(&http)
        .await;
    assert_eq!(server_error(r), BasicErrorResponseType::InvalidGrant);
}

#[tokio::test]
async fn denied_consent_and_bad_redirect_uris() {
    let s = serve(test_settings()).await;
    register_user(&s, "testuser").await;
    let (id, secret) = app(&s, "confidential", &["authorization_code"]).await;
    let client = client!(s, id, secret);
    let (url, state) = client.authorize_url(CsrfToken::new_random).url();
    let landed = browser_approves(&s, url.as_str(), false).await;
    assert_eq!(query(&landed, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        query(&landed, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert!(query(&landed, "code").is_none());

    // An unregistered redirect URI is never redirected to.
    let evil = format!(
        "{}?response_type=code&client_id={id}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        s.url("/o/authorize/")
    );
    let r = http().get(evil).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let r = http()
        .get(s.url("/o/authorize/?response_type=code&client_id=nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn revocation_and_introspection() {
    let s = serve(test_settings()).await;
    register_user(&s, "testuser").await;
    let (id, secret) = app(&s, "confidential", &["password"]).await;
    let client = client!(s, id, secret);
    let http = http();
    let token = client
        .exchange_password(
            &ResourceOwnerUsername::new("testuser".into()),
            &ResourceOwnerPassword::new("testpass123".into()),
        )
        .request_async(&http)
        .await
        .unwrap();
    let info = client
        .introspect(token.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(info.active());
    assert_eq!(info.username(), Some("testuser"));
    assert_eq!(info.scopes().map(|s| s.len()), Some(2));

    // Revoking the refresh token ends the authorization: its access token too. (The
    // `oauth2` crate revokes over https only; this server is on plain loopback.)
    let revoke = |token: String| {
        http.post(s.url("/o/revoke_token/"))
            .basic_auth(&id, secret.as_ref())
            .form(&[("token", token)])
            .send()
    };
    let r = revoke(token.refresh_token().unwrap().secret().clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(profile(&s, token.access_token().secret()).await.0, 401);
    let info = client
        .introspect(token.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(!info.active());
    // Revoking what does not exist is fine (RFC 7009).
    assert_eq!(revoke("nope".into()).await.unwrap().status(), 200);
    // Revoking an access token ends that token only.
    let again = client
        .exchange_password(
            &ResourceOwnerUsername::new("testuser".into()),
            &ResourceOwnerPassword::new("testpass123".into()),
        )
        .request_async(&http)
        .await
        .unwrap();
    let r = revoke(again.access_token().secret().clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(profile(&s, again.access_token().secret()).await.0, 401);
    let refreshed = client
        .exchange_refresh_token(again.refresh_token().unwrap())
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(profile(&s, refreshed.access_token().secret()).await.0, 200);
    // Another client cannot revoke this client's token.
    let (other_id, other_secret) = app(&s, "confidential", &["password"]).await;
    let r = http
        .post(s.url("/o/revoke_token/"))
        .basic_auth(&other_id, other_secret.as_ref())
        .form(&[("token", refreshed.access_token().secret())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(profile(&s, refreshed.access_token().secret()).await.0, 200);
    // Introspection needs client authentication.
    let r = http
        .post(s.url("/o/introspect/"))
        .form(&[("token", token.access_token().secret().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn concurrent_refreshes_give_exactly_one_success() {
    let s = serve(test_settings()).await;
    register_user(&s, "testuser").await;
    let (id, secret) = app(&s, "confidential", &["password"]).await;
    let client = client!(s, id, secret);
    let http = http();
    let token = client
        .exchange_password(
            &ResourceOwnerUsername::new("testuser".into()),
            &ResourceOwnerPassword::new("testpass123".into()),
        )
        .request_async(&http)
        .await
        .unwrap();
    let refresh = token.refresh_token().unwrap().secret().clone();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (url, id, secret, refresh) = (
                s.url("/o/token/"),
                id.clone(),
                secret.clone(),
                refresh.clone(),
            );
            tokio::spawn(async move {
                self::http()
                    .post(url)
                    .basic_auth(id, secret)
                    .form(&[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", refresh.as_str()),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 400),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn refresh_may_narrow_the_scope_but_not_widen_it() {
    let s = serve(test_settings()).await;
    register_user(&s, "testuser").await;
    let (id, secret) = app(&s, "confidential", &["password"]).await;
    let client = client!(s, id, secret);
    let http = http();
    let token = client
        .exchange_password(
            &ResourceOwnerUsername::new("testuser".into()),
            &ResourceOwnerPassword::new("testpass123".into()),
        )
        .add_scope(Scope::new("read".into()))
        .request_async(&http)
        .await
        .unwrap();
    let r = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .add_scope(Scope::new("write".into()))
        .request_async(&http)
        .await;
    assert_eq!(server_error(r), BasicErrorResponseType::InvalidScope);
    let narrowed = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .add_scope(Scope::new("read".into()))
        .request_async(&http)
        .await
        .unwrap();
    let scopes: Vec<String> = narrowed
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(scopes, ["read"]);
}

#[tokio::test]
async fn token_endpoint_errors_follow_rfc_6749() {
    let s = serve(test_settings()).await;
    let (id, secret) = app(&s, "confidential", &["password"]).await;
    let http = http();
    let post = |body: &'static str| {
        http.post(s.url("/o/token/"))
            .basic_auth(&id, secret.as_ref())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    for (body, status, error) in [
        ("grant_type=implicit", 400, "unsupported_grant_type"),
        ("username=a&password=b", 400, "invalid_request"),
        (
            "grant_type=password&grant_type=password",
            400,
            "invalid_request",
        ),
        ("grant_type=password&username=a", 400, "invalid_request"),
    ] {
        let r = post(body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{body}");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], error, "{body}: {v}");
        assert!(v["error_description"].is_string());
    }
    let r = http
        .post(s.url("/o/token/"))
        .basic_auth(&id, secret.as_ref())
        .json(&json!({"grant_type": "password", "username": "a", "password": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request");
    assert!(
        v["error_description"].as_str().unwrap().contains("form"),
        "{v}"
    );
    let r = http
        .post(s.url("/o/token/"))
        .form(&[("grant_type", "password"), ("client_id", "nobody")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"oauth2\"");
}

#[tokio::test]
async fn metadata_matches_the_endpoints() {
    let s = serve(test_settings()).await;
    let r = http()
        .get(s.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    let meta: Value = r.json().await.unwrap();
    assert_eq!(meta["issuer"], s.base);
    for key in [
        "token_endpoint",
        "authorization_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ] {
        let url = meta[key].as_str().unwrap();
        assert!(url.starts_with(&s.base), "{key}: {url}");
        // Every advertised endpoint exists (POST endpoints answer 4xx to an empty GET).
        let status = http().get(url).send().await.unwrap().status().as_u16();
        assert_ne!(status, 404, "{key}");
    }
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
}
