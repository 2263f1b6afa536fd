#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! "Why was I refused?" (issue 15): each 403 names the clause that refused, its
//! message and the scopes missing; the decision log records every decision; `explain`
//! prints an operation's verdict clause by clause.

use std::sync::{Arc, Mutex};

use auth_runtime::{
    permission, secured, testing, Denial, IsAdmin, IsAuthenticated, Permission, PermissionContext,
};
use e2e_tests::{assert_snapshot, sqlite, test_settings};
use poem::test::TestClient;
use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};
use serde_json::{json, Value};

/// A permission of the application's, with a message of its own.
struct NotOnSundays;

impl Permission for NotOnSundays {
    async fn has_permission(&self, _: &PermissionContext<'_>) -> Result<(), Denial> {
        Err(Denial::new("Closed on Sundays.").with_code("closed"))
    }
}

#[derive(Default)]
struct Clauses;

#[secured(authenticated(jwt))]
#[OpenApi]
impl Clauses {
    #[permission(IsAdmin)]
    #[oai(path = "/builtin", method = "get")]
    async fn builtin(&self) -> PlainText<&'static str> {
        PlainText("ok")
    }

    #[permission(IsAuthenticated & !IsAdmin)]
    #[oai(path = "/negated", method = "get")]
    async fn negated(&self) -> PlainText<&'static str> {
        PlainText("ok")
    }

    #[permission(IsAuthenticated & (IsAdmin | NotOnSundays))]
    #[oai(path = "/custom", method = "get")]
    async fn custom(&self) -> PlainText<&'static str> {
        PlainText("ok")
    }

    #[permission(auth_runtime::HasScope("write"))]
    #[oai(path = "/scoped", method = "post")]
    async fn scoped(&self) -> PlainText<&'static str> {
        PlainText("ok")
    }
}

async fn body(resp: poem::test::TestResponse) -> Value {
    resp.assert_status(poem::http::StatusCode::FORBIDDEN);
    resp.json().await.value().deserialize()
}

#[tokio::test]
async fn a_403_names_the_clause_that_refused() {
    let ctx = testing::memory_context().await;
    let ann = testing::user("ann").create(&ctx).await;
    let root = testing::user("root").superuser().create(&ctx).await;
    let app = auth_runtime::App::new(OpenApiService::new(Clauses, "t", "1"), &ctx).into_endpoint();
    let client = TestClient::new(app);
    let reader = testing::identity(&ann, "jwt", &["read"]);
    let bodies = json!({
        "builtin": body(testing::force_authenticate(client.get("/builtin"), &ann).send().await).await,
        "negated": body(testing::force_authenticate(client.get("/negated"), &root).send().await).await,
        "custom": body(testing::force_authenticate(client.get("/custom"), &ann).send().await).await,
        "scoped": body(testing::force_identity(client.post("/scoped"), reader).send().await).await,
    });
    assert_eq!(bodies["builtin"]["denied_by"], "IsAdmin");
    assert_eq!(bodies["negated"]["denied_by"], "!IsAdmin");
    assert_eq!(bodies["custom"]["denied_by"], "NotOnSundays");
    assert_eq!(bodies["custom"]["code"], "closed");
    assert_eq!(bodies["scoped"]["missing_scopes"], json!(["write"]));
    assert_snapshot(
        "refusals.json",
        &(serde_json::to_string_pretty(&bodies).unwrap() + "\n"),
    );
    // The bodies are documented: `AuthError` has the fields.
    let doc: Value = serde_json::from_str(
        auth_runtime::docs::ApiDocs::new(&OpenApiService::new(Clauses, "t", "1"), ctx.settings())
            .spec(),
    )
    .unwrap();
    let schema = &doc["components"]["schemas"]["AuthError"]["properties"];
    for field in [
        "detail",
        "code",
        "denied_by",
        "missing_scopes",
        "required_scopes",
    ] {
        assert!(schema[field].is_object(), "AuthError documents {field}");
    }
}

/// Collects what a `tracing` subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_decision_log_records_each_decision() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter("off,auth::decision=info")
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let ctx = testing::memory_context().await;
    let ann = testing::user("ann").create(&ctx).await;
    let app = auth_runtime::App::new(OpenApiService::new(Clauses, "t", "1"), &ctx).into_endpoint();
    let client = TestClient::new(app);
    testing::force_authenticate(client.get("/builtin"), &ann)
        .send()
        .await;
    testing::force_authenticate(client.get("/negated"), &ann)
        .send()
        .await;
    client.get("/negated").send().await;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 3, "{text}");
    let fields: Vec<&Value> = events.iter().map(|e| &e["fields"]).collect();
    assert!(
        events.iter().all(|e| e["target"] == "auth::decision"),
        "{text}"
    );
    assert_eq!(fields[0]["outcome"], "refused");
    assert_eq!(fields[0]["denied_by"], "IsAdmin");
    assert_eq!(fields[0]["user_id"], ann.id);
    assert_eq!(fields[0]["status"], 403);
    assert_eq!(fields[0]["operation"], "GET /builtin (builtin)");
    assert_eq!(fields[1]["outcome"], "allowed");
    assert_eq!(fields[1]["scheme"], "jwt");
    assert_eq!(fields[2]["outcome"], "refused");
    assert_eq!(fields[2]["code"], "not_authenticated");
    assert_eq!(fields[2]["status"], 401);
}

#[tokio::test]
async fn explain_prints_the_verdict_of_each_clause() {
    let h = sqlite(test_settings()).await;
    h.user("bob").await;
    h.admin("boss").await;
    let deny = auth_runtime::explain::explain(&h.ctx, Some("bob"), "GET", "/api/accounts/users/")
        .await
        .unwrap();
    let allow = auth_runtime::explain::explain(&h.ctx, Some("boss"), "GET", "/api/accounts/users/")
        .await
        .unwrap();
    let articles = auth_runtime::explain::explain(&h.ctx, None, "POST", "/api/articles/")
        .await
        .unwrap();
    assert!(!deny.verdict.as_ref().unwrap().allowed);
    assert!(allow.verdict.as_ref().unwrap().allowed);
    assert_snapshot("explain.txt", &format!("{deny}\n{allow}\n{articles}"));
}
