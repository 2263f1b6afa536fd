#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Permissions through HTTP: the articles resource (object permissions, visibility,
//! scopes, an async permission with a database query), precedence, and messages kept
//! through composition.

use auth_runtime::{
    authenticated, permission, secured, AllowAny, Denial, IsAdmin, IsAuthenticated, Permission,
    PermissionContext,
};
use e2e_tests::{all_backends, sqlite, test_settings, Harness, SECRET};
use poem::{test::TestClient, EndpointExt};
use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};
use serde_json::{json, Value};

async fn bearer(h: &Harness, user: &str) -> String {
    let (access, _) = h.jwt_pair(user, "testpass123").await;
    format!("Bearer {access}")
}

async fn post_article(h: &Harness, auth: &str, body: Value) -> e2e_tests::Reply {
    h.call(
        "POST",
        "/api/articles/",
        Some(body),
        &[("authorization", auth)],
    )
    .await
}

#[tokio::test]
async fn articles_follow_drf_semantics_and_keep_drafts_private() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        // Permissions, not authentication, are under test: the users act without
        // credentials on the wire.
        let (alice, bob, boss) = (
            h.user("alice").await,
            h.user("bob").await,
            h.admin("boss").await,
        );
        // Alice is an editor: what she writes is published.
        h.ctx
            .store()
            .add_to_group(alice.id, "editors")
            .await
            .unwrap();

        // Anonymous: reading is allowed, writing asks for credentials.
        assert_eq!(
            h.call("GET", "/api/articles/", None, &[]).await.status,
            200,
            "[{b}]"
        );
        let r = h
            .call(
                "POST",
                "/api/articles/",
                Some(json!({"title": "t", "body": "b"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "[{b}]");
        assert_eq!(
            r.json["detail"],
            "Authentication credentials were not provided."
        );

        let r = h
            .call_as(
                &alice,
                "POST",
                "/api/articles/",
                Some(json!({"title": "Hello", "body": "World"})),
            )
            .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        let public_id = r.json["id"].as_i64().unwrap();
        let r = h
            .call_as(
                &alice,
                "POST",
                "/api/articles/",
                Some(json!({"title": "Draft", "body": "secret", "published": false})),
            )
            .await;
        let draft_id = r.json["id"].as_i64().unwrap();

        // Someone else's PUT: 403 with the permission's own message.
        let path = format!("/api/articles/{public_id}/");
        let r = h
            .call_as(&bob, "PUT", &path, Some(json!({"title": "Hacked"})))
            .await;
        assert_eq!(r.status, 403, "[{b}] {}", r.text);
        assert_eq!(
            r.json,
            json!({"detail": "Only the author may change this article.", "code": "not_owner"})
        );
        // The owner's PUT.
        let r = h
            .call_as(&alice, "PUT", &path, Some(json!({"title": "Edited"})))
            .await;
        assert_eq!(
            (r.status, r.json["title"].as_str()),
            (200, Some("Edited")),
            "[{b}] {}",
            r.text
        );
        // Delete: not bob (the more telling message), but an admin.
        let r = h.call_as(&bob, "DELETE", &path, None).await;
        assert_eq!(r.status, 403);
        assert_eq!(
            r.json["detail"],
            "Only the author or an admin may delete this article."
        );
        let r = h.call_as(&boss, "DELETE", &path, None).await;
        assert_eq!(r.status, 204, "[{b}] {}", r.text);
        assert_eq!(h.call("GET", &path, None, &[]).await.status, 404);

        // Drafts: never in bob's list, 404 (not 403) by id, for every method.
        let r = h.call_as(&bob, "GET", "/api/articles/", None).await;
        assert!(
            r.json
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["id"] != draft_id),
            "[{b}] {}",
            r.text
        );
        let draft = format!("/api/articles/{draft_id}/");
        for (method, body) in [
            ("GET", None),
            ("PUT", Some(json!({"title": "x"}))),
            ("DELETE", None),
        ] {
            let r = h.call_as(&bob, method, &draft, body).await;
            assert_eq!(r.status, 404, "[{b}] {method} someone else's draft");
        }
        assert_eq!(
            h.call("GET", &draft, None, &[]).await.status,
            404,
            "[{b}] anonymous"
        );
        // Its author and an admin see it.
        let r = h.call_as(&alice, "GET", "/api/articles/", None).await;
        assert!(r
            .json
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == draft_id));
        assert_eq!(h.call_as(&boss, "GET", &draft, None).await.status, 200);
    }
}

