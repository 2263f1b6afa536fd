use auth_runtime::{authenticated, permission, secured, HasScope, IsAdmin};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[permission(HasScope("read", "write"))]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[authenticated(jwt)]
    #[permission(IsAdmin("boss"))]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }
}

fn main() {}
