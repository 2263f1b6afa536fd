#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! JWTs and opaque OAuth2 tokens both arrive as `Authorization: Bearer`. Whatever the
//! order of the two schemes in a chain, each token reaches its own scheme, and a bad
//! token of either kind is refused (DRF's JWT-first chain refuses every OAuth2 token).

use auth_runtime::{authenticated, secured, Principal};
use e2e_tests::{all_backends, test_settings, Harness};
use poem::{test::TestClient, EndpointExt};
use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};

struct Orders;

#[secured]
#[OpenApi]
impl Orders {
    #[authenticated(jwt, oauth2)]
    #[oai(path = "/jwt-first", method = "get")]
    async fn jwt_first(&self, who: Principal) -> PlainText<String> {
        PlainText(who.scheme().unwrap_or("-").to_owned())
    }

    #[authenticated(oauth2, jwt)]
    #[oai(path = "/oauth2-first", method = "get")]
    async fn oauth2_first(&self, who: Principal) -> PlainText<String> {
        PlainText(who.scheme().unwrap_or("-").to_owned())
    }
}

async fn oauth2_token(h: &Harness) -> String {
    let (id, secret) = h.confidential_client(&["password"]).await;
    let r = h
        .post_form(
            "/o/token/",
            &[
                ("grant_type", "password"),
                ("username", "both"),
                ("password", "testpass123"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
            &[],
        )
        .await;
    r.json["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn either_token_in_either_order() {
    for h in all_backends(test_settings()).await {
        h.register("both", "testpass123").await;
        let (jwt, _) = h.jwt_pair("both", "testpass123").await;
        let opaque = oauth2_token(&h).await;
        let app = OpenApiService::new(Orders, "orders", "1").with(h.ctx.layer());
        let client = TestClient::new(app);
        for path in ["/jwt-first", "/oauth2-first"] {
            for (token, scheme) in [(&jwt, "jwt"), (&opaque, "oauth2")] {
                let resp = client
                    .get(path)
                    .header("authorization", format!("Bearer {token}"))
                    .send()
                    .await;
                resp.assert_status_is_ok();
                resp.assert_text(scheme).await;
            }
            for bad in ["not-a-real-token", "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln"] {
                let resp = client
                    .get(path)
                    .header("authorization", format!("Bearer {bad}"))
                    .send()
                    .await;
                resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);
            }
            let resp = client.get(path).send().await;
            resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);
        }
    }
}
