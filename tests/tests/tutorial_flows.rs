#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The tutorials' session and JWT flows, step by step, with the statuses and JSON
//! keys they show; on SQLite and PostgreSQL.

use e2e_tests::{all_backends, test_settings};
use serde_json::json;

#[tokio::test]
async fn session_flow_register_login_profile_logout() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        // 1. Register (the tutorial's body, email as the page shows it).
        let r = h
            .call(
                "POST",
                "/api/accounts/register/",
                Some(json!({"username":"testuser","email":"[email protected]","password":"testpass123"})),
                &[("content-type", "application/json")],
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        assert_eq!(r.json["username"], "testuser");
        assert_eq!(r.json["is_staff"], false);
        assert!(r.json["id"].is_i64() && r.json.get("email").is_some());
        assert!(
            r.json.get("password").is_none(),
            "[{b}] the password must never be echoed"
        );

        // 2. Profile without credentials: 401, DRF's detail, a challenge.
        let r = h.call("GET", "/api/accounts/profile/", None, &[]).await;
        assert_eq!(r.status, 401, "[{b}]");
        assert_eq!(
            r.json["detail"],
            "Authentication credentials were not provided."
        );
        assert!(
            r.headers.contains_key("www-authenticate"),
            "[{b}] 401 without WWW-Authenticate"
        );

        // Session login, profile with the cookie, logout the way curl does it.
        let r = h
            .call(
                "POST",
                "/api/accounts/login/",
                Some(json!({"username":"testuser","password":"testpass123"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert_eq!(r.json, json!({"message": "Login successful"}));
        let set = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("sessionid="))
            .expect("session cookie");
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "[{b}] {set}"
        );
        let cookie = r.cookie("sessionid").expect("cookie");

        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert_eq!(r.json["username"], "testuser");

        let r = h
            .call(
                "POST",
                "/api/accounts/logout/",
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert_eq!(r.json, json!({"message": "Logged out successfully"}));

        // The old cookie is refused once the session is gone.
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] {}", r.text);
    }
}

#[tokio::test]
async fn wrong_login_is_400_invalid_credentials() {
    for h in all_backends(test_settings()).await {
        h.register("ann", "testpass123").await;
        for body in [
            json!({"username":"ann","password":"nope-nope-nope"}),
            json!({"username":"ghost","password":"testpass123"}),
            json!({}),
        ] {
            let r = h
                .call("POST", "/api/accounts/login/", Some(body), &[])
                .await;
            assert_eq!(r.status, 400, "[{}] {}", h.backend, r.text);
            assert_eq!(r.json, json!({"error": "Invalid credentials"}));
            assert!(r.cookie("sessionid").is_none());
        }
    }
}

#[tokio::test]
async fn login_rotates_the_session_id() {
    for h in all_backends(test_settings()).await {
        h.register("rot", "testpass123").await;
        let first = h.session_login("rot", "testpass123").await;
        let r = h
            .call(
                "POST",
                "/api/accounts/login/",
                Some(json!({"username":"rot","password":"testpass123"})),
                &[("cookie", &first)],
            )
            .await;
        let second = r.cookie("sessionid").expect("new cookie");
        assert_ne!(
            first, second,
            "[{}] login must change the session id",
            h.backend
        );
        let r = h
            .call("GET", "/api/accounts/profile/", None, &[("cookie", &first)])
            .await;
        assert_eq!(
            r.status, 401,
            "[{}] the pre-login session must be gone",
            h.backend
        );
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("cookie", &second)],
            )
            .await;
        assert_eq!(r.status, 200);
    }
}

