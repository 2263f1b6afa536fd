#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! A user-defined scheme in a chain, and the application's default chain and
//! permission from settings.

use e2e_tests::{all_backends, sqlite, test_settings};
use serde_json::json;

#[tokio::test]
async fn a_user_defined_scheme_takes_part_in_the_chain() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        h.create_admin("ops", "ops-pass-1234").await;
        let plain = h.register("plain", "testpass123").await;
        let ops = h
            .ctx
            .store()
            .user_by_username("ops")
            .await
            .unwrap()
            .unwrap()
            .user;
        let key = demo_api::service_key::issue(h.ctx.store(), ops.id, "ci")
            .await
            .unwrap();
        let plain_key =
            demo_api::service_key::issue(h.ctx.store(), plain["id"].as_i64().unwrap(), "x")
                .await
                .unwrap();

        let r = h
            .call(
                "GET",
                "/api/service/whoami/",
                None,
                &[("x-service-key", &key)],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        assert_eq!(
            r.json,
            json!({"username": "ops", "label": "ci", "scheme": "service_key"})
        );

        // The same endpoint by the next scheme of the chain.
        let (access, _) = h.jwt_pair("ops", "ops-pass-1234").await;
        let r = h
            .call(
                "GET",
                "/api/service/whoami/",
                None,
                &[("authorization", &format!("Bearer {access}"))],
            )
            .await;
        assert_eq!((r.status, r.json["scheme"].clone()), (200, json!("jwt")));

        // Present but wrong: 401 from this scheme, later schemes are not tried.
        let r = h
            .call(
                "GET",
                "/api/service/whoami/",
                None,
                &[
                    ("x-service-key", "sk_forged"),
                    ("authorization", &format!("Bearer {access}")),
                ],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] {}", r.text);
        assert_eq!(r.json["detail"], "Invalid service key.");

        let r = h
            .call(
                "GET",
                "/api/service/whoami/",
                None,
                &[("x-service-key", &plain_key)],
            )
            .await;
        assert_eq!(r.status, 403, "[{b}] authenticated but not an admin");

        let r = h.call("GET", "/api/service/whoami/", None, &[]).await;
        assert_eq!(r.status, 401);
        let challenges: Vec<_> = r
            .headers
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            challenges,
            ["ServiceKey realm=\"api\"", "Bearer realm=\"api\""]
        );
    }
}

#[test]
fn the_user_defined_scheme_is_documented_as_declared() {
    let doc: serde_json::Value =
        serde_json::from_str(demo_api::api_docs(&demo_api::demo_defaults()).spec()).unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["service_key"],
        json!({"type": "apiKey", "in": "header", "name": "X-Service-Key",
               "description": "A service key from `demo-api create-service-key`."})
    );
    assert_eq!(
        doc["paths"]["/api/service/whoami/"]["get"]["security"],
        json!([{"service_key": []}, {"jwt": []}])
    );
}

#[tokio::test]
async fn the_default_chain_and_permission_come_from_settings() {
    // Defaults: session then JWT, IsAuthenticated.
    let h = sqlite(test_settings()).await;
    h.register("dflt", "testpass123").await;
    let cookie = h.session_login("dflt", "testpass123").await;
    let r = h
        .call("GET", "/api/whoami/", None, &[("cookie", &cookie)])
        .await;
    assert_eq!(r.json, json!({"username": "dflt", "scheme": "session"}));
    let (access, _) = h.jwt_pair("dflt", "testpass123").await;
    let bearer = format!("Bearer {access}");
    let r = h
        .call("GET", "/api/whoami/", None, &[("authorization", &bearer)])
        .await;
    assert_eq!(r.json, json!({"username": "dflt", "scheme": "jwt"}));
    let r = h.call("GET", "/api/whoami/", None, &[]).await;
    assert_eq!(r.status, 401);

    // Only DRF tokens, and open to anonymous callers.
    let mut s = test_settings();
    s.default_schemes = vec!["token".into()];
    s.default_permission = auth_runtime::settings::DefaultPermission::AllowAny;
    let h = sqlite(s).await;
    h.register("tok", "testpass123").await;
    let r = h
        .call(
            "POST",
            "/api/token-auth/",
            Some(json!({"username": "tok", "password": "testpass123"})),
            &[],
        )
        .await;
    let key = r.json["token"].as_str().unwrap().to_owned();
    let r = h
        .call(
            "GET",
            "/api/whoami/",
            None,
            &[("authorization", &format!("Token {key}"))],
        )
        .await;
    assert_eq!(r.json, json!({"username": "tok", "scheme": "token"}));
    // A JWT is not in the configured chain: the caller is anonymous, which is allowed.
    let (access, _) = h.jwt_pair("tok", "testpass123").await;
    let r = h
        .call(
            "GET",
            "/api/whoami/",
            None,
            &[("authorization", &format!("Bearer {access}"))],
        )
        .await;
    assert_eq!(
        (r.status, r.json.clone()),
        (200, json!({"username": null, "scheme": null}))
    );
    let r = h
        .call(
            "GET",
            "/api/whoami/",
            None,
            &[("authorization", "Token wrong-key-wrong-key")],
        )
        .await;
    assert_eq!(r.status, 401, "an invalid credential is still refused");
    let challenges: Vec<_> = r.headers.get_all("www-authenticate").iter().collect();
    assert_eq!(
        challenges,
        ["Token realm=\"api\""],
        "challenges of the configured chain"
    );
}

#[tokio::test]
async fn unknown_names_in_settings_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let store = auth_runtime::Store::connect(&format!("sqlite://{}/x.db", dir.path().display()))
        .await
        .unwrap();
    let mut s = test_settings();
    s.default_schemes = vec!["jwt".into(), "kerberos".into()];
    let err = auth_runtime::AuthContext::new(s, store.clone())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("kerberos"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auth.toml");
    std::fs::write(&file, "default_permission = \"IsOwner\"\n").unwrap();
    let err = auth_runtime::Settings::load(Some(&file)).unwrap_err();
    assert!(err.to_string().contains("IsOwner"), "{err}");
}
