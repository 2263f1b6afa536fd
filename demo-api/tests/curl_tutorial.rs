#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The tutorials' curl commands, run with the real `curl` against the real
//! `demo-api` binary on loopback (its own port and a fresh SQLite file; only the
//! host:port of the URLs differs from the tutorials). Skipped with a printed reason
//! where curl is not installed.

use std::{
    io::BufRead,
    path::Path,
    process::{Child, Command, Stdio},
};

use serde_json::Value;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_demo-api"));
    c.current_dir(dir)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/demo.sqlite3", dir.display()),
        )
        .env("AUTH_PASSWORD__ARGON2_MEMORY_KIB", "8192")
        .env("AUTH_PASSWORD__ARGON2_ITERATIONS", "1")
        .env_remove("AUTH_CONFIG")
        .args(args);
    c
}

fn start(dir: &Path) -> Server {
    start_with(dir, &[], "server.log")
}

/// A server with these extra environment variables, logging to `log`.
fn start_with(dir: &Path, env: &[(&str, &str)], log: &str) -> Server {
    // Port 0: the server picks a free port and prints the address it bound.
    let log = std::fs::File::create(dir.join(log)).expect("server log");
    let mut command = demo(dir, &["serve", "--bind", "127.0.0.1:0"]);
    command.envs(env.iter().copied());
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("spawn demo-api");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the bound address");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    Server { child, base }
}

