//! The generated code triggers no lint, even denied ones.
#![deny(warnings, missing_docs, unused, unused_qualifications, unreachable_pub)]
#![deny(non_camel_case_types, non_snake_case, unused_results, let_underscore_drop)]

use auth_runtime::{authenticated, permission, public, secured, IsAdmin, IsAuthenticated};
use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};

/// The API.
pub struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt, session)]
    #[permission(IsAuthenticated & !IsAdmin)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[permission(IsAdmin)]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }

    #[public]
    #[oai(path = "/c", method = "get")]
    async fn c(&self) -> PlainText<&'static str> {
        PlainText("c")
    }
}

fn main() {
    drop(OpenApiService::new(Api, "t", "1").spec());
}
