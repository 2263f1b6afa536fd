#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! JWT beyond the tutorial: asymmetric algorithms whose tokens verify with an
//! independent library (jwt-compact) against the served JWKS, issuer and audience,
//! algorithm confusion, revocation on password change, sliding tokens, custom claims.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use e2e_tests::{all_backends, sqlite, test_settings, Harness};
use jsonwebtoken::{encode, EncodingKey, Header};
use jwt_compact::{
    alg::{Ed25519, Es256, Rsa},
    jwk::JsonWebKey,
    Algorithm, AlgorithmExt, UntrustedToken,
};
use serde_json::{json, Map, Value};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/jwt")
        .join(name)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn asymmetric(algorithm: &str, key: &str) -> auth_runtime::Settings {
    let mut s = test_settings();
    s.jwt.algorithm = serde_json::from_value(json!(algorithm)).unwrap();
    s.jwt.signing_key = None;
    s.jwt.signing_key_file = Some(fixture(key));
    s
}

async fn jwks(h: &Harness) -> Value {
    let r = h.call("GET", "/.well-known/jwks.json", None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

fn header_of(token: &str) -> Value {
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Verifies `token` with jwt-compact and the JWK, returns its claims.
fn verify_independently<A>(alg: A, jwk: &JsonWebKey<'_>, token: &str) -> Map<String, Value>
where
    A: Algorithm,
    for<'a> A::VerifyingKey: TryFrom<&'a JsonWebKey<'a>>,
{
    let key = A::VerifyingKey::try_from(jwk)
        .ok()
        .expect("the JWK is a valid key for the algorithm");
    let untrusted = UntrustedToken::new(token).expect("token parses");
    let verified = alg
        .validator::<Map<String, Value>>(&key)
        .validate(&untrusted)
        .expect("signature verifies with the published key");
    verified.claims().custom.clone()
}

#[tokio::test]
async fn asymmetric_tokens_verify_with_another_library_against_the_jwks() {
    for (algorithm, key) in [
        ("RS256", "rsa.pem"),
        ("ES256", "ec256.pem"),
        ("EdDSA", "ed25519.pem"),
    ] {
        let h = sqlite(asymmetric(algorithm, key)).await;
        let user = h.register("keyholder", "testpass123").await;
        let (access, refresh) = h.jwt_pair("keyholder", "testpass123").await;

        let set = jwks(&h).await;
        let keys = set["keys"].as_array().expect("keys");
        assert_eq!(keys.len(), 1, "{algorithm}: {set}");
        let published = &keys[0];
        let header = header_of(&access);
        assert_eq!(header["alg"], algorithm);
        assert_eq!(
            header["kid"], published["kid"],
            "{algorithm}: the token names its key"
        );
        assert!(
            published.get("d").is_none(),
            "{algorithm}: the private part is never published"
        );

        let jwk: JsonWebKey<'_> = serde_json::from_value(published.clone()).expect("JWK");
        let claims = match algorithm {
            "RS256" => verify_independently(Rsa::rs256(), &jwk, &access),
            "ES256" => verify_independently(Es256, &jwk, &access),
            _ => verify_independently(Ed25519, &jwk, &access),
        };
        assert_eq!(claims["user_id"], user["id"], "{algorithm}");
        assert_eq!(claims["token_type"], "access");

        // And the server accepts its own token and refreshes it.
        let bearer = format!("Bearer {access}");
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(r.status, 200, "{algorithm}: {}", r.text);
        let r = h
            .call(
                "POST",
                "/api/token/refresh/",
                Some(json!({"refresh": refresh})),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{algorithm}: {}", r.text);
    }
}

#[tokio::test]
async fn es384_round_trips_and_hmac_publishes_no_key() {
    let h = sqlite(asymmetric("ES384", "ec384.pem")).await;
    h.register("p384", "testpass123").await;
    let (access, _) = h.jwt_pair("p384", "testpass123").await;
    assert_eq!(header_of(&access)["alg"], "ES384");
    let r = h
        .call(
            "GET",
            "/api/",
            None,
            &[("authorization", &format!("Bearer {access}"))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(jwks(&h).await["keys"][0]["crv"], "P-384");

    let h = sqlite(test_settings()).await;
    assert_eq!(
        jwks(&h).await,
        json!({"keys": []}),
        "an HMAC secret is never published"
    );
}

#[tokio::test]
async fn wrong_issuer_audience_and_algorithm_confusion_are_refused() {
    let mut s = asymmetric("RS256", "rsa.pem");
    s.jwt.issuer = Some("https://issuer.example".into());
    s.jwt.audience = Some("demo-clients".into());
    let h = sqlite(s).await;
    let user = h.register("iss", "testpass123").await;
    let uid = user["id"].as_i64().unwrap();
    let (access, _) = h.jwt_pair("iss", "testpass123").await;
    let bearer = format!("Bearer {access}");
    let r = h
        .call(
            "GET",
            "/api/accounts/profile/",
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let private = std::fs::read(fixture("rsa.pem")).unwrap();
    let key = EncodingKey::from_rsa_pem(&private).unwrap();
    let claims = |iss: &str, aud: &str| {
        json!({"token_type": "access", "exp": now() + 600, "iat": now(), "jti": "j1",
               "user_id": uid, "ver": 0, "iss": iss, "aud": aud})
    };
    let sign = |c: Value| encode(&Header::new(jsonwebtoken::Algorithm::RS256), &c, &key).unwrap();
    let good = sign(claims("https://issuer.example", "demo-clients"));
    let r = h
        .call(
            "GET",
            "/api/accounts/profile/",
            None,
            &[("authorization", &format!("Bearer {good}"))],
        )
        .await;
    assert_eq!(
        r.status, 200,
        "a well-formed token of this issuer passes: {}",
        r.text
    );

    let public = std::fs::read(fixture("rsa.pub.pem")).unwrap();
    let confused = encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &claims("https://issuer.example", "demo-clients"),
        &EncodingKey::from_secret(&public),
    )
    .unwrap();
    for (what, token) in [
        (
            "wrong iss",
            sign(claims("https://evil.example", "demo-clients")),
        ),
        (
            "wrong aud",
            sign(claims("https://issuer.example", "someone-else")),
        ),
        ("HS256 signed with the public key", confused),
    ] {
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &format!("Bearer {token}"))],
            )
            .await;
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        assert_eq!(r.json["code"], "token_not_valid", "{what}");
    }
}

#[tokio::test]
async fn a_password_change_revokes_access_and_refresh_tokens() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        let user = h.register("changer", "testpass123").await;
        let uid = user["id"].as_i64().unwrap();
        let (access, refresh) = h.jwt_pair("changer", "testpass123").await;
        let bearer = format!("Bearer {access}");
        assert_eq!(
            h.call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &bearer)]
            )
            .await
            .status,
            200
        );

        let hash = h.ctx.hasher().hash("a-new-password-42").await.unwrap();
        h.ctx.store().set_password(uid, &hash).await.unwrap();

        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(
            r.status, 401,
            "[{b}] old access token after a password change"
        );
        assert_eq!(r.json["code"], "password_changed");
        let r = h
            .call(
                "POST",
                "/api/token/refresh/",
                Some(json!({"refresh": refresh})),
                &[],
            )
            .await;
        assert_eq!(
            r.status, 401,
            "[{b}] old refresh token after a password change"
        );
        let r = h
            .call(
                "POST",
                "/api/token/verify/",
                Some(json!({"token": access})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] verify agrees");

        // New tokens work.
        let (access, _) = h.jwt_pair("changer", "a-new-password-42").await;
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &format!("Bearer {access}"))],
            )
            .await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);

        // Deactivation revokes too.
        h.ctx.store().set_active(uid, false).await.unwrap();
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &format!("Bearer {access}"))],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}] a deactivated user's token");
    }
}

