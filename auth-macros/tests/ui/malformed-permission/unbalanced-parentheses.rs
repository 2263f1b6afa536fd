use auth_runtime::{permission, secured, IsAdmin, IsAuthenticated};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

// The lexer rejects this before any macro runs: the error is rustc's own.
#[secured]
#[OpenApi]
impl Api {
    #[permission((IsAuthenticated | IsAdmin)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
