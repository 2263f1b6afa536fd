#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The cache of verified JWTs (`jwt.verified_cache_size`) never accepts what full
//! verification refuses: each scenario authenticates with a token first, so that it
//! is cached, then checks what follows, with the cache on and off.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use e2e_tests::{sqlite, test_settings, Harness, SECRET};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// The test settings, with the verified-token cache at `size`.
fn settings(size: u64) -> auth_runtime::Settings {
    let mut s = test_settings();
    s.jwt.verified_cache_size = size;
    s
}

async fn profile(h: &Harness, token: &str) -> e2e_tests::Reply {
    h.call(
        "GET",
        "/api/accounts/profile/",
        None,
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(claims: &Value, alg: Algorithm, key: &str) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn copies_of_a_cached_token_with_other_bytes_are_verified_in_full() {
    for size in [10_000, 0] {
        let h = sqlite(settings(size)).await;
        h.register("ann", "testpass123").await;
        let (access, _) = h.jwt_pair("ann", "testpass123").await;
        assert_eq!(profile(&h, &access).await.status, 200);
        assert_eq!(profile(&h, &access).await.status, 200, "cached: still 200");

        let claims = claims_of(&access);
        let parts: Vec<&str> = access.split('.').collect();
        let mut other_user = claims.clone();
        other_user["user_id"] = json!(claims["user_id"].as_i64().unwrap() + 1);
        let tampered_payload = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(other_user.to_string()),
            parts[2]
        );
        let mut sig = parts[2].to_owned();
        let last = if sig.ends_with('A') { "B" } else { "A" };
        sig.replace_range(sig.len() - 1.., last);
        let tampered_signature = format!("{}.{}.{sig}", parts[0], parts[1]);
        let alg_none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        let other_key = sign(
            &claims,
            Algorithm::HS256,
            "another-secret-another-secret-0123",
        );
        let other_alg = sign(&claims, Algorithm::HS512, SECRET);
        for (what, token) in [
            ("the payload changed", tampered_payload),
            ("the signature changed", tampered_signature),
            ("alg none", alg_none),
            ("another key", other_key),
            ("another algorithm", other_alg),
            ("a trailing space", format!("{access} x")),
        ] {
            let r = profile(&h, &token).await;
            assert_eq!(r.status, 401, "[cache {size}] {what}: {}", r.text);
        }
        // The original still works: the refusals did not evict or poison it.
        assert_eq!(profile(&h, &access).await.status, 200);
    }
}

#[tokio::test]
async fn a_cached_token_expires_at_its_exp_as_in_full_verification() {
    for size in [10_000, 0] {
        let h = sqlite(settings(size)).await;
        h.register("bob", "testpass123").await;
        let (access, _) = h.jwt_pair("bob", "testpass123").await;
        // The same claims, expiring in the next second (signed with the test key).
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut claims = claims_of(&access);
        claims["exp"] = json!(now + 1);
        claims["jti"] = json!("short-lived");
        let short = sign(&claims, Algorithm::HS256, SECRET);
        assert_eq!(profile(&h, &short).await.status, 200, "[cache {size}]");
        // jsonwebtoken accepts a token during the second of its `exp`, and refuses it
        // once that second has passed. (Asked well inside a second, so that the
        // server's clock reads the same second.)
        loop {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            if t.as_secs() > now + 1 {
                break;
            }
            if t.subsec_millis() < 700 {
                assert_eq!(profile(&h, &short).await.status, 200, "[cache {size}]");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let r = profile(&h, &short).await;
        assert_eq!(r.status, 401, "[cache {size}] {}", r.text);
        assert_eq!(r.json["messages"][0]["message"], "Token is expired");
        let r = h
            .call(
                "POST",
                "/api/token/verify/",
                Some(json!({ "token": short })),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "full verification agrees");
    }
}

#[tokio::test]
async fn a_cached_token_is_refused_at_once_when_its_user_is_revoked() {
    for size in [10_000, 0] {
        let h = sqlite(settings(size)).await;
        let user = h.register("cat", "testpass123").await;
        let uid = user["id"].as_i64().unwrap();
        let (first, _) = h.jwt_pair("cat", "testpass123").await;
        assert_eq!(profile(&h, &first).await.status, 200);
        // A password change: the token's auth_version is behind.
        let hash = h.ctx.hasher().hash("a-new-password-42").await.unwrap();
        h.ctx.store().set_password(uid, &hash).await.unwrap();
        let r = profile(&h, &first).await;
        assert_eq!(
            (r.status, r.json["code"].as_str()),
            (401, Some("password_changed")),
            "[cache {size}]"
        );
        // Deactivation.
        let (second, _) = h.jwt_pair("cat", "a-new-password-42").await;
        assert_eq!(profile(&h, &second).await.status, 200);
        h.ctx.store().set_active(uid, false).await.unwrap();
        assert_eq!(profile(&h, &second).await.status, 401, "[cache {size}]");
    }
}

#[tokio::test]
async fn a_cached_sliding_token_is_refused_at_once_when_blacklisted() {
    for size in [10_000, 0] {
        let h = sqlite(settings(size)).await;
        h.register("dan", "testpass123").await;
        let r = h
            .call(
                "POST",
                "/api/token/sliding/",
                Some(json!({"username": "dan", "password": "testpass123"})),
                &[],
            )
            .await;
        let sliding = r.json["token"].as_str().unwrap().to_owned();
        assert_eq!(profile(&h, &sliding).await.status, 200);
        let r = h
            .call(
                "POST",
                "/api/token/blacklist/",
                Some(json!({ "refresh": sliding })),
                &[],
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(profile(&h, &sliding).await.status, 401, "[cache {size}]");
    }
}
