use auth_runtime::{permission, secured, IsAdmin};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

struct HasRole(&'static str);

#[secured]
#[OpenApi]
impl Api {
    #[permission(!IsAdmin | HasRole("editor"))]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
