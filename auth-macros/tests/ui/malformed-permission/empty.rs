use auth_runtime::{permission, secured, IsAdmin};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[permission()]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[permission]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }

    #[permission(IsAdmin & ())]
    #[oai(path = "/c", method = "get")]
    async fn c(&self) -> PlainText<&'static str> {
        PlainText("c")
    }
}

fn main() {}
