use auth_runtime::{authenticated, permission, public, IsAuthenticated};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[permission(IsAuthenticated)]
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

fn main() {}