/// Runs curl with these arguments; returns (status, JSON body).
fn curl(dir: &Path, args: &[&str]) -> (u16, Value) {
    let out = Command::new("curl")
        .current_dir(dir)
        .args(["-sS", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        panic!(
            "curl {args:?} failed: {}\nserver log:\n{log}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (
        code.trim().parse().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn have_curl() -> bool {
    Command::new("curl").arg("--version").output().is_ok()
}

#[test]
fn session_and_jwt_tutorial_commands_work_verbatim() {
    if !have_curl() {
        eprintln!("skipping: curl is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let s = start(d);
    let u = |path: &str| format!("{}{path}", s.base);

    // Registration, exactly as the tutorial types it.
    let (st, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &u("/api/accounts/register/"),
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"username":"testuser","email":"[email protected]","password":"testpass123"}"#,
        ],
    );
    assert_eq!(st, 201, "{body}");
    for key in ["id", "username", "email", "is_staff"] {
        assert!(
            body.get(key).is_some(),
            "register response lacks {key}: {body}"
        );
    }

    // Profile without credentials.
    let (st, body) = curl(d, &["-X", "GET", &u("/api/accounts/profile/")]);
    assert_eq!(
        (st, body["detail"].as_str()),
        (401, Some("Authentication credentials were not provided."))
    );

    // Session: login with a cookie jar, profile, logout (no CSRF token: curl is no browser).
    let (st, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &u("/api/accounts/login/"),
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"username":"testuser","password":"testpass123"}"#,
            "-c",
            "cookies.txt",
        ],
    );
    assert_eq!(
        (st, body["message"].as_str()),
        (200, Some("Login successful"))
    );
    let (st, body) = curl(
        d,
        &[
            "-X",
            "GET",
            &u("/api/accounts/profile/"),
            "-b",
            "cookies.txt",
        ],
    );
    assert_eq!(
        (st, body["username"].as_str()),
        (200, Some("testuser")),
        "{body}"
    );
    let (st, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &u("/api/accounts/logout/"),
            "-b",
            "cookies.txt",
        ],
    );
    assert_eq!(
        (st, body["message"].as_str()),
        (200, Some("Logged out successfully")),
        "{body}"
    );
    let (st, _) = curl(
        d,
        &[
            "-X",
            "GET",
            &u("/api/accounts/profile/"),
            "-b",
            "cookies.txt",
        ],
    );
    assert_eq!(st, 401, "the logged-out cookie must be refused");

    // JWT: obtain, use, refresh, verify.
    let (st, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &u("/api/token/"),
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"username":"testuser","password":"testpass123"}"#,
        ],
    );
    assert_eq!(st, 200, "{body}");
    let access = body["access"].as_str().expect("access").to_owned();
    let refresh = body["refresh"].as_str().expect("refresh").to_owned();
    let (st, body) = curl(
        d,
        &[
            "-X",
            "GET",
            &u("/api/accounts/profile/"),
            "-H",
            &format!("Authorization: Bearer {access}"),
        ],
    );
    assert_eq!((st, body["username"].as_str()), (200, Some("testuser")));
    let (st, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &u("/api/token/refresh/"),
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        ],
    );
    assert_eq!(st, 200, "{body}");
    assert!(body["access"].is_string());
    let (st, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &u("/api/token/verify/"),
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!(r#"{{"token":"{access}"}}"#),
        ],
    );
    assert_eq!((st, body), (200, serde_json::json!({})));

    // OAuth2: the client the tutorial creates in Django's admin, created with the CLI.
    let out = demo(
        d,
        &[
            "create-oauth-app",
            "--name",
            "MyAppClient",
            "--client-type",
            "confidential",
            "--grant-type",
            "password",
        ],
    )
    .output()
    .expect("create-oauth-app");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let client_id = created["client_id"].as_str().expect("client_id").to_owned();
    let client_secret = created["client_secret"]
        .as_str()
        .expect("client_secret")
        .to_owned();
    let (st, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &u("/o/token/"),
            "-d",
            "grant_type=password",
            "-d",
            "username=testuser",
            "-d",
            "password=testpass123",
            "-d",
            &format!("client_id={client_id}"),
            "-d",
            &format!("client_secret={client_secret}"),
        ],
    );
    assert_eq!(st, 200, "{body}");
    for key in [
        "access_token",
        "expires_in",
        "token_type",
        "scope",
        "refresh_token",
    ] {
        assert!(
            body.get(key).is_some(),
            "token response lacks {key}: {body}"
        );
    }
    assert_eq!(
        (
            body["expires_in"].as_i64(),
            body["token_type"].as_str(),
            body["scope"].as_str()
        ),
        (Some(36000), Some("Bearer"), Some("read write"))
    );
    let oauth_access = body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    // The JWT scheme is tried first on profile; the opaque token still gets through.
    let (st, body) = curl(
        d,
        &[
            "-X",
            "GET",
            &u("/api/accounts/profile/"),
            "-H",
            &format!("Authorization: Bearer {oauth_access}"),
        ],
    );
    assert_eq!(
        (st, body["username"].as_str()),
        (200, Some("testuser")),
        "{body}"
    );

    // The simplejwt guide: --location, the admin from createsuperuser, GET /api/.
    let created = demo(
        d,
        &[
            "createsuperuser",
            "--username",
            "admin",
            "--email",
            "admin@example.com",
            "--password",
            "admin",
        ],
    )
    .output()
    .expect("createsuperuser");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let (st, body) = curl(
        d,
        &[
            "--location",
            &u("/api/token/"),
            "--header",
            "Content-Type: application/json",
            "--data",
            "{\n    \"username\": \"admin\",\n    \"password\": \"admin\"\n}",
        ],
    );
    assert_eq!(st, 200, "{body}");
    let admin_access = body["access"].as_str().expect("access").to_owned();
    let (st, body) = curl(d, &["--location", &u("/api/")]);
    assert_eq!(
        (st, body["detail"].as_str()),
        (401, Some("Authentication credentials were not provided."))
    );
    let (st, body) = curl(
        d,
        &[
            "--location",
            &u("/api/"),
            "--header",
            &format!("Authorization: Bearer {admin_access}"),
        ],
    );
    assert_eq!(st, 200, "{body}");
    assert!(body["message"].is_string());
    let (st, body) = curl(
        d,
        &[
            "-X",
            "GET",
            &u("/api/accounts/users/"),
            "-H",
            &format!("Authorization: Bearer {admin_access}"),
        ],
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(body.as_array().map(Vec::len), Some(2));
}

