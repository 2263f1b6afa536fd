use auth_runtime::{permission, secured, IsAdmin, IsAuthenticated};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[permission(IsAuthenticated and not IsAdmin or IsAdmin)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
