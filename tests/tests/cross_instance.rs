#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Two instances of the demo sharing one database, each with its credential cache on
//! (for a minute, so that the cache's expiry cannot explain a result): every kind of
//! revocation made on one is refused by the other within a second, after the other has
//! served (and cached) the credential. On PostgreSQL the revocation travels by
//! `LISTEN`/`NOTIFY`; on SQLite with Redis configured, by Redis pub/sub.
//!
//! Each test prints the lag it measured, from the revoking response to the first
//! refusal on the other instance.

use std::time::{Duration, Instant};

use auth_runtime::{settings::Settings, AuthContext};
use base64::{engine::general_purpose::STANDARD, Engine};
use e2e_tests::test_settings;
use poem::{endpoint::BoxEndpoint, test::TestClient, EndpointExt};
use serde_json::{json, Value};

/// Every revocation must reach the other instance within this.
const LIMIT: Duration = Duration::from_secs(1);

/// One instance: its own context (cache, channel) and app, on the shared database.
struct Instance {
    client: TestClient<BoxEndpoint<'static>>,
    ctx: AuthContext,
}

struct Reply {
    status: u16,
    json: Value,
    cookie: Option<String>,
}

impl Instance {
    async fn start(settings: Settings, url: &str) -> Self {
        let ctx = demo_api::connect(settings, url).await.expect("connect");
        let client = TestClient::new(demo_api::app(ctx.clone()).map_to_response().boxed());
        Self { client, ctx }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = match method {
            "GET" => self.client.get(path),
            "POST" => self.client.post(path),
            "DELETE" => self.client.delete(path),
            other => panic!("unsupported method {other}"),
        };
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body_json(&b);
        }
        Self::reply(req.send().await.0).await
    }

    async fn form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let req = self
            .client
            .post(path)
            .content_type("application/x-www-form-urlencoded")
            .body(body);
        Self::reply(req.send().await.0).await
    }

    async fn reply(resp: poem::Response) -> Reply {
        let status = resp.status().as_u16();
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("sessionid="))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned);
        let text = resp.into_body().into_string().await.unwrap_or_default();
        Reply {
            status,
            json: serde_json::from_str(&text).unwrap_or(Value::Null),
            cookie,
        }
    }

    async fn profile(&self, header: (&str, &str)) -> u16 {
        self.call("GET", "/api/accounts/profile/", None, &[header])
            .await
            .status
    }
}

/// Settings for both instances: the tests' own, with a long credential cache.
fn settings() -> Settings {
    let mut s = test_settings();
    s.credential_cache_ttl = 60;
    s
}

/// Two instances on one fresh PostgreSQL database, or `None` without
/// `TEST_DATABASE_URL`.
async fn postgres_pair() -> Option<(Instance, Instance)> {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("skipping the PostgreSQL run: TEST_DATABASE_URL is not set");
        return None;
    };
    let name = format!("auth_test_{:016x}", rand::random::<u64>());
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");
    let a = Instance::start(settings(), &url).await;
    let b = Instance::start(settings(), &url).await;
    Some((a, b))
}

/// Two instances on one SQLite file, sharing revocations through Redis, or `None`
/// without `TEST_REDIS_URL`.
async fn sqlite_redis_pair(dir: &tempfile::TempDir) -> Option<(Instance, Instance)> {
    let redis_url = e2e_tests::redis_url()?;
    let url = format!("sqlite://{}/shared.sqlite3", dir.path().display());
    let mut s = settings();
    s.throttle.backend = auth_runtime::settings::Backend::Redis;
    s.throttle.redis_url = redis_url;
    s.throttle.redis_prefix = format!("test-{}", auth_runtime::secret::random_hex(8));
    let a = Instance::start(s.clone(), &url).await;
    let b = Instance::start(s, &url).await;
    Some((a, b))
}

/// Every pair this machine can run: PostgreSQL, and SQLite with Redis.
async fn pairs(dir: &tempfile::TempDir) -> Vec<(&'static str, Instance, Instance)> {
    let mut all = Vec::new();
    if let Some((a, b)) = postgres_pair().await {
        all.push(("postgres", a, b));
    }
    if let Some((a, b)) = sqlite_redis_pair(dir).await {
        all.push(("sqlite+redis", a, b));
    }
    all
}

