#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a test harness: failing loudly is its job
//! Test harness: a demo-api instance on a fresh database, driven through HTTP with
//! poem's `TestClient`.
//!
//! Every scenario runs on SQLite (a temporary file) and, when `TEST_DATABASE_URL`
//! names a PostgreSQL server (`.ci/run` sets it), on a fresh PostgreSQL database too.
//! Without it the PostgreSQL half is skipped with a printed reason.

use auth_runtime::{settings::Settings, AuthContext};
use poem::{endpoint::BoxEndpoint, test::TestClient, EndpointExt};

/// The signing secret the tests use, so they can forge tokens.
pub const SECRET: &str = "test-secret-key-0123456789-abcdefghijklmnop";

/// A running app and what it is backed by.
pub struct Harness {
    /// The client.
    pub client: TestClient<BoxEndpoint<'static>>,
    /// The app's context (store, settings).
    pub ctx: AuthContext,
    /// Which backend: "sqlite" or "postgres".
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

/// Settings for tests: the demo's, a fixed secret, cheaper argon2.
pub fn test_settings() -> Settings {
    let mut s = demo_api::demo_defaults();
    s.secret_key = Some(SECRET.into());
    s.jwt.signing_key = Some(SECRET.into());
    s.password.argon2_memory_kib = 8 * 1024;
    s.password.argon2_iterations = 1;
    s
}

async fn build(settings: Settings, url: &str) -> (TestClient<BoxEndpoint<'static>>, AuthContext) {
    let ctx = demo_api::connect(settings, url)
        .await
        .expect("connect and migrate");
    (
        TestClient::new(demo_api::app(ctx.clone()).map_to_response().boxed()),
        ctx,
    )
}

/// A harness on a fresh SQLite file.
pub async fn sqlite(settings: Settings) -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/test.sqlite3", dir.path().display());
    let (client, ctx) = build(settings, &url).await;
    Harness {
        client,
        ctx,
        backend: "sqlite",
        _dir: Some(dir),
    }
}

/// A harness on a fresh PostgreSQL database, or `None` (with the reason printed) when
/// `TEST_DATABASE_URL` is not set.
pub async fn postgres(settings: Settings) -> Option<Harness> {
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
    let (client, ctx) = build(settings, &format!("{base}/{name}")).await;
    Some(Harness {
        client,
        ctx,
        backend: "postgres",
        _dir: None,
    })
}

/// Every backend available here.
pub async fn all_backends(settings: Settings) -> Vec<Harness> {
    let mut v = vec![sqlite(settings.clone()).await];
    v.extend(postgres(settings).await);
    v
}

/// A response taken apart: status, headers, JSON body (`Null` if empty or not JSON).
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: poem::http::HeaderMap,
    /// Body as JSON.
    pub json: serde_json::Value,
    /// Body as text.
    pub text: String,
}

impl Reply {
    /// All `Set-Cookie` values.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The `name=value` pair of a cookie this response sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .and_then(|c| c.split(';').next().map(str::to_owned))
    }
}

impl Harness {
    /// The SQLite file behind this harness (`None` on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self._dir.as_ref().map(|d| d.path().join("test.sqlite3"))
    }

    fn request(
        &self,
        method: &str,
        path: &str,
    ) -> poem::test::TestRequestBuilder<'_, BoxEndpoint<'static>> {
        match method {
            "GET" => self.client.get(path),
            "POST" => self.client.post(path),
            "PUT" => self.client.put(path),
            "DELETE" => self.client.delete(path),
            "PATCH" => self.client.patch(path),
            other => panic!("unsupported method {other}"),
        }
    }

    /// Sends a request. `body` is sent as JSON when given.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.request(method, path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::send(req, body).await
    }

    /// Sends a request as `user`, without credentials on the wire
    /// (`auth_runtime::testing::force_authenticate`): for tests of permissions, not of
    /// authentication.
    pub async fn call_as(
        &self,
        user: &auth_runtime::User,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let req = auth_runtime::testing::force_authenticate(self.request(method, path), user);
        Self::send(req, body).await
    }

    /// A user made directly in the store (password `testpass123`).
    pub async fn user(&self, username: &str) -> auth_runtime::User {
        auth_runtime::testing::user(username)
            .password("testpass123")
            .create(&self.ctx)
            .await
    }

    /// An administrator made directly in the store (password `testpass123`).
    pub async fn admin(&self, username: &str) -> auth_runtime::User {
        auth_runtime::testing::user(username)
            .password("testpass123")
            .superuser()
            .create(&self.ctx)
            .await
    }

    async fn send(
        mut req: poem::test::TestRequestBuilder<'_, BoxEndpoint<'static>>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        if let Some(b) = body {
            req = req.body_json(&b);
        }
        let resp = req.send().await.0;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.into_body().into_string().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Reply {
            status,
            headers,
            json,
            text,
        }
    }

    /// Sends a form (`application/x-www-form-urlencoded`) POST.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req = self
            .client
            .post(path)
            .content_type("application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.body(body).send().await.0;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.into_body().into_string().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Reply {
            status,
            headers,
            json,
            text,
        }
    }

    /// Registers a user through the API and asserts it worked.
    pub async fn register(&self, username: &str, password: &str) -> serde_json::Value {
        let r = self
            .call(
                "POST",
                "/api/accounts/register/",
                Some(serde_json::json!({"username": username, "email": format!("{username}@example.com"), "password": password})),
                &[],
            )
            .await;
        assert_eq!(
            r.status, 201,
            "[{}] register {username}: {}",
            self.backend, r.text
        );
        r.json
    }

    /// Registers a confidential OAuth2 application allowed `grants` (redirect URI
    /// `https://app.example.com/cb`) and returns its `(client_id, client_secret)`.
    pub async fn confidential_client(&self, grants: &[&str]) -> (String, String) {
        let done = auth_runtime::oauth2::client::register(
            self.ctx.store(),
            auth_runtime::oauth2::client::Registration {
                name: "Test client".into(),
                client_type: "confidential".into(),
                grant_types: grants.iter().map(|g| (*g).to_owned()).collect(),
                redirect_uris: vec!["https://app.example.com/cb".into()],
                privileged_scopes: Vec::new(),
                owner_id: None,
            },
        )
        .await
        .expect("register the client");
        let secret = done
            .client_secret
            .expect("a confidential client has a secret");
        (done.application.client_id, secret)
    }

    /// Creates a staff user directly in the store.
    pub async fn create_admin(&self, username: &str, password: &str) {
        let hash = self.ctx.hasher().hash(password).await.expect("hash");
        self.ctx
            .store()
            .create_user(auth_runtime::store::NewUser {
                username,
                email: "admin@example.com",
                password_hash: &hash,
                is_staff: true,
                is_superuser: true,
            })
            .await
            .expect("create admin");
    }

    /// Obtains a JWT pair and returns (access, refresh).
    pub async fn jwt_pair(&self, username: &str, password: &str) -> (String, String) {
        let r = self
            .call(
                "POST",
                "/api/token/",
                Some(serde_json::json!({"username": username, "password": password})),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "[{}] token: {}", self.backend, r.text);
        (
            r.json["access"].as_str().expect("access").to_owned(),
            r.json["refresh"].as_str().expect("refresh").to_owned(),
        )
    }

    /// Logs in with a session and returns the `sessionid=...` cookie pair.
    pub async fn session_login(&self, username: &str, password: &str) -> String {
        let r = self
            .call(
                "POST",
                "/api/accounts/login/",
                Some(serde_json::json!({"username": username, "password": password})),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "[{}] login: {}", self.backend, r.text);
        r.cookie("sessionid").expect("sessionid cookie")
    }
}

