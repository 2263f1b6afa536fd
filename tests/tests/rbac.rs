#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Permissions as data (issue 15), on both databases: grants to users and groups take
//! effect and are taken back; `HasPerm` composes with `&`, `|` and `!`; a superuser
//! holds every permission; an undeclared name stops the start; administrators manage
//! it all through an API declared with the DSL. Users act through
//! `testing::force_authenticate`: permissions are under test, not logins.

use auth_runtime::{
    permission, secured, store::Grantee, testing, AuthContext, HasPerm, IsAdmin, IsAuthenticated,
};
use e2e_tests::all_backends;
use poem::{http::StatusCode, test::TestClient};
use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};
use serde_json::json;

#[derive(Default)]
struct Reports;

#[secured(authenticated(jwt))]
#[OpenApi]
impl Reports {
    #[permission(HasPerm("reports.read"))]
    #[oai(path = "/read", method = "get")]
    async fn read(&self) -> PlainText<&'static str> {
        PlainText("read")
    }

    #[permission(HasPerm("reports.read") & IsAdmin)]
    #[oai(path = "/both", method = "get")]
    async fn both(&self) -> PlainText<&'static str> {
        PlainText("both")
    }

    #[permission(HasPerm("reports.read") | IsAdmin)]
    #[oai(path = "/either", method = "get")]
    async fn either(&self) -> PlainText<&'static str> {
        PlainText("either")
    }

    #[permission(IsAuthenticated & !HasPerm("reports.read"))]
    #[oai(path = "/without", method = "get")]
    async fn without(&self) -> PlainText<&'static str> {
        PlainText("without")
    }
}

const DECLARED: &[(&str, &str)] = &[("reports.read", "Read the reports")];

async fn context(store: auth_runtime::Store) -> AuthContext {
    AuthContext::builder(e2e_tests::test_settings(), store)
        .api::<Reports>()
        .permissions(DECLARED)
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn grants_compose_and_are_taken_back_on_both_databases() {
    for h in all_backends(e2e_tests::test_settings()).await {
        let b = h.backend;
        let ctx = context(h.ctx.store().clone()).await;
        let client = TestClient::new(
            auth_runtime::App::new(OpenApiService::new(Reports, "t", "1"), &ctx).into_endpoint(),
        );
        let ann = testing::user("ann").create(&ctx).await;
        let staff = testing::user("staff").staff().create(&ctx).await;
        let root = testing::user("root").superuser().create(&ctx).await;
        let status = |path: &'static str, who: &auth_runtime::User| {
            let req = testing::force_authenticate(client.get(path), who);
            async move { req.send().await.0.status() }
        };
        assert_eq!(status("/read", &ann).await, StatusCode::FORBIDDEN, "[{b}]");
        assert_eq!(status("/without", &ann).await, StatusCode::OK, "[{b}]");
        // Through a group.
        ctx.store().create_group("analysts").await.unwrap();
        assert!(ctx
            .store()
            .grant(Grantee::Group("analysts"), "reports.read")
            .await
            .unwrap());
        assert!(ctx.store().add_to_group(ann.id, "analysts").await.unwrap());
        assert_eq!(
            status("/read", &ann).await,
            StatusCode::OK,
            "[{b}] via the group"
        );
        assert_eq!(status("/either", &ann).await, StatusCode::OK, "[{b}]");
        assert_eq!(
            status("/both", &ann).await,
            StatusCode::FORBIDDEN,
            "[{b}] not staff"
        );
        assert_eq!(
            status("/without", &ann).await,
            StatusCode::FORBIDDEN,
            "[{b}] !HasPerm"
        );
        assert_eq!(
            status("/either", &staff).await,
            StatusCode::OK,
            "[{b}] IsAdmin"
        );
        assert_eq!(
            status("/both", &staff).await,
            StatusCode::FORBIDDEN,
            "[{b}]"
        );
        // A superuser holds every permission.
        assert_eq!(status("/both", &root).await, StatusCode::OK, "[{b}]");
        // Taken back from the group: refused at once on this instance.
        assert!(ctx
            .store()
            .revoke(Grantee::Group("analysts"), "reports.read")
            .await
            .unwrap());
        assert_eq!(
            status("/read", &ann).await,
            StatusCode::FORBIDDEN,
            "[{b}] revoked"
        );
        // Directly to the user, and back.
        assert!(ctx
            .store()
            .grant(Grantee::User(staff.id), "reports.read")
            .await
            .unwrap());
        assert_eq!(
            status("/both", &staff).await,
            StatusCode::OK,
            "[{b}] direct"
        );
        let sources = ctx.store().permission_sources(staff.id).await.unwrap();
        assert_eq!(
            sources,
            [(
                "reports.read".to_owned(),
                auth_runtime::store::Source::Direct
            )]
        );
        assert!(ctx
            .store()
            .revoke(Grantee::User(staff.id), "reports.read")
            .await
            .unwrap());
        assert_eq!(
            status("/both", &staff).await,
            StatusCode::FORBIDDEN,
            "[{b}]"
        );
        // The refusal names the clause.
        let resp = testing::force_authenticate(client.get("/read"), &ann)
            .send()
            .await;
        resp.assert_json(json!({
            "detail": "This action needs the `reports.read` permission.",
            "code": "missing_permission",
            "denied_by": "HasPerm(\"reports.read\")",
        }))
        .await;
        // A name nobody declared cannot be granted.
        assert!(!ctx
            .store()
            .grant(Grantee::User(ann.id), "reports.write")
            .await
            .unwrap());
    }
}

