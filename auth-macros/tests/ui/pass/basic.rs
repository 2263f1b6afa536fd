//! The README example: declared chain, permission expression, public operation; the
//! OpenAPI document lists the declared schemes as alternatives.

use auth_runtime::{authenticated, permission, public, secured, IsAdmin, IsAuthenticated, Principal};
use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt, session)]
    #[permission(IsAuthenticated & !IsAdmin | IsAdmin)]
    #[oai(path = "/profile", method = "get")]
    async fn profile(&self, user: Principal) -> PlainText<String> {
        PlainText(format!("{}", user.is_authenticated()))
    }

    #[public]
    #[oai(path = "/open", method = "get")]
    async fn open(&self) -> PlainText<&'static str> {
        PlainText("open")
    }
}

fn main() {
    let spec: serde_json::Value =
        serde_json::from_str(&OpenApiService::new(Api, "t", "1").spec()).unwrap();
    let paths = &spec["paths"];
    assert_eq!(
        paths["/profile"]["get"]["security"],
        serde_json::json!([{ "jwt": [] }, { "session": [] }]),
        "{spec:#}"
    );
    assert!(paths["/open"]["get"].get("security").is_none(), "{spec:#}");
    // the guard is no parameter
    assert!(paths["/profile"]["get"].get("parameters").is_none(), "{spec:#}");
}
