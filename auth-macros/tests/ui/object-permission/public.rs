use auth_runtime::{object_permission, public, secured, IsAdmin};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

async fn load(id: i64) -> poem::Result<i64> {
    Ok(id)
}

#[secured]
#[OpenApi]
impl Api {
    #[public]
    #[object_permission(IsAdmin, thing = load(1))]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<String> {
        PlainText(thing.to_string())
    }
}

fn main() {}