#[test]
fn token_and_basic_examples_work_verbatim() {
    if !have_curl() {
        eprintln!("skipping: curl is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let s = start(d);
    let u = |path: &str| format!("{}{path}", s.base);

    // The users of the examples: `ali` (token), `myusername` (basic).
    for (name, pass) in [("ali", "testpass123"), ("myusername", "mypasswd")] {
        let body = format!(r#"{{"username":"{name}","email":"","password":"{pass}"}}"#);
        let (st, body) = curl(
            d,
            &[
                "-X",
                "POST",
                &u("/api/accounts/register/"),
                "-H",
                "Content-Type: application/json",
                "-d",
                &body,
            ],
        );
        // `mypasswd` is refused by the validators (too common); create it directly.
        if st != 201 {
            assert_eq!(st, 400, "{body}");
            let out = demo(
                d,
                &[
                    "createsuperuser",
                    "--username",
                    name,
                    "--email",
                    "",
                    "--password",
                    pass,
                ],
            )
            .output()
            .expect("createsuperuser");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    // The key the tutorials print, imported with the CLI (a DRF migration).
    let out = demo(
        d,
        &[
            "create-token",
            "--user",
            "ali",
            "--key",
            "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
        ],
    )
    .output()
    .expect("create-token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(printed["token"], "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b");

    let (st, body) = curl(
        d,
        &[
            &u("/api/accounts/profile/"),
            "-H",
            "Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
        ],
    );
    assert_eq!(
        (st, body["username"].as_str()),
        (200, Some("ali")),
        "{body}"
    );

    // A generated token, through the endpoint.
    let (st, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &u("/api/token-auth/"),
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"username":"ali","password":"testpass123"}"#,
        ],
    );
    assert_eq!(st, 200, "{body}");
    let key = body["token"].as_str().expect("token").to_owned();
    let (st, _) = curl(
        d,
        &[
            &u("/api/accounts/profile/"),
            "-H",
            &format!("Authorization: Token {key}"),
        ],
    );
    assert_eq!(st, 200);

    // Basic as the overview misprints it (two words, not base64) is refused as DRF and
    // RFC 7617 refuse it; curl's `-u` sends the real thing.
    let (st, body) = curl(
        d,
        &[
            &u("/api/accounts/profile/"),
            "-H",
            "Authorization: Basic myusername mypasswd",
        ],
    );
    assert_eq!(
        (st, body["detail"].as_str()),
        (
            401,
            Some("Invalid basic header. Credentials string should not contain spaces.")
        ),
        "{body}"
    );
    let (st, body) = curl(
        d,
        &["-u", "myusername:mypasswd", &u("/api/accounts/profile/")],
    );
    assert_eq!(
        (st, body["username"].as_str()),
        (200, Some("myusername")),
        "{body}"
    );

    // The policy table lists the operations.
    let out = demo(d, &["policy"]).output().expect("policy");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("GET") && l.contains("/api/accounts/profile/")),
        "{table}"
    );
    let out = demo(d, &["policy", "--json"])
        .output()
        .expect("policy --json");
    let json: Value = serde_json::from_slice(&out.stdout).expect("policy JSON");
    assert!(json["operations"].as_array().is_some_and(|o| o.len() > 10));

    // clear-expired runs and reports.
    let out = demo(d, &["clear-expired"]).output().expect("clear-expired");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("sessions"));
}

#[test]
fn two_instances_sharing_redis_share_the_throttle_count() {
    let Ok(redis) = std::env::var("TEST_REDIS_URL") else {
        eprintln!("skipping: TEST_REDIS_URL is not set");
        return;
    };
    if !have_curl() {
        eprintln!("skipping: curl is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let prefix = format!("curl-{}", std::process::id());
    let env = [
        ("AUTH_THROTTLE__BACKEND", "redis"),
        ("AUTH_THROTTLE__REDIS_URL", redis.as_str()),
        ("AUTH_THROTTLE__REDIS_PREFIX", prefix.as_str()),
        ("AUTH_THROTTLE__RATES__ARTICLE_WRITES", "5/minute"),
    ];
    // One database, two processes: as behind a load balancer (migrated once first, as
    // a deployment would).
    let migrated = demo(d, &["migrate"]).output().expect("migrate");
    assert!(migrated.status.success());
    let a = start_with(d, &env, "a.log");
    let b = start_with(d, &env, "b.log");
    let (st, _) = curl(
        d,
        &[
            "-X",
            "POST",
            &format!("{}/api/accounts/register/", a.base),
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"username":"shared","email":"","password":"testpass123"}"#,
        ],
    );
    assert_eq!(st, 201);
    let (_, body) = curl(
        d,
        &[
            "-X",
            "POST",
            &format!("{}/api/token/", b.base),
            "-d",
            "username=shared&password=testpass123",
        ],
    );
    let auth = format!(
        "Authorization: Bearer {}",
        body["access"].as_str().expect("access")
    );
    let mut statuses = Vec::new();
    for i in 0..6 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (st, _) = curl(
            d,
            &[
                "-X",
                "POST",
                &format!("{}/api/articles/", server.base),
                "-H",
                &auth,
                "-H",
                "Content-Type: application/json",
                "-d",
                r#"{"title":"t","body":"b"}"#,
            ],
        );
        statuses.push(st);
    }
    assert_eq!(
        statuses,
        [201, 201, 201, 201, 201, 429],
        "the count is shared"
    );

    // Failed logins on one instance lock the account on the other.
    for _ in 0..5 {
        let (st, _) = curl(
            d,
            &[
                "-X",
                "POST",
                &format!("{}/api/token/", a.base),
                "-d",
                "username=shared&password=wrong",
            ],
        );
        assert_eq!(st, 401);
    }
    let (st, _) = curl(
        d,
        &[
            "-X",
            "POST",
            &format!("{}/api/token/", b.base),
            "-d",
            "username=shared&password=testpass123",
        ],
    );
    assert_eq!(st, 429);
}