#[tokio::test]
async fn users_list_is_admin_only() {
    for h in all_backends(test_settings()).await {
        h.register("plain", "testpass123").await;
        h.create_admin("boss", "boss-pass-123").await;
        let (access, _) = h.jwt_pair("plain", "testpass123").await;
        let bearer = format!("Bearer {access}");
        let r = h
            .call(
                "GET",
                "/api/accounts/users/",
                None,
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(r.status, 403, "[{}] {}", h.backend, r.text);
        assert_eq!(
            r.json["detail"],
            "You do not have permission to perform this action."
        );

        let r = h.call("GET", "/api/accounts/users/", None, &[]).await;
        assert_eq!(
            r.status, 401,
            "[{}] anonymous is told to authenticate",
            h.backend
        );

        let (access, _) = h.jwt_pair("boss", "boss-pass-123").await;
        let bearer = format!("Bearer {access}");
        let r = h
            .call(
                "GET",
                "/api/accounts/users/",
                None,
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(r.status, 200, "[{}] {}", h.backend, r.text);
        let names: Vec<_> = r
            .json
            .as_array()
            .expect("list")
            .iter()
            .map(|u| u["username"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(names, ["plain", "boss"]);
    }
}

#[tokio::test]
async fn jwt_flow_obtain_use_refresh_verify_blacklist() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.register("testuser", "testpass123").await;

        let r = h
            .call(
                "POST",
                "/api/token/",
                Some(json!({"username":"testuser","password":"wrong-password"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}]");
        assert_eq!(
            r.json["detail"],
            "No active account found with the given credentials"
        );

        let (access, refresh) = h.jwt_pair("testuser", "testpass123").await;
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
        assert_eq!(r.json["username"], "testuser");

        let r = h
            .call("GET", "/api/", None, &[("authorization", &bearer)])
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert!(r.json["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Hello")));
        let r = h.call("GET", "/api/", None, &[]).await;
        assert_eq!(r.status, 401);
        assert_eq!(
            r.json["detail"],
            "Authentication credentials were not provided."
        );

        let r = h
            .call(
                "POST",
                "/api/token/verify/",
                Some(json!({"token": access})),
                &[],
            )
            .await;
        assert_eq!((r.status, r.json.clone()), (200, json!({})), "[{b}]");

        // Rotation: a new pair; the old refresh token is dead everywhere.
        let r = h
            .call(
                "POST",
                "/api/token/refresh/",
                Some(json!({"refresh": refresh})),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let new_refresh = r.json["refresh"]
            .as_str()
            .expect("rotated refresh")
            .to_owned();
        assert!(r.json["access"].is_string());
        let r = h
            .call(
                "POST",
                "/api/token/refresh/",
                Some(json!({"refresh": refresh})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] reused refresh token");
        assert_eq!(r.json["code"], "token_not_valid");
        let r = h
            .call(
                "POST",
                "/api/token/verify/",
                Some(json!({"token": refresh})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] verify must reject a rotated token");
        assert_eq!(r.json["code"], "token_not_valid");

        // Blacklist (JWT logout), then the token is refused.
        let r = h
            .call(
                "POST",
                "/api/token/blacklist/",
                Some(json!({"refresh": new_refresh})),
                &[],
            )
            .await;
        assert_eq!((r.status, r.json.clone()), (200, json!({})), "[{b}]");
        let r = h
            .call(
                "POST",
                "/api/token/refresh/",
                Some(json!({"refresh": new_refresh})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401);
    }
}

#[tokio::test]
async fn without_rotation_refresh_returns_access_only() {
    let mut s = test_settings();
    s.jwt.rotate_refresh_tokens = false;
    s.jwt.blacklist_after_rotation = false;
    for h in all_backends(s).await {
        h.register("norot", "testpass123").await;
        let (_, refresh) = h.jwt_pair("norot", "testpass123").await;
        for _ in 0..2 {
            let r = h
                .call(
                    "POST",
                    "/api/token/refresh/",
                    Some(json!({"refresh": refresh})),
                    &[],
                )
                .await;
            assert_eq!(r.status, 200);
            assert!(r.json["access"].is_string());
            assert!(r.json.get("refresh").is_none(), "{}", r.text);
        }
    }
}

#[tokio::test]
async fn parallel_refreshes_of_one_token_give_exactly_one_success() {
    for h in all_backends(test_settings()).await {
        h.register("racer", "testpass123").await;
        let (_, refresh) = h.jwt_pair("racer", "testpass123").await;
        let h = std::sync::Arc::new(h);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let h = h.clone();
                let refresh = refresh.clone();
                tokio::spawn(async move {
                    h.call(
                        "POST",
                        "/api/token/refresh/",
                        Some(json!({"refresh": refresh})),
                        &[],
                    )
                    .await
                    .status
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.expect("task"));
        }
        let ok = statuses.iter().filter(|s| **s == 200).count();
        assert_eq!(ok, 1, "[{}] statuses: {statuses:?}", h.backend);
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 401),
            "{statuses:?}"
        );
    }
}

#[tokio::test]
async fn form_encoded_bodies_are_accepted_like_drf_parsers() {
    let h = e2e_tests::sqlite(test_settings()).await;
    h.register("formuser", "testpass123").await;
    let form = |body: &'static str| {
        h.client
            .post("/api/token/")
            .content_type("application/x-www-form-urlencoded")
            .body(body)
    };
    let resp = form("username=formuser&password=testpass123").send().await;
    resp.assert_status_is_ok();
    let json = resp.json().await;
    let refresh = json.value().object().get("refresh").string().to_owned();

    let resp = form("username=formuser&password=wrong-password")
        .send()
        .await;
    resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);

    let resp = h
        .client
        .post("/api/token/refresh/")
        .content_type("application/x-www-form-urlencoded")
        .body(format!("refresh={refresh}"))
        .send()
        .await;
    resp.assert_status_is_ok();

    let resp = h
        .client
        .post("/api/accounts/login/")
        .content_type("application/x-www-form-urlencoded")
        .body("username=formuser&password=testpass123")
        .send()
        .await;
    resp.assert_status_is_ok();
    resp.assert_json(json!({"message": "Login successful"}))
        .await;
}
