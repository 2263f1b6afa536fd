use auth_runtime::{authenticated, permission, public, secured, IsAdmin};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[permission(IsAdmin)]
    async fn helper(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[public]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }
}

fn main() {}