/// Polls `refused` until it says yes; the time it took, or a failure after `LIMIT`
/// (plus a margin, so that a slow refusal is reported with its lag).
async fn lag<F, Fut>(what: &str, backend: &str, mut refused: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if refused().await {
            let lag = start.elapsed();
            eprintln!("[{backend}] {what}: refused by the other instance after {lag:?}");
            assert!(
                lag < LIMIT,
                "[{backend}] {what}: the other instance took {lag:?}"
            );
            return lag;
        }
        assert!(
            start.elapsed() < LIMIT * 3,
            "[{backend}] {what}: the other instance still accepts it after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn verify(b: &Instance, token: &str) -> u16 {
    b.call(
        "POST",
        "/api/token/verify/",
        Some(json!({ "token": token })),
        &[],
    )
    .await
    .status
}

async fn register(a: &Instance, username: &str) {
    let r = a
        .call(
            "POST",
            "/api/accounts/register/",
            Some(json!({"username": username, "email": format!("{username}@example.com"), "password": "testpass123"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 201);
}

fn basic(username: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{username}:testpass123"))
    )
}

#[tokio::test]
async fn a_logout_on_one_instance_is_honoured_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, a, b) in pairs(&dir).await {
        let (a, b) = (&a, &b);
        register(a, "ann").await;
        let r = a
            .call(
                "POST",
                "/api/accounts/login/",
                Some(json!({"username": "ann", "password": "testpass123"})),
                &[],
            )
            .await;
        let cookie = r.cookie.expect("session cookie");
        let header = ("cookie", cookie.as_str());
        assert_eq!(b.profile(header).await, 200, "[{backend}] served by B");
        assert_eq!(b.profile(header).await, 200, "[{backend}] from B's cache");

        let r = a
            .call("POST", "/api/accounts/logout/", None, &[header])
            .await;
        assert_eq!(r.status, 200);
        lag("logout", backend, || async move {
            b.profile(header).await == 401
        })
        .await;
    }
}

#[tokio::test]
async fn an_api_token_deleted_on_one_instance_is_refused_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, a, b) in pairs(&dir).await {
        let (a, b) = (&a, &b);
        register(a, "bob").await;
        let password = basic("bob");
        let r = a
            .call(
                "POST",
                "/api/tokens/",
                Some(json!({"name": "laptop"})),
                &[("authorization", &password)],
            )
            .await;
        assert_eq!(r.status, 201);
        let auth = format!("Token {}", r.json["token"].as_str().unwrap());
        let id = r.json["id"].as_i64().unwrap();
        let header = ("authorization", auth.as_str());
        assert_eq!(b.profile(header).await, 200, "[{backend}] served by B");
        assert_eq!(b.profile(header).await, 200, "[{backend}] from B's cache");

        let r = a
            .call(
                "DELETE",
                &format!("/api/tokens/{id}/"),
                None,
                &[("authorization", &password)],
            )
            .await;
        assert_eq!(r.status, 204);
        lag("API token deletion", backend, || async move {
            b.profile(header).await == 401
        })
        .await;
    }
}

#[tokio::test]
async fn an_oauth2_revocation_on_one_instance_is_honoured_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, a, b) in pairs(&dir).await {
        let (a, b) = (&a, &b);
        register(a, "cat").await;
        let done = auth_runtime::oauth2::client::register(
            a.ctx.store(),
            auth_runtime::oauth2::client::Registration {
                name: "Cross".into(),
                client_type: "confidential".into(),
                grant_types: vec!["password".into()],
                redirect_uris: Vec::new(),
                privileged_scopes: Vec::new(),
                owner_id: None,
            },
        )
        .await
        .unwrap();
        let id = done.application.client_id;
        let secret = done.client_secret.unwrap();
        let r = a
            .form(
                "/o/token/",
                &[
                    ("grant_type", "password"),
                    ("username", "cat"),
                    ("password", "testpass123"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "[{backend}] {}", r.json);
        let access = r.json["access_token"].as_str().unwrap().to_owned();
        let auth = format!("Bearer {access}");
        let header = ("authorization", auth.as_str());
        assert_eq!(b.profile(header).await, 200, "[{backend}] served by B");
        assert_eq!(b.profile(header).await, 200, "[{backend}] from B's cache");

        let r = a
            .form(
                "/o/revoke_token/",
                &[
                    ("token", &access),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
            )
            .await;
        assert_eq!(r.status, 200);
        lag("OAuth2 revocation", backend, || async move {
            b.profile(header).await == 401
        })
        .await;
    }
}

#[tokio::test]
async fn a_jwt_blacklisted_on_one_instance_is_refused_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, a, b) in pairs(&dir).await {
        let (a, b) = (&a, &b);
        register(a, "dan").await;
        let creds = json!({"username": "dan", "password": "testpass123"});
        // A sliding token authenticates requests: B verifies (and remembers) it.
        let r = a
            .call("POST", "/api/token/sliding/", Some(creds.clone()), &[])
            .await;
        assert_eq!(r.status, 200);
        let sliding = r.json["token"].as_str().unwrap().to_owned();
        let auth = format!("Bearer {sliding}");
        let header = ("authorization", auth.as_str());
        assert_eq!(b.profile(header).await, 200, "[{backend}] served by B");
        assert_eq!(b.profile(header).await, 200, "[{backend}] again by B");
        // A refresh token: B says it is valid.
        let r = a.call("POST", "/api/token/", Some(creds), &[]).await;
        let refresh = r.json["refresh"].as_str().unwrap().to_owned();
        let refresh = refresh.as_str();
        assert_eq!(verify(b, refresh).await, 200);

        for (what, token) in [("sliding", sliding.as_str()), ("refresh", refresh)] {
            let r = a
                .call(
                    "POST",
                    "/api/token/blacklist/",
                    Some(json!({ "refresh": token })),
                    &[],
                )
                .await;
            assert_eq!(r.status, 200, "[{backend}] blacklist the {what} token");
        }
        lag("JWT blacklist (sliding token)", backend, || async move {
            b.profile(header).await == 401
        })
        .await;
        lag("JWT blacklist (refresh token)", backend, || async move {
            verify(b, refresh).await == 401
        })
        .await;
    }
}

