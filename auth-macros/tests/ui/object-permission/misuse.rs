use auth_runtime::{authenticated, object_permission, public, secured, IsAdmin};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

async fn load(id: i64) -> poem::Result<i64> {
    Ok(id)
}

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[object_permission(IsAdmin)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[public]
    #[object_permission(IsAdmin, thing = load(1))]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }
}

fn main() {}
