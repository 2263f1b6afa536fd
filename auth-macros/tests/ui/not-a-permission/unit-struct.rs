use auth_runtime::{authenticated, permission, secured, IsAuthenticated};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

struct IsOwner;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[permission(IsAuthenticated & IsOwner)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
