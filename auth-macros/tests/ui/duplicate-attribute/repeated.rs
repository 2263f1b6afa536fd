use auth_runtime::{authenticated, permission, public, secured, IsAdmin, IsAuthenticated};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[authenticated(session)]
    #[permission(IsAuthenticated)]
    #[permission(!IsAdmin)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[public]
    #[public]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }
}

fn main() {}