/// A demo-api served over real HTTP on 127.0.0.1 (for clients that speak HTTP, such as
/// the `oauth2` crate), on a fresh SQLite file.
pub struct Served {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The app's context.
    pub ctx: AuthContext,
    _dir: tempfile::TempDir,
    _server: tokio::task::JoinHandle<()>,
}

impl Served {
    /// An absolute URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self._server.abort();
    }
}

/// Serves the demo with these settings on a free loopback port.
pub async fn serve(settings: Settings) -> Served {
    use poem::listener::{Acceptor, Listener, TcpListener};
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/served.sqlite3", dir.path().display());
    let ctx = demo_api::connect(settings, &url).await.expect("connect");
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind");
    let addr = acceptor
        .local_addr()
        .into_iter()
        .find_map(|a| a.as_socket_addr().copied())
        .expect("address");
    let app = demo_api::app(ctx.clone());
    let server = tokio::spawn(async move {
        let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
    });
    Served {
        base: format!("http://{addr}"),
        ctx,
        _dir: dir,
        _server: server,
    }
}

/// Redis for the shared throttle backend, from `TEST_REDIS_URL` (`.ci/run` sets it), or
/// `None` with the reason printed.
pub fn redis_url() -> Option<String> {
    match std::env::var("TEST_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            eprintln!("skipping the Redis run: TEST_REDIS_URL is not set");
            None
        }
    }
}

/// `base` behind one declared proxy (client addresses come from `X-Forwarded-For`), on
/// the memory throttle backend and, when Redis is available, on Redis too (with a
/// prefix of its own).
pub fn throttle_backends(mut base: Settings) -> Vec<(&'static str, Settings)> {
    base.throttle.num_proxies = Some(1);
    let mut all = vec![("memory", base.clone())];
    if let Some(url) = redis_url() {
        let mut s = base;
        s.throttle.backend = auth_runtime::settings::Backend::Redis;
        s.throttle.redis_url = url;
        s.throttle.redis_prefix = format!("test-{}", auth_runtime::secret::random_hex(8));
        all.push(("redis", s));
    }
    all
}

impl Harness {
    /// `POST /api/token/` from `address` (behind one proxy): the status and the
    /// access token.
    pub async fn obtain_from(
        &self,
        user: &str,
        password: &str,
        address: &str,
    ) -> (u16, Option<String>) {
        let r = self
            .call(
                "POST",
                "/api/token/",
                Some(serde_json::json!({"username": user, "password": password})),
                &[("x-forwarded-for", address)],
            )
            .await;
        (r.status, r.json["access"].as_str().map(str::to_owned))
    }
}

/// Sends `attempts` (username, password) to `/api/token/` together from `address`,
/// released by one barrier; the statuses, in launch order.
pub async fn logins_together(
    h: &std::sync::Arc<Harness>,
    address: &str,
    attempts: Vec<(String, String)>,
) -> Vec<u16> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(attempts.len()));
    let tasks: Vec<_> = attempts
        .into_iter()
        .map(|(user, password)| {
            let (h, barrier, address) = (h.clone(), barrier.clone(), address.to_owned());
            tokio::spawn(async move {
                barrier.wait().await;
                h.obtain_from(&user, &password, &address).await.0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("join"));
    }
    statuses
}

/// Compares `actual` with `tests/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it
/// (review the diff before committing).
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name} changed; review it and run with UPDATE_SNAPSHOTS=1 to accept.\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}