#[tokio::test]
async fn an_undeclared_permission_stops_the_start() {
    let store = auth_runtime::Store::connect("sqlite::memory:")
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let err = AuthContext::builder(e2e_tests::test_settings(), store)
        .api::<Reports>()
        .build()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`reports.read`, which is not declared"),
        "{err}"
    );
}

#[tokio::test]
async fn administrators_manage_groups_through_the_api() {
    for h in all_backends(e2e_tests::test_settings()).await {
        let b = h.backend;
        let admin = h.admin("boss").await;
        let ann = h.user("ann").await;
        let call = |method: &'static str, path: &'static str, body: Option<serde_json::Value>| {
            h.call_as(&admin, method, path, body)
        };
        let r = call(
            "POST",
            "/api/admin/groups/",
            Some(json!({"name": "reviewers"})),
        )
        .await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        let r = call(
            "POST",
            "/api/admin/groups/reviewers/permissions/",
            Some(json!({"permission": "articles.delete_any"})),
        )
        .await;
        assert_eq!(r.status, 204, "[{b}] {}", r.text);
        let r = call(
            "POST",
            "/api/admin/groups/reviewers/members/",
            Some(json!({"username": "ann"})),
        )
        .await;
        assert_eq!(r.status, 204, "[{b}] {}", r.text);
        let r = call("GET", "/api/admin/users/ann/permissions/", None).await;
        assert_eq!(
            r.json,
            json!({"superuser": false, "permissions": [{"permission": "articles.delete_any", "group": "reviewers"}]}),
            "[{b}]"
        );
        // An undeclared permission is nothing to grant.
        let r = call(
            "POST",
            "/api/admin/groups/reviewers/permissions/",
            Some(json!({"permission": "articles.fly"})),
        )
        .await;
        assert_eq!(r.status, 404, "[{b}]");
        // Not for anyone else.
        let r = h.call_as(&ann, "GET", "/api/admin/groups/", None).await;
        assert_eq!(r.status, 403, "[{b}]");
        assert_eq!(r.json["denied_by"], "IsAdmin");
        // The demo's rule at work: a reviewer deletes anyone's article.
        let author = h.user("author").await;
        h.ctx
            .store()
            .add_to_group(author.id, "editors")
            .await
            .unwrap();
        let r = h
            .call_as(
                &author,
                "POST",
                "/api/articles/",
                Some(json!({"title": "t", "body": "b"})),
            )
            .await;
        assert_eq!(
            (r.status, r.json["published"].as_bool()),
            (201, Some(true)),
            "[{b}] an editor publishes"
        );
        let path = format!("/api/articles/{}/", r.json["id"]);
        assert_eq!(
            h.call_as(&ann, "DELETE", &path, None).await.status,
            204,
            "[{b}]"
        );
    }
}