#[tokio::test]
async fn a_password_change_on_one_instance_revokes_everything_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, a, b) in pairs(&dir).await {
        let (a, b) = (&a, &b);
        register(a, "eve").await;
        let creds = json!({"username": "eve", "password": "testpass123"});
        let r = a
            .call("POST", "/api/token/", Some(creds.clone()), &[])
            .await;
        let jwt = format!("Bearer {}", r.json["access"].as_str().unwrap());
        let r = a
            .call("POST", "/api/token-auth/", Some(creds.clone()), &[])
            .await;
        let token = format!("Token {}", r.json["token"].as_str().unwrap());
        let r = a
            .call("POST", "/api/accounts/login/", Some(creds), &[])
            .await;
        let cookie = r.cookie.expect("session cookie");
        let credentials = [
            ("JWT", ("authorization", jwt.as_str())),
            ("DRF token", ("authorization", token.as_str())),
            ("session", ("cookie", cookie.as_str())),
        ];
        for (what, header) in credentials {
            assert_eq!(b.profile(header).await, 200, "[{backend}] {what} on B");
            assert_eq!(b.profile(header).await, 200, "[{backend}] {what} again");
        }

        let r = a
            .call(
                "POST",
                "/api/accounts/password/",
                Some(json!({"old_password": "testpass123", "new_password": "another-pass-456"})),
                &[("authorization", &jwt)],
            )
            .await;
        assert_eq!(r.status, 200, "[{backend}] {}", r.json);
        for (what, header) in credentials {
            lag(
                &format!("password change ({what})"),
                backend,
                || async move { b.profile(header).await == 401 },
            )
            .await;
        }
    }
}

/// The listening connection dies (as when the database restarts): the instance
/// reconnects, forgets what it cached (events sent meanwhile are lost), and hears the
/// next revocation.
#[tokio::test]
async fn after_the_channel_drops_the_next_revocation_still_arrives() {
    let Some((a, b)) = postgres_pair().await else {
        return;
    };
    let (a, b) = (&a, &b);
    register(a, "fay").await;
    let r = a
        .call(
            "POST",
            "/api/accounts/login/",
            Some(json!({"username": "fay", "password": "testpass123"})),
            &[],
        )
        .await;
    let cookie = r.cookie.expect("session cookie");
    let header = ("cookie", cookie.as_str());
    assert_eq!(b.profile(header).await, 200);

    let listeners = || async {
        let rows = sqlx::query(
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .fetch_all(b.ctx.store().pool())
        .await
        .unwrap();
        rows.iter()
            .map(|r| sqlx::Row::get::<i32, _>(r, "pid"))
            .collect::<Vec<_>>()
    };
    let before = listeners().await;
    assert_eq!(before.len(), 2, "both instances listen");
    for pid in &before {
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .execute(b.ctx.store().pool())
            .await
            .unwrap();
    }
    // Both reconnect and listen again, on new connections.
    let start = Instant::now();
    loop {
        let now = listeners().await;
        if now.len() == 2 && now.iter().all(|pid| !before.contains(pid)) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no reconnection");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(b.profile(header).await, 200, "cached again on B");
    let r = a
        .call("POST", "/api/accounts/logout/", None, &[header])
        .await;
    assert_eq!(r.status, 200);
    lag("logout after a reconnection", "postgres", || async move {
        b.profile(header).await == 401
    })
    .await;
}

/// Issue 15: a permission taken from a group is refused by the other instance within a
/// second, after it has looked the user's permissions up (and cached them).
#[tokio::test]
async fn a_permission_removed_from_a_group_reaches_the_other_instance() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, a, b) in pairs(&dir).await {
        register(&a, "editor").await;
        let editor = a
            .ctx
            .store()
            .user_by_username("editor")
            .await
            .unwrap()
            .unwrap()
            .user;
        assert!(a
            .ctx
            .store()
            .add_to_group(editor.id, "editors")
            .await
            .unwrap());
        let auth = basic("editor");
        // B publishes the editor's article: it has read (and cached) what they hold.
        let r = b
            .call(
                "POST",
                "/api/articles/",
                Some(json!({"title": "t", "body": "b", "published": false})),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 201, "[{backend}] {}", r.json);
        let publish = format!("/api/articles/{}/publish/", r.json["id"]);
        let r = b
            .call("POST", &publish, None, &[("authorization", &auth)])
            .await;
        assert_eq!(r.status, 200, "[{backend}] an editor publishes: {}", r.json);
        // A takes `articles.publish` from the editors.
        let group = auth_runtime::store::Grantee::Group("editors");
        assert!(a
            .ctx
            .store()
            .revoke(group, "articles.publish")
            .await
            .unwrap());
        lag("a permission taken from a group", backend, || async {
            b.call("POST", &publish, None, &[("authorization", &auth)])
                .await
                .status
                == 403
        })
        .await;
    }
}
