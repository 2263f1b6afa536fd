use auth_runtime::{permission, secured, IsAdmin, IsAuthenticated};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[permission(IsAuthenticated &)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[permission(| IsAdmin)]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }

    #[permission(IsAuthenticated & | IsAdmin)]
    #[oai(path = "/c", method = "get")]
    async fn c(&self) -> PlainText<&'static str> {
        PlainText("c")
    }

    #[permission(IsAuthenticated & !)]
    #[oai(path = "/d", method = "get")]
    async fn d(&self) -> PlainText<&'static str> {
        PlainText("d")
    }
}

fn main() {}
