#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The tutorials' curl commands, run with the real `curl` against the real
//! `demo-api` binary on loopback (its own port and a fresh SQLite file; only the
//! host:port of the URLs differs from the tutorials). Skipped with a printed reason
//! where curl is not installed.

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
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
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let bind = format!("127.0.0.1:{port}");
    let child = demo(dir, &["serve", "--bind", &bind])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo-api");
    let base = format!("http://{bind}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&bind).is_err() {
        assert!(Instant::now() < deadline, "demo-api did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child, base }
}

/// Runs curl with these arguments; returns (status, JSON body).
fn curl(dir: &Path, args: &[&str]) -> (u16, Value) {
    let out = Command::new("curl")
        .current_dir(dir)
        .args(["-s", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
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