/// A JWT carrying a `scope` claim, signed with the test secret.
fn scoped_jwt(user_id: i64, scope: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"token_type": "access", "exp": now + 600, "iat": now, "jti": "scoped",
                "user_id": user_id, "ver": 0, "scope": scope}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn read_write_scope_binds_oauth2_tokens_and_scoped_jwts() {
    for h in all_backends(test_settings()).await {
        let b = h.backend;
        let user = h.register("carol", "testpass123").await;
        let (id, secret) = h.confidential_client(&["password"]).await;
        let token = |scope: &'static str| {
            let (id, secret) = (id.clone(), secret.clone());
            let h = &h;
            async move {
                let r = h
                    .post_form(
                        "/o/token/",
                        &[
                            ("grant_type", "password"),
                            ("username", "carol"),
                            ("password", "testpass123"),
                            ("client_id", &id),
                            ("client_secret", &secret),
                            ("scope", scope),
                        ],
                        &[],
                    )
                    .await;
                format!("Bearer {}", r.json["access_token"].as_str().unwrap())
            }
        };
        let read = token("read").await;
        assert_eq!(
            h.call("GET", "/api/articles/", None, &[("authorization", &read)])
                .await
                .status,
            200,
            "[{b}]"
        );
        let r = post_article(&h, &read, json!({"title": "t", "body": "b"})).await;
        assert_eq!(r.status, 403, "[{b}] {}", r.text);
        assert_eq!(r.json["code"], "insufficient_scope");
        assert!(
            r.json["detail"].as_str().unwrap().contains("`write`"),
            "{}",
            r.text
        );
        let write = token("write").await;
        assert_eq!(
            post_article(&h, &write, json!({"title": "t", "body": "b"}))
                .await
                .status,
            201
        );
        let r = h
            .call("GET", "/api/articles/", None, &[("authorization", &write)])
            .await;
        assert_eq!(r.status, 403, "[{b}] a write-only token cannot read");

        // A JWT with a scope claim is judged the same way; one without scopes is not.
        let uid = user["id"].as_i64().unwrap();
        let jwt_read = format!("Bearer {}", scoped_jwt(uid, "read"));
        assert_eq!(
            post_article(&h, &jwt_read, json!({"title": "t", "body": "b"}))
                .await
                .status,
            403
        );
        assert_eq!(
            post_article(
                &h,
                &bearer(&h, "carol").await,
                json!({"title": "t", "body": "b"})
            )
            .await
            .status,
            201
        );
    }
}

#[tokio::test]
async fn the_daily_quota_refuses_the_next_article() {
    let mut settings = test_settings();
    settings
        .throttle
        .rates
        .insert("article_writes".into(), "1000/minute".parse().unwrap());
    let h = sqlite(settings).await;
    let prolific = h.user("prolific").await;
    let post = |title: String| {
        h.call_as(
            &prolific,
            "POST",
            "/api/articles/",
            Some(json!({"title": title, "body": "b"})),
        )
    };
    for i in 0..demo_api::articles::DAILY_QUOTA {
        let r = post(format!("n{i}")).await;
        assert_eq!(r.status, 201, "{i}: {}", r.text);
    }
    let r = post("one more".into()).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.json["code"], "quota_exceeded");
}

/// A permission whose refusal explains itself.
struct NotOnSundays;

impl Permission for NotOnSundays {
    async fn has_permission(&self, _: &PermissionContext<'_>) -> Result<(), Denial> {
        Err(Denial::new("Closed on Sundays.").with_code("closed"))
    }
}

struct Precedence;

#[secured]
#[OpenApi]
impl Precedence {
    /// `AllowAny | IsAdmin & !AllowAny` is `AllowAny | (IsAdmin & !AllowAny)`: open.
    /// Read as `(AllowAny | IsAdmin) & !AllowAny` it would be closed.
    #[authenticated(jwt)]
    #[permission(AllowAny | IsAdmin & !AllowAny)]
    #[oai(path = "/and-binds-tighter", method = "get")]
    async fn and_binds_tighter(&self) -> PlainText<&'static str> {
        PlainText("open")
    }

    /// `!AllowAny | AllowAny` is `(!AllowAny) | AllowAny`: open. Read as
    /// `!(AllowAny | AllowAny)` it would be closed.
    #[authenticated(jwt)]
    #[permission(!AllowAny | AllowAny)]
    #[oai(path = "/not-binds-tighter", method = "get")]
    async fn not_binds_tighter(&self) -> PlainText<&'static str> {
        PlainText("open")
    }

    /// The custom message survives `&`.
    #[authenticated(jwt)]
    #[permission(IsAuthenticated & NotOnSundays)]
    #[oai(path = "/sundays", method = "get")]
    async fn sundays(&self) -> PlainText<&'static str> {
        PlainText("never")
    }
}

#[tokio::test]
async fn precedence_and_messages_through_composition() {
    let h = sqlite(test_settings()).await;
    h.register("dora", "testpass123").await;
    let auth = bearer(&h, "dora").await;
    let client = TestClient::new(OpenApiService::new(Precedence, "p", "1").with(h.ctx.layer()));
    for path in ["/and-binds-tighter", "/not-binds-tighter"] {
        let resp = client.get(path).send().await;
        resp.assert_status_is_ok();
    }
    let resp = client
        .get("/sundays")
        .header("authorization", &auth)
        .send()
        .await;
    resp.assert_status(poem::http::StatusCode::FORBIDDEN);
    resp.assert_json(
        json!({"detail": "Closed on Sundays.", "code": "closed", "denied_by": "NotOnSundays"}),
    )
    .await;
    let resp = client.get("/sundays").send().await;
    resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);
}

#[test]
fn refusals_are_documented() {
    let doc: Value =
        serde_json::from_str(demo_api::api_docs(&demo_api::demo_defaults()).spec()).unwrap();
    let create = &doc["paths"]["/api/articles/"]["post"]["responses"];
    for status in ["201", "400", "401", "403", "429"] {
        assert!(
            create[status].is_object(),
            "POST /api/articles/ documents {status}"
        );
    }
    assert!(create["429"]["headers"]["Retry-After"].is_object());
    // 429 where it can happen: a throttle, or a password check (Basic is one, behind
    // the brute-force limits); nowhere else.
    let list = &doc["paths"]["/api/articles/"]["get"]["responses"];
    assert!(
        list["403"].is_object() && list["429"].is_object(),
        "the articles accept Basic: 429 is documented"
    );
    let hello = &doc["paths"]["/api/"]["get"]["responses"];
    assert!(
        hello["401"].is_object() && hello.get("429").is_none(),
        "JWT only, no throttle: no 429"
    );
    let login = &doc["paths"]["/api/token/"]["post"]["responses"];
    assert!(login["429"].is_object(), "the token view checks a password");
}
