use auth_runtime::testing;
use poem::{http::StatusCode, test::TestClient};
use serde_json::json;

#[tokio::test]
async fn anyone_reads_users_write_owners_and_admins_delete() {
    let ctx = testing::memory_context().await;
    let (ann, bob) = (
        testing::user("ann").create(&ctx).await,
        testing::user("bob").create(&ctx).await,
    );
    let admin = testing::user("admin").superuser().create(&ctx).await;
    let client = TestClient::new(first_app::app(&ctx));

    client.get("/api/notes/").send().await.assert_status_is_ok();
    let new = json!({"text": "hello"});
    client
        .post("/api/notes/")
        .body_json(&new)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    testing::force_authenticate(client.post("/api/notes/"), &ann)
        .body_json(&new)
        .send()
        .await
        .assert_status_is_ok();

    testing::force_authenticate(client.delete("/api/notes/1/"), &bob)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    testing::force_authenticate(client.delete("/api/notes/1/"), &admin)
        .send()
        .await
        .assert_status_is_ok();
    testing::force_authenticate(client.get("/api/stats/"), &ann)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_jwt_from_the_token_view_authenticates() {
    let ctx = testing::memory_context().await;
    testing::user("ann")
        .password("correct horse battery")
        .create(&ctx)
        .await;
    let client = TestClient::new(first_app::app(&ctx));

    let login = json!({"username": "ann", "password": "correct horse battery"});
    let resp = client.post("/api/token/").body_json(&login).send().await;
    resp.assert_status_is_ok();
    let access = resp
        .json()
        .await
        .value()
        .object()
        .get("access")
        .string()
        .to_owned();
    client
        .post("/api/notes/")
        .header("Authorization", format!("Bearer {access}"))
        .body_json(&json!({"text": "mine"}))
        .send()
        .await
        .assert_status_is_ok();
}