#[tokio::test]
async fn sliding_tokens_authenticate_refresh_and_blacklist() {
    let h = sqlite(test_settings()).await;
    h.register("slider", "testpass123").await;
    let r = h
        .call(
            "POST",
            "/api/token/sliding/",
            Some(json!({"username": "slider", "password": "testpass123"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.json["token"].as_str().unwrap().to_owned();
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["token_type"], "sliding");
    assert!(payload["refresh_exp"].as_i64().unwrap() > payload["exp"].as_i64().unwrap());

    let bearer = format!("Bearer {token}");
    let r = h
        .call(
            "GET",
            "/api/accounts/profile/",
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let r = h
        .call(
            "POST",
            "/api/token/sliding/refresh/",
            Some(json!({"token": token})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let refreshed = r.json["token"].as_str().unwrap().to_owned();

    // Blacklisting the sliding token ends it, refreshed copies included (same jti).
    let r = h
        .call(
            "POST",
            "/api/token/blacklist/",
            Some(json!({"refresh": token})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for t in [&token, &refreshed] {
        let r = h
            .call(
                "GET",
                "/api/accounts/profile/",
                None,
                &[("authorization", &format!("Bearer {t}"))],
            )
            .await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    let r = h
        .call(
            "POST",
            "/api/token/sliding/refresh/",
            Some(json!({"token": refreshed})),
            &[],
        )
        .await;
    assert_eq!(r.status, 401);

    // An access/refresh pair's refresh token is not a sliding token.
    let (_, refresh) = h.jwt_pair("slider", "testpass123").await;
    let r = h
        .call(
            "POST",
            "/api/token/sliding/refresh/",
            Some(json!({"token": refresh})),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, r.json["detail"].as_str()),
        (401, Some("Token has wrong type"))
    );
}

#[tokio::test]
async fn custom_claims_are_added_and_survive_refresh() {
    let h = sqlite(test_settings()).await;
    h.register("claimer", "testpass123").await;
    let (access, refresh) = h.jwt_pair("claimer", "testpass123").await;
    let claims = |t: &str| -> Value {
        serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(t.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims(&access)["username"], "claimer");
    assert_eq!(claims(&refresh)["username"], "claimer");
    let r = h
        .call(
            "POST",
            "/api/token/refresh/",
            Some(json!({"refresh": refresh})),
            &[],
        )
        .await;
    assert_eq!(
        claims(r.json["access"].as_str().unwrap())["username"],
        "claimer"
    );
    assert_eq!(
        claims(r.json["refresh"].as_str().unwrap())["username"],
        "claimer"
    );
}

#[tokio::test]
async fn a_hook_cannot_replace_reserved_claims() {
    let dir = tempfile::tempdir().unwrap();
    let store = auth_runtime::Store::connect(&format!("sqlite://{}/h.db", dir.path().display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let ctx = auth_runtime::AuthContext::builder(test_settings(), store)
        .jwt_claims(|_, claims| {
            claims.insert("user_id".into(), json!(999));
            claims.insert("token_type".into(), json!("refresh"));
            claims.insert("role".into(), json!("editor"));
        })
        .build()
        .await
        .unwrap();
    let hash = ctx.hasher().hash("testpass123").await.unwrap();
    let user = ctx
        .store()
        .create_user(auth_runtime::store::NewUser {
            username: "h",
            email: "",
            password_hash: &hash,
            is_staff: false,
            is_superuser: false,
        })
        .await
        .unwrap();
    let pair = ctx.jwt().obtain_pair(ctx.store(), &user).await.unwrap();
    let claims = ctx.jwt().decode(&pair.access, &["access"]).unwrap();
    assert_eq!(claims["user_id"], json!(user.id));
    assert_eq!(claims["token_type"], "access");
    assert_eq!(claims["role"], "editor");
}
